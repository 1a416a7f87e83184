//! Server-bound benchmarks: each server alone on core 0 (`taskset -c 0`),
//! the load generator alone on core 1 (`taskset -c 1`: Debian's `wrk` for
//! HTTP/1.1, `h2load` for gRPC), the two servers loaded in alternating
//! short rounds, and the median of the per-round throughput ratios
//! reported against the named baseline. Beside throughput, each round
//! reads the server's own CPU time (`/proc/PID/task/*/schedstat`) and
//! reports CPU time per request, which a noisy neighbour disturbs less.
//!
//! ```text
//! cargo run --release -p kitgen-bench --bin server_bound -- http
//! cargo run --release -p kitgen-bench --bin server_bound -- middleware
//! cargo run --release -p kitgen-bench --bin server_bound -- grpc
//! cargo run --release -p kitgen-bench --bin server_bound -- jsonrpc
//! cargo run --release -p kitgen-bench --bin server_bound -- server
//! cargo run --release -p kitgen-bench --bin server_bound -- calibrate
//! ```
//!
//! `calibrate` loads axum against a second axum: the spread of its ratios
//! is the noise floor of the machine, to read the others against.
//!
//! The in-process benchmarks (`cargo bench -p kitgen-bench`) share one
//! process and both cores between servers and loader, so the loader is the
//! limit and a server's own cost is hidden; these are the numbers to quote.
//! The tool runs itself as the server (`server_bound serve TARGET`), so one
//! build has everything.

use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};

use clap::{Parser, Subcommand, ValueEnum};
use kitgen_bench::targets;

/// Server-bound benchmarks of addsvc, generated against hand-written.
#[derive(Parser)]
#[command(
    after_help = "Examples:\n  server_bound http --rounds 10 --seconds 3\n  server_bound grpc\n  server_bound calibrate"
)]
struct Cli {
    #[command(subcommand)]
    command: Run,
}

#[derive(Subcommand)]
enum Run {
    /// Generated addsvc `POST /sum` against the same API on axum.
    Http(Load),
    /// Generated addsvc `POST /sum` behind the scaffold's default
    /// middleware (logging and metrics) against the same API on axum.
    Middleware(Load),
    /// Generated addsvc `Sum` over gRPC against the same service on tonic.
    Grpc(Load),
    /// Generated addsvc `AddService.sum` over JSON-RPC 2.0 against the same
    /// method on jsonrpsee.
    Jsonrpc(Load),
    /// The generated router on `kit::Server` (its accept loop, connection
    /// limits, health and compression) against the same router on
    /// `axum::serve`.
    Server(Load),
    /// The axum server against a second copy of itself: the spread of
    /// ratios this machine gives when there is no difference to find.
    Calibrate(Load),
    /// Serves one target on 127.0.0.1 on one thread, prints its address,
    /// and stops when its standard input closes.
    Serve {
        /// What to serve.
        target: Target,
    },
}

/// How to load each server.
#[derive(clap::Args, Clone, Copy)]
struct Load {
    /// Rounds per server; each round loads both, in alternating order.
    #[arg(long, default_value_t = 10)]
    rounds: usize,
    /// Seconds per round per server.
    #[arg(long, default_value_t = 3)]
    seconds: u32,
    /// Concurrent requests in flight: HTTP/1.1 connections for wrk;
    /// streams over 4 connections for h2load.
    #[arg(long, default_value_t = 64)]
    concurrency: u32,
}

#[derive(Clone, Copy, Debug, ValueEnum)]
enum Target {
    /// Generated HTTP router, no middleware.
    KitgenHttp,
    /// Generated HTTP router with logging and metrics.
    KitgenHttpMiddleware,
    /// Generated HTTP router on `kit::Server`.
    KitgenHttpServer,
    /// The same API on axum.
    AxumHttp,
    /// Generated gRPC server on `kit::Server`.
    KitgenGrpc,
    /// The same service on tonic.
    TonicGrpc,
    /// Generated JSON-RPC methods at `POST /rpc`.
    KitgenJsonrpc,
    /// The same methods on jsonrpsee, at `POST /`.
    Jsonrpsee,
}

impl Target {
    /// The path its load is sent to.
    fn path(self) -> &'static str {
        match self {
            Target::KitgenJsonrpc => "/rpc",
            Target::Jsonrpsee => "/",
            Target::KitgenGrpc | Target::TonicGrpc => "/addsvc.AddService/Sum",
            Target::KitgenHttp
            | Target::KitgenHttpMiddleware
            | Target::KitgenHttpServer
            | Target::AxumHttp => "/sum",
        }
    }
}

