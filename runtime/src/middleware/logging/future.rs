//! [`ResponseFuture`] of [`Logged`](super::Logged).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use tracing::Span;
use tracing::instrument::Instrumented;

use crate::EndpointName;

/// Logs the outcome, inside the request's span, when the handler completes.
#[derive(Debug)]
pub struct ResponseFuture<F> {
    inner: Pin<Box<Instrumented<F>>>,
    span: Span,
    name: EndpointName,
    started: Instant,
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: Instrumented<F>, name: EndpointName, started: Instant) -> Self {
        let span = inner.span().clone();
        ResponseFuture {
            inner: Box::pin(inner),
            span,
            name,
            started,
        }
    }
}

impl<F, T> Future for ResponseFuture<F>
where
    F: Future<Output = Result<T, crate::Error>>,
{
    type Output = Result<T, crate::Error>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let result = ready!(self.inner.as_mut().poll(cx));
        let _entered = self.span.enter();
        let took_ms = self.started.elapsed().as_secs_f64() * 1000.0;
        let (service, method) = (self.name.service, self.name.method);
        match &result {
            Ok(_) => tracing::info!(service, method, code = "OK", took_ms, "handled"),
            Err(error) if error.http_status().is_client_error() => {
                tracing::warn!(service, method, code = %error.code(), took_ms, error = %error, "failed");
            }
            Err(error) => {
                tracing::error!(service, method, code = %error.code(), took_ms, error = %error, "failed");
            }
        }
        Poll::Ready(result)
    }
}
