//! NATS request-reply through a real NATS server on 127.0.0.1: replicas in
//! a queue group, a NATS restart under load, the context on the wire, a
//! graceful drain, and a client no one here wrote (nats-py). What the
//! generated client sees is in `clients.rs`, with the other transports.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use kit::Code;
use kitgen_tests::nats_server::NatsServer;
use kitgen_tests::replicas::whoami::{Named, Whoami, whoami};
use kitgen_tests::run_python_client;
use ordersvc::{InMemoryOrderService, OrderService, order_service};

/// Waits `millis`, then says which request it served.
#[kit::service]
pub trait Slow: Send + Sync + 'static {
    /// The request id and the caller's `traceparent`, after `millis` ms.
    async fn wait(&self, ctx: &kit::Context, millis: u64) -> Result<String, kit::Error>;
}

struct Sleeper;

impl Slow for Sleeper {
    async fn wait(&self, ctx: &kit::Context, millis: u64) -> Result<String, kit::Error> {
        tokio::time::sleep(Duration::from_millis(millis)).await;
        let trace = ctx
            .metadata()
            .get("traceparent")
            .and_then(|value| value.to_str().ok())
            .unwrap_or("-");
        Ok(format!("{} {trace}", ctx.request_id()))
    }
}

/// [`Sleeper`], saying when each call starts.
struct Announcing(Arc<tokio::sync::Notify>);

