//! addsvc over the generated HTTP transport against the same API
//! hand-written on axum, loaded side by side on loopback in one run.
//!
//! ```text
//! cargo bench -p kitgen-bench --bench http_addsvc
//! ```

use std::sync::Arc;

use addsvc::{AddError, AddService, BasicAddService, add_service};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use kitgen_bench::http_load::{connect, serve};
use kitgen_bench::{LoadConfig, is_smoke_run, report, runtimes, side_by_side};
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

fn main() {
    let config = LoadConfig::from_env(is_smoke_run());
    let (servers, load) = runtimes();
    let generated =
        add_service::http_router(add_service::Endpoints::new(Arc::new(BasicAddService)));
    let ours = servers.block_on(serve(generated));
    let theirs = servers.block_on(serve(hand_written()));
    let (mut kitgen, mut baseline) = load.block_on(side_by_side(&config, ours, theirs, connect));
    report(
        "addsvc POST /sum, HTTP/1.1 on loopback",
        &config,
        &mut kitgen,
        &mut baseline,
    );
}
