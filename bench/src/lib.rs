//! A small closed-loop load generator for side-by-side benchmarks on
//! loopback: two targets are loaded in alternating rounds in one run, so
//! that machine noise hits both alike, and the report gives the ratio.
//!
//! Hand-written rather than wrk or criterion: the benchmarks need both
//! servers in one process, alternating rounds, and one report with the
//! ratio, which neither gives.

use std::future::Future;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

pub mod feed;
pub mod targets;

/// How hard and how long to load each target.
#[derive(Clone, Debug)]
pub struct LoadConfig {
    /// Concurrent closed-loop clients.
    pub clients: usize,
    /// Length of one round on one target.
    pub round: Duration,
    /// Rounds per target, alternating between targets.
    pub rounds: usize,
}

impl LoadConfig {
    /// The configuration from `KITGEN_BENCH_CLIENTS`, `KITGEN_BENCH_ROUND_MS`
    /// and `KITGEN_BENCH_ROUNDS`, defaulting to 32 clients and 5 rounds of
    /// 2 s; or, when `smoke` is set, a short run that only proves the
    /// benchmark works.
    pub fn from_env(smoke: bool) -> LoadConfig {
        if smoke {
            return LoadConfig {
                clients: 4,
                round: Duration::from_millis(200),
                rounds: 1,
            };
        }
        let number = |name: &str, default: u64| {
            std::env::var(name)
                .ok()
                .and_then(|value| value.parse().ok())
                .unwrap_or(default)
        };
        LoadConfig {
            clients: number("KITGEN_BENCH_CLIENTS", 32) as usize,
            round: Duration::from_millis(number("KITGEN_BENCH_ROUND_MS", 2000)),
            rounds: number("KITGEN_BENCH_ROUNDS", 5) as usize,
        }
    }
}

/// One client of the load: sends a request and says whether it succeeded.
pub trait LoadClient: Send + 'static {
    /// One request and its whole response.
    fn call(&mut self) -> impl Future<Output = bool> + Send;
}

/// What loading one target measured, over all its rounds.
#[derive(Clone, Debug, Default)]
pub struct Measurement {
    /// Successful responses.
    pub requests: u64,
    /// Failed requests.
    pub failures: u64,
    /// Time spent loading.
    pub elapsed: Duration,
    /// Latency of every successful request, in microseconds.
    pub latencies_us: Vec<u32>,
    /// Requests per second in each round, in order.
    pub rounds: Vec<f64>,
    /// How busy the servers' core was in each round, from 0 to 1 (empty
    /// where the kernel does not say).
    pub server_busy: Vec<f64>,
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

    /// Adds another round's measurement to this one.
    pub fn absorb(&mut self, other: Measurement) {
        self.requests += other.requests;
        self.failures += other.failures;
        self.elapsed += other.elapsed;
        self.latencies_us.extend(other.latencies_us);
        self.rounds.extend(other.rounds);
        self.server_busy.extend(other.server_busy);
    }
}

/// Loads one target for one round: every client calls in a loop until the
/// round ends.
pub async fn round<C: LoadClient>(clients: Vec<C>, length: Duration) -> Measurement {
    let before = server_core_time();
    let start = Instant::now();
    let deadline = start + length;
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            tokio::spawn(async move {
                let mut measured = Measurement::default();
                while Instant::now() < deadline {
                    let sent = Instant::now();
                    if client.call().await {
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
            })
        })
        .collect();
    let mut total = Measurement::default();
    for task in tasks {
        total.absorb(task.await.expect("a load client panicked"));
    }
    total.elapsed = start.elapsed();
    total.rounds = vec![total.throughput()];
    if let (Some((busy_before, all_before)), Some((busy_after, all_after))) =
        (before, server_core_time())
        && all_after > all_before
    {
        total.server_busy =
            vec![(busy_after - busy_before) as f64 / (all_after - all_before) as f64];
    }
    total
}

