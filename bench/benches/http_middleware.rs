//! The cost of the scaffold's default middleware stack (request logging
//! with the request id, and RED metrics) on addsvc over HTTP, against the
//! same generated service without middleware, side by side in one run.
//!
//! ```text
//! cargo bench -p kitgen-bench --bench http_middleware
//! ```
//!
//! Logging is measured as middleware, with no subscriber writing the lines
//! out (as with `RUST_LOG=warn`); writing a log line per request costs what
//! the subscriber costs, whatever produces the line.

use std::sync::Arc;

use addsvc::{BasicAddService, add_service};
use kit::middleware::{LoggingLayer, Metrics};
use kitgen_bench::http_load::{connect, serve};
use kitgen_bench::{LoadConfig, compare, is_smoke_run, runtimes, side_by_side};

fn main() {
    let config = LoadConfig::from_env(is_smoke_run());
    let (servers, load) = runtimes();
    let metrics = Metrics::new();
    let stacked = add_service::Endpoints::new(Arc::new(BasicAddService))
        .layer(metrics.layer())
        .layer(LoggingLayer::new());
    let bare = add_service::Endpoints::new(Arc::new(BasicAddService));
    let with_stack = servers.block_on(serve(add_service::http_router(stacked)));
    let without = servers.block_on(serve(add_service::http_router(bare)));
    let (mut ours, mut theirs) = load.block_on(side_by_side(&config, with_stack, without, connect));
    compare(
        "addsvc POST /sum over HTTP/1.1: logging + metrics vs no middleware",
        &config,
        ("default stack", &mut ours),
        ("no middleware", &mut theirs),
        0.95,
    );
    assert!(
        metrics.encode().contains(r#"method="Sum",code="OK""#),
        "the metrics saw the load"
    );
}
