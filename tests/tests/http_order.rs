//! The Order service over HTTP on 127.0.0.1: the JSON shapes of each route.
//! What every client sees is in `clients.rs`, run over HTTP and gRPC alike.

use std::sync::Arc;

use http::Method;
use kitgen_tests::{RawConnection, serve};
use ordersvc::{InMemoryOrderService, Order, OrderItem, order_service};

async fn start() -> std::net::SocketAddr {
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    serve(order_service::http_router(endpoints)).await
}

fn pizza(id: &str) -> Order {
    Order {
        id: id.to_owned(),
        customer_id: "cust-1".to_owned(),
        status: String::new(),
        created_on: 1_700_000_000,
        restaurant_id: "rest-9".to_owned(),
        order_items: vec![
            OrderItem {
                product_code: "PZ-1".to_owned(),
                name: "Margherita".to_owned(),
                unit_price: 9.5,
                quantity: 2,
            },
            OrderItem {
                product_code: "DR-3".to_owned(),
                name: "Lemonade".to_owned(),
                unit_price: 2.25,
                quantity: 1,
            },
        ],
    }
}

#[tokio::test]
async fn routes_have_the_declared_shapes() {
    let addr = start().await;
    let mut connection = RawConnection::open(addr).await;

    let order = serde_json::to_string(&pizza("o-7")).unwrap();
    let response = connection.send_json(Method::POST, "/orders", &order).await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), serde_json::json!("o-7"));

    let response = connection.send(Method::GET, "/orders/o-7", &[], "").await;
    assert_eq!(response.status, 200);
    let json = response.json();
    assert_eq!(json["id"], "o-7");
    assert_eq!(json["order_items"][0]["product_code"], "PZ-1");
    assert_eq!(json["order_items"][1]["unit_price"], 2.25);

    let response = connection
        .send_json(
            Method::PUT,
            "/orders/o-7/status",
            r#"{"status": "Confirmed"}"#,
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), serde_json::json!({}));

    let response = connection.send(Method::GET, "/orders/nope", &[], "").await;
    assert_eq!(response.status, 404);
    assert_eq!(
        response.json(),
        serde_json::json!({"code": "NOT_FOUND", "message": "order not found", "variant": "NotFound"})
    );

    let response = connection.send_json(Method::POST, "/orders", &order).await;
    assert_eq!(response.status, 409);
    assert_eq!(
        response.json(),
        serde_json::json!({
            "code": "ALREADY_EXISTS",
            "message": "order o-7 already exists",
            "variant": "AlreadyExists",
            "details": {"id": "o-7"},
        })
    );

    let response = connection
        .send_json(Method::PUT, "/orders/o-7/status", r#"{"status": "Lost"}"#)
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["details"], "Lost");
}

#[tokio::test]
async fn absent_fields_are_their_defaults_as_over_grpc() {
    let addr = start().await;
    let mut connection = RawConnection::open(addr).await;

    // Go's `json:",omitempty"` leaves out empty ids and zero times; proto3
    // leaves them out on the wire. Both mean the default.
    let response = connection
        .send_json(
            Method::POST,
            "/orders",
            r#"{"customer_id": "c-1", "order_items": [{"name": "Tea"}]}"#,
        )
        .await;
    assert_eq!(response.status, 200, "{:?}", response.json());
    let id = response.json().as_str().unwrap().to_owned();
    let response = connection
        .send(Method::GET, &format!("/orders/{id}"), &[], "")
        .await;
    let json = response.json();
    assert_eq!(json["customer_id"], "c-1");
    assert_eq!(json["restaurant_id"], "");
    assert_eq!(json["order_items"][0]["quantity"], 0);
    assert_eq!(json["order_items"][0]["unit_price"], 0.0);
}
