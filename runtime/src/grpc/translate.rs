//! The protocols that the gRPC port of a [`crate::Server`] translates to
//! gRPC and back, by content type:
//!
//! * gRPC-Web, for browsers: `application/grpc-web` (binary) or
//!   `application/grpc-web-text` (base64), with `+proto` or not, through
//!   tonic-web, over HTTP/1.1 or HTTP/2;
//! * Connect's streams of protobuf messages (`application/connect+proto`),
//!   through [`super::connect_stream`].
//!
//! Any other request (gRPC itself, and Connect's unary calls and JSON
//! streams, which kit's server answers itself) reaches the gRPC route as it
//! is, without a translation's cost.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use http::header::CONTENT_TYPE;
use http::{Request, Response};
use tonic_web::GrpcWebService;
use tower::{Layer, Service};

use super::connect_stream;

/// A connection's service that also answers gRPC-Web and Connect's
/// protobuf streams, translating for those calls alone, when `enabled` (on
/// a gRPC listener).
#[derive(Clone, Debug)]
pub(crate) struct Translate<S> {
    grpc: S,
    enabled: bool,
}

impl<S> Translate<S> {
    /// `grpc`, translating if `enabled`.
    pub(crate) fn new(grpc: S, enabled: bool) -> Self {
        Translate { grpc, enabled }
    }
}

/// Whether a request speaks gRPC-Web, by its content type.
fn is_grpc_web(request: &Request<Body>) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/grpc-web"))
}

impl<S, B> Service<Request<Body>> for Translate<S>
where
    S: Clone
        + Service<Request<Body>, Response = Response<Body>>
        + Service<
            Request<tonic::body::Body>,
            Response = Response<B>,
            Error = <S as Service<Request<Body>>>::Error,
        >,
    B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<crate::BoxError> + std::fmt::Display,
{
    type Response = Response<Body>;
    type Error = <S as Service<Request<Body>>>::Error;
    type Future = TranslateFuture<
        <S as Service<Request<Body>>>::Future,
        <GrpcWebService<S> as Service<Request<Body>>>::Future,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Service::<Request<Body>>::poll_ready(&mut self.grpc, cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if self.enabled && is_grpc_web(&request) {
            let mut web = tonic_web::GrpcWebLayer::new().layer(self.grpc.clone());
            TranslateFuture::Web {
                future: web.call(request),
            }
        } else if self.enabled && connect_stream::is_connect_proto_stream(&request) {
            TranslateFuture::Connect {
                future: self.grpc.call(connect_stream::to_grpc(request)),
            }
        } else {
            TranslateFuture::Grpc {
                future: self.grpc.call(request),
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The response of a plain gRPC call, or of a translated one.
    #[project = TranslateProjection]
    pub(crate) enum TranslateFuture<G, W> {
        Grpc { #[pin] future: G },
        Web { #[pin] future: W },
        Connect { #[pin] future: G },
    }
}

impl<G, W, E, B> Future for TranslateFuture<G, W>
where
    G: Future<Output = Result<Response<Body>, E>>,
    W: Future<Output = Result<Response<B>, E>>,
    B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<crate::BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            TranslateProjection::Grpc { future } => future.poll(cx),
            TranslateProjection::Web { future } => {
                let response = ready!(future.poll(cx));
                Poll::Ready(response.map(|response| response.map(Body::new)))
            }
            TranslateProjection::Connect { future } => {
                let response = ready!(future.poll(cx));
                Poll::Ready(response.map(connect_stream::to_connect))
            }
        }
    }
}
