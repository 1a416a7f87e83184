//! The `proto_file` target under AFL++: see [`kitgen_fuzz::proto_file`].

fn main() {
    afl::fuzz!(|data: &[u8]| kitgen_fuzz::proto_file(data));
}
