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

use kit::middleware::Metrics;
use kitgen_bench::http_load::{connect, serve};
use kitgen_bench::{LoadConfig, compare, is_smoke_run, runtimes, side_by_side, targets};

fn main() {
    let config = LoadConfig::from_env(is_smoke_run());
    let (servers, load) = runtimes();
    let metrics = Metrics::new();
    let with_stack = servers.block_on(serve(targets::generated_http_with_middleware(&metrics)));
    let without = servers.block_on(serve(targets::generated_http()));
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
