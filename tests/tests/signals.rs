//! `kit::Server::run` stops gracefully on SIGTERM and SIGINT: the request in flight
//! finishes, and `run` returns. Its own test binary, because the signal
//! goes to this process.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use kitgen_tests::base_url;
use kitgen_tests::inventory::{Inventory, Shop, inventory};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_and_sigint_drain_and_stop_the_server() {
    // One after the other, in one test: the signal reaches the whole process.
    stops_on("-TERM").await;
    stops_on("-INT").await;
    a_second_signal_stops_at_once().await;
}

/// Sends `signal` to this process.
fn kill(signal: &str) {
    let kill = std::process::Command::new("kill")
        .args([signal, &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());
}

/// A call that never finishes holds the drain for the whole grace period,
/// until a second SIGTERM ends it.
async fn a_second_signal_stops_at_once() {
    let shop = Arc::new(Shop::default());
    let endpoints = inventory::Endpoints::new(shop.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(
        kit::Server::new()
            .grace_period(Duration::from_secs(60))
            .http(listener, inventory::http_router(endpoints))
            .run(),
    );
    let client = inventory::HttpClient::new(&base_url(addr)).unwrap();
    let held = tokio::spawn(async move { client.hold(&kit::Context::new()).await });
    tokio::time::timeout(Duration::from_secs(5), async {
        while shop.holding.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the held request started");
    kill("-TERM");
    // Still draining: the held call keeps it from stopping.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(!server.is_finished(), "stopped with a call in flight");
    kill("-TERM");
    let finished = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .expect("a second signal stops it at once")
        .unwrap();
    assert!(finished.is_ok(), "{finished:?}");
    held.abort();
}

async fn stops_on(signal: &str) {
    let shop = Arc::new(Shop::default());
    let endpoints = inventory::Endpoints::new(shop.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(
        kit::Server::new()
            .http(listener, inventory::http_router(endpoints))
            .run(),
    );

    let client = inventory::HttpClient::new(&base_url(addr)).unwrap();
    let slow = tokio::spawn(async move { client.nap(&kit::Context::new(), 300).await });
    tokio::time::timeout(Duration::from_secs(5), async {
        while shop.naps_started.load(Ordering::SeqCst) == 0 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    })
    .await
    .expect("the slow request started");
    // `run` installs its signal handlers before it serves anything.
    let kill = std::process::Command::new("kill")
        .args([signal, &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(kill.success());

    let finished = tokio::time::timeout(Duration::from_secs(5), server)
        .await
        .unwrap_or_else(|_| panic!("the server did not stop after {signal}"))
        .unwrap();
    assert!(finished.is_ok(), "{finished:?}");
    assert!(
        !slow.await.unwrap().unwrap(),
        "the request in flight did not finish"
    );
    assert!(tokio::net::TcpStream::connect(addr).await.is_err());
}
