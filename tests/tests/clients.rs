//! Every scenario a caller sees, written once, generic over the service
//! trait, and run over each way of calling it: the generated HTTP, gRPC and
//! JSON-RPC clients against their servers on 127.0.0.1, the NATS client
//! through a real NATS server, and the in-process `Endpoints`. Every client
//! implements the trait, so what holds for one must hold for the others. What only one transport has (routes, wire shapes,
//! message limits) stays in that transport's own test file.

use std::sync::Arc;
use std::time::Duration;

use addsvc::{AddError, AddService, BasicAddService, add_service};
use kit::Code;
use kitgen_tests::nats_server::NatsServer;
use kitgen_tests::{base_url, serve, serve_grpc};
use ordersvc::{InMemoryOrderService, Order, OrderError, OrderItem, OrderService, order_service};

/// A module of `#[tokio::test]`s, one per scenario, each run over the
/// service that `$make` gives; `$make` gives a NATS server too after
/// `nats`, which lives as long as the scenario.
macro_rules! over {
    ($way:ident: $make:expr => $($scenario:ident),+ $(,)?) => {
        mod $way {
            use super::*;
            $(
                #[tokio::test]
                async fn $scenario() {
                    super::$scenario(&$make.await).await;
                }
            )+
        }
    };
    (nats $way:ident: $make:expr => $($scenario:ident),+ $(,)?) => {
        mod $way {
            use super::*;
            $(
                #[tokio::test]
                async fn $scenario() {
                    let (_nats, service) = $make.await;
                    super::$scenario(&service).await;
                }
            )+
        }
    };
}

/// A port nothing listens on: bound, then let go.
fn dead_port() -> std::net::SocketAddr {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap()
}

mod addsvc_over {
    use super::*;

    pub(super) async fn http() -> add_service::HttpClient {
        let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
        let addr = serve(add_service::http_router(endpoints)).await;
        add_service::HttpClient::new(&base_url(addr)).unwrap()
    }

    pub(super) async fn grpc() -> add_service::GrpcClient {
        let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
        let routes = kit::grpc::Routes::new().add_service(add_service::GrpcServer::new(endpoints));
        add_service::GrpcClient::new(&base_url(serve_grpc(routes).await)).unwrap()
    }

    pub(super) async fn jsonrpc() -> add_service::JsonRpcClient {
        let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
        let router = add_service::jsonrpc_methods(endpoints)
            .into_router()
            .unwrap();
        add_service::JsonRpcClient::new(&base_url(serve(router).await)).unwrap()
    }

    pub(super) async fn nats() -> (NatsServer, add_service::NatsClient) {
        let nats = NatsServer::start().await;
        let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
        nats.serve(add_service::nats_methods(endpoints)).await;
        let client = add_service::NatsClient::new(nats.connect().await);
        (nats, client)
    }

    pub(super) async fn in_process() -> add_service::Endpoints {
        add_service::Endpoints::new(Arc::new(BasicAddService))
    }

    pub(super) async fn http_to_nowhere() -> add_service::HttpClient {
        add_service::HttpClient::new(&base_url(dead_port())).unwrap()
    }

    pub(super) async fn grpc_to_nowhere() -> add_service::GrpcClient {
        add_service::GrpcClient::new(&base_url(dead_port())).unwrap()
    }

    pub(super) async fn jsonrpc_to_nowhere() -> add_service::JsonRpcClient {
        add_service::JsonRpcClient::new(&base_url(dead_port())).unwrap()
    }

    /// A NATS server on which nothing subscribes.
    pub(super) async fn nats_to_no_one() -> (NatsServer, add_service::NatsClient) {
        let nats = NatsServer::start().await;
        let client = add_service::NatsClient::new(nats.connect().await);
        (nats, client)
    }
}

async fn sums_and_concats(service: &impl AddService) {
    let ctx = kit::Context::new();
    assert_eq!(service.sum(&ctx, 2, 3).await.unwrap(), 5);
    assert_eq!(service.sum(&ctx, -7, 0).await.unwrap(), -7);
    assert_eq!(
        service
            .concat(&ctx, "abc".into(), "def".into())
            .await
            .unwrap(),
        "abcdef"
    );
    assert_eq!(
        service
            .concat(&ctx, String::new(), String::new())
            .await
            .unwrap(),
        ""
    );
}

