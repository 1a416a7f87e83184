//! Compiles `proto/addsvc.proto` (the .proto that `kitgen proto` exports
//! for addsvc) with tonic-prost-build, for the hand-written tonic baseline.
//! protox parses it, so no system `protoc` is needed.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    println!("cargo:rerun-if-changed=proto/addsvc.proto");
    let descriptors = protox::compile(["addsvc.proto"], ["proto"])?;
    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
