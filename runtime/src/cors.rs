//! CORS for browsers on other origins, over every protocol a [`Server`]
//! speaks: HTTP/JSON, gRPC-Web and Connect.
//!
//! ```
//! use http::HeaderValue;
//! let cors = kit::cors::browsers([HeaderValue::from_static("https://shop.example")]);
//! let server = kit::Server::new().cors(cors);
//! ```
//!
//! [`Server`]: crate::Server

use std::time::Duration;

use http::{HeaderName, Method};
pub use tower_http::cors::{AllowOrigin, Any, CorsLayer};

/// What the preflight allows a browser's request to send: the content
/// type, Connect's and gRPC-Web's headers, kit's own, credentials and
/// trace context.
pub const ALLOWED_HEADERS: [&str; 13] = [
    "content-type",
    "connect-protocol-version",
    "connect-timeout-ms",
    "grpc-timeout",
    "x-grpc-web",
    "x-user-agent",
    "x-request-id",
    "x-request-timeout",
    "authorization",
    "x-api-key",
    "traceparent",
    "tracestate",
    "baggage",
];

/// What a browser's script may read of an answer: gRPC's status (which
/// gRPC-Web sends as headers when no message came first), a business
/// error's variant and details, the request id, and when to retry.
pub const EXPOSED_HEADERS: [&str; 7] = [
    "grpc-status",
    "grpc-message",
    "grpc-status-details-bin",
    crate::grpc::ERROR_VARIANT,
    crate::grpc::ERROR_DETAILS,
    "x-request-id",
    crate::grpc::RETRY_AFTER_MS,
];

/// How long a browser may keep a preflight's answer: two hours, the most
/// Chromium honours.
pub const MAX_AGE: Duration = Duration::from_secs(2 * 60 * 60);

/// CORS for pages served from `origins` (`Any` for every origin): `GET`,
/// `POST`, `PUT`, `PATCH` and `DELETE`, with [`ALLOWED_HEADERS`] and
/// [`EXPOSED_HEADERS`]. Adjust the layer it returns for more.
pub fn browsers(origins: impl Into<AllowOrigin>) -> CorsLayer {
    CorsLayer::new()
        .allow_origin(origins)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers(ALLOWED_HEADERS.map(HeaderName::from_static))
        .expose_headers(EXPOSED_HEADERS.map(HeaderName::from_static))
        .max_age(MAX_AGE)
}

/// `cors` for every request but native gRPC's: a gRPC call that no page
/// sent (it has no `Origin`; browsers speak gRPC-Web, which is gRPC by the
/// time it gets here, and send one) skips the CORS layer's work on every
/// answer.
#[derive(Clone, Debug)]
pub(crate) struct BrowsersOnly(pub(crate) CorsLayer);

impl<S: Clone> tower::Layer<S> for BrowsersOnly {
    type Service = SkipNativeGrpc<S>;

    fn layer(&self, inner: S) -> Self::Service {
        SkipNativeGrpc {
            cors: self.0.layer(inner.clone()),
            plain: inner,
        }
    }
}

/// The service of [`BrowsersOnly`].
#[derive(Clone, Debug)]
pub(crate) struct SkipNativeGrpc<S> {
    cors: tower_http::cors::Cors<S>,
    plain: S,
}

impl<S, B, R> tower::Service<http::Request<B>> for SkipNativeGrpc<S>
where
    S: tower::Service<http::Request<B>, Response = http::Response<R>> + Clone,
    R: Default,
{
    type Response = http::Response<R>;
    type Error = S::Error;
    type Future =
        futures_util::future::Either<tower_http::cors::ResponseFuture<S::Future>, S::Future>;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        std::task::ready!(self.cors.poll_ready(cx))?;
        self.plain.poll_ready(cx)
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let headers = request.headers();
        let native_grpc =
            !headers.contains_key(http::header::ORIGIN) && crate::grpc::is_grpc(headers);
        if native_grpc {
            futures_util::future::Either::Right(self.plain.call(request))
        } else {
            futures_util::future::Either::Left(self.cors.call(request))
        }
    }
}
