//! gRPC-Web on the gRPC port, as a browser sends it: HTTP/1.1 POSTs with
//! `application/grpc-web+proto` (binary) and `application/grpc-web-text`
//! (base64) bodies, answered with data frames and a trailer frame, built
//! and read here byte by byte from the gRPC-Web protocol.

use std::sync::Arc;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use bytes::Bytes;
use http::Method;
use kitgen_tests::feed::{Ticker, feed};
use kitgen_tests::{RawConnection, serve_grpc};
use prost::Message as _;

/// One length-prefixed frame: a flag byte, a big-endian length, the bytes.
fn frame(flag: u8, payload: &[u8]) -> Vec<u8> {
    let mut framed = vec![flag];
    framed.extend_from_slice(&u32::try_from(payload.len()).unwrap().to_be_bytes());
    framed.extend_from_slice(payload);
    framed
}

/// The messages and the trailers of a gRPC-Web response body.
fn frames(mut body: &[u8]) -> (Vec<Bytes>, String) {
    let (mut messages, mut trailers) = (Vec::new(), String::new());
    while !body.is_empty() {
        let flag = body[0];
        let length = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
        let payload = &body[5..5 + length];
        if flag & 0x80 == 0 {
            messages.push(Bytes::copy_from_slice(payload));
        } else {
            trailers.push_str(std::str::from_utf8(payload).unwrap());
        }
        body = &body[5 + length..];
    }
    (messages, trailers.to_ascii_lowercase())
}

fn ticks_request(from: u64, count: u64, fail_at: Option<u64>) -> Vec<u8> {
    feed::TicksRequest {
        from,
        count,
        note_bytes: 2,
        fail_at,
    }
    .encode_to_vec()
}

fn seqs(messages: &[Bytes]) -> Vec<u64> {
    messages
        .iter()
        .map(|message| feed::TicksResponse::decode(&message[..]).unwrap().value.seq)
        .collect()
}

async fn connection() -> RawConnection {
    let (ticker, _probe) = Ticker::new();
    let endpoints = feed::Endpoints::new(Arc::new(ticker));
    let addr =
        serve_grpc(kit::grpc::Routes::new().add_service(feed::GrpcServer::new(endpoints))).await;
    RawConnection::open(addr).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_server_stream_answers_grpc_web_over_http_1_1() {
    let mut connection = connection().await;
    let response = connection
        .send(
            Method::POST,
            "/feed.Feed/Ticks",
            &[("content-type", "application/grpc-web+proto")],
            frame(0, &ticks_request(3, 3, None)),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.headers["content-type"],
        "application/grpc-web+proto"
    );
    let (messages, trailers) = frames(&response.body);
    assert_eq!(seqs(&messages), [3, 4, 5]);
    assert!(trailers.contains("grpc-status:0"), "{trailers}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn grpc_web_text_is_base64_both_ways_and_errors_end_in_the_trailers() {
    let mut connection = connection().await;
    let body = STANDARD.encode(frame(0, &ticks_request(0, 5, Some(2))));
    let response = connection
        .send(
            Method::POST,
            "/feed.Feed/Ticks",
            &[
                ("content-type", "application/grpc-web-text"),
                ("accept", "application/grpc-web-text"),
            ],
            body,
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(
        response.headers["content-type"],
        "application/grpc-web-text+proto"
    );
    // Each chunk the server writes is base64 of its own, padded: the body
    // is their concatenation, cut after each group of four with padding.
    let mut decoded = Vec::new();
    let mut chunk = Vec::new();
    for group in response.body.chunks(4) {
        chunk.extend_from_slice(group);
        if group.contains(&b'=') || chunk.len() == response.body.len() {
            decoded.extend(STANDARD.decode(&chunk).unwrap());
            chunk.clear();
        }
    }
    if !chunk.is_empty() {
        decoded.extend(STANDARD.decode(&chunk).unwrap());
    }
    let (messages, trailers) = frames(&decoded);
    assert_eq!(seqs(&messages), [0, 1]);
    // FAILED_PRECONDITION, with the business error's variant.
    assert!(trailers.contains("grpc-status:9"), "{trailers}");
    assert!(trailers.contains("kit-error-variant:unlucky"), "{trailers}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_unary_call_and_its_error_over_grpc_web() {
    let mut connection = connection().await;
    let total = feed::TotalRequest {
        ticks: kitgen_tests::feed::Tick {
            seq: 13,
            note: String::new(),
        },
    }
    .encode_to_vec();
    // A client stream of one message: what gRPC-Web sends for a call.
    let response = connection
        .send(
            Method::POST,
            "/feed.Feed/Total",
            &[("content-type", "application/grpc-web+proto")],
            frame(0, &total),
        )
        .await;
    assert_eq!(response.status, 200);
    // A trailers-only answer: the status in the headers, or in a trailer
    // frame.
    let (messages, trailers) = frames(&response.body);
    assert!(messages.is_empty());
    let status = response
        .headers
        .get("grpc-status")
        .map(|value| value.to_str().unwrap().to_owned())
        .unwrap_or(trailers);
    assert!(status.contains('9'), "{status}");
}
