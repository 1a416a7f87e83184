//! addsvc over HTTP on 127.0.0.1: the JSON on the wire, the request id, and
//! client-side endpoints. What every client sees is in `clients.rs`.

use std::sync::Arc;

use addsvc::{AddError, AddService, BasicAddService, add_service};
use http::Method;
use kitgen_tests::{RawConnection, base_url, serve};

async fn client() -> (add_service::HttpClient, std::net::SocketAddr) {
    let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
    let addr = serve(add_service::http_router(endpoints)).await;
    (add_service::HttpClient::new(&base_url(addr)).unwrap(), addr)
}

#[tokio::test]
async fn the_wire_format_is_plain_json() {
    let (_, addr) = client().await;
    let mut connection = RawConnection::open(addr).await;

    let response = connection
        .send_json(Method::POST, "/sum", r#"{"a": 40, "b": 2}"#)
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["content-type"], "application/json");
    assert_eq!(response.json(), serde_json::json!(42));

    let response = connection
        .send_json(Method::POST, "/concat", r#"{"a": "ab", "b": "cd"}"#)
        .await;
    assert_eq!(response.json(), serde_json::json!("abcd"));

    let response = connection
        .send_json(Method::POST, "/sum", r#"{"a": 0, "b": 0}"#)
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(
        response.json(),
        serde_json::json!({"code": "INVALID_ARGUMENT", "message": "can't sum two zeroes", "variant": "TwoZeroes"})
    );
}

#[tokio::test]
async fn the_request_id_is_sent_and_echoed() {
    let (_, addr) = client().await;
    let mut connection = RawConnection::open(addr).await;
    let response = connection
        .send(
            Method::POST,
            "/sum",
            &[
                ("content-type", "application/json"),
                ("x-request-id", "trace-me-42"),
            ],
            r#"{"a": 1, "b": 1}"#,
        )
        .await;
    assert_eq!(response.headers["x-request-id"], "trace-me-42");

    let response = connection
        .send_json(Method::POST, "/sum", r#"{"a": 1, "b": 1}"#)
        .await;
    let generated = response.headers["x-request-id"].to_str().unwrap();
    assert_eq!(generated.len(), 32, "{generated}");
}

#[tokio::test]
async fn endpoints_over_a_client_stand_in_for_the_service() {
    // Client-side endpoints: the HTTP client wrapped as a service, so that
    // layers apply on the calling side too.
    let (client, _) = client().await;
    let remote = add_service::Endpoints::new(Arc::new(client));
    let ctx = kit::Context::new();
    assert_eq!(
        remote.concat(&ctx, "a".into(), "b".into()).await.unwrap(),
        "ab"
    );
    assert!(matches!(
        remote.sum(&ctx, 0, 0).await,
        Err(AddError::TwoZeroes)
    ));
}
