//! The `.proto` of each fixture: what the compiled service serves (through
//! `proto_schema()`, as reflection does) equals what `kitgen proto` reads
//! from the source, and the text is snapshotted.

use std::path::Path;

fn from_source(path: &str) -> Vec<kit::proto::schema::File> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(path);
    let source = std::fs::read_to_string(&path).unwrap();
    let file = syn::parse_file(&source).unwrap();
    kitgen::proto_export::schemas(&file).unwrap()
}

#[test]
fn the_order_service_schema_is_the_same_compiled_and_from_source() {
    let compiled = ordersvc::order_service::proto_schema().unwrap();
    assert_eq!(
        from_source("fixtures/order.rs"),
        std::slice::from_ref(&compiled)
    );
    insta::assert_snapshot!("order.proto", compiled.to_proto());
}

#[test]
fn the_addsvc_schema_is_the_same_compiled_and_from_source() {
    let compiled = addsvc::add_service::proto_schema().unwrap();
    assert_eq!(
        from_source("fixtures/addsvc.rs"),
        std::slice::from_ref(&compiled)
    );
    insta::assert_snapshot!("addsvc.proto", compiled.to_proto());
}

#[test]
fn the_test_inventory_schema_is_the_same_compiled_and_from_source() {
    let compiled = kitgen_tests::inventory::inventory::proto_schema().unwrap();
    assert_eq!(from_source("tests/src/inventory.rs"), [compiled]);
}

#[test]
fn the_zoo_schema_is_the_same_compiled_and_from_source() {
    // Enums out of order, maps of enums, optional messages, sint and fixed
    // in containers, raw identifiers, `()` and types in nested modules.
    let compiled = kitgen_tests::zoo::zoo::proto_schema().unwrap();
    assert_eq!(
        from_source("tests/src/zoo.rs"),
        std::slice::from_ref(&compiled)
    );
    insta::assert_snapshot!("zoo.proto", compiled.to_proto());
}

#[test]
fn the_feed_schema_with_its_streams_is_the_same_compiled_and_from_source() {
    let compiled = kitgen_tests::feed::feed::proto_schema().unwrap();
    assert_eq!(
        from_source("fixtures/feed.rs"),
        std::slice::from_ref(&compiled)
    );
    insta::assert_snapshot!("feed.proto", compiled.to_proto());
}

/// Compiles `.proto` text with protox, as protoc would.
fn compile(file: &kit::proto::schema::File) -> prost_types::FileDescriptorProto {
    struct Text(String, String);
    impl protox::file::FileResolver for Text {
        fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
            if name == self.0 {
                protox::file::File::from_source(name, &self.1)
            } else {
                Err(protox::Error::file_not_found(name))
            }
        }
    }
    let mut compiler =
        protox::Compiler::with_file_resolver(Text(file.file_name(), file.to_proto()));
    compiler
        .open_file(file.file_name())
        .unwrap_or_else(|error| panic!("{error:?}\n{}", file.to_proto()));
    let mut set = compiler.file_descriptor_set();
    let mut compiled = set.file.remove(0);
    compiled.source_code_info = None;
    compiled
}

#[test]
fn the_descriptors_are_what_protoc_makes_of_the_text() {
    for schema in [
        ordersvc::order_service::proto_schema().unwrap(),
        addsvc::add_service::proto_schema().unwrap(),
        kitgen_tests::inventory::inventory::proto_schema().unwrap(),
        kitgen_tests::zoo::zoo::proto_schema().unwrap(),
        kitgen_tests::feed::feed::proto_schema().unwrap(),
    ] {
        assert_eq!(
            schema.to_descriptor(),
            compile(&schema),
            "{}",
            schema.to_proto()
        );
    }
}

#[test]
fn the_benchmarks_proto_is_the_exported_one() {
    // bench/proto/addsvc.proto feeds the hand-written tonic baseline; it must
    // stay the .proto kitgen exports, or the benchmark compares different APIs.
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../bench/proto/addsvc.proto");
    let checked_in = std::fs::read_to_string(path).unwrap();
    let exported = addsvc::add_service::proto_schema().unwrap().to_proto();
    assert_eq!(
        checked_in, exported,
        "regenerate with: cargo run -p kitgen -- proto fixtures/addsvc.rs > bench/proto/addsvc.proto"
    );
}
