//! [`RateLimitLayer`].

use std::time::Duration;

use tower::Layer;

use super::buckets::Buckets;
use super::{Mode, RateLimit};

/// How many calls a bucket lets through: `per_second` on average, and up
/// to `burst` at once after a quiet spell.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Rate {
    per_second: f64,
    burst: u32,
}

impl Rate {
    /// `calls` per `period`, with a burst of `calls`.
    ///
    /// # Panics
    ///
    /// If `calls` or `period` is zero.
    pub fn new(calls: u32, period: Duration) -> Self {
        assert!(
            calls > 0 && !period.is_zero(),
            "a rate needs calls and a period"
        );
        Rate {
            per_second: f64::from(calls) / period.as_secs_f64(),
            burst: calls,
        }
    }

    /// `calls` per second, with a burst of `calls`.
    pub fn per_second(calls: u32) -> Self {
        Rate::new(calls, Duration::from_secs(1))
    }

    /// Lets up to `burst` calls through at once.
    #[must_use]
    pub fn burst(mut self, burst: u32) -> Self {
        self.burst = burst.max(1);
        self
    }
}

/// Limits the calls of the endpoints it wraps, together, to a [`Rate`].
///
/// ```
/// use kit::middleware::{Rate, RateLimitLayer};
/// use kit::{Code, Context, Endpoint, Request};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let hello = Endpoint::new(tower::service_fn(|_: Request<()>| async {
///     Ok::<_, kit::Error>("hello")
/// }));
/// // On a generated service: `endpoints.layer(RateLimitLayer::reject(rate))`.
/// let limited = hello.layer(RateLimitLayer::reject(Rate::per_second(1)));
/// assert_eq!(limited.send(Context::new(), ()).await.unwrap(), "hello");
/// let error = limited.send(Context::new(), ()).await.unwrap_err();
/// assert_eq!(error.code(), Code::ResourceExhausted);
/// assert!(error.retry_after().is_some());
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct RateLimitLayer {
    rate: Rate,
    pub(super) buckets: Buckets,
    mode: Mode,
}

impl RateLimitLayer {
    /// Calls over the rate fail at once with `RESOURCE_EXHAUSTED` (HTTP 429)
    /// and a `Retry-After` of when a token will be free.
    pub fn reject(rate: Rate) -> Self {
        Self::with_mode(rate, Mode::Reject)
    }

    /// Calls over the rate wait for their token, in order. Bound the wait
    /// with a deadline or [`TimeoutLayer`](crate::middleware::TimeoutLayer).
    pub fn delay(rate: Rate) -> Self {
        Self::with_mode(rate, Mode::Delay)
    }

    fn with_mode(rate: Rate, mode: Mode) -> Self {
        RateLimitLayer {
            rate,
            buckets: Buckets::one(rate.per_second, rate.burst),
            mode,
        }
    }

    /// Gives each caller a bucket of its own, at the same rate: keyed by
    /// the name of the [`Identity`](crate::middleware::Identity) that an
    /// [`AuthLayer`](crate::middleware::AuthLayer) outside this one
    /// verified, or else by the caller's IP address
    /// ([`Context::peer_addr`](crate::Context::peer_addr); an IPv6
    /// caller by its /64, which one host can fill); calls with neither
    /// share one bucket. At most 1,024 callers are remembered: past that,
    /// those whose buckets have refilled are forgotten (at most once per
    /// refill), and while none has, new callers share one bucket.
    #[must_use]
    pub fn per_caller(mut self) -> Self {
        self.buckets = Buckets::per_caller(self.rate.per_second, self.rate.burst);
        self
    }
}

impl<S> Layer<S> for RateLimitLayer {
    type Service = RateLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RateLimit {
            inner,
            buckets: self.buckets.clone(),
            mode: self.mode,
        }
    }
}
