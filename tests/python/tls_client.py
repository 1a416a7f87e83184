"""Calls a kitgen gRPC server over TLS with Python grpcio's
`ssl_channel_credentials`: `tls_client.py ADDRESS CA METHOD [CERT KEY]
[--refused]`.

It checks the server's health (`grpc.health.v1.Health/Check`) and calls
METHOD, a method that takes an empty message and answers a string (field
1), printing the string. With `--refused`, it checks instead that the
server refuses the connection (mutual TLS without a client certificate).

Prints one line per check and exits non-zero on the first mismatch.
"""

import sys

import grpc


def check(label, actual, expected):
    if actual != expected:
        print(f"FAIL {label}: expected {expected!r}, got {actual!r}")
        sys.exit(1)
    print(f"ok {label}")


def raw(channel, method):
    return channel.unary_unary(
        method, request_serializer=lambda message: message, response_deserializer=lambda data: data
    )


def main(argv):
    refused = "--refused" in argv
    args = [arg for arg in argv if arg != "--refused"]
    address, ca, method = args[0], args[1], args[2]
    cert = key = None
    if len(args) >= 5:
        cert = open(args[3], "rb").read()
        key = open(args[4], "rb").read()
    credentials = grpc.ssl_channel_credentials(
        root_certificates=open(ca, "rb").read(), private_key=key, certificate_chain=cert
    )
    with grpc.secure_channel(address, credentials) as channel:
        health = raw(channel, "/grpc.health.v1.Health/Check")
        if refused:
            try:
                health(b"", timeout=10)
                check("the server refuses the connection", "an answer", "UNAVAILABLE")
            except grpc.RpcError as error:
                check("the server refuses the connection", error.code(), grpc.StatusCode.UNAVAILABLE)
            return
        # HealthCheckResponse { status: SERVING (1) }
        check("health over TLS", health(b"", timeout=10), b"\x08\x01")
        answer = raw(channel, method)(b"", timeout=10)
        # A message whose field 1 is a string: tag 0x0a, a one-byte length.
        check("the answer is a string", answer[0], 0x0A)
        print("answer: " + answer[2 : 2 + answer[1]].decode())


if __name__ == "__main__":
    main(sys.argv[1:])
