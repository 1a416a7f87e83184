//! A circuit breaker: after too many failures it opens, and calls fail at
//! once with `UNAVAILABLE` (HTTP 503) instead of piling onto a struggling
//! dependency. After a cool-down it lets a few probe calls through
//! (half-open); if they succeed it closes again, if one fails it reopens.
//!
//! Failures are the errors that say the callee is in trouble: `UNAVAILABLE`,
//! `INTERNAL`, `UNKNOWN`, `DEADLINE_EXCEEDED` and `DATA_LOSS`. A client's
//! mistake (`INVALID_ARGUMENT`, `NOT_FOUND`, …) is a success here.

mod layer;
mod state;

use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll};

use futures_util::future::BoxFuture;
use tower::Service;

pub use self::layer::CircuitBreakerLayer;
use self::state::{Admission, Breaker};
use crate::{Code, Error, Request};

/// When a closed breaker opens.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Policy {
    /// After this many failures in a row.
    ConsecutiveFailures(u32),
    /// When, over a window of at least `min_calls` calls, the share of
    /// failures reaches `ratio` (0.0 to 1.0).
    FailureRatio {
        /// The share of failures that opens the breaker.
        ratio: f64,
        /// Fewer calls than this in the window never open it.
        min_calls: u32,
        /// How long a window lasts before the counts start again.
        window: std::time::Duration,
    },
}

/// Whether `error` counts against the callee.
pub fn is_failure(error: &Error) -> bool {
    matches!(
        error.code(),
        Code::Unavailable
            | Code::Internal
            | Code::Unknown
            | Code::DeadlineExceeded
            | Code::DataLoss
    )
}

/// An endpoint behind a circuit breaker.
#[derive(Clone, Debug)]
pub struct CircuitBreaker<S> {
    inner: S,
    breaker: Arc<Mutex<Breaker>>,
}

impl<S, Req> Service<Request<Req>> for CircuitBreaker<S>
where
    S: Service<Request<Req>, Error = Error>,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
{
    type Response = S::Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<S::Response, Error>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Req>) -> Self::Future {
        let now = tokio::time::Instant::now();
        let admission = self
            .breaker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .admit(now);
        let probe = match admission {
            Admission::Rejected { retry_after } => {
                return Box::pin(std::future::ready(Err(Error::unavailable(
                    "the circuit breaker is open",
                )
                .with_retry_after(retry_after))));
            }
            Admission::Call => None,
            Admission::Probe(episode) => Some(episode),
        };
        let outcome = Outcome {
            breaker: Arc::clone(&self.breaker),
            probe,
            recorded: false,
        };
        let call = self.inner.call(request);
        Box::pin(async move {
            let mut outcome = outcome;
            let result = call.await;
            outcome.record(result.as_ref().err().is_some_and(is_failure));
            result
        })
    }
}

/// Reports how a call went; a call dropped before it finished gives its
/// probe slot back without a verdict.
struct Outcome {
    breaker: Arc<Mutex<Breaker>>,
    probe: Option<u64>,
    recorded: bool,
}

impl Outcome {
    fn record(&mut self, failed: bool) {
        self.recorded = true;
        self.breaker
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .record(self.probe, failed, tokio::time::Instant::now());
    }
}

impl Drop for Outcome {
    fn drop(&mut self) {
        if let Some(episode) = self.probe
            && !self.recorded
        {
            self.breaker
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .abandon_probe(episode);
        }
    }
}

#[cfg(test)]
mod tests;
