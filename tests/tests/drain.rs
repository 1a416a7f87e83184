//! `kit::Server` drains under load: with 64 callers calling without pause
//! over HTTP/JSON and gRPC, SIGTERM makes readiness fail first, the server
//! goes on accepting for the drain delay, then stops accepting, finishes
//! every call it had accepted and returns within the grace period. Its own
//! test binary, because the signal goes to this process.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use kit::{Code, Context};
use kitgen_tests::base_url;
use kitgen_tests::inventory::{Inventory, Shop, inventory};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

const CALLERS: usize = 64;
const DRAIN_DELAY: Duration = Duration::from_secs(2);
const GRACE_PERIOD: Duration = Duration::from_secs(10);
/// How long each call takes in its handler.
const NAP_MILLIS: u64 = 20;

/// What one caller saw.
#[derive(Default)]
struct Calls {
    answered: usize,
    /// When each failure came, and what it was.
    failed: Vec<(Instant, Code, String)>,
}

/// Calls `nap` until `stop`, one call at a time.
async fn caller(client: Arc<impl Inventory>, stop: Arc<AtomicBool>) -> Calls {
    let mut calls = Calls::default();
    while !stop.load(Ordering::SeqCst) {
        match client.nap(&Context::new(), NAP_MILLIS).await {
            Ok(_) => calls.answered += 1,
            Err(error) => {
                let error = kit::Error::from(error);
                calls
                    .failed
                    .push((Instant::now(), error.code(), error.message().to_owned()));
                // Refused: the server has stopped accepting.
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        }
    }
    calls
}

/// The status of `GET /healthz` on a new connection to `addr`, or `None`
/// when it cannot connect.
async fn readiness(addr: std::net::SocketAddr) -> Option<u16> {
    let mut stream = TcpStream::connect(addr).await.ok()?;
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        .await
        .ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await.ok()?;
    let answer = String::from_utf8_lossy(&answer);
    answer.split(' ').nth(1)?.parse().ok()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_under_load_fails_readiness_first_and_loses_no_accepted_call() {
    let shop = Arc::new(Shop::default());
    let endpoints = inventory::Endpoints::new(shop.clone());
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (http_addr, grpc_addr) = (http.local_addr().unwrap(), grpc.local_addr().unwrap());
    let routes =
        kit::grpc::Routes::new().add_service(inventory::GrpcServer::new(endpoints.clone()));
    let server = tokio::spawn(
        kit::Server::new()
            .drain_delay(DRAIN_DELAY)
            .grace_period(GRACE_PERIOD)
            .http(http, inventory::http_router(endpoints))
            .grpc(grpc, routes)
            .run(),
    );

    // Half the callers share a pooled HTTP/JSON client, half a gRPC channel.
    let over_http = Arc::new(inventory::HttpClient::new(&base_url(http_addr)).unwrap());
    let over_grpc = Arc::new(inventory::GrpcClient::new(&format!("http://{grpc_addr}")).unwrap());
    let stop = Arc::new(AtomicBool::new(false));
    let mut callers = Vec::new();
    for _ in 0..CALLERS / 2 {
        callers.push(tokio::spawn(caller(over_http.clone(), stop.clone())));
        callers.push(tokio::spawn(caller(over_grpc.clone(), stop.clone())));
    }
    // A steady load first: every caller has called a few times.
    tokio::time::timeout(Duration::from_secs(20), async {
        while shop.naps_started.load(Ordering::SeqCst) < CALLERS * 4 {
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
    })
    .await
    .expect("the load started");
    assert_eq!(readiness(http_addr).await, Some(200));

    let signalled = Instant::now();
    let kill = tokio::process::Command::new("kill")
        .args(["-TERM", &std::process::id().to_string()])
        .status()
        .await
        .unwrap();
    assert!(kill.success());

    // Readiness fails at once, while calls still succeed.
    let not_ready = loop {
        match readiness(http_addr).await {
            Some(503) => break Instant::now(),
            Some(200) => tokio::time::sleep(Duration::from_millis(10)).await,
            other => panic!("readiness answered {other:?} during the drain delay"),
        }
    };
    assert!(
        not_ready - signalled < DRAIN_DELAY,
        "readiness failed only after {:?}",
        not_ready - signalled
    );
    let naps_when_not_ready = shop.naps_started.load(Ordering::SeqCst);

    let finished = tokio::time::timeout(GRACE_PERIOD, server)
        .await
        .expect("the server stopped within the grace period")
        .unwrap();
    let stopped = Instant::now();
    assert!(finished.is_ok(), "{finished:?}");
    assert!(
        stopped - signalled >= DRAIN_DELAY,
        "stopped {:?} after the signal, before the drain delay was over",
        stopped - signalled
    );
    // New connections are refused once it has stopped.
    assert_eq!(readiness(http_addr).await, None);

    stop.store(true, Ordering::SeqCst);
    let mut answered = 0;
    let mut failed = Vec::new();
    for caller in callers {
        let calls = caller.await.unwrap();
        answered += calls.answered;
        failed.extend(calls.failed);
    }
    let started = shop.naps_started.load(Ordering::SeqCst);
    eprintln!(
        "{answered} calls answered, {} refused after the drain delay",
        failed.len()
    );
    assert!(
        started > naps_when_not_ready + CALLERS,
        "calls went on during the drain delay: {naps_when_not_ready} then {started}"
    );
    // Every call a handler started was answered, and none was cut short.
    assert_eq!(answered, started, "accepted calls that failed: {failed:?}");
    assert!(!shop.nap_dropped.load(Ordering::SeqCst));
    // Failures only once the server had stopped accepting: refusals.
    for (when, code, message) in &failed {
        assert_eq!(*code, Code::Unavailable, "{message}");
        assert!(
            *when - signalled >= DRAIN_DELAY,
            "refused {:?} after the signal, during the drain delay: {message}",
            *when - signalled
        );
    }
}
