//! HTTP/JSON, gRPC, gRPC-Web and Connect on one port
//! (`kit::Server::http_and_grpc`), and CORS for browsers on other origins.

use std::sync::Arc;

use http::Method;
use kitgen_tests::{RawConnection, base_url};
use ordersvc::{InMemoryOrderService, Order, OrderService as _, order_service};

/// The order service over both transports on one port, with CORS for one
/// origin.
async fn one_port() -> std::net::SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let router = order_service::http_router(endpoints.clone());
    let routes = kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints));
    let cors = kit::cors::browsers([http::HeaderValue::from_static("http://app.test")]);
    tokio::spawn(
        kit::Server::new()
            .http_and_grpc(listener, router, routes)
            .cors(cors)
            .run_until(std::future::pending()),
    );
    addr
}

fn order(id: &str) -> Order {
    Order {
        id: id.to_owned(),
        customer_id: "c-1".to_owned(),
        status: "Pending".to_owned(),
        ..Order::default()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn both_generated_clients_and_connect_share_the_port() {
    let addr = one_port().await;
    let http = order_service::HttpClient::new(&base_url(addr)).unwrap();
    let grpc = order_service::GrpcClient::new(&base_url(addr)).unwrap();
    let ctx = kit::Context::new();

    // Written over HTTP/JSON, read over gRPC, and the other way round.
    http.create(&ctx, order("o-1")).await.unwrap();
    assert_eq!(
        grpc.get_by_id(&ctx, "o-1".into()).await.unwrap(),
        order("o-1")
    );
    grpc.create(&ctx, order("o-2")).await.unwrap();
    assert_eq!(
        http.get_by_id(&ctx, "o-2".into()).await.unwrap(),
        order("o-2")
    );

    let mut connection = RawConnection::open(addr).await;
    let connect = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/GetById",
            &[("content-type", "application/json")],
            r#"{"id":"o-1"}"#,
        )
        .await;
    assert_eq!(connect.status, 200);
    assert_eq!(connect.json()["value"]["id"], "o-1");

    let rest = connection
        .send(Method::GET, "/orders/o-2", &[], bytes::Bytes::new())
        .await;
    assert_eq!(rest.status, 200);
    assert_eq!(rest.json()["id"], "o-2");

    let health = connection
        .send(Method::GET, "/healthz", &[], bytes::Bytes::new())
        .await;
    assert_eq!(health.json(), serde_json::json!({"status": "SERVING"}));

    // A path that is neither transport's is the HTTP router's 404.
    let missing = connection
        .send(Method::GET, "/nowhere", &[], bytes::Bytes::new())
        .await;
    assert_eq!(missing.status, 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_browser_on_an_allowed_origin_passes_the_preflight() {
    let addr = one_port().await;
    let mut connection = RawConnection::open(addr).await;
    for path in ["/ordersvc.OrderService/GetById", "/orders"] {
        let preflight = connection
            .send(
                Method::OPTIONS,
                path,
                &[
                    ("origin", "http://app.test"),
                    ("access-control-request-method", "POST"),
                    (
                        "access-control-request-headers",
                        "content-type,connect-protocol-version,x-grpc-web",
                    ),
                ],
                bytes::Bytes::new(),
            )
            .await;
        assert_eq!(preflight.status, 200, "{path}");
        assert_eq!(
            preflight.headers["access-control-allow-origin"],
            "http://app.test"
        );
        let allowed = preflight.headers["access-control-allow-headers"]
            .to_str()
            .unwrap();
        assert!(allowed.contains("connect-protocol-version"), "{allowed}");
        assert!(allowed.contains("x-grpc-web"), "{allowed}");
    }

    let answer = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/GetById",
            &[
                ("origin", "http://app.test"),
                ("content-type", "application/json"),
            ],
            r#"{"id":"none"}"#,
        )
        .await;
    assert_eq!(answer.status, 404);
    assert_eq!(
        answer.headers["access-control-allow-origin"],
        "http://app.test"
    );
    let exposed = answer.headers["access-control-expose-headers"]
        .to_str()
        .unwrap();
    assert!(exposed.contains("kit-error-variant"), "{exposed}");

    // Another origin gets no CORS headers, so its browser refuses the answer.
    let elsewhere = connection
        .send(
            Method::OPTIONS,
            "/orders",
            &[
                ("origin", "http://evil.test"),
                ("access-control-request-method", "POST"),
            ],
            bytes::Bytes::new(),
        )
        .await;
    assert!(
        !elsewhere
            .headers
            .contains_key("access-control-allow-origin")
    );
}

#[tokio::test]
async fn one_port_and_separate_ports_do_not_mix() {
    let bind = || async { tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap() };
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let routes =
        || kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints.clone()));
    let error = kit::Server::new()
        .http_and_grpc(
            bind().await,
            order_service::http_router(endpoints.clone()),
            routes(),
        )
        .grpc(bind().await, routes())
        .run_until(std::future::pending())
        .await
        .unwrap_err();
    assert_eq!(error.code(), kit::Code::InvalidArgument);
    assert!(error.message().contains("one port"), "{}", error.message());
}
