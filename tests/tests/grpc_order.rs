//! The Order service end to end over gRPC on 127.0.0.1: every method and
//! every business error, with its fields, through the generated client.

use std::sync::Arc;

use kitgen_tests::{base_url, serve_grpc};
use ordersvc::{InMemoryOrderService, Order, OrderError, OrderItem, OrderService, order_service};

async fn client() -> order_service::GrpcClient {
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let routes = kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints));
    let addr = serve_grpc(routes).await;
    order_service::GrpcClient::new(&base_url(addr)).unwrap()
}

fn pizza(id: &str) -> Order {
    Order {
        id: id.to_owned(),
        customer_id: "cust-1".to_owned(),
        status: String::new(),
        created_on: 1_700_000_000,
        restaurant_id: "rest-9".to_owned(),
        order_items: vec![OrderItem {
            product_code: "PZ-1".to_owned(),
            name: "Margherita".to_owned(),
            unit_price: 9.5,
            quantity: 2,
        }],
    }
}

#[tokio::test]
async fn create_get_and_change_status() {
    let client = client().await;
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
        .change_status(&ctx, id.clone(), "Preparing".to_owned())
        .await
        .unwrap();
    assert_eq!(
        client.get_by_id(&ctx, id).await.unwrap().status,
        "Preparing"
    );
}

#[tokio::test]
async fn every_business_error_comes_back_as_its_variant() {
    let client = client().await;
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
async fn http_and_grpc_share_the_same_endpoints() {
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let grpc = serve_grpc(
        kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints.clone())),
    )
    .await;
    let http = kitgen_tests::serve(order_service::http_router(endpoints)).await;
    let ctx = kit::Context::new();
    let id = order_service::HttpClient::new(&base_url(http))
        .unwrap()
        .create(&ctx, pizza(""))
        .await
        .unwrap();
    let order = order_service::GrpcClient::new(&base_url(grpc))
        .unwrap()
        .get_by_id(&ctx, id)
        .await
        .unwrap();
    assert_eq!(order.customer_id, "cust-1");
}
