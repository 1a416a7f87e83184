//! HTTP/JSON transport: the server side (an axum router of endpoints) and the
//! client side (a pooled hyper client), joined by the [`Binding`] that
//! `#[kit::service]` implements for each request message.
//!
//! # Wire format
//!
//! * A request message travels as JSON in the body, in path parameters and in
//!   the query string, as its method's HTTP binding says.
//! * A success is `200 OK` with the return value as JSON. A method that
//!   returns `()` answers `{}`.
//! * An error has the [`Error`](struct@crate::Error)'s HTTP status and a JSON body:
//!   `{"code": "NOT_FOUND", "message": "…", "variant": "NotFound", "details": …}`,
//!   where `variant` and `details` name a business error's variant and fields.
//! * `X-Request-ID` carries the request id both ways, and
//!   `X-Request-Timeout` the caller's remaining time, in the `grpc-timeout`
//!   format (`250m` is 250 ms; see [`crate::context::timeout`]).

mod client;
pub mod decode;
pub mod encode;
pub mod message;
mod server;
pub(crate) mod stream;

use std::future::Future;

use bytes::Bytes;
use http::Method;
use http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;

pub(crate) use client::decode_response;
pub use client::{Client, DEFAULT_MAX_RESPONSE_SIZE};
/// The `http` crate's header types, which [`Client::with_header`] and
/// [`Context::metadata_mut`](crate::Context::metadata_mut) take, so that
/// using them needs no dependency of one's own.
pub use http::{HeaderMap, HeaderName, HeaderValue, header};
pub use server::{BodyLimit, DEFAULT_BODY_LIMIT, OPENAPI_PATH, RouterBuilder, body_limit};
pub(crate) use server::{read_body, server_context};

use crate::Error;

/// The request id header.
pub const X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// The header that carries the caller's remaining time, in the
/// `grpc-timeout` format.
pub const X_REQUEST_TIMEOUT: HeaderName = HeaderName::from_static("x-request-timeout");

/// The first value of the header `name`, as `HeaderMap::get` finds it.
///
/// Hand-written because of cost, not function: a request carries a handful
/// of headers, and walking them, comparing names, takes a fraction of the
/// instructions of hashing a custom name such as `x-request-id` for a
/// lookup, which the server does four times per request.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a HeaderValue> {
    const WALK_AT_MOST: usize = 8;
    if headers.len() > WALK_AT_MOST {
        return headers.get(name);
    }
    headers
        .iter()
        .find_map(|(candidate, value)| (candidate == name).then_some(value))
}

/// How a method's request message maps onto an HTTP request, and back.
///
/// `#[kit::service]` implements it for every `{Method}Request` it generates;
/// the server and the client in this module are generic over it.
pub trait Binding: Sized + Send + 'static {
    /// What the method returns on success.
    type Response: Serialize + DeserializeOwned + Send + 'static;

    /// The HTTP method.
    const METHOD: Method;

    /// The route template, in axum's syntax: `/orders/{id}`.
    const PATH: &'static str;

    /// Whether the request has a JSON body.
    const HAS_BODY: bool;

    /// Client side: the request target (path and query) and the body.
    fn encode(self) -> Result<Encoded, Error>;

    /// Server side: rebuilds the message from the path parameters, the query
    /// string and the body.
    fn decode(parts: &mut Parts, body: Bytes) -> impl Future<Output = Result<Self, Error>> + Send;
}

/// A request message encoded for the wire by [`Binding::encode`].
#[derive(Debug)]
pub struct Encoded {
    /// The path and query, relative to the client's base URL: `/orders/7?x=1`.
    pub target: String,
    /// The JSON body, if the binding has one.
    pub body: Option<Bytes>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_finds_what_get_finds_in_small_and_large_maps() {
        for count in [0, 3, 8, 9, 20] {
            let mut headers = HeaderMap::new();
            for index in 0..count {
                let name = HeaderName::try_from(format!("x-filler-{index}")).unwrap();
                headers.insert(name, HeaderValue::from(index));
            }
            headers.append(X_REQUEST_ID, HeaderValue::from_static("first"));
            headers.append(X_REQUEST_ID, HeaderValue::from_static("second"));
            headers.insert(http::header::CONTENT_TYPE, HeaderValue::from_static("a/b"));
            for name in [X_REQUEST_ID, http::header::CONTENT_TYPE, X_REQUEST_TIMEOUT] {
                assert_eq!(
                    header(&headers, &name),
                    headers.get(&name),
                    "{count} {name}"
                );
            }
        }
    }
}
