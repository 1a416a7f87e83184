//! Compression negotiated per call on `kit::Server`, over real sockets:
//! gzip and zstd both ways over HTTP/JSON and gRPC, streams left
//! uncompressed, and size limits applied to what a body decompresses to.

use std::io::{Read, Write};
use std::net::SocketAddr;
use std::sync::Arc;

use http::Method;
use kit::{Compression, Context};
use kitgen_tests::feed::{Ticker, feed};
use kitgen_tests::{RawConnection, RawGrpcConnection};
use ordersvc::{InMemoryOrderService, Order, OrderService, order_service};
use tokio::net::TcpListener;

/// The Order service over HTTP/JSON and gRPC; their addresses.
async fn serve() -> (SocketAddr, SocketAddr) {
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addrs = (http.local_addr().unwrap(), grpc.local_addr().unwrap());
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let routes =
        kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints.clone()));
    tokio::spawn(
        kit::Server::new()
            .http(http, order_service::http_router(endpoints))
            .grpc(grpc, routes)
            .run_until(std::future::pending()),
    );
    addrs
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    encoder.write_all(bytes).unwrap();
    encoder.finish().unwrap()
}

fn gunzip(bytes: &[u8]) -> Vec<u8> {
    let mut decoded = Vec::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_end(&mut decoded)
        .unwrap();
    decoded
}

/// An order with a long note in its items, so that compressing pays.
fn order_json() -> String {
    let name = "Spaghetti alla carbonara, extra pecorino. ".repeat(20);
    format!(
        r#"{{"customer_id":"c-1","restaurant_id":"r-1","created_on":1700000000,"order_items":[{{"product_code":"P-1","name":"{name}","unit_price":7.5,"quantity":2}}]}}"#
    )
}