async fn add_errors_come_back_as_their_variants(service: &impl AddService) {
    let ctx = kit::Context::new();
    let error = service.sum(&ctx, 0, 0).await.unwrap_err();
    assert!(matches!(error, AddError::TwoZeroes), "{error:?}");
    assert_eq!(error.to_string(), "can't sum two zeroes");
    for (a, b) in [(i64::MAX, 1), (i64::MIN, -1)] {
        let error = service.sum(&ctx, a, b).await.unwrap_err();
        assert!(matches!(error, AddError::IntOverflow), "{error:?}");
        assert_eq!(error.to_string(), "integer overflow");
    }
    let error = service
        .concat(&ctx, "0123456789".into(), "x".into())
        .await
        .unwrap_err();
    assert!(matches!(error, AddError::MaxSizeExceeded), "{error:?}");
    assert_eq!(error.to_string(), "result exceeds maximum size");
}

async fn an_expired_context_is_deadline_exceeded(service: &impl AddService) {
    let ctx = kit::Context::new().with_timeout(Duration::ZERO);
    let error = service.sum(&ctx, 1, 2).await.unwrap_err();
    let AddError::Transport(error) = error else {
        panic!("expected the transport variant, got {error:?}");
    };
    assert_eq!(error.code(), Code::DeadlineExceeded);
}

async fn an_unreachable_server_is_unavailable(service: &impl AddService) {
    let error = service.sum(&kit::Context::new(), 1, 2).await.unwrap_err();
    let AddError::Transport(error) = error else {
        panic!("expected the transport variant, got {error:?}");
    };
    assert_eq!(error.code(), Code::Unavailable, "{error}");
}

over!(addsvc_http: addsvc_over::http() =>
    sums_and_concats,
    add_errors_come_back_as_their_variants,
    an_expired_context_is_deadline_exceeded,
);
over!(addsvc_grpc: addsvc_over::grpc() =>
    sums_and_concats,
    add_errors_come_back_as_their_variants,
    an_expired_context_is_deadline_exceeded,
);
over!(addsvc_jsonrpc: addsvc_over::jsonrpc() =>
    sums_and_concats,
    add_errors_come_back_as_their_variants,
    an_expired_context_is_deadline_exceeded,
);
over!(nats addsvc_nats: addsvc_over::nats() =>
    sums_and_concats,
    add_errors_come_back_as_their_variants,
    an_expired_context_is_deadline_exceeded,
);
over!(addsvc_in_process: addsvc_over::in_process() =>
    sums_and_concats,
    add_errors_come_back_as_their_variants,
);
over!(addsvc_http_to_nowhere: addsvc_over::http_to_nowhere() =>
    an_unreachable_server_is_unavailable,
);
over!(addsvc_grpc_to_nowhere: addsvc_over::grpc_to_nowhere() =>
    an_unreachable_server_is_unavailable,
);
over!(addsvc_jsonrpc_to_nowhere: addsvc_over::jsonrpc_to_nowhere() =>
    an_unreachable_server_is_unavailable,
);
over!(nats addsvc_nats_to_no_one: addsvc_over::nats_to_no_one() =>
    an_unreachable_server_is_unavailable,
);

mod order_over {
    use super::*;

    pub(super) async fn http() -> order_service::HttpClient {
        let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
        let addr = serve(order_service::http_router(endpoints)).await;
        order_service::HttpClient::new(&base_url(addr)).unwrap()
    }

