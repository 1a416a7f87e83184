"""Calls kitgen's Order service over NATS with nats-py (PyPI), sending the
raw JSON requests: `nats_client.py NATS_URL`.

Prints one line per check and exits non-zero on the first mismatch.
"""

import asyncio
import json
import sys

import nats
from nats.errors import NoRespondersError


def check(label, actual, expected):
    if actual != expected:
        print(f"FAIL {label}: expected {expected!r}, got {actual!r}")
        sys.exit(1)
    print(f"ok {label}")


async def main(url):
    nc = await nats.connect(url)
    subject = "rpc.ordersvc.OrderService."
    order = {"id": "py-1", "customer_id": "c-9", "order_items": []}
    reply = await nc.request(
        subject + "Create",
        json.dumps({"order": order}).encode(),
        timeout=5,
        headers={"X-Request-ID": "py-nats-1"},
    )
    check("create answers the id", json.loads(reply.data), "py-1")
    check("the request id comes back", reply.headers.get("X-Request-ID"), "py-nats-1")

    reply = await nc.request(subject + "GetById", b'{"id": "py-1"}', timeout=5)
    found = json.loads(reply.data)
    check("get_by_id finds the order", found["customer_id"], "c-9")
    check("no error header on success", (reply.headers or {}).get("Nats-Service-Error-Code"), None)

    reply = await nc.request(subject + "GetById", b'{"id": "missing"}', timeout=5)
    check("a missing order's status", reply.headers.get("Nats-Service-Error-Code"), "404")
    body = json.loads(reply.data)
    check("its code", body["code"], "NOT_FOUND")
    check("its variant", body["variant"], "NotFound")

    reply = await nc.request(subject + "GetById", b"{not json", timeout=5)
    check("malformed JSON is a 400", reply.headers.get("Nats-Service-Error-Code"), "400")

    try:
        await nc.request(subject + "Cancel", b"{}", timeout=5)
        check("an unknown subject has no responders", "answered", "no responders")
    except NoRespondersError:
        check("an unknown subject has no responders", True, True)
    await nc.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1]))
