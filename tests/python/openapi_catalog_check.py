"""Checks the OpenAPI document of a .proto service (the catalog) with tools
no one here wrote.

usage: openapi_catalog_check.py BASE_URL WORK_DIR

1. openapi-spec-validator validates the document served at /openapi.json;
2. a round of calls through the google.api.http rules (path variables of
   nested fields, a query with a repeated field, a body field, an answer
   of google.protobuf.Empty, a missing product) gets answers that each
   validate, with jsonschema, against the document's schema for that route
   and status: protobuf's JSON mapping, with 64-bit integers as strings,
   timestamps as RFC 3339, enums by name, maps and oneofs;
3. openapi-python-client generates a client from the document, which reads
   a product.

Prints one "ok ..." line per check; exits non-zero at the first failure.
"""

import importlib
import json
import subprocess
import sys
import urllib.error
import urllib.parse
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
    operation = document["paths"][template][method.lower()]
    for name in (p["name"] for p in operation.get("parameters", []) if p["in"] == "path"):
        assert "{" + name + "}" in template, f"{name} is not in {template}"
    described = operation["responses"].get(str(status), operation["responses"].get("default"))
    schema = dict(described["content"]["application/json"]["schema"])
    # References resolve against the document's components.
    schema["components"] = document["components"]
    jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    ).validate(answer)
    print(f"ok {method} {template} {status} matches the document")
    return answer


product_path = "/v1/shops/{key_shop}/products/{key_sku}"
sku = urllib.parse.quote("sku/1", safe="")
product = check("GET", product_path, f"/v1/shops/s1/products/{sku}")
assert product["price"]["units"] == "12", product
check("GET", product_path, "/v1/shops/s1/products/none", expect=404)
listing = check("GET", "/v1/products", "/v1/products?shop=s1&tags=a&tags=b&featuredOnly=true")
assert listing["products"][0]["title"] == "Teapot", listing
query = [p["name"] for p in document["paths"]["/v1/products"]["get"]["parameters"]]
assert query == ["shop", "tags", "featuredOnly", "pageSize"], query
check("PATCH", product_path, f"/v1/shops/s1/products/{sku}", {"title": "Kettle"})
check("PATCH", "/v1/products/{sku}/price", "/v1/products/p1/price", {"currency": "EUR", "units": "3"})

# A client generated from the document reads a product.
(work / "openapi.json").write_text(json.dumps(document))
generator = Path(sys.executable).with_name("openapi-python-client")
subprocess.run(
    [str(generator), "generate", "--path", str(work / "openapi.json"),
     "--output-path", str(work / "catalog_client"), "--meta", "none", "--overwrite"],
    check=True, capture_output=True,
)
sys.path.insert(0, str(work))
client_package = importlib.import_module("catalog_client")
get_product = importlib.import_module(
    "catalog_client.api.acme_catalog_v_1_catalog.get_product"
)
client = client_package.Client(base_url=base)
fetched = get_product.sync(client=client, key_shop="s1", key_sku="sku/1")
assert fetched is not None and fetched.title == "Teapot", fetched
assert fetched.price.units == "12", fetched.price
assert fetched.updated_at.year == 2023, fetched.updated_at
assert fetched.attributes["color"] == "blue", fetched.attributes
print("ok the generated client reads a product")
