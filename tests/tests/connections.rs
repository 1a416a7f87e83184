//! `kit::Server`'s connection limits over real sockets: a slowloris client
//! and an idle keep-alive connection are cut off, oversized headers are
//! refused, and connections beyond the limit wait or are refused.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kit::{ConnectionLimits, WhenFull};
use ordersvc::{InMemoryOrderService, order_service};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The Order service's HTTP router on `kit::Server` under `limits`.
async fn serve(limits: ConnectionLimits) -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    tokio::spawn(
        kit::Server::new()
            .connection_limits(limits)
            .http(listener, order_service::http_router(endpoints))
            .run_until(std::future::pending()),
    );
    addr
}

const HEALTH: &[u8] = b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n";

/// Reads until the server closes the connection, or `within` passes;
/// returns what it read and whether it closed.
async fn read_until_closed(stream: &mut TcpStream, within: Duration) -> (String, bool) {
    let mut read = Vec::new();
    let closed = tokio::time::timeout(within, async {
        let mut buffer = [0; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => return,
                Ok(n) => read.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await
    .is_ok();
    (String::from_utf8_lossy(&read).into_owned(), closed)
}

#[tokio::test]
async fn a_client_sending_headers_a_byte_at_a_time_is_cut_off() {
    let timeout = Duration::from_millis(500);
    let addr = serve(ConnectionLimits::default().header_read_timeout(timeout)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let started = Instant::now();
    stream
        .write_all(b"GET /healthz HTTP/1.1\r\n")
        .await
        .unwrap();
    // One header byte every 100 ms, for far longer than the timeout.
    let mut cut_off = false;
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(100)).await;
        if stream.write_all(b"X").await.is_err() {
            cut_off = true;
            break;
        }
        let mut byte = [0; 1];
        if let Ok(Ok(0) | Err(_)) =
            tokio::time::timeout(Duration::from_millis(1), stream.read(&mut byte)).await
        {
            cut_off = true;
            break;
        }
    }
    assert!(cut_off, "still open after 5 s");
    let after = started.elapsed();
    assert!(
        after >= timeout && after < Duration::from_secs(3),
        "cut off after {after:?}"
    );
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed() {
    let addr =
        serve(ConnectionLimits::default().header_read_timeout(Duration::from_millis(300))).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(HEALTH).await.unwrap();
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "the idle connection stayed open");
}

#[tokio::test]
async fn headers_larger_than_the_limit_are_refused() {
    let addr = serve(ConnectionLimits::default().max_header_bytes(8 << 10)).await;
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let big = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\n\r\n",
        "a".repeat(16 << 10)
    );
    stream.write_all(big.as_bytes()).await.unwrap();
    let (answer, closed) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 431"), "{answer:?}");
    assert!(closed);

    // Headers within the limit are served.
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let fits = format!(
        "GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: close\r\nX-Fits: {}\r\n\r\n",
        "a".repeat(4 << 10)
    );
    stream.write_all(fits.as_bytes()).await.unwrap();
    let (answer, _) = read_until_closed(&mut stream, Duration::from_secs(3)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer:?}");
}

/// Opens a keep-alive connection and has one request answered on it, so
/// that the server has surely accepted it.
async fn held_connection(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(HEALTH).await.unwrap();
    let mut buffer = [0; 1024];
    let n = stream.read(&mut buffer).await.unwrap();
    assert!(buffer[..n].starts_with(b"HTTP/1.1 200"));
    stream
}

#[tokio::test]
async fn connections_beyond_the_limit_are_refused_when_told_to() {
    let limits = ConnectionLimits::default()
        .max_connections(2)
        .when_full(WhenFull::Refuse);
    let addr = serve(limits).await;
    let first = held_connection(addr).await;
    let _second = held_connection(addr).await;

    let mut third = TcpStream::connect(addr).await.unwrap();
    let _ = third.write_all(HEALTH).await;
    let (answer, closed) = read_until_closed(&mut third, Duration::from_secs(3)).await;
    assert!(closed && answer.is_empty(), "{answer:?}");

    // A slot frees when a connection closes.
    drop(first);
    let served = async {
        loop {
            let mut next = TcpStream::connect(addr).await.unwrap();
            let _ = next.write_all(HEALTH).await;
            let mut buffer = [0; 64];
            if let Ok(n) = next.read(&mut buffer).await
                && buffer[..n].starts_with(b"HTTP/1.1 200")
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    };
    tokio::time::timeout(Duration::from_secs(5), served)
        .await
        .expect("served once a connection closed");
}

#[tokio::test]
async fn connections_beyond_the_limit_wait_by_default() {
    let addr = serve(ConnectionLimits::default().max_connections(1)).await;
    let first = held_connection(addr).await;

    let mut waiting = TcpStream::connect(addr).await.unwrap();
    waiting.write_all(HEALTH).await.unwrap();
    let mut buffer = [0; 1024];
    let early = tokio::time::timeout(Duration::from_millis(300), waiting.read(&mut buffer)).await;
    assert!(early.is_err(), "answered while the limit was reached");

    drop(first);
    let n = tokio::time::timeout(Duration::from_secs(5), waiting.read(&mut buffer))
        .await
        .expect("answered once the first closed")
        .unwrap();
    assert!(buffer[..n].starts_with(b"HTTP/1.1 200"));
}

/// The inventory service over gRPC on `kit::Server` under `limits`.
async fn serve_grpc(
    limits: ConnectionLimits,
) -> (std::net::SocketAddr, Arc<kitgen_tests::inventory::Shop>) {
    use kitgen_tests::inventory::{Shop, inventory};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let shop = Arc::new(Shop::default());
    let endpoints = inventory::Endpoints::new(shop.clone());
    tokio::spawn(
        kit::Server::new()
            .connection_limits(limits)
            .grpc(
                listener,
                kit::grpc::Routes::new().add_service(inventory::GrpcServer::new(endpoints)),
            )
            .run_until(std::future::pending()),
    );
    (addr, shop)
}

#[tokio::test]
async fn an_http2_connection_has_at_most_its_streams_open_at_once() {
    use kitgen_tests::inventory::{Inventory, inventory};
    use std::sync::atomic::Ordering;
    let (addr, shop) =
        serve_grpc(ConnectionLimits::default().http2_max_concurrent_streams(2)).await;
    // One channel: one HTTP/2 connection for the three calls, open (and
    // told the limit) before they start.
    let client = Arc::new(inventory::GrpcClient::new(&format!("http://{addr}")).unwrap());
    client.nap(&kit::Context::new(), 1).await.unwrap();
    let calls: Vec<_> = (0..3)
        .map(|_| {
            let client = client.clone();
            tokio::spawn(async move { client.hold(&kit::Context::new()).await })
        })
        .collect();
    let started = Instant::now();
    while shop.holding.load(Ordering::SeqCst) < 2 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the calls never arrived"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // The third waits for a stream while the first two are held.
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(shop.holding.load(Ordering::SeqCst), 2);
    shop.release();
    while shop.holding.load(Ordering::SeqCst) < 3 {
        assert!(
            started.elapsed() < Duration::from_secs(5),
            "the third call never arrived"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    shop.release();
    for call in calls {
        call.await.unwrap().unwrap();
    }
}

/// An HTTP/2 connection that says hello and then nothing: it never
/// answers a ping.
async fn silent_http2_connection(addr: std::net::SocketAddr) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    // The client preface, then an empty SETTINGS frame.
    stream
        .write_all(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04\0\0\0\0\0")
        .await
        .unwrap();
    stream
}

#[tokio::test]
async fn http2_pings_close_a_connection_whose_peer_stopped_answering() {
    let every = Duration::from_millis(200);
    let limits = ConnectionLimits::default().http2_keep_alive(Some(every), every);
    let (addr, _) = serve_grpc(limits).await;
    let mut silent = silent_http2_connection(addr).await;
    let started = Instant::now();
    let (_, closed) = read_until_closed(&mut silent, Duration::from_secs(5)).await;
    assert!(closed, "still open after 5 s");
    assert!(
        started.elapsed() >= every,
        "closed after {:?}, before the first ping",
        started.elapsed()
    );

    // A peer that answers (hyper's client does) stays connected: the same
    // connection, which cannot reconnect, still calls after many pings.
    let mut answering = kitgen_tests::RawGrpcConnection::open(addr).await;
    let health = "/grpc.health.v1.Health/Check";
    let frame = || kitgen_tests::grpc_frame(&[]);
    assert_eq!(answering.call(health, frame()).await.code, 0);
    tokio::time::sleep(every * 5).await;
    assert_eq!(answering.call(health, frame()).await.code, 0);
}

#[tokio::test]
async fn without_pings_a_silent_http2_connection_is_left_open() {
    let (addr, _) = serve_grpc(ConnectionLimits::default()).await;
    let mut silent = silent_http2_connection(addr).await;
    let (_, closed) = read_until_closed(&mut silent, Duration::from_secs(1)).await;
    assert!(!closed, "closed though pings are off by default");
}
