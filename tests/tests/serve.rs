//! `kit::Server`: HTTP and gRPC at once, health on both, reflection, and a
//! graceful shutdown that finishes requests in flight and refuses new
//! connections.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use http::Method;
use kitgen_tests::inventory::{Inventory, Shop, inventory};
use kitgen_tests::{RawConnection, base_url};
use ordersvc::{InMemoryOrderService, OrderService as _, order_service};
use prost::Message as _;
use tokio::net::TcpListener;
use tokio::sync::oneshot;
use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

struct Running {
    http: SocketAddr,
    grpc: SocketAddr,
    stop: oneshot::Sender<()>,
    done: tokio::task::JoinHandle<Result<(), kit::Error>>,
}

async fn run(router: axum::Router, routes: kit::grpc::Routes) -> Running {
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (http_addr, grpc_addr) = (http.local_addr().unwrap(), grpc.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(
        kit::Server::new()
            .http(http, router)
            .grpc(grpc, routes)
            .run_until(async move {
                let _ = stopped.await;
            }),
    );
    Running {
        http: http_addr,
        grpc: grpc_addr,
        stop,
        done,
    }
}

async fn channel(addr: SocketAddr) -> tonic::transport::Channel {
    tonic::transport::Channel::from_shared(base_url(addr))
        .unwrap()
        .connect()
        .await
        .unwrap()
}

#[tokio::test]
async fn health_is_served_on_both_transports() {
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let running = run(
        order_service::http_router(endpoints.clone()),
        kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints)),
    )
    .await;

    let mut connection = RawConnection::open(running.http).await;
    let response = connection.send(Method::GET, "/healthz", &[], "").await;
    assert_eq!(response.status, 200);
    assert_eq!(response.json(), serde_json::json!({"status": "SERVING"}));

    let mut health = HealthClient::new(channel(running.grpc).await);
    for service in ["ordersvc.OrderService", ""] {
        let response = health
            .check(HealthCheckRequest {
                service: service.to_owned(),
            })
            .await
            .unwrap();
        assert_eq!(
            response.into_inner().status(),
            ServingStatus::Serving,
            "{service:?}"
        );
    }
    let unknown = health
        .check(HealthCheckRequest {
            service: "nope.Nope".to_owned(),
        })
        .await
        .unwrap_err();
    assert_eq!(unknown.code(), tonic::Code::NotFound);
    running.stop.send(()).unwrap();
    running.done.await.unwrap().unwrap();
}

#[tokio::test]
async fn reflection_serves_the_services_schema() {
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let running = run(
        axum::Router::new(),
        kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints)),
    )
    .await;
    let mut reflection = ServerReflectionClient::new(channel(running.grpc).await);
    let ask = |request: MessageRequest| ServerReflectionRequest {
        host: String::new(),
        message_request: Some(request),
    };
    let requests = tokio_stream_of([
        ask(MessageRequest::ListServices(String::new())),
        ask(MessageRequest::FileContainingSymbol(
            "ordersvc.OrderService".to_owned(),
        )),
    ]);
    let mut responses = reflection
        .server_reflection_info(requests)
        .await
        .unwrap()
        .into_inner();

    let Some(MessageResponse::ListServicesResponse(list)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("expected a list of services");
    };
    let names: Vec<String> = list
        .service
        .into_iter()
        .map(|service| service.name)
        .collect();
    assert!(
        names.contains(&"ordersvc.OrderService".to_owned()),
        "{names:?}"
    );
    assert!(
        names.contains(&"grpc.health.v1.Health".to_owned()),
        "{names:?}"
    );

    let Some(MessageResponse::FileDescriptorResponse(files)) =
        responses.message().await.unwrap().unwrap().message_response
    else {
        panic!("expected a file descriptor");
    };
    let file = prost_types::FileDescriptorProto::decode(files.file_descriptor_proto[0].as_slice())
        .unwrap();
    assert_eq!(file.package.as_deref(), Some("ordersvc"));
    let messages: Vec<&str> = file
        .message_type
        .iter()
        .filter_map(|m| m.name.as_deref())
        .collect();
    for expected in ["CreateRequest", "Order", "OrderItem", "GetByIdResponse"] {
        assert!(messages.contains(&expected), "{messages:?}");
    }
    running.stop.send(()).unwrap();
    running.done.await.unwrap().unwrap();
}

