"""Calls kitgen's Order service over JSON-RPC 2.0 with jsonrpcclient
(PyPI), which writes the requests and reads the answers, and urllib:
`jsonrpc_client.py URL`, URL being the server's `http://HOST:PORT/rpc`.

Prints one line per check and exits non-zero on the first mismatch.
"""

import json
import sys
import urllib.request

from jsonrpcclient import Error, Ok, parse, request


def post(url, body):
    data = json.dumps(body).encode()
    call = urllib.request.Request(
        url,
        data=data,
        headers={"Content-Type": "application/json", "X-Request-ID": "py-rpc-1"},
    )
    with urllib.request.urlopen(call) as answer:
        return answer.headers.get("X-Request-ID"), json.loads(answer.read())


def check(label, actual, expected):
    if actual != expected:
        print(f"FAIL {label}: expected {expected!r}, got {actual!r}")
        sys.exit(1)
    print(f"ok {label}")


def main(url):
    order = {
        "id": "py-1",
        "customer_id": "c-9",
        "restaurant_id": "r-1",
        "order_items": [
            {"product_code": "PZ-1", "name": "Margherita", "unit_price": 9.5, "quantity": 2}
        ],
    }
    request_id, answer = post(url, request("OrderService.create", params={"order": order}))
    created = parse(answer)
    check("create answers the id", created, Ok("py-1", created.id))
    check("the request id comes back", request_id, "py-rpc-1")

    _, answer = post(url, request("OrderService.get_by_id", params={"id": "py-1"}))
    found = parse(answer)
    check("get_by_id is Ok", isinstance(found, Ok), True)
    check("get_by_id finds the order", found.result["customer_id"], "c-9")
    check("the status is the service's", found.result["status"], "Pending")

    _, answer = post(url, request("OrderService.get_by_id", params=["py-1"]))
    check("params by position", parse(answer).result["id"], "py-1")

    _, answer = post(url, request("OrderService.get_by_id", params={"id": "missing"}))
    missing = parse(answer)
    check("a missing order is an Error", isinstance(missing, Error), True)
    check("its code is NOT_FOUND's", missing.code, -32005)
    check("its data names the variant", missing.data["variant"], "NotFound")
    check("its data names kit's code", missing.data["code"], "NOT_FOUND")

    _, answer = post(url, request("OrderService.cancel"))
    check("an unknown method is -32601", parse(answer).code, -32601)

    _, answers = post(
        url,
        [
            request("OrderService.change_status", params={"id": "py-1", "status": "Delivered"}),
            request("OrderService.get_by_id", params={"id": "py-1"}),
        ],
    )
    parsed = [parse(answer) for answer in answers]
    check("a batch answers each call", [type(one).__name__ for one in parsed], ["Ok", "Ok"])
    check("in order", parsed[1].result["status"], "Delivered")


if __name__ == "__main__":
    main(sys.argv[1])