fn main() {
    let cli = Cli::parse();
    let (title, ours, theirs, load, protocol) = match cli.command {
        Run::Serve { target } => return serve(target),
        Run::Http(load) => (
            "addsvc POST /sum over HTTP/1.1: kitgen / axum",
            Target::KitgenHttp,
            Target::AxumHttp,
            load,
            Protocol::Http,
        ),
        Run::Middleware(load) => (
            "addsvc POST /sum over HTTP/1.1: kitgen with logging + metrics / axum",
            Target::KitgenHttpMiddleware,
            Target::AxumHttp,
            load,
            Protocol::Http,
        ),
        Run::Server(load) => (
            "addsvc POST /sum over HTTP/1.1: generated router on kit::Server / on axum::serve",
            Target::KitgenHttpServer,
            Target::KitgenHttp,
            load,
            Protocol::Http,
        ),
        Run::Calibrate(load) => (
            "addsvc POST /sum over HTTP/1.1: axum / axum (no difference to find)",
            Target::AxumHttp,
            Target::AxumHttp,
            load,
            Protocol::Http,
        ),
        Run::Grpc(load) => (
            "addsvc Sum over gRPC: kitgen / tonic",
            Target::KitgenGrpc,
            Target::TonicGrpc,
            load,
            Protocol::Grpc,
        ),
        Run::Jsonrpc(load) => (
            "addsvc AddService.sum over JSON-RPC 2.0, HTTP/1.1: kitgen / jsonrpsee",
            Target::KitgenJsonrpc,
            Target::Jsonrpsee,
            load,
            Protocol::JsonRpc,
        ),
    };
    let work = tempdir();
    let ours = Server::start(ours);
    let theirs = Server::start(theirs);
    for server in [&ours, &theirs] {
        protocol.check(server);
    }
    println!(
        "{title}\n  servers on core 0, {} on core 1, {} in flight, {} rounds of {} s each",
        protocol.loader(),
        load.concurrency,
        load.rounds,
        load.seconds
    );
    // A short warm-up of each, not counted.
    for server in [&ours, &theirs] {
        protocol.measure(&work, server, load.concurrency, 1);
    }
    let mut throughput = Vec::with_capacity(load.rounds);
    let mut cpu = Vec::with_capacity(load.rounds);
    for round in 0..load.rounds {
        let run = |server: &Server| protocol.measure(&work, server, load.concurrency, load.seconds);
        let (a, b) = if round % 2 == 0 {
            let a = run(&ours);
            (a, run(&theirs))
        } else {
            let b = run(&theirs);
            (run(&ours), b)
        };
        let ratio = a.throughput / b.throughput;
        // Inverted, so that above 1 is better for kitgen in both columns.
        let cpu_ratio = b.cpu_per_request_us / a.cpu_per_request_us;
        println!(
            "  round {:>2}: {:>9.0} / {:>9.0} req/s = {ratio:.3}   CPU per request {:>5.2} / {:>5.2} µs, inverted ratio {cpu_ratio:.3}",
            round + 1,
            a.throughput,
            b.throughput,
            a.cpu_per_request_us,
            b.cpu_per_request_us,
        );
        throughput.push(ratio);
        cpu.push(cpu_ratio);
    }
    println!(
        "  median of per-round throughput ratios: {}",
        summary(&mut throughput)
    );
    println!(
        "  median of per-round CPU-per-request ratios (baseline / kitgen): {}",
        summary(&mut cpu)
    );
    let _ = std::fs::remove_dir_all(&work);
}

/// The median of `ratios`, with their range.
fn summary(ratios: &mut [f64]) -> String {
    ratios.sort_by(f64::total_cmp);
    let middle = ratios.len() / 2;
    let median = if ratios.len() % 2 == 1 {
        ratios[middle]
    } else {
        (ratios[middle - 1] + ratios[middle]) / 2.0
    };
    format!(
        "{median:.3} (min {:.3}, max {:.3})",
        ratios[0],
        ratios[ratios.len() - 1]
    )
}

/// What one load run measured.
struct Measured {
    throughput: f64,
    cpu_per_request_us: f64,
}

/// A server process pinned to core 0; it stops when dropped.
struct Server {
    child: Child,
    addr: SocketAddr,
    path: &'static str,
}

