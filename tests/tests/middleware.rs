//! The middleware end to end, over real sockets: a circuit breaker that
//! opens and recovers, a rate limit and authentication answered in HTTP's
//! and gRPC's terms, retries of idempotent calls from the client side, and
//! the trace context carried from a client to the server.

use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use addsvc::{AddError, AddService, add_service};
use http::Method;
use kit::middleware::{
    AuthLayer, CircuitBreakerLayer, Rate, RateLimitLayer, RetryLayer, TraceLayer,
};
use kitgen_tests::{RawConnection, base_url, serve, serve_grpc};

/// addsvc that fails with `UNAVAILABLE` while `down` is set and for its
/// next `failures` calls, and counts its calls.
#[derive(Default)]
struct Flaky {
    down: AtomicBool,
    failures: AtomicU32,
    calls: AtomicU32,
    seen_traceparent: Mutex<Option<String>>,
}

impl Flaky {
    fn fails(&self) -> bool {
        self.calls.fetch_add(1, Ordering::SeqCst);
        let planned = self
            .failures
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |left| {
                left.checked_sub(1)
            })
            .is_ok();
        planned || self.down.load(Ordering::SeqCst)
    }
}

impl AddService for Flaky {
    async fn sum(&self, ctx: &kit::Context, a: i64, b: i64) -> Result<i64, AddError> {
        let fails = self.fails();
        *self.seen_traceparent.lock().unwrap() = ctx
            .metadata()
            .get("traceparent")
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        if fails {
            return Err(AddError::Transport(kit::Error::unavailable(
                "down for maintenance",
            )));
        }
        Ok(a + b)
    }

    async fn concat(&self, _ctx: &kit::Context, a: String, b: String) -> Result<String, AddError> {
        if self.fails() {
            return Err(AddError::Transport(kit::Error::unavailable(
                "down for maintenance",
            )));
        }
        Ok(a + &b)
    }
}

#[tokio::test]
async fn the_breaker_opens_after_failures_and_recovers() {
    let service = Arc::new(Flaky::default());
    service.down.store(true, Ordering::SeqCst);
    let breaker = CircuitBreakerLayer::consecutive_failures(3).open_for(Duration::from_millis(50));
    let endpoints = add_service::Endpoints::new(service.clone()).layer(breaker);
    let addr = serve(add_service::http_router(endpoints)).await;
    let mut connection = RawConnection::open(addr).await;
    let sum = r#"{"a":1,"b":2}"#;

    for _ in 0..3 {
        let response = connection.send_json(Method::POST, "/sum", sum).await;
        assert_eq!(response.status, 503);
        assert_eq!(response.json()["message"], "down for maintenance");
    }
    let open = connection.send_json(Method::POST, "/sum", sum).await;
    assert_eq!(open.status, 503);
    assert_eq!(open.json()["message"], "the circuit breaker is open");
    assert!(open.headers.contains_key("retry-after"));
    assert_eq!(
        service.calls.load(Ordering::SeqCst),
        3,
        "the open breaker spared the service"
    );

    service.down.store(false, Ordering::SeqCst);
    tokio::time::sleep(Duration::from_millis(60)).await;
    let probe = connection.send_json(Method::POST, "/sum", sum).await;
    assert_eq!(probe.status, 200, "{:?}", probe.json());
    assert_eq!(
        connection.send_json(Method::POST, "/sum", sum).await.status,
        200
    );
}

