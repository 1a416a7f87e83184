//! Compile-fail and compile-pass cases of `#[kit::service]` and
//! `#[derive(kit::Error)]`: one case per diagnostic, named after the
//! mistake, with the expected `.stderr` next to it.
//!
//! Regenerate the `.stderr` files with `TRYBUILD=overwrite` and review
//! them like snapshots.

#[test]
fn service() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/service/pass/*.rs");
    cases.compile_fail("ui/service/fail/*.rs");
}

#[test]
fn error() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/error/pass/*.rs");
    cases.compile_fail("ui/error/fail/*.rs");
}

#[test]
fn message() {
    let cases = trybuild::TestCases::new();
    cases.pass("ui/message/pass/*.rs");
    cases.compile_fail("ui/message/fail/*.rs");
}
