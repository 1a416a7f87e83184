//! Snapshots of what kitgen generates for each fixture in `fixtures/`,
//! formatted with prettyplease. Review changes with `cargo insta review`.

use std::path::Path;

fn expand_fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fixtures")
        .join(name);
    let source = std::fs::read_to_string(&path)
        .unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let file =
        syn::parse_file(&source).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    let expanded =
        kitgen::expand_file(&file).unwrap_or_else(|error| panic!("{}: {error}", path.display()));
    prettyplease::unparse(&expanded)
}

#[test]
fn addsvc() {
    insta::assert_snapshot!(expand_fixture("addsvc.rs"));
}

#[test]
fn order() {
    insta::assert_snapshot!(expand_fixture("order.rs"));
}

#[test]
fn feed() {
    insta::assert_snapshot!(expand_fixture("feed.rs"));
}
