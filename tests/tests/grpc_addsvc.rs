//! addsvc over gRPC on 127.0.0.1: the message size limit. What every client
//! sees is in `clients.rs`.

use std::sync::Arc;

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
