//! The `http_request` target under AFL++: see [`kitgen_fuzz::http_request`].

fn main() {
    afl::fuzz!(|data: &[u8]| kitgen_fuzz::http_request(data));
}