/// The busy and total time of the servers' core (the first, where
/// [`runtimes`] pins them), in clock ticks, from `/proc/stat`.
///
/// A load the servers cannot saturate (one that goes through a broker
/// beside the loader, as NATS's does) is measured by what the servers'
/// core spent per request, which this makes known.
fn server_core_time() -> Option<(u64, u64)> {
    let core = core_affinity::get_core_ids()?.first()?.id;
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let line = stat
        .lines()
        .find(|line| line.split_whitespace().next() == Some(&format!("cpu{core}")))?;
    let ticks: Vec<u64> = line
        .split_whitespace()
        .skip(1)
        .filter_map(|field| field.parse().ok())
        .collect();
    // user nice system idle iowait irq softirq steal ...
    let idle = ticks.get(3)? + ticks.get(4)?;
    let all: u64 = ticks.iter().take(8).sum();
    Some((all - idle, all))
}

/// Loads `kitgen` and `baseline` in alternating rounds (which goes first
/// alternates too), after a short warm-up of each, and returns both
/// measurements. `connect` makes the clients of one round for an address.
pub async fn side_by_side<C, F, Fut>(
    config: &LoadConfig,
    kitgen: SocketAddr,
    baseline: SocketAddr,
    connect: F,
) -> (Measurement, Measurement)
where
    C: LoadClient,
    F: Fn(SocketAddr, usize) -> Fut,
    Fut: Future<Output = Vec<C>>,
{
    let addrs = [kitgen, baseline];
    let [ours, theirs] =
        alternating(config, |target, clients| connect(addrs[target], clients)).await;
    (ours, theirs)
}

/// Loads `N` targets in rounds, each round every target in turn (which goes
/// first rotates), after a short warm-up of each, and returns their
/// measurements. `connect` makes the clients of one round for a target's
/// index: the same server over different protocols, or different servers.
pub async fn alternating<const N: usize, C, F, Fut>(
    config: &LoadConfig,
    connect: F,
) -> [Measurement; N]
where
    C: LoadClient,
    F: Fn(usize, usize) -> Fut,
    Fut: Future<Output = Vec<C>>,
{
    for target in 0..N {
        round(connect(target, config.clients).await, config.round / 4).await;
    }
    let mut measured: [Measurement; N] = std::array::from_fn(|_| Measurement::default());
    for index in 0..config.rounds {
        for turn in 0..N {
            let target = (index + turn) % N;
            let round = round(connect(target, config.clients).await, config.round).await;
            measured[target].absorb(round);
        }
    }
    measured
}

/// Prints both measurements and the ratios against a hand-written
/// baseline, and fails if any request did.
pub fn report(
    title: &str,
    config: &LoadConfig,
    kitgen: &mut Measurement,
    baseline: &mut Measurement,
) {
    compare(
        title,
        config,
        ("kitgen", kitgen),
        ("hand-written", baseline),
        0.95,
    );
}

