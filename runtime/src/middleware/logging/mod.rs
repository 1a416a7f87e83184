//! One log event per request, and a span around the handler that carries
//! the request id into every log line the handler writes.

mod future;
mod layer;

use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use tower::Service;
use tracing::Instrument;

pub use future::ResponseFuture;
pub use layer::LoggingLayer;

use crate::{EndpointName, Request};

/// An endpoint whose calls are logged.
#[derive(Clone, Debug)]
pub struct Logging<S> {
    inner: S,
    name: EndpointName,
    /// Whether it logs the end of each call; a streaming call's end is
    /// its stream's, which the layer logs instead.
    events: bool,
}

impl<S> Logging<S> {
    /// Logs the calls of `inner`, named `name`.
    pub fn new(inner: S, name: EndpointName) -> Self {
        Logging {
            inner,
            name,
            events: true,
        }
    }

    /// Only the span: the layer logs a streaming call's end itself.
    pub(super) fn without_events(mut self) -> Self {
        self.events = false;
        self
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Unwraps the service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, Req> Service<Request<Req>> for Logging<S>
where
    S: Service<Request<Req>, Error = crate::Error>,
{
    type Response = S::Response;
    type Error = crate::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Req>) -> Self::Future {
        let span = tracing::info_span!(
            "request",
            request_id = %request.ctx.request_id(),
            service = self.name.service,
            method = self.name.method,
        );
        let call = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        // The events are at `info` and above: if `error` is off, all are.
        let started = (self.events && tracing::enabled!(tracing::Level::ERROR)).then(Instant::now);
        ResponseFuture::new(call.instrument(span), started)
    }
}
