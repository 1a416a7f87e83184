//! A small closed-loop HTTP load generator for side-by-side benchmarks on
//! loopback: each target is loaded in alternating rounds in one run, so
//! that machine noise hits both alike.
//!
//! Hand-written rather than wrk or criterion: the benchmark needs both
//! servers in one process, alternating rounds, and one report with the
//! ratio, which neither gives.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;

/// How hard and how long to load each target.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// Concurrent keep-alive connections.
    pub connections: usize,
    /// Length of one round on one target.
    pub round: Duration,
    /// Rounds per target, alternating between targets.
    pub rounds: usize,
}

impl LoadConfig {
    /// The configuration from `KITGEN_BENCH_CONNECTIONS`,
    /// `KITGEN_BENCH_ROUND_MS` and `KITGEN_BENCH_ROUNDS`, defaulting to 32
    /// connections and 5 rounds of 2 s.
    pub fn from_env() -> LoadConfig {
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|value| value.parse().ok())
                .unwrap_or(default)
        };
        LoadConfig {
            connections: number("KITGEN_BENCH_CONNECTIONS", 32) as usize,
            round: Duration::from_millis(number("KITGEN_BENCH_ROUND_MS", 2000)),
            rounds: number("KITGEN_BENCH_ROUNDS", 5) as usize,
        }
    }
}

/// One request, sent again and again.
#[derive(Clone, Debug)]
pub struct Request {
    /// The path.
    pub path: &'static str,
    /// The JSON body.
    pub body: Bytes,
}

/// What loading one target measured, over all its rounds.
#[derive(Clone, Debug, Default)]
pub struct Measurement {
    /// Successful responses.
    pub requests: u64,
    /// Responses with a non-200 status, or failed exchanges.
    pub failures: u64,
    /// Time spent loading.
    pub elapsed: Duration,
    /// Latency of every successful request, in microseconds.
    pub latencies_us: Vec<u32>,
}

impl Measurement {
    /// Requests per second.
    pub fn throughput(&self) -> f64 {
        self.requests as f64 / self.elapsed.as_secs_f64()
    }

    /// The latency at quantile `q` (0..=1), in microseconds.
    pub fn percentile(&mut self, q: f64) -> u32 {
        if self.latencies_us.is_empty() {
            return 0;
        }
        self.latencies_us.sort_unstable();
        let index = ((self.latencies_us.len() - 1) as f64 * q).round() as usize;
        self.latencies_us[index]
    }
}

/// Loads `addr` for one round with `config.connections` closed-loop
/// clients, each sending `request` as soon as the previous answer is in.
pub async fn round(addr: SocketAddr, request: &Request, config: &LoadConfig) -> Measurement {
    let deadline = Instant::now() + config.round;
    let start = Instant::now();
    let mut clients = Vec::new();
    for _ in 0..config.connections {
        let request = request.clone();
        clients.push(tokio::spawn(async move {
            client(addr, request, deadline).await
        }));
    }
    let mut total = Measurement::default();
    for client in clients {
        let measured = client.await.expect("a load client panicked");
        total.requests += measured.requests;
        total.failures += measured.failures;
        total.latencies_us.extend(measured.latencies_us);
    }
    total.elapsed = start.elapsed();
    total
}

async fn client(addr: SocketAddr, request: Request, deadline: Instant) -> Measurement {
    let mut measured = Measurement::default();
    let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    stream.set_nodelay(true).expect("nodelay");
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("handshake");
    tokio::spawn(connection);
    let uri: http::Uri = format!("http://{addr}{}", request.path)
        .parse()
        .expect("uri");
    while Instant::now() < deadline {
        let mut http_request = http::Request::new(Full::new(request.body.clone()));
        *http_request.method_mut() = http::Method::POST;
        *http_request.uri_mut() = uri.clone();
        let headers = http_request.headers_mut();
        headers.insert(
            http::header::HOST,
            http::HeaderValue::from_static("127.0.0.1"),
        );
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        let sent = Instant::now();
        if sender.ready().await.is_err() {
            measured.failures += 1;
            break;
        }
        let ok = match sender.send_request(http_request).await {
            Ok(response) => {
                let ok = response.status() == http::StatusCode::OK;
                ok && response.into_body().collect().await.is_ok()
            }
            Err(_) => false,
        };
        if ok {
            measured.requests += 1;
            let micros = sent.elapsed().as_micros();
            measured
                .latencies_us
                .push(u32::try_from(micros).unwrap_or(u32::MAX));
        } else {
            measured.failures += 1;
        }
    }
    measured
}

/// Serves `router` on 127.0.0.1 at an ephemeral port on the current
/// runtime.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    addr
}
