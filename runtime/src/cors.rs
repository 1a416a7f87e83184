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