impl Server {
    fn start(target: Target) -> Server {
        let exe = std::env::current_exe().expect("the benchmark's own path");
        let name = target
            .to_possible_value()
            .expect("a named target")
            .get_name()
            .to_owned();
        let mut child = Command::new("taskset")
            .arg("-c")
            .arg("0")
            .arg(exe)
            .args(["serve", &name])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap_or_else(|error| panic!("cannot start taskset (util-linux): {error}"));
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("piped stdout"))
            .read_line(&mut line)
            .expect("the server's address");
        let addr = line
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("{name} did not start: {line:?}"));
        Server {
            child,
            addr,
            path: target.path(),
        }
    }

    /// The CPU time the server's threads have had, in nanoseconds.
    fn cpu_ns(&self) -> u64 {
        let tasks = format!("/proc/{}/task", self.child.id());
        std::fs::read_dir(&tasks)
            .unwrap_or_else(|error| panic!("{tasks}: {error}"))
            .filter_map(Result::ok)
            .filter_map(|task| std::fs::read_to_string(task.path().join("schedstat")).ok())
            .filter_map(|stat| stat.split_whitespace().next()?.parse::<u64>().ok())
            .sum()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[derive(Clone, Copy)]
enum Protocol {
    Http,
    Grpc,
    JsonRpc,
}

/// The JSON-RPC call every JSON-RPC load sends, and what its answer holds.
const JSONRPC_SUM: &str =
    r#"{"jsonrpc":"2.0","method":"AddService.sum","params":{"a":21,"b":21},"id":1}"#;

impl Protocol {
    fn loader(self) -> &'static str {
        match self {
            Protocol::Http | Protocol::JsonRpc => "wrk",
            Protocol::Grpc => "h2load",
        }
    }

    /// One real call, whose answer must be right, so that the load
    /// measures successes and not fast failures.
    fn check(self, server: &Server) {
        let addr = server.addr;
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        let right = runtime.block_on(async {
            match self {
                Protocol::Http => {
                    use kitgen_bench::LoadClient;
                    let mut clients = kitgen_bench::http_load::connect(addr, 1).await;
                    clients[0].call().await
                }
                Protocol::JsonRpc => {
                    use kitgen_bench::LoadClient;
                    let mut clients = kitgen_bench::http_load::connect_posting(
                        addr,
                        1,
                        server.path,
                        JSONRPC_SUM.as_bytes(),
                        br#""result":42"#,
                    )
                    .await;
                    clients[0].call().await
                }
                Protocol::Grpc => {
                    let mut client = targets::pb::add_service_client::AddServiceClient::connect(
                        format!("http://{addr}"),
                    )
                    .await
                    .expect("connect");
                    let response = client
                        .sum(targets::pb::SumRequest { a: 21, b: 21 })
                        .await
                        .expect("Sum");
                    response.into_inner().value == 42
                }
            }
        });
        assert!(right, "{addr} answered a check call wrongly");
    }

    /// Loads `server` for `seconds` from core 1, failing if any request did.
    fn measure(self, work: &Path, server: &Server, concurrency: u32, seconds: u32) -> Measured {
        let before = server.cpu_ns();
        let (throughput, requests) = self.load(work, server, concurrency, seconds);
        let cpu_ns = server.cpu_ns() - before;
        Measured {
            throughput,
            cpu_per_request_us: cpu_ns as f64 / 1000.0 / requests,
        }
    }

    /// Loads `addr` for `seconds` from core 1 and returns requests per
    /// second and requests served, failing if any request did.
    fn load(self, work: &Path, server: &Server, concurrency: u32, seconds: u32) -> (f64, f64) {
        let addr = server.addr;
        let output = match self {
            Protocol::Http | Protocol::JsonRpc => {
                let (script, body) = match self {
                    Protocol::JsonRpc => (work.join("jsonrpc.lua"), JSONRPC_SUM),
                    _ => (work.join("sum.lua"), r#"{"a": 21, "b": 21}"#),
                };
                std::fs::write(
                    &script,
                    format!(
                        "wrk.method = \"POST\"\n\
                         wrk.body = '{body}'\n\
                         wrk.headers[\"Content-Type\"] = \"application/json\"\n"
                    ),
                )
                .expect("write the wrk script");
                loader("wrk")
                    .args(["-t1", &format!("-c{concurrency}"), &format!("-d{seconds}s")])
                    .arg("-s")
                    .arg(&script)
                    .arg(format!("http://{addr}{}", server.path))
                    .output()
            }
            Protocol::Grpc => {
                // One gRPC frame: uncompressed, 4 bytes long, SumRequest
                // { a: 21, b: 21 }.
                let body = work.join("sum.grpc");
                std::fs::write(&body, [0, 0, 0, 0, 4, 0x08, 21, 0x10, 21])
                    .expect("write the request body");
                let connections = 4;
                loader("h2load")
                    .args([
                        "-t1",
                        &format!("-c{connections}"),
                        &format!("-m{}", concurrency.div_ceil(connections)),
                        &format!("-D{seconds}"),
                        "-H",
                        "content-type: application/grpc",
                        "-H",
                        "te: trailers",
                    ])
                    .arg(format!("--data={}", body.display()))
                    .arg(format!("http://{addr}{}", server.path))
                    .output()
            }
        };
        let output = output.unwrap_or_else(|error| {
            panic!(
                "cannot run {}: {error}; install it (Debian: wrk, nghttp2-client)",
                self.loader()
            )
        });
        let text = String::from_utf8_lossy(&output.stdout);
        assert!(output.status.success(), "{} failed:\n{text}", self.loader());
        match self {
            Protocol::Http | Protocol::JsonRpc => {
                assert!(
                    !text.contains("Non-2xx") && !text.contains("Socket errors"),
                    "requests failed:\n{text}"
                );
                // "  123456 requests in 3.00s, 12.34MB read"
                let requests = text
                    .lines()
                    .find(|line| line.contains(" requests in "))
                    .and_then(|line| line.split_whitespace().next()?.parse().ok())
                    .unwrap_or_else(|| panic!("no request count in:\n{text}"));
                (number_after(&text, "Requests/sec:"), requests)
            }
            Protocol::Grpc => {
                assert!(
                    text.contains(" 0 failed, 0 errored"),
                    "requests failed:\n{text}"
                );
                // "finished in 3.00s, 61234.56 req/s, 2.34MB/s"
                let line = text
                    .lines()
                    .find(|line| line.starts_with("finished in"))
                    .unwrap_or_else(|| panic!("no throughput in:\n{text}"));
                // "requests: 1000 total, 1000 started, 1000 done, 1000 succeeded, …"
                (number_after(line, ","), number_after(&text, "done,"))
            }
        }
    }
}

/// `program` pinned to core 1.
fn loader(program: &str) -> Command {
    let mut command = Command::new("taskset");
    command.args(["-c", "1", program]);
    command
}

/// The number that follows the first `label` in `text`.
fn number_after(text: &str, label: &str) -> f64 {
    text.split_once(label)
        .and_then(|(_, rest)| rest.split_whitespace().next())
        .and_then(|number| number.parse().ok())
        .unwrap_or_else(|| panic!("no number after {label:?} in:\n{text}"))
}

/// A fresh directory for the loaders' inputs.
fn tempdir() -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kitgen-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary directory");
    dir
}