/// Prints two measurements and the ratios of the first to the second, with
/// the throughput ratio's target, and fails if any request did.
pub fn compare(
    title: &str,
    config: &LoadConfig,
    (name, kitgen): (&str, &mut Measurement),
    (baseline_name, baseline): (&str, &mut Measurement),
    target: f64,
) {
    println!(
        "{title}: {} clients, {} rounds of {:?} per target",
        config.clients, config.rounds, config.round
    );
    for (name, measured) in [(name, &mut *kitgen), (baseline_name, &mut *baseline)] {
        println!(
            "  {name:<16} {:>9.0} req/s   p50 {:>6} µs   p99 {:>6} µs   ({} requests, {} failures)",
            measured.throughput(),
            measured.percentile(0.50),
            measured.percentile(0.99),
            measured.requests,
            measured.failures,
        );
    }
    // Round i of one target ran next to round i of the other, so their
    // ratio shares the machine's state; the median of those ratios is the
    // result, and their spread says how much to trust it.
    let mut ratios: Vec<f64> = kitgen
        .rounds
        .iter()
        .zip(&baseline.rounds)
        .map(|(ours, theirs)| ours / theirs)
        .collect();
    ratios.sort_by(f64::total_cmp);
    let throughput_ratio = median(&ratios);
    let p99 = f64::from(kitgen.percentile(0.99)) / f64::from(baseline.percentile(0.99).max(1));
    println!(
        "  throughput ratio {name}/{baseline_name}: {throughput_ratio:.3}, the median of {} per-round ratios \
         ({:.3} to {:.3}; target >= {target})",
        ratios.len(),
        ratios.first().copied().unwrap_or(f64::NAN),
        ratios.last().copied().unwrap_or(f64::NAN),
    );
    println!("  p99 latency ratio {name}/{baseline_name}: {p99:.3}");
    // Requests per busy second of the servers' core, round by round: the
    // servers' cost per request, whether or not the load saturated them.
    let mut per_cpu: Vec<f64> = kitgen
        .rounds
        .iter()
        .zip(&kitgen.server_busy)
        .zip(baseline.rounds.iter().zip(&baseline.server_busy))
        .filter(|((_, ours), (_, theirs))| **ours > 0.0 && **theirs > 0.0)
        .map(|((ours_rate, ours_busy), (their_rate, their_busy))| {
            (ours_rate / ours_busy) / (their_rate / their_busy)
        })
        .collect();
    if !per_cpu.is_empty() {
        per_cpu.sort_by(f64::total_cmp);
        let busy = |measured: &Measurement| {
            measured.server_busy.iter().sum::<f64>() / measured.server_busy.len().max(1) as f64
        };
        println!(
            "  requests per server CPU-second ratio {name}/{baseline_name}: {:.3}, the median of {} \
             per-round ratios ({:.3} to {:.3}); servers' core busy {:.0}% / {:.0}%",
            median(&per_cpu),
            per_cpu.len(),
            per_cpu[0],
            per_cpu[per_cpu.len() - 1],
            busy(kitgen) * 100.0,
            busy(baseline) * 100.0,
        );
    }
    assert_eq!(
        kitgen.failures + baseline.failures,
        0,
        "requests failed during the benchmark"
    );
    assert!(
        kitgen.requests > 0 && baseline.requests > 0,
        "no requests completed"
    );
}

/// The median of `sorted`.
fn median(sorted: &[f64]) -> f64 {
    let middle = sorted.len() / 2;
    match sorted.len() {
        0 => f64::NAN,
        len if len % 2 == 1 => sorted[middle],
        _ => f64::midpoint(sorted[middle - 1], sorted[middle]),
    }
}

/// Whether this is a smoke run: `cargo bench` passes `--bench`, and
/// `cargo test --benches` does not.
pub fn is_smoke_run() -> bool {
    !std::env::args().any(|arg| arg == "--bench")
}

/// Two single-threaded-worker runtimes: one for the servers, its worker
/// pinned to the first core, and one for the load, pinned to the second,
/// so that neither takes time from the other (on a machine with one core,
/// both share it).
pub fn runtimes() -> (tokio::runtime::Runtime, tokio::runtime::Runtime) {
    let cores = core_affinity::get_core_ids().unwrap_or_default();
    let build = |core: Option<core_affinity::CoreId>| {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .on_thread_start(move || {
                if let Some(core) = core {
                    core_affinity::set_for_current(core);
                }
            })
            .enable_all()
            .build()
            .expect("a runtime")
    };
    (build(cores.first().copied()), build(cores.get(1).copied()))
}

/// Load over HTTP/1.1: keep-alive connections posting one JSON body.
pub mod http_load {
    use std::net::SocketAddr;

    use bytes::Bytes;
    use http_body_util::{BodyExt, Full};
    use hyper_util::rt::TokioIo;