    pub(super) async fn grpc() -> order_service::GrpcClient {
        let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
        let routes =
            kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints));
        order_service::GrpcClient::new(&base_url(serve_grpc(routes).await)).unwrap()
    }

    pub(super) async fn jsonrpc() -> order_service::JsonRpcClient {
        let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
        let router = order_service::jsonrpc_methods(endpoints)
            .into_router()
            .unwrap();
        order_service::JsonRpcClient::new(&base_url(serve(router).await)).unwrap()
    }

    pub(super) async fn nats() -> (NatsServer, order_service::NatsClient) {
        let nats = NatsServer::start().await;
        let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
        nats.serve(order_service::nats_methods(endpoints)).await;
        let client = order_service::NatsClient::new(nats.connect().await);
        (nats, client)
    }

    /// NATS with protobuf payloads instead of JSON.
    pub(super) async fn nats_protobuf() -> (NatsServer, order_service::NatsClient) {
        let nats = NatsServer::start().await;
        let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
        nats.serve(order_service::nats_methods(endpoints)).await;
        let client = order_service::NatsClient::with_transport(
            kit::nats::Client::new(nats.connect().await).protobuf(),
        );
        (nats, client)
    }

    pub(super) async fn in_process() -> order_service::Endpoints {
        order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()))
    }
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

async fn create_get_and_change_status(service: &impl OrderService) {
    let ctx = kit::Context::new();
    let id = service.create(&ctx, pizza("")).await.unwrap();
    assert_eq!(id, "ord-1");
    let order = service.get_by_id(&ctx, id.clone()).await.unwrap();
    assert_eq!(
        order,
        Order {
            id: id.clone(),
            status: "Pending".to_owned(),
            ..pizza("")
        }
    );
    service
        .change_status(&ctx, id.clone(), "Delivered".to_owned())
        .await
        .unwrap();
    assert_eq!(
        service.get_by_id(&ctx, id).await.unwrap().status,
        "Delivered"
    );
}

async fn ids_with_reserved_characters_survive(service: &impl OrderService) {
    let ctx = kit::Context::new();
    let id = "a/b c?d#e%f".to_owned();
    assert_eq!(service.create(&ctx, pizza(&id)).await.unwrap(), id);
    assert_eq!(service.get_by_id(&ctx, id.clone()).await.unwrap().id, id);
    service
        .change_status(&ctx, id.clone(), "Confirmed".to_owned())
        .await
        .unwrap();
}

async fn order_errors_come_back_as_their_variants(service: &impl OrderService) {
    let ctx = kit::Context::new();
    service.create(&ctx, pizza("o-1")).await.unwrap();

    let error = service
        .get_by_id(&ctx, "missing".to_owned())
        .await
        .unwrap_err();
    assert!(matches!(error, OrderError::NotFound), "{error:?}");

    let error = service.create(&ctx, pizza("o-1")).await.unwrap_err();
    assert!(
        matches!(&error, OrderError::AlreadyExists { id } if id == "o-1"),
        "{error:?}"
    );
    assert_eq!(error.to_string(), "order o-1 already exists");

    let error = service
        .change_status(&ctx, "o-1".to_owned(), "Eaten".to_owned())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, OrderError::InvalidStatus(status) if status == "Eaten"),
        "{error:?}"
    );

    let error = service
        .change_status(&ctx, "missing".to_owned(), "Confirmed".to_owned())
        .await
        .unwrap_err();
    assert!(matches!(error, OrderError::NotFound), "{error:?}");
}

over!(order_http: order_over::http() =>
    create_get_and_change_status,
    ids_with_reserved_characters_survive,
    order_errors_come_back_as_their_variants,
);
over!(order_grpc: order_over::grpc() =>
    create_get_and_change_status,
    ids_with_reserved_characters_survive,
    order_errors_come_back_as_their_variants,
);
over!(order_jsonrpc: order_over::jsonrpc() =>
    create_get_and_change_status,
    ids_with_reserved_characters_survive,
    order_errors_come_back_as_their_variants,
);
over!(nats order_nats: order_over::nats() =>
    create_get_and_change_status,
    ids_with_reserved_characters_survive,
    order_errors_come_back_as_their_variants,
);
over!(nats order_nats_protobuf: order_over::nats_protobuf() =>
    create_get_and_change_status,
    order_errors_come_back_as_their_variants,
);
over!(order_in_process: order_over::in_process() =>
    create_get_and_change_status,
    ids_with_reserved_characters_survive,
    order_errors_come_back_as_their_variants,
);

/// One `Endpoints` behind both servers: what one client writes, the other
/// reads.
#[tokio::test]
async fn http_and_grpc_share_the_same_endpoints() {
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let grpc = serve_grpc(
        kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints.clone())),
    )
    .await;
    let http = serve(order_service::http_router(endpoints)).await;
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
