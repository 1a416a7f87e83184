//! Go kit's onion on kitgen: addsvc served with a stack of middleware, and
//! called through a client with its own. Runs, prints what happens, and
//! exits.
//!
//! ```text
//! cargo run -p addsvc --example middleware
//! ```

use std::sync::Arc;
use std::time::Duration;

use addsvc::{AddService, BasicAddService, add_service};
use kit::middleware::{
    AuthLayer, CircuitBreakerLayer, LoggingLayer, Metrics, Rate, RateLimitLayer, RetryLayer,
    TimeoutLayer, TraceLayer,
};

#[tokio::main]
async fn main() -> Result<(), kit::Error> {
    tracing_subscriber::fmt().with_target(false).init();

    // Server side. The last layer applied runs first: every call is logged
    // and counted, then authenticated, rate limited, broken off when the
    // service fails, and timed out.
    let metrics = Metrics::new();
    let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService))
        .layer(TimeoutLayer::new(Duration::from_secs(1)))
        .layer(CircuitBreakerLayer::consecutive_failures(5))
        .layer(RateLimitLayer::reject(Rate::per_second(100)))
        .layer(AuthLayer::bearer(["s3cret"]))
        .layer(TraceLayer::server())
        .layer(metrics.layer())
        .layer(LoggingLayer::new());
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let debug = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let url = format!("http://{}", http.local_addr()?);
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(
        kit::Server::new()
            .http(http, add_service::http_router(endpoints))
            .debug(debug, metrics.clone())
            .run_until(async move {
                let _ = stopped.await;
            }),
    );

    // Client side: the generated HTTP client, with credentials, behind
    // endpoints of its own, so that layers apply to calls going out too.
    let transport = kit::http::Client::new(&url)?.with_header(
        kit::http::header::AUTHORIZATION,
        kit::http::HeaderValue::from_static("Bearer s3cret"),
    );
    let client = add_service::HttpClient::with_transport(transport);
    let mut calls = add_service::Endpoints::new(Arc::new(client)).layer(TraceLayer::client());
    // One method by name: `sum` is safe to repeat, so retry it.
    calls.sum = calls.sum.idempotent(true).layer(RetryLayer::new());

    let ctx = kit::Context::new();
    println!(
        "sum(2, 3) = {}",
        calls.sum(&ctx, 2, 3).await.map_err(kit::Error::from)?
    );
    println!(
        "concat(\"a\", \"b\") = {}",
        calls
            .concat(&ctx, "a".into(), "b".into())
            .await
            .map_err(kit::Error::from)?
    );
    match calls.sum(&ctx, 0, 0).await {
        Ok(value) => println!("sum(0, 0) = {value}"),
        Err(error) => println!("sum(0, 0) failed as it should: {error}"),
    }
    let anonymous = add_service::HttpClient::new(&url)?;
    match anonymous.sum(&ctx, 1, 1).await {
        Ok(value) => println!("without credentials: {value}"),
        Err(error) => println!("without credentials: {error}"),
    }

    println!("\n/metrics:");
    for line in metrics
        .encode()
        .lines()
        .filter(|line| line.starts_with("requests_total"))
    {
        println!("  {line}");
    }
    let _ = stop.send(());
    server
        .await
        .map_err(|error| kit::Error::internal(error.to_string()))?
}
