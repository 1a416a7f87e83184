//! Generates the `.proto` fixtures' code with `kitgen::Builder`, as a user's
//! build script would.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    kitgen::Builder::new().compile(
        &[
            "../fixtures/addsvc.proto",
            "../fixtures/order.proto",
            "proto/acme/catalog/v1/catalog.proto",
            "proto/acme/watch/v1/watch.proto",
        ],
        &["../fixtures", "proto"],
    )?;
    Ok(())
}
