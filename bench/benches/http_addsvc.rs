//! addsvc over the generated HTTP transport against the same API
//! hand-written on axum, loaded side by side on loopback in one run.
//!
//! ```text
//! cargo bench -p kitgen-bench --bench http_addsvc
//! ```

use kitgen_bench::http_load::{connect, serve};
use kitgen_bench::{LoadConfig, is_smoke_run, report, runtimes, side_by_side, targets};

fn main() {
    let config = LoadConfig::from_env(is_smoke_run());
    let (servers, load) = runtimes();
    let ours = servers.block_on(serve(targets::generated_http()));
    let theirs = servers.block_on(serve(targets::axum_http()));
    let (mut kitgen, mut baseline) = load.block_on(side_by_side(&config, ours, theirs, connect));
    report(
        "addsvc POST /sum, HTTP/1.1 on loopback",
        &config,
        &mut kitgen,
        &mut baseline,
    );
}
