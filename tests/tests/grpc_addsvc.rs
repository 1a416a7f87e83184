//! addsvc over gRPC on 127.0.0.1: the message size limit, and a server that
//! turns a call away with GOAWAY. What every client sees is in `clients.rs`.

use std::sync::Arc;

use addsvc::{AddError, AddService, BasicAddService, add_service};
use kit::Code;
use kitgen_tests::{base_url, serve_grpc};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

async fn client() -> add_service::GrpcClient {
    let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
    let routes = kit::grpc::Routes::new().add_service(add_service::GrpcServer::new(endpoints));
    let addr = serve_grpc(routes).await;
    add_service::GrpcClient::new(&base_url(addr)).unwrap()
}

#[tokio::test]
async fn an_oversized_message_is_resource_exhausted_and_the_server_carries_on() {
    let client = client().await;
    let ctx = kit::Context::new();
    let huge = "x".repeat(kit::grpc::DEFAULT_MAX_MESSAGE_SIZE);
    let error = client.concat(&ctx, huge, String::new()).await.unwrap_err();
    let AddError::Transport(error) = error else {
        panic!("expected the transport variant, got {error:?}");
    };
    assert_eq!(error.code(), Code::ResourceExhausted, "{error}");
    assert_eq!(client.sum(&ctx, 1, 1).await.unwrap(), 2);
}

/// A server shutting down sends GOAWAY naming the last stream it took; a
/// call on a later stream was never seen, so it is `UNAVAILABLE` (safe to
/// try elsewhere), not the `INTERNAL` tonic makes of it. The server here
/// is a few hand-written HTTP/2 frames, so that the GOAWAY surely comes
/// before any answer: it waits for the call's HEADERS, then sends GOAWAY
/// with last stream 0.
#[tokio::test]
async fn a_call_turned_away_by_goaway_is_unavailable() {
    const PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    const SETTINGS: [u8; 9] = [0, 0, 0, 4, 0, 0, 0, 0, 0];
    const GOAWAY_BEFORE_STREAM_1: [u8; 17] = [0, 0, 8, 7, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0];
    const HEADERS: u8 = 1;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let mut preface = [0; PREFACE.len()];
        socket.read_exact(&mut preface).await.unwrap();
        assert_eq!(preface, PREFACE);
        socket.write_all(&SETTINGS).await.unwrap();
        loop {
            let mut header = [0; 9];
            socket.read_exact(&mut header).await.unwrap();
            let length = u32::from_be_bytes([0, header[0], header[1], header[2]]) as usize;
            socket.read_exact(&mut vec![0; length]).await.unwrap();
            if header[3] == HEADERS {
                break;
            }
        }
        socket.write_all(&GOAWAY_BEFORE_STREAM_1).await.unwrap();
        // Read on until the client hangs up, so that it sees the GOAWAY
        // before the connection closes.
        let _ = socket.read_to_end(&mut Vec::new()).await;
    });

    let client = add_service::GrpcClient::new(&base_url(addr)).unwrap();
    let error = client.sum(&kit::Context::new(), 1, 2).await.unwrap_err();
    let AddError::Transport(error) = error else {
        panic!("expected the transport variant, got {error:?}");
    };
    assert_eq!(error.code(), Code::Unavailable, "{error}");
    assert!(
        error.message().contains("before taking the call"),
        "{error}"
    );
    drop(client);
    server.await.unwrap();
}
