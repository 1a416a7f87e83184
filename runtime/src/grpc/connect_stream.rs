//! Connect's streaming calls with protobuf messages
//! (`application/connect+proto`), translated to gRPC and back, so that
//! every service on the gRPC port answers them: kit's own methods of every
//! kind, and health and reflection (which `buf curl` asks over Connect
//! before its call).
//!
//! The two protocols frame messages alike: a flag byte and a big-endian
//! length. They differ in the headers, which are renamed on the way in and
//! out, and in how the call ends: gRPC's status trailers become Connect's
//! end-of-stream message. Streams of JSON messages cannot be translated
//! without the message types: kit's own server streaming methods answer
//! those themselves (`connect::server_streaming`).

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use bytes::Bytes;
use http::header::{CONTENT_TYPE, DATE, TE, VARY};
use http::{HeaderMap, HeaderName, HeaderValue, Request, Response, StatusCode};
use hyper::body::Frame;

use super::connect::end_stream;

/// The content type of the calls this module translates.
const CONNECT_PROTO: &str = "application/connect+proto";

/// Connect's request headers and the gRPC ones they become.
const RENAMED: [(HeaderName, HeaderName); 2] = [
    (
        HeaderName::from_static("connect-content-encoding"),
        HeaderName::from_static("grpc-encoding"),
    ),
    (
        HeaderName::from_static("connect-accept-encoding"),
        HeaderName::from_static("grpc-accept-encoding"),
    ),
];

/// Whether `request` is a Connect stream of protobuf messages.
pub(crate) fn is_connect_proto_stream(request: &Request<Body>) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|essence| essence.trim().eq_ignore_ascii_case(CONNECT_PROTO))
}

/// The gRPC request for a Connect stream's.
pub(crate) fn to_grpc(request: Request<Body>) -> Request<Body> {
    let (mut parts, body) = request.into_parts();
    let headers = &mut parts.headers;
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("application/grpc+proto"),
    );
    headers.insert(TE, HeaderValue::from_static("trailers"));
    headers.remove("connect-protocol-version");
    if let Some(millis) = headers.remove("connect-timeout-ms") {
        // Milliseconds become gRPC's timeout; a value that is not one is
        // passed on as it is, for the server to refuse.
        let timeout = super::connect::grpc_timeout(&millis).unwrap_or(millis);
        headers.insert("grpc-timeout", timeout);
    }
    for (connect, grpc) in RENAMED {
        if let Some(value) = headers.remove(&connect) {
            headers.insert(grpc, value);
        }
    }
    Request::from_parts(parts, body)
}

/// The Connect response for a gRPC one: status 200, Connect's content
/// type, the same messages, and the status (from the trailers, or from
/// the headers of a trailers-only answer) as the end-of-stream message.
pub(crate) fn to_connect(response: Response<Body>) -> Response<Body> {
    let (mut parts, body) = response.into_parts();
    let mut trailers_only = tonic::Status::from_header_map(&parts.headers);
    if let Some(status) = &mut trailers_only {
        for reserved in ["grpc-status", "grpc-message", "grpc-status-details-bin"] {
            parts.headers.remove(reserved);
        }
        // The status took every header as its metadata; the end-of-stream
        // message carries the trailers, not what stays a header.
        let metadata = status.metadata_mut().as_mut();
        for header in [CONTENT_TYPE, DATE, VARY, crate::http::X_REQUEST_ID] {
            metadata.remove(header);
        }
        let access_control: Vec<HeaderName> = metadata
            .keys()
            .filter(|name| name.as_str().starts_with("access-control-"))
            .cloned()
            .collect();
        for name in access_control {
            metadata.remove(name);
        }
    }
    parts.status = StatusCode::OK;
    parts
        .headers
        .insert(CONTENT_TYPE, HeaderValue::from_static(CONNECT_PROTO));
    let body = EndStream {
        inner: body,
        trailers_only,
        ended: false,
    };
    Response::from_parts(parts, Body::new(body))
}

pin_project_lite::pin_project! {
    /// A gRPC response body as Connect's: its messages, then its status as
    /// the end-of-stream message.
    struct EndStream {
        #[pin]
        inner: Body,
        trailers_only: Option<tonic::Status>,
        ended: bool,
    }
}

impl hyper::body::Body for EndStream {
    type Data = Bytes;
    type Error = axum::Error;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        let this = self.project();
        if *this.ended {
            return Poll::Ready(None);
        }
        if let Some(status) = this.trailers_only.take() {
            *this.ended = true;
            return Poll::Ready(Some(Ok(Frame::data(end_stream(Some(&status))))));
        }
        let status = match ready!(this.inner.poll_frame(cx)) {
            Some(Ok(frame)) => match frame.into_trailers() {
                Ok(trailers) => status_of(&trailers),
                Err(data) => return Poll::Ready(Some(Ok(data))),
            },
            Some(Err(error)) => tonic::Status::unknown(format!("the answer broke off: {error}")),
            None => tonic::Status::internal("the answer ended without a status"),
        };
        *this.ended = true;
        Poll::Ready(Some(Ok(Frame::data(end_stream(Some(&status))))))
    }

    fn is_end_stream(&self) -> bool {
        self.ended
    }
}

/// The status that gRPC trailers carry.
fn status_of(trailers: &HeaderMap) -> tonic::Status {
    tonic::Status::from_header_map(trailers)
        .unwrap_or_else(|| tonic::Status::internal("the answer's trailers have no grpc-status"))
}