impl Slow for Announcing {
    async fn wait(&self, ctx: &kit::Context, millis: u64) -> Result<String, kit::Error> {
        self.0.notify_one();
        Sleeper.wait(ctx, millis).await
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn nats_py_calls_the_service_with_raw_json() {
    let nats = NatsServer::start().await;
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    nats.serve(order_service::nats_methods(endpoints)).await;
    run_python_client(
        "nats_client.py",
        &[&nats.url()],
        &[
            "ok create answers the id",
            "ok the request id comes back",
            "ok its variant",
            "ok an unknown subject has no responders",
        ],
    )
    .await;
}

#[tokio::test]
async fn two_replicas_in_a_queue_group_share_the_calls() {
    let nats = NatsServer::start().await;
    for name in ["a", "b"] {
        let endpoints = whoami::Endpoints::new(Arc::new(Named(name.to_owned())));
        nats.serve(whoami::nats_methods(endpoints)).await;
    }
    let client = whoami::NatsClient::new(nats.connect().await);
    let answers: Vec<String> = futures_util::stream::iter(0..1000)
        .map(|_| async { client.name().await.unwrap() })
        .buffer_unordered(32)
        .collect()
        .await;
    let mut counts: HashMap<String, usize> = HashMap::new();
    for name in answers {
        *counts.entry(name).or_default() += 1;
    }
    assert_eq!(counts.values().sum::<usize>(), 1000);
    // NATS picks a member at random for each request: each gets about
    // half; a quarter is many standard deviations away.
    for name in ["a", "b"] {
        assert!(counts.get(name).copied().unwrap_or(0) >= 250, "{counts:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_succeed_again_after_the_nats_server_restarts() {
    let mut nats = NatsServer::start().await;
    let endpoints = whoami::Endpoints::new(Arc::new(Named("only".to_owned())));
    nats.serve(whoami::nats_methods(endpoints)).await;
    let client = whoami::NatsClient::with_transport(
        kit::nats::Client::new(nats.connect().await).with_timeout(Duration::from_millis(500)),
    );
    for _ in 0..20 {
        assert_eq!(client.name().await.unwrap(), "only");
    }

    // Load from two callers all through the restart, until a call that
    // started after it succeeds.
    let restarted: Arc<std::sync::OnceLock<Instant>> = Arc::default();
    let load = (0..2).map(|_| {
        let client = client.clone();
        let restarted = Arc::clone(&restarted);
        tokio::spawn(async move {
            let (mut succeeded, mut failed) = (0, 0);
            let deadline = Instant::now() + Duration::from_secs(30);
            loop {
                let started = Instant::now();
                assert!(started < deadline, "no call succeeded within 30 s");
                match client.name().await {
                    Ok(name) => {
                        assert_eq!(name, "only");
                        succeeded += 1;
                        if restarted.get().is_some_and(|at| started > *at) {
                            return (succeeded, failed);
                        }
                    }
                    // Until both connections are back and the service has
                    // subscribed again, calls fail as unavailable or out of
                    // time, and as nothing else.
                    Err(error) => {
                        assert!(
                            matches!(error.code(), Code::Unavailable | Code::DeadlineExceeded),
                            "{error}"
                        );
                        failed += 1;
                        tokio::time::sleep(Duration::from_millis(20)).await;
                    }
                }
            }
        })
    });
    let load: Vec<_> = load.collect();
    tokio::time::sleep(Duration::from_millis(200)).await;
    nats.stop();
    tokio::time::sleep(Duration::from_millis(300)).await;
    nats.restart().await;
    restarted.set(Instant::now()).unwrap();
    for caller in load {
        let (succeeded, failed) = caller.await.unwrap();
        assert!(succeeded > 1, "{succeeded} succeeded, {failed} failed");
    }
    for _ in 0..100 {
        assert_eq!(client.name().await.unwrap(), "only");
    }
}

#[tokio::test]
async fn the_request_id_the_trace_and_the_deadline_travel_in_headers() {
    let nats = NatsServer::start().await;
    let methods = slow::nats_methods(slow::Endpoints::new(Arc::new(Sleeper)));
    let subject = methods.subjects().remove(0);
    assert!(
        subject.starts_with("rpc.") && subject.ends_with(".Slow.Wait"),
        "{subject}"
    );
    nats.serve(methods).await;
    let client = slow::NatsClient::new(nats.connect().await);

    const TRACE: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let mut ctx = kit::Context::new().with_request_id("req-nats-1");
    ctx.metadata_mut()
        .insert("traceparent", http::HeaderValue::from_static(TRACE));
    assert_eq!(
        client.wait(&ctx, 0).await.unwrap(),
        format!("req-nats-1 {TRACE}")
    );

    // The client stops waiting at the deadline.
    let ctx = kit::Context::new().with_timeout(Duration::from_millis(100));
    let started = Instant::now();
    let error = client.wait(&ctx, 5_000).await.unwrap_err();
    assert_eq!(error.code(), Code::DeadlineExceeded, "{error}");
    assert!(started.elapsed() < Duration::from_secs(4));

    // And so does the server, from the header: its answer says so.
    let raw = nats.connect().await;
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("X-Request-Timeout", "100m");
    headers.insert("X-Request-ID", "raw-1");
    let started = Instant::now();
    let reply = raw
        .request_with_headers(
            subject.clone(),
            headers,
            bytes::Bytes::from_static(br#"{"millis": 5000}"#),
        )
        .await
        .unwrap();
    assert!(started.elapsed() < Duration::from_secs(4));
    let headers = reply.headers.unwrap();
    assert_eq!(
        headers.get("Nats-Service-Error-Code").unwrap().as_str(),
        "504"
    );
    assert_eq!(headers.get("X-Request-ID").unwrap().as_str(), "raw-1");
    let body: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(body["code"], "DEADLINE_EXCEEDED");

    // A timeout the server cannot read is refused.
    let mut headers = async_nats::HeaderMap::new();
    headers.insert("X-Request-Timeout", "soon");
    let reply = raw
        .request_with_headers(subject, headers, bytes::Bytes::new())
        .await
        .unwrap();
    let body: serde_json::Value = serde_json::from_slice(&reply.payload).unwrap();
    assert_eq!(body["code"], "INVALID_ARGUMENT");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_unsubscribes_and_finishes_the_calls_in_flight() {
    let nats = NatsServer::start().await;
    let started = Arc::new(tokio::sync::Notify::new());
    let service = Announcing(Arc::clone(&started));
    let subscriptions = slow::nats_methods(slow::Endpoints::new(Arc::new(service)))
        .subscribe(&nats.connect().await)
        .await
        .unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        kit::Server::new()
            .nats(subscriptions)
            .grace_period(Duration::from_secs(10))
            .run_until(async {
                let _ = stopped.await;
            }),
    );
    let client = slow::NatsClient::new(nats.connect().await);
    let in_flight = tokio::spawn({
        let client = client.clone();
        async move { client.wait(&kit::Context::new(), 500).await }
    });
    // Stopped once the call has arrived, however loaded the machine.
    tokio::time::timeout(Duration::from_secs(10), started.notified())
        .await
        .expect("the call arrived");
    stop.send(()).unwrap();

    // The call that had arrived is answered; the server then returns.
    assert!(in_flight.await.unwrap().is_ok());
    tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("the server stops once its calls are done")
        .unwrap()
        .unwrap();
    // No one is subscribed any more.
    let error = client.wait(&kit::Context::new(), 0).await.unwrap_err();
    assert_eq!(error.code(), Code::Unavailable, "{error}");
}

/// One `Endpoints` value, with bearer-token auth, a rate limit, logging
/// and metrics layered on, served over all four transports at once by one `kit::Server`:
/// each transport's call reaches the same endpoints, and `/metrics`
/// counts every call.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_endpoints_value_serves_all_four_transports() {
    use tokio::net::TcpListener;

    let nats = NatsServer::start().await;
    let metrics = kit::middleware::Metrics::new();
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()))
        .layer(kit::middleware::AuthLayer::bearer(["s3cret"]))
        .layer(kit::middleware::RateLimitLayer::reject(
            kit::middleware::Rate::per_second(1_000),
        ))
        .layer(kit::middleware::LoggingLayer::new())
        .layer(metrics.layer());
    let router = order_service::http_router(endpoints.clone()).merge(
        order_service::jsonrpc_methods(endpoints.clone())
            .into_router()
            .unwrap(),
    );
    let grpc =
        kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints.clone()));
    let subscriptions = order_service::nats_methods(endpoints)
        .subscribe(&nats.connect().await)
        .await
        .unwrap();
    let (http, grpc_listener, debug) = (
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
        TcpListener::bind("127.0.0.1:0").await.unwrap(),
    );
    let base = |listener: &TcpListener| format!("http://{}", listener.local_addr().unwrap());
    let (http_url, grpc_url, debug_url) = (base(&http), base(&grpc_listener), base(&debug));
    tokio::spawn(
        kit::Server::new()
            .http(http, router)
            .grpc(grpc_listener, grpc)
            .nats(subscriptions)
            .debug(debug, metrics)
            .run_until(std::future::pending()),
    );

