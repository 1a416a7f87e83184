//! The `message` target under AFL++: see [`kitgen_fuzz::message`].

fn main() {
    afl::fuzz!(|data: &[u8]| kitgen_fuzz::message(data));
}