#[tokio::test]
async fn the_rate_limit_is_429_over_http_and_resource_exhausted_over_grpc() {
    let endpoints = add_service::Endpoints::new(Arc::new(Flaky::default())).layer(
        RateLimitLayer::reject(Rate::new(2, Duration::from_secs(60))),
    );
    let http = serve(add_service::http_router(endpoints.clone())).await;
    let grpc =
        serve_grpc(kit::grpc::Routes::new().add_service(add_service::GrpcServer::new(endpoints)))
            .await;

    let mut connection = RawConnection::open(http).await;
    assert_eq!(
        connection
            .send_json(Method::POST, "/sum", r#"{"a":1,"b":2}"#)
            .await
            .status,
        200
    );
    let client = add_service::GrpcClient::new(&base_url(grpc)).unwrap();
    assert_eq!(client.sum(&kit::Context::new(), 1, 2).await.unwrap(), 3);

    let limited = connection
        .send_json(Method::POST, "/sum", r#"{"a":1,"b":2}"#)
        .await;
    assert_eq!(limited.status, 429);
    assert_eq!(limited.json()["code"], "RESOURCE_EXHAUSTED");
    let seconds: u64 = limited.headers["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=30).contains(&seconds), "{seconds}");

    match client.sum(&kit::Context::new(), 1, 2).await {
        Err(AddError::Transport(error)) => {
            assert_eq!(error.code(), kit::Code::ResourceExhausted);
            assert!(error.retry_after().is_some());
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn missing_or_bad_credentials_are_401_and_unauthenticated() {
    let endpoints = add_service::Endpoints::new(Arc::new(Flaky::default()))
        .layer(AuthLayer::bearer(["s3cret"]));
    let http = serve(add_service::http_router(endpoints.clone())).await;
    let grpc =
        serve_grpc(kit::grpc::Routes::new().add_service(add_service::GrpcServer::new(endpoints)))
            .await;

    let mut connection = RawConnection::open(http).await;
    let sum = r#"{"a":1,"b":2}"#;
    let missing = connection.send_json(Method::POST, "/sum", sum).await;
    assert_eq!(missing.status, 401);
    assert_eq!(missing.json()["code"], "UNAUTHENTICATED");
    let bad = connection
        .send(
            Method::POST,
            "/sum",
            &[
                ("content-type", "application/json"),
                ("authorization", "Bearer nope"),
            ],
            sum,
        )
        .await;
    assert_eq!(bad.status, 401);
    let good = connection
        .send(
            Method::POST,
            "/sum",
            &[
                ("content-type", "application/json"),
                ("authorization", "Bearer s3cret"),
            ],
            sum,
        )
        .await;
    assert_eq!(good.status, 200);

    let client = add_service::GrpcClient::new(&base_url(grpc)).unwrap();
    match client.sum(&kit::Context::new(), 1, 2).await {
        Err(AddError::Transport(error)) => assert_eq!(error.code(), kit::Code::Unauthenticated),
        other => panic!("{other:?}"),
    }
    // Credentials belong to the client, not to contexts, which never pass
    // them on.
    let mut ctx = kit::Context::new();
    ctx.metadata_mut()
        .insert("authorization", "Bearer s3cret".parse().unwrap());
    assert!(client.sum(&ctx, 1, 2).await.is_err());
    let client = add_service::GrpcClient::with_transport(
        kit::grpc::Client::new(&base_url(grpc))
            .unwrap()
            .with_header(
                http::header::AUTHORIZATION,
                "Bearer s3cret".parse().unwrap(),
            ),
    );
    assert_eq!(client.sum(&kit::Context::new(), 1, 2).await.unwrap(), 3);
    let client = add_service::HttpClient::with_transport(
        kit::http::Client::new(&base_url(http))
            .unwrap()
            .with_header(
                http::header::AUTHORIZATION,
                "Bearer s3cret".parse().unwrap(),
            ),
    );
    assert_eq!(client.sum(&kit::Context::new(), 1, 2).await.unwrap(), 3);
}

#[tokio::test]
async fn a_client_retries_idempotent_calls_and_carries_the_trace() {
    // The server: failing its first call.
    let service = Arc::new(Flaky::default());
    service.failures.store(1, Ordering::SeqCst);
    let served = add_service::Endpoints::new(service.clone()).layer(TraceLayer::server());
    let addr =
        serve_grpc(kit::grpc::Routes::new().add_service(add_service::GrpcServer::new(served)))
            .await;

    // The client: endpoints over the generated gRPC client, with `sum`
    // marked idempotent here (addsvc does not mark it).
    let client = add_service::GrpcClient::new(&base_url(addr)).unwrap();
    let mut endpoints = add_service::Endpoints::new(Arc::new(client)).layer(TraceLayer::client());
    endpoints.sum = endpoints
        .sum
        .idempotent(true)
        .layer(RetryLayer::new().backoff(Duration::from_millis(1), Duration::from_millis(5)));

    let caller = kit::middleware::trace::TraceParent::root();
    let mut ctx = kit::Context::new();
    ctx.metadata_mut()
        .insert("traceparent", caller.to_string().parse().unwrap());
    assert_eq!(endpoints.sum(&ctx, 2, 3).await.unwrap(), 5);
    assert_eq!(
        service.calls.load(Ordering::SeqCst),
        2,
        "one failure, one retry"
    );

    let seen = service.seen_traceparent.lock().unwrap().clone().unwrap();
    let seen = kit::middleware::trace::TraceParent::parse(&seen).unwrap();
    assert_eq!(
        seen.trace_id, caller.trace_id,
        "the server continued the caller's trace"
    );
    assert_ne!(seen.span_id, caller.span_id);

    // `concat` is not idempotent: one failure is the answer.
    service.failures.store(1, Ordering::SeqCst);
    let before = service.calls.load(Ordering::SeqCst);
    assert!(
        endpoints
            .concat(&kit::Context::new(), "a".into(), "b".into())
            .await
            .is_err()
    );
    assert_eq!(service.calls.load(Ordering::SeqCst), before + 1);
}

/// A service whose argument counts how often it is formatted.
pub mod noisy {
    use std::sync::atomic::{AtomicU32, Ordering};

    /// How often a [`Noisy`] was formatted with `Debug`.
    pub static FORMATTED: AtomicU32 = AtomicU32::new(0);

    /// A message whose `Debug` is counted.
    #[derive(Clone, PartialEq, kit::Message)]
    pub struct Noisy {
        /// Anything.
        pub text: String,
    }

    impl std::fmt::Debug for Noisy {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            FORMATTED.fetch_add(1, Ordering::SeqCst);
            f.write_str("Noisy")
        }
    }

    /// Echoes a noisy message's text.
    #[kit::service]
    pub trait Echo: Send + Sync + 'static {
        /// The text.
        async fn echo(&self, ctx: &kit::Context, noisy: Noisy) -> Result<String, kit::Error>;
    }

    /// The implementation.
    pub struct Plain;

    impl Echo for Plain {
        async fn echo(&self, _ctx: &kit::Context, noisy: Noisy) -> Result<String, kit::Error> {
            Ok(noisy.text)
        }
    }
}

#[tokio::test]
async fn the_logging_middleware_formats_nothing_when_no_event_is_kept() {
    use noisy::{Echo, FORMATTED, Noisy, Plain, echo};

    // This binary installs no subscriber, so no event is kept.
    let logged = echo::LoggingMiddleware::new(Plain);
    let text = logged
        .echo(
            &kit::Context::new(),
            Noisy {
                text: "hi".to_owned(),
            },
        )
        .await
        .unwrap();
    assert_eq!(text, "hi");
    assert_eq!(FORMATTED.load(Ordering::SeqCst), 0);
}

#[tokio::test]
async fn the_handler_knows_who_called_over_both_transports() {
    use kitgen_tests::inventory::{Inventory as _, Shop, inventory};

    let endpoints = inventory::Endpoints::new(Arc::new(Shop::default()))
        .layer(AuthLayer::basic([("ada", "lovelace")]));
    let http = serve(inventory::http_router(endpoints.clone())).await;
    let grpc =
        serve_grpc(kit::grpc::Routes::new().add_service(inventory::GrpcServer::new(endpoints)))
            .await;
    // base64("ada:lovelace")
    let credentials = http::HeaderValue::from_static("Basic YWRhOmxvdmVsYWNl");
    let over_http = inventory::HttpClient::with_transport(
        kit::http::Client::new(&base_url(http))
            .unwrap()
            .with_header(http::header::AUTHORIZATION, credentials.clone()),
    );
    let over_grpc = inventory::GrpcClient::with_transport(
        kit::grpc::Client::new(&base_url(grpc))
            .unwrap()
            .with_header(http::header::AUTHORIZATION, credentials),
    );
    let ctx = kit::Context::new();
    assert_eq!(over_http.context_seen(&ctx).await.unwrap()[4], "ada");
    assert_eq!(over_grpc.context_seen(&ctx).await.unwrap()[4], "ada");
}

/// Says where the call came from.
mod peer {
    /// Reports the caller's address.
    #[kit::service]
    pub(crate) trait Peer: Send + Sync + 'static {
        /// The remote IP address the server saw.
        async fn address(&self, ctx: &kit::Context) -> Result<String, kit::Error>;
    }

    /// Answers with `Context::peer_addr`.
    pub(crate) struct Echo;

    impl Peer for Echo {
        async fn address(&self, ctx: &kit::Context) -> Result<String, kit::Error> {
            Ok(ctx
                .peer_addr()
                .map_or_else(|| "unknown".to_owned(), |addr| addr.ip().to_string()))
        }
    }
}

#[tokio::test]
async fn the_server_tells_handlers_and_per_caller_limits_the_remote_address() {
    use peer::Peer as _;

    // Anonymous callers are limited by address: two calls a minute each.
    let rate = Rate::new(1, Duration::from_secs(60)).burst(2);
    let endpoints = peer::peer::Endpoints::new(Arc::new(peer::Echo))
        .layer(RateLimitLayer::reject(rate).per_caller());
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (http_url, grpc_url) = (
        base_url(http.local_addr().unwrap()),
        base_url(grpc.local_addr().unwrap()),
    );
    let server = tokio::spawn(
        kit::Server::new()
            .http(http, peer::peer::http_router(endpoints.clone()))
            .grpc(
                grpc,
                kit::grpc::Routes::new().add_service(peer::peer::GrpcServer::new(endpoints)),
            )
            .run_until(std::future::pending()),
    );
    let ctx = kit::Context::new();
    let over_http = peer::peer::HttpClient::new(&http_url).unwrap();
    let over_grpc = peer::peer::GrpcClient::new(&grpc_url).unwrap();
    assert_eq!(over_http.address(&ctx).await.unwrap(), "127.0.0.1");
    assert_eq!(over_grpc.address(&ctx).await.unwrap(), "127.0.0.1");
    // The same address, whichever the transport: its bucket is empty.
    let error = over_http.address(&ctx).await.unwrap_err();
    assert_eq!(error.code(), kit::Code::ResourceExhausted);
    server.abort();
}
