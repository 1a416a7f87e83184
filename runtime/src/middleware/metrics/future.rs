//! [`ResponseFuture`] of [`Metered`](super::Metered).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use prometheus_client::metrics::gauge::Gauge;

use super::{MethodLabels, Metrics};
use crate::Code;

/// What a call records when it ends.
#[derive(Debug)]
pub(super) struct Recorder {
    pub(super) metrics: Metrics,
    pub(super) labels: MethodLabels,
    pub(super) started: Instant,
    pub(super) in_flight: Gauge,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // Finished or dropped, the call is no longer in flight.
        self.in_flight.dec();
    }
}

/// Records the outcome and duration when the inner future completes.
#[derive(Debug)]
pub struct ResponseFuture<F> {
    inner: Pin<Box<F>>,
    recorder: Option<Recorder>,
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: F, recorder: Recorder) -> Self {
        ResponseFuture {
            inner: Box::pin(inner),
            recorder: Some(recorder),
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
        if let Some(recorder) = self.recorder.take() {
            let code = match &result {
                Ok(_) => Code::Ok,
                Err(error) => error.code(),
            };
            recorder
                .metrics
                .record(&recorder.labels, code, recorder.started.elapsed());
        }
        Poll::Ready(result)
    }
}
