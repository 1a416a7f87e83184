//! gRPC-Web on the gRPC port of a [`crate::Server`], for browsers: a request whose content type
//! is `application/grpc-web` (binary) or `application/grpc-web-text`
//! (base64), with `+proto` or not, goes through tonic-web's translation to
//! gRPC and back, over HTTP/1.1 or HTTP/2; any other request reaches the
//! gRPC route as it is, without the translation's cost.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::body::Body;
use http::header::CONTENT_TYPE;
use http::{Request, Response};
use tonic_web::GrpcWebService;
use tower::{Layer, Service};

/// A connection's service that also answers gRPC-Web, translating for
/// those calls alone, when `enabled` (on a gRPC listener).
#[derive(Clone, Debug)]
pub(crate) struct GrpcWeb<S> {
    grpc: S,
    enabled: bool,
}

impl<S> GrpcWeb<S> {
    /// `grpc`, answering gRPC-Web too if `enabled`.
    pub(crate) fn new(grpc: S, enabled: bool) -> Self {
        GrpcWeb { grpc, enabled }
    }
}

/// Whether a request speaks gRPC-Web, by its content type.
fn is_grpc_web(request: &Request<Body>) -> bool {
    request
        .headers()
        .get(CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/grpc-web"))
}

impl<S, B> Service<Request<Body>> for GrpcWeb<S>
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
    type Future = GrpcWebFuture<
        <S as Service<Request<Body>>>::Future,
        <GrpcWebService<S> as Service<Request<Body>>>::Future,
    >;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Service::<Request<Body>>::poll_ready(&mut self.grpc, cx)
    }

    fn call(&mut self, request: Request<Body>) -> Self::Future {
        if self.enabled && is_grpc_web(&request) {
            let mut web = tonic_web::GrpcWebLayer::new().layer(self.grpc.clone());
            GrpcWebFuture::Web {
                future: web.call(request),
            }
        } else {
            GrpcWebFuture::Grpc {
                future: self.grpc.call(request),
            }
        }
    }
}

pin_project_lite::pin_project! {
    /// The response of a plain gRPC call, or of a translated one.
    #[project = GrpcWebProjection]
    pub(crate) enum GrpcWebFuture<G, W> {
        Grpc { #[pin] future: G },
        Web { #[pin] future: W },
    }
}

impl<G, W, E, B> Future for GrpcWebFuture<G, W>
where
    G: Future<Output = Result<Response<Body>, E>>,
    W: Future<Output = Result<Response<B>, E>>,
    B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<crate::BoxError>,
{
    type Output = Result<Response<Body>, E>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.project() {
            GrpcWebProjection::Grpc { future } => future.poll(cx),
            GrpcWebProjection::Web { future } => {
                let response = ready!(future.poll(cx));
                Poll::Ready(response.map(|response| response.map(Body::new)))
            }
        }
    }
}
