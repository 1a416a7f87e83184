//! [`TimeoutLayer`].

use std::time::Duration;

use tower::Layer;

use super::Timeout;

/// Cuts calls off at their context's deadline, or after a fixed time.
#[derive(Clone, Copy, Debug)]
pub struct TimeoutLayer {
    fixed: Option<Duration>,
}

impl TimeoutLayer {
    /// At most `timeout` per call, or less if the context's deadline is
    /// sooner.
    pub fn new(timeout: Duration) -> Self {
        TimeoutLayer {
            fixed: Some(timeout),
        }
    }

    /// Only the context's deadline. Servers already enforce it; on the
    /// client side, this fails a call whose deadline passes while it waits
    /// in other layers (a rate limit, a retry's backoff).
    pub fn from_context() -> Self {
        TimeoutLayer { fixed: None }
    }
}

impl<S> Layer<S> for TimeoutLayer {
    type Service = Timeout<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Timeout {
            inner,
            fixed: self.fixed,
        }
    }
}