/// Serves `target` on one thread until standard input closes.
fn serve(target: Target) {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let metrics = kit::middleware::Metrics::new();
        let addr = match target {
            Target::KitgenHttp => {
                targets::spawn(|listener| targets::serve_http(listener, targets::generated_http()))
                    .await
            }
            Target::KitgenHttpMiddleware => {
                let router = targets::generated_http_with_middleware(&metrics);
                targets::spawn(|listener| targets::serve_http(listener, router)).await
            }
            Target::KitgenHttpServer => {
                targets::spawn(|listener| {
                    targets::serve_http_on_kit(listener, targets::generated_http())
                })
                .await
            }
            Target::AxumHttp => {
                targets::spawn(|listener| targets::serve_http(listener, targets::axum_http())).await
            }
            Target::KitgenGrpc => targets::spawn(targets::serve_generated_grpc).await,
            Target::TonicGrpc => targets::spawn(targets::serve_tonic_grpc).await,
            Target::KitgenJsonrpc => targets::spawn(targets::serve_generated_jsonrpc).await,
            Target::Jsonrpsee => targets::serve_jsonrpsee().await,
        };
        println!("{addr}");
        std::io::stdout().flush().expect("flush");
        // Standard input closes when the driver stops or dies.
        tokio::task::spawn_blocking(|| std::io::copy(&mut std::io::stdin(), &mut std::io::sink()))
            .await
            .expect("wait for stdin")
            .ok();
    });
}