    let ctx = kit::Context::new();
    let order = ordersvc::Order {
        id: "o-4".to_owned(),
        ..Default::default()
    };
    let (name, value) = (
        http::header::AUTHORIZATION,
        http::HeaderValue::from_static("Bearer s3cret"),
    );
    let over_http = || {
        kit::http::Client::new(&http_url)
            .unwrap()
            .with_header(name.clone(), value.clone())
    };
    let http = order_service::HttpClient::with_transport(over_http());
    http.create(&ctx, order).await.unwrap();
    let counted = |calls: usize| {
        let url = format!("{debug_url}/metrics");
        async move {
            let text = curl_get(&url).await;
            let line = format!(
                r#"requests_total{{service="ordersvc.OrderService",method="GetById",code="OK"}} {calls}"#
            );
            assert!(text.contains(&line), "after call {calls}: {text}");
        }
    };
    assert_eq!(get(&http).await, "o-4");
    counted(1).await;
    let grpc = kit::grpc::Client::new(&grpc_url)
        .unwrap()
        .with_header(name.clone(), value.clone());
    assert_eq!(
        get(&order_service::GrpcClient::with_transport(grpc)).await,
        "o-4"
    );
    counted(2).await;
    let jsonrpc = kit::jsonrpc::Client::with_transport(over_http());
    assert_eq!(
        get(&order_service::JsonRpcClient::with_transport(jsonrpc)).await,
        "o-4"
    );
    counted(3).await;
    let nats_client = kit::nats::Client::new(nats.connect().await);
    let over_nats = nats_client.clone().with_header(name, value);
    assert_eq!(
        get(&order_service::NatsClient::with_transport(over_nats)).await,
        "o-4"
    );
    counted(4).await;

    // Without the token, every transport is refused alike.
    let refused = order_service::NatsClient::with_transport(nats_client)
        .get_by_id(&ctx, "o-4".to_owned())
        .await
        .unwrap_err();
    assert!(
        matches!(&refused, ordersvc::OrderError::Transport(error) if error.code() == Code::Unauthenticated),
        "{refused:?}"
    );
}

/// The id of order `o-4`, as `service` finds it.
async fn get(service: &impl ordersvc::OrderService) -> String {
    service
        .get_by_id(&kit::Context::new(), "o-4".to_owned())
        .await
        .unwrap()
        .id
}

/// The body of `GET url`, with curl.
async fn curl_get(url: &str) -> String {
    let output = tokio::process::Command::new("curl")
        .args(["--silent", "--fail", url])
        .output()
        .await
        .expect("run curl");
    assert!(output.status.success(), "GET {url} failed");
    String::from_utf8(output.stdout).unwrap()
}
