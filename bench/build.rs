//! Compiles `proto/addsvc.proto` and `proto/feed.proto` (the .protos that
//! `kitgen proto` exports for addsvc and the feed fixture) with
//! tonic-prost-build, for the hand-written tonic baselines. protox parses
//! them, so no system `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/addsvc.proto");
    println!("cargo:rerun-if-changed=proto/feed.proto");
    let descriptors = protox::compile(["addsvc.proto", "feed.proto"], ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
