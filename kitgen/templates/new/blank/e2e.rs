{%- let svc = s.services[0] -%}
//! End to end: the service on real sockets, called through the generated
//! HTTP and gRPC clients, which implement [`{{ svc.trait_name }}`] too.

use std::sync::Arc;

use {{ s.lib_path }}::{ {{- s.stem }}Error, {{ svc.impl_name }}, {{ svc.trait_name }}, {{ svc.module -}} };
use tokio::net::TcpListener;

{% include "new/e2e_server.rs" %}

async fn exercise(client: &impl {{ svc.trait_name }}) {
    let ctx = kit::Context::new();
    let greeting = client.hello(&ctx, "Ada".to_owned()).await.unwrap();
    assert_eq!(greeting, "Hello, Ada!");
    assert!(matches!(
        client.hello(&ctx, String::new()).await,
        Err({{ s.stem }}Error::EmptyName)
    ));
}

#[tokio::test]
async fn hello_over_http_grpc_and_jsonrpc() {
    let running = Running::start().await;
    exercise(&{{ svc.module }}::HttpClient::new(&running.http).unwrap()).await;
    exercise(&{{ svc.module }}::GrpcClient::new(&running.grpc).unwrap()).await;
    exercise(&{{ svc.module }}::JsonRpcClient::new(&running.http).unwrap()).await;
    running.stop().await;
}
