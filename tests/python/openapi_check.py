"""Checks a kitgen service's OpenAPI document with tools no one here wrote.

usage: openapi_check.py BASE_URL WORK_DIR

1. openapi-spec-validator validates the document the service serves at
   /openapi.json;
2. a round of calls (an order created, read, refused in each business error
   and a transport error) gets answers that each validate, with jsonschema,
   against the document's schema for that route and status;
3. openapi-python-client generates a client from the document, which calls
   the service: its models parse every answer.

Prints one "ok ..." line per check; exits non-zero at the first failure.
"""

import importlib
import json
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import jsonschema
from openapi_spec_validator import validate

base, work = sys.argv[1], Path(sys.argv[2])
work.mkdir(parents=True, exist_ok=True)

with urllib.request.urlopen(f"{base}/openapi.json") as answer:
    document = json.load(answer)
validate(document)
print("ok the document is valid OpenAPI", document["openapi"])


def call(method, path, body=None):
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        base + path, data=data, method=method, headers={"content-type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request) as answer:
            return answer.status, json.load(answer)
    except urllib.error.HTTPError as error:
        return error.code, json.load(error)


def check(method, template, path, body=None, expect=200):
    status, answer = call(method, path, body)
    assert status == expect, f"{method} {path}: {status} {answer}"
    responses = document["paths"][template][method.lower()]["responses"]
    described = responses.get(str(status), responses.get("default"))
    schema = dict(described["content"]["application/json"]["schema"])
    # References resolve against the document's components.
    schema["components"] = document["components"]
    jsonschema.Draft202012Validator(schema).validate(answer)
    print(f"ok {method} {template} {status} matches the document")
    return answer


order = {
    "id": "o-1",
    "customer_id": "c-7",
    "created_on": 1700000000,
    "restaurant_id": "r-2",
    "order_items": [{"product_code": "p", "name": "Pizza", "unit_price": 9.5, "quantity": 2}],
}
check("POST", "/orders", "/orders", order)
check("GET", "/orders/{id}", "/orders/o-1")
check("POST", "/orders", "/orders", order, expect=409)
check("GET", "/orders/{id}", "/orders/none", expect=404)
check("PUT", "/orders/{id}/status", "/orders/o-1/status", {"status": "Bogus"}, expect=400)
check("PUT", "/orders/{id}/status", "/orders/o-1/status", {"status": "Confirmed"})
check("POST", "/orders", "/orders", "not an order", expect=400)

# A client generated from the document calls the service.
(work / "openapi.json").write_text(json.dumps(document))
generator = Path(sys.executable).with_name("openapi-python-client")
subprocess.run(
    [str(generator), "generate", "--path", str(work / "openapi.json"),
     "--output-path", str(work / "order_client"), "--meta", "none", "--overwrite"],
    check=True, capture_output=True,
)
sys.path.insert(0, str(work))
client_package = importlib.import_module("order_client")
api = importlib.import_module("order_client.api.ordersvc_order_service")
models = importlib.import_module("order_client.models")
create = importlib.import_module("order_client.api.ordersvc_order_service.create")
get_by_id = importlib.import_module("order_client.api.ordersvc_order_service.get_by_id")
client = client_package.Client(base_url=base)
new = models.Order(id="o-2", customer_id="c-9", order_items=[models.OrderItem(product_code="q", quantity=1)])
created = create.sync(client=client, body=new)
assert created == "o-2", created
fetched = get_by_id.sync(client=client, id="o-2")
assert isinstance(fetched, models.Order), fetched
assert fetched.customer_id == "c-9" and fetched.status == "Pending", fetched
assert fetched.order_items[0].product_code == "q", fetched
print("ok the generated client creates and reads an order")
missing = get_by_id.sync(client=client, id="none")
assert isinstance(missing, models.ErrorNotFound), missing
assert missing.variant.value == "NotFound", missing
print("ok the generated client reads a business error as its variant")
