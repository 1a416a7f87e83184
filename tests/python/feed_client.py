"""Calls kitgen's Feed service, whose methods stream every way, with Python
grpcio and stubs generated from the .proto kitgen exports:
`feed_client.py ADDRESS`.

Prints one line per check and exits non-zero on the first mismatch.
"""

import sys
import threading

import grpc

import feed_pb2 as pb
import feed_pb2_grpc as pb_grpc


def check(label, actual, expected):
    if actual != expected:
        print(f"FAIL {label}: expected {expected!r}, got {actual!r}")
        sys.exit(1)
    print(f"ok {label}")


def ticks(seqs):
    for seq in seqs:
        yield pb.TotalRequest(ticks=pb.Tick(seq=seq, note="py"))


def main(address):
    with grpc.insecure_channel(address) as channel:
        stub = pb_grpc.FeedStub(channel)

        # Server streaming: every message, in order, then a business error.
        got = [r.value.seq for r in stub.Ticks(pb.TicksRequest(**{"from": 5, "count": 4, "note_bytes": 3}))]
        check("server streaming sends every message in order", got, [5, 6, 7, 8])
        seen = []
        try:
            for response in stub.Ticks(pb.TicksRequest(**{"from": 0, "count": 5, "fail_at": 2})):
                seen.append(response.value.seq)
            check("a business error ends the stream", "no error", "FAILED_PRECONDITION")
        except grpc.RpcError as error:
            check("the messages before the error arrive", seen, [0, 1])
            check("a business error ends the stream", error.code(), grpc.StatusCode.FAILED_PRECONDITION)
            variant = dict(error.trailing_metadata()).get("kit-error-variant")
            check("the variant travels in a trailer", variant, "Unlucky")

        # Client streaming.
        total = stub.Total(ticks([1, 2, 3, 4]))
        check("client streaming reads the whole stream", total.value, 10)
        try:
            stub.Total(ticks([12, 13, 14]))
            check("a business error answers a client stream", "no error", "FAILED_PRECONDITION")
        except grpc.RpcError as error:
            check("a business error answers a client stream", error.code(), grpc.StatusCode.FAILED_PRECONDITION)

        # Bidirectional: each answer arrives before the next message is sent.
        outgoing = []
        ready = threading.Condition()

        def requests():
            for seq in range(3):
                with ready:
                    ready.wait_for(lambda: len(outgoing) == seq)
                yield pb.EchoRequest(ticks=pb.Tick(seq=seq, note="ping"))

        answers = []
        for response in stub.Echo(requests()):
            answers.append(response.value.seq)
            with ready:
                outgoing.append(response.value.seq)
                ready.notify_all()
        check("bidirectional streaming answers each message", answers, [1000, 1001, 1002])

        # Cancelling a server stream from Python.
        forever = stub.Forever(pb.ForeverRequest(every_ms=5))
        first = [next(forever).value.seq for _ in range(3)]
        forever.cancel()
        check("an endless stream streams until cancelled", first, [0, 1, 2])


if __name__ == "__main__":
    main(sys.argv[1])
