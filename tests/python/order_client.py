"""Calls kitgen's Order service with Python grpcio and stubs generated from
its .proto: `order_client.py ADDRESS [--plain-errors]`.

The same client serves both Order services: the one from the Rust trait
(with the .proto kitgen exports), and the one generated from
fixtures/order.proto. `--plain-errors` skips the check of the business
error's variant trailer, which only the trait service sends.

Prints one line per check and exits non-zero on the first mismatch.
"""

import sys

import grpc

import ordersvc_pb2 as pb
import ordersvc_pb2_grpc as pb_grpc


def check(label, actual, expected):
    if actual != expected:
        print(f"FAIL {label}: expected {expected!r}, got {actual!r}")
        sys.exit(1)
    print(f"ok {label}")


def main(address, plain_errors):
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.OrderServiceStub(channel)
        order = pb.Order(
            id="",
            customer_id="py-cust",
            status="",
            created_on=1700000000,
            restaurant_id="py-rest",
            order_items=[pb.OrderItem(product_code="PY-1", name="Pasta", unit_price=7.5, quantity=3)],
        )
        created = stub.Create(pb.CreateRequest(order=order), metadata=[("x-request-id", "python-1")])
        order_id = created.value
        check("create returns an id", order_id.startswith("ord-"), True)

        fetched = stub.GetById(pb.GetByIdRequest(id=order_id)).value
        check("get_by_id finds the order", fetched.customer_id, "py-cust")
        check("the status defaults to Pending", fetched.status, "Pending")
        check("items survive the trip", fetched.order_items[0].name, "Pasta")
        check("floats survive the trip", fetched.order_items[0].unit_price, 7.5)

        stub.ChangeStatus(pb.ChangeStatusRequest(id=order_id, status="Delivered"))
        check("change_status applies", stub.GetById(pb.GetByIdRequest(id=order_id)).value.status, "Delivered")

        try:
            stub.GetById(pb.GetByIdRequest(id="no-such-order"))
            check("a missing order fails", "no error", "NOT_FOUND")
        except grpc.RpcError as error:
            check("a missing order is NOT_FOUND", error.code(), grpc.StatusCode.NOT_FOUND)
            check("the message says why", error.details(), "order not found")
            if not plain_errors:
                trailers = dict(error.trailing_metadata() or ())
                check("the variant travels in a trailer", trailers.get("kit-error-variant"), "NotFound")

        if not plain_errors:
            try:
                stub.ChangeStatus(pb.ChangeStatusRequest(id=order_id, status="Eaten"))
                check("a bad status fails", "no error", "INVALID_ARGUMENT")
            except grpc.RpcError as error:
                check("a bad status is INVALID_ARGUMENT", error.code(), grpc.StatusCode.INVALID_ARGUMENT)

        _, call = stub.GetById.with_call(
            pb.GetByIdRequest(id=order_id), metadata=[("x-request-id", "python-2")], timeout=5
        )
        echoed = dict(call.initial_metadata()).get("x-request-id")
        check("the request id comes back", echoed, "python-2")


if __name__ == "__main__":
    main(sys.argv[1], "--plain-errors" in sys.argv[2:])
