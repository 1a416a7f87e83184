//! [`ResponseFuture`] of [`Metered`](super::Metered).

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Instant;

use prometheus_client::metrics::gauge::Gauge;

use super::MethodSeries;
use crate::Code;

/// What a call records when it ends.
#[derive(Debug)]
pub(super) struct Recorder {
    pub(super) series: MethodSeries,
    pub(super) in_flight: Gauge,
    pub(super) started: Instant,
}

impl Drop for Recorder {
    fn drop(&mut self) {
        // Finished or dropped, the call is no longer in flight.
        self.in_flight.dec();
    }
}

pin_project_lite::pin_project! {
    /// Records the outcome and duration when the inner future completes.
    #[derive(Debug)]
    pub struct ResponseFuture<F> {
        #[pin]
        inner: F,
        recorder: Option<Recorder>,
    }
}

impl<F> ResponseFuture<F> {
    pub(super) fn new(inner: F, recorder: Recorder) -> Self {
        ResponseFuture {
            inner,
            recorder: Some(recorder),
        }
    }
}

impl<F, T> Future for ResponseFuture<F>
where
    F: Future<Output = Result<T, crate::Error>>,
{
    type Output = Result<T, crate::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let this = self.project();
        let result = ready!(this.inner.poll(cx));
        if let Some(recorder) = this.recorder.take() {
            let code = match &result {
                Ok(_) => Code::Ok,
                Err(error) => error.code(),
            };
            recorder.series.record(code, recorder.started.elapsed());
        }
        Poll::Ready(result)
    }
}
