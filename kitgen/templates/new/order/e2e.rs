//! End to end: the service on real sockets, called through the generated
//! HTTP and gRPC clients, which implement [`OrderService`] too.

use std::sync::Arc;

use {{ s.lib_path }}::{BasicOrderService, {{ s.repository }}, Order, OrderError, OrderItem, OrderService, order_service};
use tokio::net::TcpListener;

{% include "new/e2e_server.rs" %}

fn order() -> Order {
    Order {
        id: String::new(),
        customer_id: "c-1".to_owned(),
        status: String::new(),
        created_on: 1_700_000_000,
        restaurant_id: "r-1".to_owned(),
        order_items: vec![OrderItem {
            product_code: "p-1".to_owned(),
            name: "Pizza".to_owned(),
            unit_price: 9.5,
            quantity: 2,
        }],
    }
}

/// Creates, reads and updates an order through `client`, and checks that
/// business errors come back as the variants the service returned.
async fn exercise(client: &impl OrderService) {
    let ctx = kit::Context::new();
    let id = client.create(&ctx, order()).await.unwrap();
    let found = client.get_by_id(&ctx, id.clone()).await.unwrap();
    assert_eq!(found.status, "Pending");
    assert_eq!(found.order_items, order().order_items);
    client
        .change_status(&ctx, id.clone(), "Delivered".to_owned())
        .await
        .unwrap();
    assert_eq!(client.get_by_id(&ctx, id.clone()).await.unwrap().status, "Delivered");

    assert!(matches!(
        client.get_by_id(&ctx, "missing".to_owned()).await,
        Err(OrderError::NotFound)
    ));
    assert!(matches!(
        client.change_status(&ctx, id, "Eaten".to_owned()).await,
        Err(OrderError::InvalidStatus(status)) if status == "Eaten"
    ));
}

/// Watches an order through `client` while it changes, and checks that
/// the stream ends at its final status.
async fn watch(client: &impl OrderService) {
    use futures_util::StreamExt;

    let ctx = kit::Context::new();
    let id = client.create(&ctx, order()).await.unwrap();
    let mut changes = client.watch(&ctx, id.clone()).await.unwrap();
    assert_eq!(changes.next().await.unwrap().unwrap().status, "Pending");
    for status in ["Preparing", "Cancelled"] {
        client
            .change_status(&ctx, id.clone(), status.to_owned())
            .await
            .unwrap();
        assert_eq!(changes.next().await.unwrap().unwrap().status, status);
    }
    assert!(changes.next().await.is_none());
    assert!(matches!(
        client.watch(&ctx, "missing".to_owned()).await,
        Err(OrderError::NotFound)
    ));
}

#[tokio::test]
async fn orders_round_trip_over_http_grpc_and_jsonrpc() {
    let running = Running::start().await;
    exercise(&order_service::HttpClient::new(&running.http).unwrap()).await;
    exercise(&order_service::GrpcClient::new(&running.grpc).unwrap()).await;
    exercise(&order_service::JsonRpcClient::new(&running.http).unwrap()).await;
    running.stop().await;
}

#[tokio::test]
async fn orders_stream_their_changes_over_http_and_grpc() {
    let running = Running::start().await;
    watch(&order_service::HttpClient::new(&running.http).unwrap()).await;
    watch(&order_service::GrpcClient::new(&running.grpc).unwrap()).await;
    running.stop().await;
}
