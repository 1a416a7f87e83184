//! The `grpc_request` target under AFL++: see [`kitgen_fuzz::grpc_request`].

fn main() {
    afl::fuzz!(|data: &[u8]| kitgen_fuzz::grpc_request(data));
}
