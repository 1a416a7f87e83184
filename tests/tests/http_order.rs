//! The Order service end to end over HTTP on 127.0.0.1: the generated client
//! against the generated server, the JSON shapes of each route, and every
//! business error with its fields.

use std::sync::Arc;

use http::Method;
use kitgen_tests::{RawConnection, base_url, serve};
use ordersvc::{InMemoryOrderService, Order, OrderError, OrderItem, OrderService, order_service};

async fn start() -> (order_service::HttpClient, std::net::SocketAddr) {
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let addr = serve(order_service::http_router(endpoints)).await;
    (
        order_service::HttpClient::new(&base_url(addr)).unwrap(),
        addr,
    )
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
async fn create_get_and_change_status() {
    let (client, _) = start().await;
    let ctx = kit::Context::new();
    let id = client.create(&ctx, pizza("")).await.unwrap();
    assert_eq!(id, "ord-1");

    let order = client.get_by_id(&ctx, id.clone()).await.unwrap();
    assert_eq!(
        order,
        Order {
            id: id.clone(),
            status: "Pending".to_owned(),
            ..pizza("")
        }
    );

    client
        .change_status(&ctx, id.clone(), "Delivered".to_owned())
        .await
        .unwrap();
    assert_eq!(
        client.get_by_id(&ctx, id).await.unwrap().status,
        "Delivered"
    );
}

#[tokio::test]
async fn ids_with_reserved_characters_survive_the_path() {
    let (client, _) = start().await;
    let ctx = kit::Context::new();
    let id = "a/b c?d#e%f".to_owned();
    assert_eq!(client.create(&ctx, pizza(&id)).await.unwrap(), id);
    assert_eq!(client.get_by_id(&ctx, id.clone()).await.unwrap().id, id);
    client
        .change_status(&ctx, id.clone(), "Confirmed".to_owned())
        .await
        .unwrap();
}

#[tokio::test]
async fn every_business_error_comes_back_as_its_variant() {
    let (client, _) = start().await;
    let ctx = kit::Context::new();
    client.create(&ctx, pizza("o-1")).await.unwrap();

    let error = client
        .get_by_id(&ctx, "missing".to_owned())
        .await
        .unwrap_err();
    assert!(matches!(error, OrderError::NotFound), "{error:?}");

    let error = client.create(&ctx, pizza("o-1")).await.unwrap_err();
    assert!(
        matches!(&error, OrderError::AlreadyExists { id } if id == "o-1"),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "order o-1 already exists");

    let error = client
        .change_status(&ctx, "o-1".to_owned(), "Eaten".to_owned())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, OrderError::InvalidStatus(status) if status == "Eaten"),
        "{error:?}"
    );

    let error = client
        .change_status(&ctx, "missing".to_owned(), "Confirmed".to_owned())
        .await
        .unwrap_err();
    assert!(matches!(error, OrderError::NotFound), "{error:?}");
}

#[tokio::test]
async fn routes_have_the_declared_shapes() {
    let (_, addr) = start().await;
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
