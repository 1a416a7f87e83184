//! NATS request-reply: Go kit's `transport/nats`, serving the same
//! endpoints as the HTTP/JSON and gRPC transports, through a NATS server
//! instead of a listener of one's own.
//!
//! # Wire format
//!
//! * Each method is a subject, `{prefix}.{package}.{Service}.{Method}`
//!   (`rpc.ordersvc.OrderService.GetById`; the prefix is [`DEFAULT_PREFIX`]
//!   unless [`Methods::prefix`] says otherwise), which every replica
//!   subscribes in one queue group, so that NATS hands each request to one
//!   of them: no load balancer, no discovery.
//! * The request's payload is its message as JSON, in the same form as
//!   over HTTP/JSON, or in protobuf's binary encoding when its
//!   `Content-Type` header says `application/protobuf`. An empty payload is
//!   the default message. The reply is the response message, in the
//!   request's encoding (`Content-Type` says so when it is protobuf), and
//!   echoes the `X-Request-ID` when the request had headers at all: a plain
//!   request gets a plain reply, as small as a call can be.
//! * An error's reply has the headers `X-Request-ID`, `Nats-Service-Error`
//!   (its message) and `Nats-Service-Error-Code` (its HTTP status), as
//!   NATS's service API writes the last two, and kit's JSON error body as
//!   payload,
//!   `{"code": "NOT_FOUND", "message": "…", "variant": "NotFound"}`, so
//!   that the generated client returns the variant the service did.
//! * Headers carry the context as HTTP headers do: `X-Request-ID`,
//!   `X-Request-Timeout` (the caller's remaining time, `250m`),
//!   `traceparent` and other forwarded metadata.
//!
//! The connection is async-nats's ([`async_nats::Client`]), which
//! reconnects, and restores its subscriptions, when the NATS server
//! restarts.

mod client;
mod server;

pub use async_nats;
pub use client::Client;
pub use server::{DEFAULT_PREFIX, DEFAULT_QUEUE_GROUP, Methods, Subscriptions};

/// The header with an error's message.
const SERVICE_ERROR: &str = "Nats-Service-Error";
/// The header with an error's HTTP status.
const SERVICE_ERROR_CODE: &str = "Nats-Service-Error-Code";
/// The request id's header, as HTTP/JSON writes it (NATS's header names
/// keep their case).
const REQUEST_ID: &str = "X-Request-ID";
/// The caller's remaining time's header.
const REQUEST_TIMEOUT: &str = "X-Request-Timeout";
/// The header that names the payload's encoding.
const CONTENT_TYPE: &str = "Content-Type";

/// NATS headers as the `http` crate's, which a [`crate::Context`] holds;
/// names are lower-cased, and what `http` cannot hold is left out.
fn to_http(headers: Option<&async_nats::HeaderMap>) -> http::HeaderMap {
    let mut map = http::HeaderMap::new();
    for (name, values) in headers.into_iter().flat_map(async_nats::HeaderMap::iter) {
        let Ok(name) = http::HeaderName::from_bytes(name.as_ref()) else {
            continue;
        };
        for value in values {
            if let Ok(value) = http::HeaderValue::from_str(value.as_str()) {
                map.append(name.clone(), value);
            }
        }
    }
    map
}

/// The subject of `method` (`ordersvc.OrderService.Create`) under
/// `prefix`.
fn subject(prefix: &str, method: &str) -> String {
    if prefix.is_empty() {
        method.to_owned()
    } else {
        format!("{prefix}.{method}")
    }
}