    use super::LoadClient;

    /// Serves `router` on an ephemeral port of 127.0.0.1, as every server
    /// in these benchmarks is served.
    pub async fn serve(router: axum::Router) -> SocketAddr {
        super::targets::spawn(|listener| super::targets::serve_http(listener, router)).await
    }

    /// One keep-alive HTTP/1.1 connection posting one JSON body to one
    /// path: `{"a": 21, "b": 21}` to `/sum` unless made by
    /// [`connect_posting`].
    pub struct HttpSum {
        sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
        uri: http::Uri,
        body: Bytes,
        /// What a successful answer's body contains.
        answer: &'static [u8],
    }

    impl LoadClient for HttpSum {
        async fn call(&mut self) -> bool {
            let mut request = http::Request::new(Full::new(self.body.clone()));
            *request.method_mut() = http::Method::POST;
            *request.uri_mut() = self.uri.clone();
            let headers = request.headers_mut();
            headers.insert(
                http::header::HOST,
                http::HeaderValue::from_static("127.0.0.1"),
            );
            headers.insert(
                http::header::CONTENT_TYPE,
                http::HeaderValue::from_static("application/json"),
            );
            if self.sender.ready().await.is_err() {
                return false;
            }
            match self.sender.send_request(request).await {
                Ok(response) if response.status() == http::StatusCode::OK => {
                    match response.into_body().collect().await {
                        Ok(body) => {
                            let body = body.to_bytes();
                            body.windows(self.answer.len())
                                .any(|window| window == self.answer)
                        }
                        Err(_) => false,
                    }
                }
                _ => false,
            }
        }
    }

    /// `clients` connections to `addr`, posting `{"a": 21, "b": 21}` to
    /// `/sum`.
    pub async fn connect(addr: SocketAddr, clients: usize) -> Vec<HttpSum> {
        connect_posting(addr, clients, "/sum", br#"{"a": 21, "b": 21}"#, b"42").await
    }

    /// `clients` connections to `addr`, posting `body` to `path`, each
    /// answer expected to contain `answer`.
    pub async fn connect_posting(
        addr: SocketAddr,
        clients: usize,
        path: &str,
        body: &'static [u8],
        answer: &'static [u8],
    ) -> Vec<HttpSum> {
        let mut connected = Vec::with_capacity(clients);
        for _ in 0..clients {
            let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
            stream.set_nodelay(true).expect("nodelay");
            let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
                .await
                .expect("handshake");
            tokio::spawn(connection);
            let uri = format!("http://{addr}{path}").parse().expect("uri");
            connected.push(HttpSum {
                sender,
                uri,
                body: Bytes::from_static(body),
                answer,
            });
        }
        connected
    }
}

/// A NATS server (Debian's `nats-server`) on 127.0.0.1, pinned to the
/// second core with the load (`taskset -c 1`), stopped when dropped: the
/// broker both targets of a NATS benchmark go through, so that it costs
/// them alike and takes nothing from the servers' core.
pub struct NatsBroker {
    child: std::process::Child,
    /// Its URL: `nats://127.0.0.1:PORT`.
    pub url: String,
}

impl NatsBroker {
    /// Starts it and waits until it accepts connections.
    pub fn start() -> NatsBroker {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("a free port")
            .port();
        let program = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists())
            .unwrap_or("nats-server");
        let child = std::process::Command::new("taskset")
            .args([
                "-c",
                "1",
                program,
                "-a",
                "127.0.0.1",
                "-p",
                &port.to_string(),
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("start nats-server under taskset (Debian's nats-server and util-linux)");
        // Dropped, even on the way out by a panic, it is stopped.
        let broker = NatsBroker {
            child,
            url: format!("nats://127.0.0.1:{port}"),
        };
        for _ in 0..200 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return broker;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!("nats-server did not listen on port {port}");
    }
}

impl Drop for NatsBroker {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
