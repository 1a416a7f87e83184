//! `src/sd/etcd/pb.rs`, the etcd client's messages and stubs, is checked
//! in so that kit's users need no code generation, and no `protoc`. This
//! test regenerates it from `proto/etcd.proto` (protox, then
//! tonic-prost-build) and fails when the two differ; with
//! `KIT_REGENERATE=1` it writes the new code instead.

use std::path::Path;

#[test]
fn the_checked_in_etcd_code_is_what_its_proto_generates() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let descriptors = protox::compile(["etcd.proto"], [root.join("proto")]).unwrap();
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("etcd_proto");
    std::fs::create_dir_all(&out).unwrap();
    tonic_prost_build::configure()
        .build_server(false)
        .build_client(true)
        .out_dir(&out)
        .compile_fds(descriptors)
        .unwrap();
    let generated = std::fs::read_to_string(out.join("etcdserverpb.rs")).unwrap();
    let checked_in_path = root.join("src/sd/etcd/pb.rs");
    if std::env::var_os("KIT_REGENERATE").is_some() {
        std::fs::write(&checked_in_path, &generated).unwrap();
    }
    let checked_in = std::fs::read_to_string(&checked_in_path).unwrap_or_default();
    assert!(
        generated == checked_in,
        "src/sd/etcd/pb.rs is not what proto/etcd.proto generates: \
         run `KIT_REGENERATE=1 cargo test -p kitgen-runtime --test etcd_proto`"
    );
}
