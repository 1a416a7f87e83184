//! Token-bucket rate limiting. [`RateLimitLayer::reject`] answers a call
//! over the limit at once with `RESOURCE_EXHAUSTED` (HTTP 429) and a
//! `Retry-After`; [`RateLimitLayer::delay`] makes it wait for its token.
//!
//! One layer holds one bucket: wrapping every endpoint with it limits the
//! service as a whole, and a layer per method limits each on its own.
//! [`RateLimitLayer::per_caller`] gives each caller a bucket of its own
//! instead: by the identity [`AuthLayer`](crate::middleware::AuthLayer)
//! verified, or by remote IP address when the call is anonymous.

mod bucket;
mod buckets;
mod layer;

use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context as TaskContext, Poll};

use futures_util::future::BoxFuture;
use tower::Service;

use self::bucket::Bucket;
use self::buckets::Buckets;
pub use self::layer::{Rate, RateLimitLayer};
use crate::{Error, Request};

/// What a call over the limit gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Mode {
    Reject,
    Delay,
}

/// An endpoint whose calls are limited to a rate.
#[derive(Clone, Debug)]
pub struct RateLimit<S> {
    inner: S,
    buckets: Buckets,
    mode: Mode,
}

impl<S> RateLimit<S> {
    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }
}

impl<S, Req> Service<Request<Req>> for RateLimit<S>
where
    S: Service<Request<Req>, Error = Error> + Clone + Send + 'static,
    S::Future: Send + 'static,
    S::Response: Send + 'static,
    Req: Send + 'static,
{
    type Response = S::Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<S::Response, Error>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Req>) -> Self::Future {
        let now = tokio::time::Instant::now();
        let shared = self.buckets.for_call(&request.ctx, now);
        let mut bucket = shared.lock().unwrap_or_else(PoisonError::into_inner);
        match self.mode {
            Mode::Reject => match bucket.try_take(now) {
                Ok(()) => {
                    drop(bucket);
                    Box::pin(self.inner.call(request))
                }
                Err(wait) => Box::pin(std::future::ready(Err(Error::resource_exhausted(
                    "rate limit exceeded",
                )
                .with_retry_after(wait)))),
            },
            Mode::Delay => {
                let wait = bucket.reserve(now);
                if wait.is_zero() {
                    drop(bucket);
                    return Box::pin(self.inner.call(request));
                }
                if request.ctx.remaining().is_some_and(|left| left < wait) {
                    // Its turn would come after its deadline: fail now,
                    // and leave the token to a call that can use it.
                    bucket.refund();
                    return Box::pin(std::future::ready(Err(Error::resource_exhausted(
                        "rate limit exceeded: the wait would outlast the deadline",
                    )
                    .with_retry_after(wait))));
                }
                drop(bucket);
                // The service was made ready for this call; the clone that
                // waits takes it, and this one readies itself next time.
                let clone = self.inner.clone();
                let mut ready = std::mem::replace(&mut self.inner, clone);
                // The turn is fixed now, not when the future is first polled.
                let turn = now + wait;
                let refund = Refund {
                    bucket: Some(Arc::clone(&shared)),
                };
                Box::pin(async move {
                    let mut refund = refund;
                    tokio::time::sleep_until(turn).await;
                    refund.disarm();
                    ready.call(request).await
                })
            }
        }
    }
}

/// Gives a waiting call's token back if the call is dropped before its
/// turn, so that cancelled calls leave no debt behind.
struct Refund {
    bucket: Option<Arc<Mutex<Bucket>>>,
}

impl Refund {
    /// The call's turn came: the token is spent.
    fn disarm(&mut self) {
        self.bucket = None;
    }
}

impl Drop for Refund {
    fn drop(&mut self) {
        if let Some(bucket) = self.bucket.take() {
            bucket
                .lock()
                .unwrap_or_else(PoisonError::into_inner)
                .refund();
        }
    }
}

#[cfg(test)]
mod tests;
