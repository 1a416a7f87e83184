//! addsvc end to end: the generated HTTP client calls the generated HTTP
//! server over TCP on 127.0.0.1, and every business error comes back as its
//! own variant.

use std::sync::Arc;
use std::time::Duration;

use addsvc::{AddError, AddService, BasicAddService, add_service};
use http::Method;
use kit::Code;
use kitgen_tests::{RawConnection, base_url, serve};

async fn client() -> (add_service::HttpClient, std::net::SocketAddr) {
    let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
    let addr = serve(add_service::http_router(endpoints)).await;
    (add_service::HttpClient::new(&base_url(addr)).unwrap(), addr)
}

#[tokio::test]
async fn sum_and_concat_succeed() {
    let (client, _) = client().await;
    let ctx = kit::Context::new();
    assert_eq!(client.sum(&ctx, 2, 3).await.unwrap(), 5);
    assert_eq!(client.sum(&ctx, -7, 0).await.unwrap(), -7);
    assert_eq!(
        client
            .concat(&ctx, "abc".into(), "def".into())
            .await
            .unwrap(),
        "abcdef"
    );
    assert_eq!(
        client
            .concat(&ctx, String::new(), String::new())
            .await
            .unwrap(),
        ""
    );
}

#[tokio::test]
async fn every_business_error_comes_back_as_its_variant() {
    let (client, _) = client().await;
    let ctx = kit::Context::new();
    let error = client.sum(&ctx, 0, 0).await.unwrap_err();
    assert!(matches!(error, AddError::TwoZeroes), "{error:?}");
    assert_eq!(error.to_string(), "can't sum two zeroes");

    let error = client.sum(&ctx, i64::MAX, 1).await.unwrap_err();
    assert!(matches!(error, AddError::IntOverflow), "{error:?}");
    assert_eq!(error.to_string(), "integer overflow");

    let error = client
        .concat(&ctx, "0123456789".into(), "x".into())
        .await
        .unwrap_err();
    assert!(matches!(error, AddError::MaxSizeExceeded), "{error:?}");
    assert_eq!(error.to_string(), "result exceeds maximum size");
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
async fn transport_failures_arrive_in_the_transport_variant() {
    // Bind, then drop, a listener: nothing listens on that port any more.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = add_service::HttpClient::new(&base_url(addr)).unwrap();
    let error = client.sum(&kit::Context::new(), 1, 2).await.unwrap_err();
    let AddError::Transport(error) = error else {
        panic!("expected the transport variant, got {error:?}");
    };
    assert_eq!(error.code(), Code::Unavailable, "{error}");
}

#[tokio::test]
async fn an_expired_context_fails_before_sending() {
    let (client, _) = client().await;
    let ctx = kit::Context::new().with_timeout(Duration::ZERO);
    let error = client.sum(&ctx, 1, 2).await.unwrap_err();
    let AddError::Transport(error) = error else {
        panic!("expected the transport variant, got {error:?}");
    };
    assert_eq!(error.code(), Code::DeadlineExceeded);
}

#[tokio::test]
async fn endpoints_implement_the_trait_in_process() {
    let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
    let ctx = kit::Context::new();
    assert_eq!(endpoints.sum(&ctx, 20, 22).await.unwrap(), 42);
    assert!(matches!(
        endpoints.sum(&ctx, 0, 0).await,
        Err(AddError::TwoZeroes)
    ));
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
