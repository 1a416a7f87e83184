//! [`ResponseFuture`] of [`Logging`](super::Logging).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use tracing::instrument::Instrumented;

pin_project_lite::pin_project! {
    /// Logs the outcome, inside the request's span, when the handler
    /// completes.
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: Instrumented<F>,
        // `None` when no event of this layer is enabled, so that a service
        // with logging switched off does not read the clock for it.
        started: Option<Instant>,
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: Instrumented<F>, started: Option<Instant>) -> Self {
        ResponseFuture { inner, started }
    }
}

impl<F, T> Future for ResponseFuture<F>
where
    F: Future<Output = Result<T, crate::Error>>,
{
    type Output = Result<T, crate::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        let result = ready!(this.inner.as_mut().poll(cx));
        let Some(started) = *this.started else {
            return Poll::Ready(result);
        };
        let _entered = this.inner.span().enter();
        // Microseconds, as milliseconds with three decimals. The span
        // already names the service and method.
        let took_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
        match &result {
            Ok(_) => tracing::info!(code = "OK", took_ms, "handled"),
            Err(error) if error.http_status().is_client_error() => {
                tracing::warn!(code = %error.code(), took_ms, error = %error.message(), "failed");
            }
            Err(error) => {
                tracing::error!(code = %error.code(), took_ms, error = %error.message(), "failed");
            }
        }
        Poll::Ready(result)
    }
}
