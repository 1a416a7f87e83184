//! [`TimeoutLayer`].

use std::time::Duration;

use tower::Layer;

use super::Timeout;

/// Cuts calls off at their context's deadline, or after a fixed time.
///
/// ```
/// use std::time::Duration;
///
/// use kit::middleware::TimeoutLayer;
/// use kit::{Code, Context, Endpoint, Request};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let slow = Endpoint::new(tower::service_fn(|_: Request<()>| async {
///     tokio::time::sleep(Duration::from_secs(60)).await;
///     Ok::<_, kit::Error>(())
/// }));
/// // On a generated service: `endpoints.layer(TimeoutLayer::new(…))`.
/// let bounded = slow.layer(TimeoutLayer::new(Duration::from_millis(10)));
/// let error = bounded.send(Context::new(), ()).await.unwrap_err();
/// assert_eq!(error.code(), Code::DeadlineExceeded);
/// # }
/// ```
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
