//! [`CircuitBreakerLayer`].

use std::sync::{Arc, Mutex};
use std::time::Duration;

use tower::Layer;

use super::state::Breaker;
use super::{CircuitBreaker, Policy};

/// Puts the endpoints it wraps behind one circuit breaker. By default it
/// stays open 5 s and sends one probe.
///
/// ```
/// use std::time::Duration;
///
/// use kit::middleware::CircuitBreakerLayer;
/// use kit::{Code, Context, Endpoint, Request};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let down = Endpoint::new(tower::service_fn(|_: Request<()>| async {
///     Err::<(), _>(kit::Error::unavailable("down"))
/// }));
/// // On a generated service: `endpoints.layer(breaker)`, one breaker for all.
/// let breaker = CircuitBreakerLayer::consecutive_failures(2).open_for(Duration::from_secs(10));
/// let guarded = down.layer(breaker);
/// for _ in 0..2 {
///     assert_eq!(guarded.send(Context::new(), ()).await.unwrap_err().message(), "down");
/// }
/// // Open: the endpoint is not called.
/// let error = guarded.send(Context::new(), ()).await.unwrap_err();
/// assert_eq!(error.code(), Code::Unavailable);
/// assert_ne!(error.message(), "down");
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct CircuitBreakerLayer {
    policy: Policy,
    open_for: Duration,
    probes: u32,
    breaker: Arc<Mutex<Breaker>>,
}

impl CircuitBreakerLayer {
    /// Opens after `failures` failures in a row.
    pub fn consecutive_failures(failures: u32) -> Self {
        Self::new(Policy::ConsecutiveFailures(failures))
    }

    /// Opens when at least `ratio` of the calls in a `window` (and at least
    /// `min_calls` of them) failed. The ratio is clamped to (0, 1]: 0 would
    /// open on healthy traffic.
    pub fn failure_ratio(ratio: f64, min_calls: u32, window: Duration) -> Self {
        let ratio = if ratio.is_nan() {
            1.0
        } else {
            ratio.clamp(f64::MIN_POSITIVE, 1.0)
        };
        Self::new(Policy::FailureRatio {
            ratio,
            min_calls,
            window,
        })
    }

    /// A breaker with `policy`.
    pub fn new(policy: Policy) -> Self {
        CircuitBreakerLayer {
            policy,
            open_for: Duration::from_secs(5),
            probes: 1,
            breaker: Arc::new(Mutex::new(Breaker::new(policy, Duration::from_secs(5), 1))),
        }
    }

    /// How long the breaker stays open before it probes.
    #[must_use]
    pub fn open_for(self, open_for: Duration) -> Self {
        let probes = self.probes;
        self.rebuild(open_for, probes)
    }

    /// How many probes must succeed, half-open, to close it again.
    #[must_use]
    pub fn probes(self, probes: u32) -> Self {
        let open_for = self.open_for;
        self.rebuild(open_for, probes)
    }

    fn rebuild(self, open_for: Duration, probes: u32) -> Self {
        CircuitBreakerLayer {
            breaker: Arc::new(Mutex::new(Breaker::new(self.policy, open_for, probes))),
            policy: self.policy,
            open_for,
            probes,
        }
    }
}

impl<S> Layer<S> for CircuitBreakerLayer {
    type Service = CircuitBreaker<S>;

    fn layer(&self, inner: S) -> Self::Service {
        CircuitBreaker {
            inner,
            breaker: Arc::clone(&self.breaker),
        }
    }
}