fn tokio_stream_of<T: Send + 'static>(
    items: impl IntoIterator<Item = T>,
) -> impl tokio_stream::Stream<Item = T> {
    tokio_stream::iter(items.into_iter().collect::<Vec<_>>())
}

#[tokio::test]
async fn shutdown_finishes_requests_in_flight_and_refuses_new_connections() {
    let shop = Arc::new(Shop::default());
    let endpoints = inventory::Endpoints::new(shop.clone());
    let running = run(
        inventory::http_router(endpoints.clone()),
        kit::grpc::Routes::new().add_service(inventory::GrpcServer::new(endpoints)),
    )
    .await;
    let http_client = inventory::HttpClient::new(&base_url(running.http)).unwrap();
    let grpc_channel = channel(running.grpc).await;
    let grpc_client = inventory::GrpcClient::with_transport(kit::grpc::Client::from_channel(
        grpc_channel.clone(),
    ));
    let held_http = tokio::spawn(async move { http_client.hold(&kit::Context::new()).await });
    let held_grpc = tokio::spawn(async move { grpc_client.hold(&kit::Context::new()).await });
    wait_until(|| shop.holding.load(Ordering::SeqCst) == 2).await;
    // A health watch opened before shutdown sees it start.
    let mut health = HealthClient::new(grpc_channel);
    let mut watch = health
        .watch(HealthCheckRequest {
            service: "inventory.Inventory".to_owned(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        watch.message().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );

    running.stop.send(()).unwrap();
    for addr in [running.http, running.grpc] {
        tokio::time::timeout(Duration::from_secs(5), async {
            while tokio::net::TcpStream::connect(addr).await.is_ok() {
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("{addr} still accepts connections after shutdown started"));
    }

    // While the requests drain, health says so.
    assert_eq!(
        watch.message().await.unwrap().unwrap().status(),
        ServingStatus::NotServing
    );
    drop(watch);
    assert!(!held_http.is_finished() && !held_grpc.is_finished());
    assert!(
        !running.done.is_finished(),
        "the server stopped before its requests finished"
    );

    shop.release();
    held_http
        .await
        .unwrap()
        .expect("the HTTP request in flight finished");
    held_grpc
        .await
        .unwrap()
        .expect("the gRPC request in flight finished");
    running.done.await.unwrap().unwrap();
}

#[tokio::test]
async fn shutdown_gives_up_on_requests_after_the_grace_period() {
    let shop = Arc::new(Shop::default());
    let endpoints = inventory::Endpoints::new(shop.clone());
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(
        kit::Server::new()
            .grpc(
                listener,
                kit::grpc::Routes::new().add_service(inventory::GrpcServer::new(endpoints)),
            )
            .grace_period(Duration::from_millis(100))
            .run_until(async move {
                let _ = stopped.await;
            }),
    );
    // A health Watch stream never ends on its own, and neither does this hold.
    let mut health = HealthClient::new(channel(addr).await);
    let mut watch = health
        .watch(HealthCheckRequest {
            service: String::new(),
        })
        .await
        .unwrap()
        .into_inner();
    assert_eq!(
        watch.message().await.unwrap().unwrap().status(),
        ServingStatus::Serving
    );
    let client = inventory::GrpcClient::new(&base_url(addr)).unwrap();
    let held = tokio::spawn(async move { client.hold(&kit::Context::new()).await });
    wait_until(|| shop.holding.load(Ordering::SeqCst) == 1).await;

    stop.send(()).unwrap();
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(5), done)
        .await
        .expect("the server stopped after its grace period")
        .unwrap()
        .unwrap();
    assert!(started.elapsed() >= Duration::from_millis(100));
    assert!(!held.is_finished(), "the held request was still running");
    shop.release();
}

async fn wait_until(condition: impl Fn() -> bool) {
    tokio::time::timeout(Duration::from_secs(5), async {
        while !condition() {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the condition came true");
}

#[tokio::test]
async fn the_debug_listener_serves_metrics_and_probes() {
    let metrics = kit::middleware::Metrics::new();
    let endpoints =
        order_service::Endpoints::new(Arc::new(InMemoryOrderService::new())).layer(metrics.layer());
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let debug = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (http_addr, debug_addr) = (http.local_addr().unwrap(), debug.local_addr().unwrap());
    let (stop, stopped) = oneshot::channel::<()>();
    let done = tokio::spawn(
        kit::Server::new()
            .http(http, order_service::http_router(endpoints))
            .debug(debug, metrics)
            .run_until(async move {
                let _ = stopped.await;
            }),
    );
    let client = order_service::HttpClient::new(&base_url(http_addr)).unwrap();
    let error = client
        .get_by_id(&kit::Context::new(), "missing".to_owned())
        .await;
    assert!(error.is_err());

    let mut connection = RawConnection::open(debug_addr).await;
    let response = connection.send(Method::GET, "/metrics", &[], "").await;
    assert_eq!(response.status, 200);
    assert!(
        response
            .headers
            .get("content-type")
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("application/openmetrics-text")),
        "{response:?}"
    );
    let text = String::from_utf8_lossy(&response.body);
    assert!(
        text.contains(
            r#"requests_total{service="ordersvc.OrderService",method="GetById",code="NOT_FOUND"} 1"#
        ),
        "{text}"
    );
    for path in ["/healthz", "/livez"] {
        let response = connection.send(Method::GET, path, &[], "").await;
        assert_eq!(response.status, 200, "{path}");
    }
    // The API's own listener does not serve metrics.
    let mut api = RawConnection::open(http_addr).await;
    assert_eq!(api.send(Method::GET, "/metrics", &[], "").await.status, 404);

    stop.send(()).unwrap();
    done.await.unwrap().unwrap();
}

/// A readiness check that fails makes `/healthz` (API and debug listeners)
/// answer 503 and gRPC health `NOT_SERVING` while calls are still served;
/// once it passes again, both say so. A check that hangs fails too.
#[tokio::test]
async fn a_failing_readiness_check_makes_the_server_not_ready_until_it_passes() {
    use std::sync::atomic::AtomicU8;
    /// What the check does: pass, fail, or take forever.
    const PASS: u8 = 0;
    const FAIL: u8 = 1;
    const HANG: u8 = 2;
    let mode = Arc::new(AtomicU8::new(PASS));
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let debug = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addrs = [http.local_addr().unwrap(), debug.local_addr().unwrap()];
    let grpc_addr = grpc.local_addr().unwrap();
    let (stop, stopped) = oneshot::channel::<()>();
    let checked = mode.clone();
    let done = tokio::spawn(
        kit::Server::new()
            .readiness_check("database", Duration::from_millis(50), move || {
                let mode = checked.load(Ordering::SeqCst);
                async move {
                    match mode {
                        PASS => Ok(()),
                        FAIL => Err(kit::Error::unavailable("connection refused")),
                        _ => std::future::pending().await,
                    }
                }
            })
            .http(http, order_service::http_router(endpoints.clone()))
            .grpc(
                grpc,
                kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints)),
            )
            .debug(debug, kit::middleware::Metrics::new())
            .run_until(async move {
                let _ = stopped.await;
            }),
    );
    let mut health = HealthClient::new(channel(grpc_addr).await);
    let client = order_service::HttpClient::new(&base_url(addrs[0])).unwrap();

    for (then, status, serving) in [
        (PASS, 200, ServingStatus::Serving),
        (FAIL, 503, ServingStatus::NotServing),
        (PASS, 200, ServingStatus::Serving),
        (HANG, 503, ServingStatus::NotServing),
        (PASS, 200, ServingStatus::Serving),
    ] {
        mode.store(then, Ordering::SeqCst);
        tokio::time::timeout(Duration::from_secs(5), async {
            loop {
                let mut said = Vec::new();
                for addr in addrs {
                    let mut connection = RawConnection::open(addr).await;
                    said.push(
                        connection
                            .send(Method::GET, "/healthz", &[], "")
                            .await
                            .status,
                    );
                }
                let grpc_says = health
                    .check(HealthCheckRequest {
                        service: "ordersvc.OrderService".to_owned(),
                    })
                    .await
                    .unwrap()
                    .into_inner()
                    .status();
                if said == [status, status] && grpc_says == serving {
                    return;
                }
                tokio::time::sleep(Duration::from_millis(10)).await;
            }
        })
        .await
        .unwrap_or_else(|_| panic!("readiness did not become {status} with the check {then}"));
        // Calls are served whatever readiness says.
        let answer = client
            .get_by_id(&kit::Context::new(), "missing".to_owned())
            .await;
        assert!(
            matches!(answer, Err(ordersvc::OrderError::NotFound)),
            "{answer:?}"
        );
    }
    stop.send(()).unwrap();
    done.await.unwrap().unwrap();
}
