//! addsvc end to end over gRPC: the generated gRPC client calls the
//! generated gRPC server on 127.0.0.1, protobuf on the wire, and every
//! business error comes back as its own variant.

use std::sync::Arc;
use std::time::Duration;

use addsvc::{AddError, AddService, BasicAddService, add_service};
use kit::Code;
use kitgen_tests::{base_url, serve_grpc};

async fn client() -> add_service::GrpcClient {
    let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
    let routes = kit::grpc::Routes::new().add_service(add_service::GrpcServer::new(endpoints));
    let addr = serve_grpc(routes).await;
    add_service::GrpcClient::new(&base_url(addr)).unwrap()
}

#[tokio::test]
async fn sum_and_concat_succeed() {
    let client = client().await;
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
    let client = client().await;
    let ctx = kit::Context::new();
    let error = client.sum(&ctx, 0, 0).await.unwrap_err();
    assert!(matches!(error, AddError::TwoZeroes), "{error:?}");
    let error = client.sum(&ctx, i64::MIN, -1).await.unwrap_err();
    assert!(matches!(error, AddError::IntOverflow), "{error:?}");
    let error = client
        .concat(&ctx, "0123456789".into(), "x".into())
        .await
        .unwrap_err();
    assert!(matches!(error, AddError::MaxSizeExceeded), "{error:?}");
    assert_eq!(error.to_string(), "result exceeds maximum size");
}

#[tokio::test]
async fn transport_failures_arrive_in_the_transport_variant() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let client = add_service::GrpcClient::new(&base_url(addr)).unwrap();
    let error = client.sum(&kit::Context::new(), 1, 2).await.unwrap_err();
    let AddError::Transport(error) = error else {
        panic!("expected the transport variant, got {error:?}");
    };
    assert_eq!(error.code(), Code::Unavailable, "{error}");
}

#[tokio::test]
async fn an_oversized_message_is_resource_exhausted_and_the_server_carries_on() {
    let client = client().await;
    let ctx = kit::Context::new();
    let huge = "x".repeat(kit::grpc::DEFAULT_MAX_MESSAGE_SIZE);
    let error = client.concat(&ctx, huge, String::new()).await.unwrap_err();
    let AddError::Transport(error) = error else {
        panic!("expected the transport variant, got {error:?}");
    };
    assert_eq!(error.code(), Code::ResourceExhausted, "{error}");
    assert_eq!(client.sum(&ctx, 1, 1).await.unwrap(), 2);
}

#[tokio::test]
async fn a_client_timeout_becomes_deadline_exceeded() {
    let client = client().await;
    let ctx = kit::Context::new().with_timeout(Duration::ZERO);
    let error = client.sum(&ctx, 1, 2).await.unwrap_err();
    let AddError::Transport(error) = error else {
        panic!("expected the transport variant, got {error:?}");
    };
    assert_eq!(error.code(), Code::DeadlineExceeded);
}
