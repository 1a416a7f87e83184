//! The `proto_file` target under AFL++: see [`kitgen_fuzz::proto_file`].

fn main() {
    // Without the abort-on-any-panic hook: kitgen catches protox's debug
    // assertions and reports them, and a panic that escapes still aborts.
    afl::fuzz_nohook!(|data: &[u8]| kitgen_fuzz::proto_file(data));
}
