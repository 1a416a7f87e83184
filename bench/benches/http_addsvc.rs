//! addsvc over the generated HTTP transport against the same API
//! hand-written on axum, loaded side by side on loopback in one run.
//!
//! ```text
//! cargo bench -p kitgen-bench --bench http_addsvc
//! ```
//!
//! The servers run on one single-threaded runtime and the load generator on
//! another, so each gets about one core of a two-core machine. Rounds
//! alternate between the two targets; the report gives each target's
//! throughput and latency percentiles, and the ratio generated/hand-written.

use std::sync::Arc;

use addsvc::{AddError, AddService, BasicAddService, add_service};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use kitgen_bench::{LoadConfig, Measurement, Request, round, serve};
use serde::Deserialize;

#[derive(Deserialize)]
struct SumRequest {
    a: i64,
    b: i64,
}

#[derive(Deserialize)]
struct ConcatRequest {
    a: String,
    b: String,
}

/// The addsvc API written by hand on axum, with the same JSON shapes as the
/// generated one: the value as the body, errors as `{code, message}`.
fn hand_written() -> axum::Router {
    fn error(error: AddError) -> Response {
        let body = serde_json::json!({"code": "INVALID_ARGUMENT", "message": error.to_string()});
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
    async fn sum(Json(request): Json<SumRequest>) -> Response {
        let ctx = kit::Context::new();
        match BasicAddService.sum(&ctx, request.a, request.b).await {
            Ok(value) => Json(value).into_response(),
            Err(failure) => error(failure),
        }
    }
    async fn concat(Json(request): Json<ConcatRequest>) -> Response {
        let ctx = kit::Context::new();
        match BasicAddService.concat(&ctx, request.a, request.b).await {
            Ok(value) => Json(value).into_response(),
            Err(failure) => error(failure),
        }
    }
    axum::Router::new()
        .route("/sum", axum::routing::post(sum))
        .route("/concat", axum::routing::post(concat))
}

fn generated() -> axum::Router {
    add_service::http_router(add_service::Endpoints::new(Arc::new(BasicAddService)))
}

fn report(name: &str, measured: &mut Measurement) {
    println!(
        "{name:<14} {:>10.0} req/s   p50 {:>6} µs   p99 {:>6} µs   ({} requests, {} failures)",
        measured.throughput(),
        measured.percentile(0.50),
        measured.percentile(0.99),
        measured.requests,
        measured.failures,
    );
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` does not, and
    // then a short smoke run is enough to prove the benchmark works.
    let smoke = !std::env::args().any(|arg| arg == "--bench");
    let config = if smoke {
        LoadConfig {
            connections: 4,
            round: std::time::Duration::from_millis(200),
            rounds: 1,
        }
    } else {
        LoadConfig::from_env()
    };
    let servers = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("server runtime");
    let load = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("load runtime");
    let generated_addr = servers.block_on(serve(generated()));
    let hand_written_addr = servers.block_on(serve(hand_written()));

    let request = Request {
        path: "/sum",
        body: Bytes::from_static(br#"{"a": 21, "b": 21}"#),
    };
    println!(
        "addsvc POST /sum over HTTP/1.1 on loopback: {} connections, {} rounds of {:?} per target",
        config.connections, config.rounds, config.round
    );
    let (mut generated, mut baseline) = load.block_on(async {
        // Warm both up: connections, allocator, caches.
        let warm = LoadConfig {
            rounds: 1,
            round: config.round / 4,
            ..config.clone()
        };
        round(generated_addr, &request, &warm).await;
        round(hand_written_addr, &request, &warm).await;
        let mut generated = Measurement::default();
        let mut baseline = Measurement::default();
        for index in 0..config.rounds {
            // Alternate which target goes first, so neither always follows
            // the other.
            let order = if index % 2 == 0 {
                [(generated_addr, true), (hand_written_addr, false)]
            } else {
                [(hand_written_addr, false), (generated_addr, true)]
            };
            for (addr, is_generated) in order {
                let measured = round(addr, &request, &config).await;
                let total = if is_generated {
                    &mut generated
                } else {
                    &mut baseline
                };
                total.requests += measured.requests;
                total.failures += measured.failures;
                total.elapsed += measured.elapsed;
                total.latencies_us.extend(measured.latencies_us);
            }
        }
        (generated, baseline)
    });
    report("generated", &mut generated);
    report("hand-written", &mut baseline);
    let ratio = generated.throughput() / baseline.throughput();
    let p99_ratio =
        f64::from(generated.percentile(0.99)) / f64::from(baseline.percentile(0.99).max(1));
    println!("throughput ratio generated/hand-written: {ratio:.3}   (target >= 0.95)");
    println!("p99 ratio generated/hand-written: {p99_ratio:.3}");
    assert_eq!(
        generated.failures + baseline.failures,
        0,
        "requests failed during the benchmark"
    );
    assert!(
        generated.requests > 0 && baseline.requests > 0,
        "no requests completed"
    );
}
