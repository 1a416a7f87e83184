//! [`RetryLayer`].

use std::sync::Arc;
use std::time::Duration;

use tower::Layer;
use tower::retry::Retry;
use tower::retry::budget::TpsBudget;

use super::RetryPolicy;
use crate::{Endpoint, Replay};

/// Retries the calls of idempotent endpoints. By default: up to 2 retries,
/// a jittered exponential backoff from 10 ms to 1 s (tower's: each wait is
/// drawn between the current base and twice it), and a budget of 20% of
/// the calls of the last 10 s on top of 10 retries a second.
///
/// ```
/// use std::sync::Arc;
/// use std::sync::atomic::{AtomicU32, Ordering};
///
/// use kit::middleware::RetryLayer;
/// use kit::{Context, Endpoint, Request};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let calls = Arc::new(AtomicU32::new(0));
/// let counted = Arc::clone(&calls);
/// let flaky = Endpoint::new(tower::service_fn(move |_: Request<()>| {
///     let first = counted.fetch_add(1, Ordering::SeqCst) == 0;
///     async move {
///         if first {
///             Err(kit::Error::unavailable("try again"))
///         } else {
///             Ok("done")
///         }
///     }
/// }))
/// // Generated endpoints are marked from `#[kit(idempotent)]`.
/// .idempotent(true);
/// let retried = flaky.layer(RetryLayer::new());
/// assert_eq!(retried.send(Context::new(), ()).await.unwrap(), "done");
/// assert_eq!(calls.load(Ordering::SeqCst), 2);
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct RetryLayer {
    retries: u32,
    min_backoff: Duration,
    max_backoff: Duration,
    budget: Arc<TpsBudget>,
}

impl Default for RetryLayer {
    fn default() -> Self {
        RetryLayer::new()
    }
}

impl RetryLayer {
    /// The defaults above.
    pub fn new() -> Self {
        RetryLayer {
            retries: 2,
            min_backoff: Duration::from_millis(10),
            max_backoff: Duration::from_secs(1),
            budget: Arc::new(TpsBudget::new(Duration::from_secs(10), 10, 0.2)),
        }
    }

    /// At most `retries` retries per call.
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.retries = retries;
        self
    }

    /// Backoff between `min` and `max` (doubling, jittered).
    #[must_use]
    pub fn backoff(mut self, min: Duration, max: Duration) -> Self {
        self.min_backoff = min;
        self.max_backoff = max.max(min);
        self
    }

    /// Retries may add `percent` (0.0 to 1000.0) of the calls of the last
    /// `ttl`, plus `min_per_second`, and no more.
    #[must_use]
    pub fn budget(mut self, ttl: Duration, min_per_second: u32, percent: f32) -> Self {
        self.budget = Arc::new(TpsBudget::new(ttl, min_per_second, percent));
        self
    }
}

impl<Req: Replay, Resp> Layer<Endpoint<Req, Resp>> for RetryLayer {
    type Service = Retry<RetryPolicy, Endpoint<Req, Resp>>;

    fn layer(&self, inner: Endpoint<Req, Resp>) -> Self::Service {
        let policy = RetryPolicy::new(
            inner.is_idempotent(),
            self.retries,
            self.min_backoff,
            self.max_backoff,
            Arc::clone(&self.budget),
        );
        Retry::new(policy, inner)
    }
}
