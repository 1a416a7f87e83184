//! The `call_metadata` target under AFL++: see [`kitgen_fuzz::call_metadata`].

fn main() {
    afl::fuzz!(|data: &[u8]| kitgen_fuzz::call_metadata(data));
}