#[tokio::test]
async fn http_requests_and_answers_are_compressed_as_their_headers_ask() {
    let (http, _) = serve().await;
    let mut connection = RawConnection::open(http).await;
    let json = order_json();

    // A gzipped request body.
    let created = connection
        .send(
            Method::POST,
            "/orders",
            &[
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
            ],
            gzip(json.as_bytes()),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let id = created.json().as_str().unwrap().to_owned();
    let path = format!("/orders/{id}");

    // Answers compressed as asked, and only when asked.
    let plain = connection.send(Method::GET, &path, &[], "").await;
    assert_eq!(plain.headers.get("content-encoding"), None);
    let gzipped = connection
        .send(Method::GET, &path, &[("accept-encoding", "gzip")], "")
        .await;
    assert_eq!(gzipped.headers["content-encoding"], "gzip");
    assert!(
        gzipped.body.len() < plain.body.len() / 4,
        "{} bytes",
        gzipped.body.len()
    );
    assert_eq!(gunzip(&gzipped.body), plain.body);
    let zstd = connection
        .send(Method::GET, &path, &[("accept-encoding", "zstd")], "")
        .await;
    assert_eq!(zstd.headers["content-encoding"], "zstd");
    assert_eq!(zstd::decode_all(&zstd.body[..]).unwrap(), plain.body);

    // An encoding kit does not speak is refused, and says so.
    let brotli = connection
        .send(
            Method::POST,
            "/orders",
            &[
                ("content-type", "application/json"),
                ("content-encoding", "br"),
            ],
            json.clone(),
        )
        .await;
    assert_eq!(brotli.status, 415);
}

#[tokio::test]
async fn streams_are_never_compressed() {
    let (ticker, _probe) = Ticker::new();
    let endpoints = feed::Endpoints::new(Arc::new(ticker));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(
        kit::Server::new()
            .http(listener, feed::http_router(endpoints))
            .run_until(std::future::pending()),
    );
    let mut connection = RawConnection::open(addr).await;
    let path = "/ticks?from=7&count=40&note_bytes=200";
    // Server-Sent Events and JSON lines must reach the client as they are
    // written, which compressing would hold back.
    for accept in ["text/event-stream", "application/x-ndjson"] {
        let answer = connection
            .send(
                Method::GET,
                path,
                &[("accept", accept), ("accept-encoding", "gzip, zstd")],
                "",
            )
            .await;
        assert_eq!(answer.headers["content-type"], accept);
        assert_eq!(answer.headers.get("content-encoding"), None);
        assert!(String::from_utf8_lossy(&answer.body).contains("\"seq\":46"));
    }
}

#[tokio::test]
async fn the_body_limit_applies_to_what_a_body_decompresses_to() {
    let (http, _) = serve().await;
    let mut connection = RawConnection::open(http).await;
    // 8 MiB of spaces in a JSON string: a few KiB gzipped, over the 1 MiB
    // limit once decompressed.
    let bomb = format!(r#"{{"customer_id":"{}"}}"#, " ".repeat(8 << 20));
    let compressed = gzip(bomb.as_bytes());
    assert!(compressed.len() < 64 << 10);
    let refused = connection
        .send(
            Method::POST,
            "/orders",
            &[
                ("content-type", "application/json"),
                ("content-encoding", "gzip"),
            ],
            compressed,
        )
        .await;
    assert_eq!(refused.status, 413, "{:?}", refused.body);
}

#[tokio::test]
async fn grpc_clients_compress_with_gzip_or_zstd() {
    // The gRPC server behind a layer that notes each call's encoding.
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let noted = seen.clone();
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let grpc = tower::ServiceExt::map_request(
        order_service::GrpcServer::new(endpoints),
        |request: axum::extract::Request| request.map(tonic::body::Body::new),
    );
    let router = axum::Router::new()
        .fallback_service(grpc)
        .layer(axum::middleware::from_fn(
            move |request: axum::extract::Request, next: axum::middleware::Next| {
                let encoding = request.headers().get("grpc-encoding").cloned();
                noted.lock().unwrap().push(encoding);
                next.run(request)
            },
        ));
    let grpc = kitgen_tests::serve(router).await;

    let order: Order = serde_json::from_str(&order_json()).unwrap();
    for (compression, name) in [(Compression::Gzip, "gzip"), (Compression::Zstd, "zstd")] {
        let client = kit::grpc::Client::new(&format!("http://{grpc}"))
            .unwrap()
            .with_compression(compression);
        let client = order_service::GrpcClient::with_transport(client);
        let id = client.create(&Context::new(), order.clone()).await.unwrap();
        let fetched = client.get_by_id(&Context::new(), id).await.unwrap();
        assert_eq!(fetched.order_items, order.order_items, "{compression:?}");
        let seen: Vec<_> = seen.lock().unwrap().drain(..).collect();
        assert_eq!(seen.len(), 2);
        for encoding in seen {
            assert_eq!(
                encoding.as_ref().map(|value| value.to_str().unwrap()),
                Some(name)
            );
        }
    }
}

/// `message` in a gRPC frame, compressed with gzip (flag 1).
fn gzip_frame(message: &[u8]) -> Vec<u8> {
    let compressed = gzip(message);
    let mut frame = vec![1];
    frame.extend_from_slice(&u32::try_from(compressed.len()).unwrap().to_be_bytes());
    frame.extend_from_slice(&compressed);
    frame
}

#[tokio::test]
async fn a_grpc_server_answers_compressed_only_a_compressed_request() {
    let (http, grpc) = serve().await;
    let id = RawConnection::open(http)
        .await
        .send_json(Method::POST, "/orders", &order_json())
        .await
        .json()
        .as_str()
        .unwrap()
        .to_owned();
    // GetByIdRequest { id }.
    let mut request = vec![0x0a, u8::try_from(id.len()).unwrap()];
    request.extend_from_slice(id.as_bytes());
    let path = "/ordersvc.OrderService/GetById";
    let mut connection = RawGrpcConnection::open(grpc).await;

    // Compressed: answered compressed, the same way.
    let answer = connection
        .call_with(
            path,
            &[("grpc-encoding", "gzip"), ("grpc-accept-encoding", "gzip")],
            gzip_frame(&request),
        )
        .await;
    assert_eq!(answer.code, 0, "{}", answer.message);
    assert_eq!(answer.headers["grpc-encoding"], "gzip");
    assert_eq!(answer.body[0], 1, "the answer's frame is not compressed");
    let message = gunzip(&answer.body[5..]);
    assert!(String::from_utf8_lossy(&message).contains("carbonara"));

    // Plain, though the client accepts gzip (as most do): answered plain.
    let mut frame = vec![0];
    frame.extend_from_slice(&u32::try_from(request.len()).unwrap().to_be_bytes());
    frame.extend_from_slice(&request);
    let answer = connection
        .call_with(path, &[("grpc-accept-encoding", "gzip")], frame)
        .await;
    assert_eq!(answer.code, 0, "{}", answer.message);
    assert_eq!(answer.headers.get("grpc-encoding"), None);
    assert_eq!(answer.body[0], 0);

    // A message that decompresses past the 4 MiB limit.
    let mut bomb = vec![0x0a, 0x80, 0x80, 0x80, 0x04];
    bomb.extend(std::iter::repeat_n(b'x', 8 << 20));
    let answer = connection
        .call_with(path, &[("grpc-encoding", "gzip")], gzip_frame(&bomb))
        .await;
    assert_eq!(answer.code, 8, "RESOURCE_EXHAUSTED, not {}", answer.message);
}
