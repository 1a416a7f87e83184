//! The OpenAPI 3.1 document of a trait service and of a `.proto` service:
//! served by the generated router at `/openapi.json`, the same as `kitgen
//! openapi` prints from source, valid by `openapi-spec-validator`, true to
//! every answer the service gives, and good enough for
//! `openapi-python-client` to generate a client that calls the service.

use std::sync::Arc;

use http::Method;
use kitgen_tests::{RawConnection, serve};
use ordersvc::{InMemoryOrderService, order_service};

async fn orders() -> std::net::SocketAddr {
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    serve(order_service::http_router(endpoints)).await
}

#[tokio::test]
async fn the_router_serves_the_document() {
    let mut connection = RawConnection::open(orders().await).await;
    let served = connection
        .send(Method::GET, "/openapi.json", &[], bytes::Bytes::new())
        .await;
    assert_eq!(served.status, 200);
    assert_eq!(served.headers["content-type"], "application/json");
    let document = served.json();
    assert_eq!(document["openapi"], "3.1.0");
    insta::assert_snapshot!(
        "order_openapi",
        serde_json::to_string_pretty(&document).unwrap()
    );
}

#[tokio::test]
async fn kitgen_openapi_prints_the_served_document_from_source() {
    let mut connection = RawConnection::open(orders().await).await;
    let served = connection
        .send(Method::GET, "/openapi.json", &[], bytes::Bytes::new())
        .await
        .json();
    // The fixture is ordersvc's lib; the served document has its version.
    let cli = <kitgen::cli::Cli as clap::Parser>::parse_from([
        "kitgen",
        "openapi",
        "../fixtures/order.rs",
        "--api-version",
        "0.1.0",
    ]);
    let mut printed = Vec::new();
    kitgen::cli::run(&cli, &mut printed)
        .unwrap_or_else(|report| panic!("{}", report.render(false)));
    let printed: serde_json::Value = serde_json::from_slice(&printed).unwrap();
    assert_eq!(printed, served);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_tools_validate_the_document_and_a_generated_client_calls_the_service() {
    let python = kitgen_tests::python();
    let addr = orders().await;
    let work = std::env::temp_dir().join(format!("kitgen-openapi-{}", std::process::id()));
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/openapi_check.py");
    let checked = tokio::process::Command::new(&python)
        .arg(script)
        .arg(format!("http://{addr}"))
        .arg(&work)
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&work);
    let stdout = String::from_utf8_lossy(&checked.stdout);
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{stdout}\n{stderr}");
    for check in [
        "ok the document is valid OpenAPI 3.1.0",
        "ok GET /orders/{id} 404 matches the document",
        "ok PUT /orders/{id}/status 400 matches the document",
        "ok POST /orders 409 matches the document",
        "ok the generated client creates and reads an order",
        "ok the generated client reads a business error as its variant",
    ] {
        assert!(stdout.contains(check), "{check} in:\n{stdout}");
    }
}

/// The catalog, a `.proto` service with oneofs, maps, well-known types,
/// nested messages, enums, an import from another package and HTTP rules
/// with nested field paths.
async fn catalog() -> std::net::SocketAddr {
    use kitgen_tests::from_proto::{Catalog, acme::catalog::v1::catalog};
    let endpoints = catalog::Endpoints::new(Arc::new(Catalog::default()));
    serve(catalog::http_router(endpoints)).await
}

#[tokio::test]
async fn a_proto_service_serves_its_document_in_protobufs_json_mapping() {
    let mut connection = RawConnection::open(catalog().await).await;
    let served = connection
        .send(Method::GET, "/openapi.json", &[], bytes::Bytes::new())
        .await;
    assert_eq!(served.status, 200);
    let document = served.json();
    insta::assert_snapshot!(
        "catalog_openapi",
        serde_json::to_string_pretty(&document).unwrap()
    );
    let cli = <kitgen::cli::Cli as clap::Parser>::parse_from([
        "kitgen",
        "openapi",
        "proto/acme/catalog/v1/catalog.proto",
        "-I",
        "proto",
        "--api-version",
        env!("CARGO_PKG_VERSION"),
    ]);
    let mut printed = Vec::new();
    kitgen::cli::run(&cli, &mut printed)
        .unwrap_or_else(|report| panic!("{}", report.render(false)));
    let printed: serde_json::Value = serde_json::from_slice(&printed).unwrap();
    assert_eq!(
        printed, document,
        "kitgen openapi prints the served document"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_tools_validate_a_proto_services_document_and_its_answers() {
    let python = kitgen_tests::python();
    let addr = catalog().await;
    let work = std::env::temp_dir().join(format!("kitgen-openapi-proto-{}", std::process::id()));
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/openapi_catalog_check.py");
    let checked = tokio::process::Command::new(&python)
        .arg(script)
        .arg(format!("http://{addr}"))
        .arg(&work)
        .output()
        .await
        .unwrap();
    let _ = std::fs::remove_dir_all(&work);
    let stdout = String::from_utf8_lossy(&checked.stdout);
    let stderr = String::from_utf8_lossy(&checked.stderr);
    assert!(checked.status.success(), "{stdout}\n{stderr}");
    for check in [
        "ok the document is valid OpenAPI 3.1.0",
        "ok GET /v1/shops/{key_shop}/products/{key_sku} 200 matches the document",
        "ok GET /v1/shops/{key_shop}/products/{key_sku} 404 matches the document",
        "ok GET /v1/products 200 matches the document",
        "ok PATCH /v1/shops/{key_shop}/products/{key_sku} 200 matches the document",
        "ok PATCH /v1/products/{sku}/price 200 matches the document",
        "ok the generated client reads a product",
    ] {
        assert!(stdout.contains(check), "{check} in:\n{stdout}");
    }
}
