//! The request context over gRPC, and bad input: request id and metadata go
//! in, a deadline becomes `grpc-timeout` and then the server's deadline, an
//! expired deadline is `DEADLINE_EXCEEDED` with the handler dropped, and
//! malformed, oversized or misaddressed requests get their codes while the
//! server keeps serving.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use kit::Code;
use kitgen_tests::inventory::{Inventory, InventoryError, Shop, inventory};
use kitgen_tests::{RawGrpcConnection, base_url, grpc_frame, serve_grpc};
use prost::Message as _;

async fn start() -> (Arc<Shop>, std::net::SocketAddr) {
    let shop = Arc::new(Shop::default());
    let endpoints = inventory::Endpoints::new(shop.clone());
    let routes = kit::grpc::Routes::new().add_service(inventory::GrpcServer::new(endpoints));
    (shop, serve_grpc(routes).await)
}

#[tokio::test]
async fn the_request_id_and_metadata_reach_the_server() {
    let (_, addr) = start().await;
    let client = inventory::GrpcClient::new(&base_url(addr)).unwrap();
    let mut ctx = kit::Context::new().with_request_id("grpc-req-1");
    ctx.metadata_mut()
        .insert("x-tenant", "acme".parse().unwrap());
    ctx.metadata_mut()
        .insert("authorization", "Bearer s3cret".parse().unwrap());
    let seen = client.context_seen(&ctx).await.unwrap();
    assert_eq!(seen, ["grpc-req-1", "acme", "-", "-", "-"]);
}

#[tokio::test]
async fn a_client_deadline_becomes_the_servers_deadline() {
    let (_, addr) = start().await;
    let client = inventory::GrpcClient::new(&base_url(addr)).unwrap();
    let ctx = kit::Context::new().with_timeout(Duration::from_secs(10));
    let left = client
        .deadline_left(&ctx)
        .await
        .unwrap()
        .expect("a deadline");
    assert!((9_000..=10_000).contains(&left), "{left} ms left");
    assert_eq!(
        client.deadline_left(&kit::Context::new()).await.unwrap(),
        None
    );

    let transport = kit::grpc::Client::new(&base_url(addr))
        .unwrap()
        .with_timeout(Duration::from_secs(3));
    let timed = inventory::GrpcClient::with_transport(transport);
    let left = timed
        .deadline_left(&kit::Context::new())
        .await
        .unwrap()
        .expect("a deadline");
    assert!((2_000..=3_000).contains(&left), "{left} ms left");
}

#[tokio::test]
async fn the_request_id_comes_back_and_trace_context_goes_on() {
    let (_, addr) = start().await;
    let channel = tonic::transport::Channel::from_shared(base_url(addr))
        .unwrap()
        .connect()
        .await
        .unwrap();
    let mut grpc = tonic::client::Grpc::new(channel);
    grpc.ready().await.unwrap();
    let traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
    let mut request = tonic::Request::new(inventory::ContextSeenRequest {});
    request
        .metadata_mut()
        .insert("x-request-id", "echo-me".parse().unwrap());
    request
        .metadata_mut()
        .insert("traceparent", traceparent.parse().unwrap());
    let response = grpc
        .unary::<_, inventory::ContextSeenResponse, _>(
            request,
            http::uri::PathAndQuery::from_static("/inventory.Inventory/ContextSeen"),
            kit::__private::tonic_prost::ProstCodec::default(),
        )
        .await
        .unwrap();
    assert_eq!(response.metadata().get("x-request-id").unwrap(), "echo-me");
    assert_eq!(
        response.into_inner().value,
        ["echo-me", "-", traceparent, "-", "-"]
    );
}

#[tokio::test]
async fn an_expired_deadline_is_deadline_exceeded_and_drops_the_handler() {
    let (shop, addr) = start().await;
    // A raw call with a short grpc-timeout and no client-side timer, so that
    // the server is the one that gives up.
    let mut connection = RawGrpcConnection::open(addr).await;
    let nap = inventory::NapRequest { millis: 10_000 }.encode_to_vec();
    let path = "/inventory.Inventory/Nap";
    let status = connection
        .call_with(path, &[("grpc-timeout", "50m")], grpc_frame(&nap))
        .await;
    assert_eq!(status.code, Code::DeadlineExceeded.as_i32(), "{status:?}");
    assert!(
        shop.nap_dropped.load(Ordering::SeqCst),
        "the handler's future was not dropped"
    );

    // Through the generated client, the same deadline is a transport error.
    let client = inventory::GrpcClient::new(&base_url(addr)).unwrap();
    let ctx = kit::Context::new().with_timeout(Duration::from_millis(50));
    let InventoryError::Transport(error) = client.nap(&ctx, 10_000).await.unwrap_err() else {
        panic!("expected the transport variant");
    };
    assert_eq!(error.code(), Code::DeadlineExceeded);
}

#[tokio::test]
async fn a_panicking_handler_is_internal_and_the_server_carries_on() {
    let (_, addr) = start().await;
    let client = inventory::GrpcClient::new(&base_url(addr)).unwrap();
    let ctx = kit::Context::new();
    let InventoryError::Transport(error) = client.explode(&ctx).await.unwrap_err() else {
        panic!("expected the transport variant");
    };
    assert_eq!(error.code(), Code::Internal);
    assert_eq!(client.restock(&ctx, 1, 2).await.unwrap(), 3);
}

#[tokio::test]
async fn bad_requests_get_their_codes_and_the_connection_carries_on() {
    let (_, addr) = start().await;
    let mut connection = RawGrpcConnection::open(addr).await;
    let restock = "/inventory.Inventory/Restock";

    // A body that is not protobuf.
    let status = connection
        .call(restock, grpc_frame(&[0xff, 0xff, 0xff, 0xff]))
        .await;
    assert!(
        status.code == Code::InvalidArgument.as_i32() || status.code == Code::Internal.as_i32(),
        "{status:?}"
    );
    // A frame that claims more bytes than it has.
    let status = connection.call(restock, vec![0, 0, 0, 0, 9, 1]).await;
    assert!(
        status.code == Code::Internal.as_i32() || status.code == Code::InvalidArgument.as_i32(),
        "{status:?}"
    );
    // A message over the limit.
    let oversized = grpc_frame(&vec![0; kit::grpc::DEFAULT_MAX_MESSAGE_SIZE + 1]);
    let status = connection.call(restock, oversized).await;
    assert_eq!(status.code, Code::ResourceExhausted.as_i32(), "{status:?}");
    // An unknown method of a known service, and an unknown service.
    let status = connection
        .call("/inventory.Inventory/Steal", grpc_frame(&[]))
        .await;
    assert_eq!(status.code, Code::Unimplemented.as_i32(), "{status:?}");
    let status = connection
        .call("/nowhere.Nothing/Nope", grpc_frame(&[]))
        .await;
    assert_eq!(status.code, Code::Unimplemented.as_i32(), "{status:?}");

    // A good request on the same connection.
    let good = inventory::RestockRequest { id: 2, amount: 3 }.encode_to_vec();
    let status = connection.call(restock, grpc_frame(&good)).await;
    assert_eq!(status.code, 0, "{status:?}");
}
