//! Every input of the committed corpus (`fuzz/corpus/{target}/`) through
//! its target: the seeds, and what the fuzzer found that reached new code,
//! kept as a regression suite that runs on every `cargo test`.

use std::path::Path;

fn replay(target: &str, run: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus")
        .join(target);
    let mut inputs = 0;
    for entry in
        std::fs::read_dir(&dir).unwrap_or_else(|error| panic!("{}: {error}", dir.display()))
    {
        let path = entry.unwrap().path();
        let input = std::fs::read(&path).unwrap();
        let outcome = std::panic::catch_unwind(|| run(&input));
        assert!(outcome.is_ok(), "{} fails", path.display());
        inputs += 1;
    }
    assert!(inputs > 0, "no input in {}", dir.display());
}

#[test]
fn http_request() {
    replay("http_request", kitgen_fuzz::http_request);
}

#[test]
fn grpc_request() {
    replay("grpc_request", kitgen_fuzz::grpc_request);
}

#[test]
fn message() {
    replay("message", kitgen_fuzz::message);
}

#[test]
fn call_metadata() {
    replay("call_metadata", kitgen_fuzz::call_metadata);
}

#[test]
fn proto_file() {
    replay("proto_file", kitgen_fuzz::proto_file);
}
