//! Compression, negotiated per call on both transports: gzip and zstd.
//!
//! * HTTP/JSON: a request body with `Content-Encoding: gzip` or `zstd` is
//!   decompressed (another encoding is `415`), and a response is compressed
//!   when the request's `Accept-Encoding` asks for one, unless it is small
//!   (32 bytes or less) or a stream (Server-Sent Events, NDJSON), which
//!   must reach the client as it is written. The body limit applies to what
//!   the body decompresses to.
//! * gRPC: a message compressed with gzip or zstd (`grpc-encoding`) is
//!   decompressed, within the message size limit; the answer is compressed
//!   the same way when the request was, as grpc-go's servers do, and not
//!   otherwise, since most clients offer gzip with every call.
//!   [`crate::grpc::Client::with_compression`] compresses a client's calls.

use std::convert::Infallible;

use tower_http::compression::predicate::{NotForContentType, Predicate};
use tower_http::compression::{CompressionLayer, DefaultPredicate};
use tower_http::decompression::RequestDecompressionLayer;

/// A compression algorithm.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Compression {
    /// gzip: what every client and proxy understands.
    Gzip,
    /// zstd: about as small as gzip's best, several times faster.
    Zstd,
}

impl Compression {
    /// tonic's name for it.
    pub(crate) fn encoding(self) -> tonic::codec::CompressionEncoding {
        match self {
            Compression::Gzip => tonic::codec::CompressionEncoding::Gzip,
            Compression::Zstd => tonic::codec::CompressionEncoding::Zstd,
        }
    }

    /// The compression a gRPC request's `grpc-encoding` names, if kit
    /// speaks it.
    pub(crate) fn of_grpc_request(headers: &http::HeaderMap) -> Option<Self> {
        match headers.get("grpc-encoding")?.as_bytes() {
            b"gzip" => Some(Compression::Gzip),
            b"zstd" => Some(Compression::Zstd),
            _ => None,
        }
    }
}

/// Whether a request with `headers` sends a compressed body or accepts a
/// compressed answer: only then does [`http_call`] go through tower-http's
/// layers, which cost 10% of a small call's throughput even when there is
/// nothing to compress (docs/benchmarks.md).
pub(crate) fn asked_for(headers: &http::HeaderMap) -> bool {
    headers.contains_key(http::header::CONTENT_ENCODING)
        || headers.contains_key(http::header::ACCEPT_ENCODING)
}

/// `request` to `route`, its body decompressed and its answer compressed
/// as its headers ask: see the module's documentation.
pub(crate) fn http_call<S>(
    route: S,
    request: axum::extract::Request,
) -> futures_util::future::BoxFuture<'static, Result<axum::response::Response, Infallible>>
where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = Infallible,
        > + Send
        + 'static,
    S::Future: Send + 'static,
{
    use futures_util::FutureExt;
    use tower::ServiceExt;
    let responses =
        DefaultPredicate::new().and(NotForContentType::const_new(crate::http::stream::NDJSON));
    let compressing = tower::ServiceBuilder::new()
        .layer(
            CompressionLayer::new()
                .gzip(true)
                .zstd(true)
                .no_br()
                .no_deflate()
                .compress_when(responses),
        )
        .layer(
            RequestDecompressionLayer::new()
                .gzip(true)
                .zstd(true)
                .no_br()
                .no_deflate(),
        )
        .map_request(|request: http::Request<_>| request.map(axum::body::Body::new))
        .service(route);
    async move {
        let response = compressing.oneshot(request).await?;
        Ok(response.map(axum::body::Body::new))
    }
    .boxed()
}
