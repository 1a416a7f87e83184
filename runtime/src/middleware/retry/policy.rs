//! [`RetryPolicy`]: tower's retry `Policy` for kit endpoints.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use tower::retry::Policy;
use tower::retry::backoff::{Backoff, ExponentialBackoffMaker, MakeBackoff};
use tower::retry::budget::{Budget, TpsBudget};
use tower::util::rng::HasherRng;

use super::is_retryable;
use crate::{Error, Replay, Request};

/// The retry state of one call: what is left of its attempts and its
/// backoff, and the budget it shares with every other call.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    enabled: bool,
    retries_left: u32,
    min_backoff: Duration,
    max_backoff: Duration,
    budget: Arc<TpsBudget>,
    /// Made on the first retry, with its own random jitter.
    backoff: Option<tower::retry::backoff::ExponentialBackoff<HasherRng>>,
    deposited: bool,
}

impl RetryPolicy {
    pub(super) fn new(
        enabled: bool,
        retries: u32,
        min_backoff: Duration,
        max_backoff: Duration,
        budget: Arc<TpsBudget>,
    ) -> Self {
        RetryPolicy {
            enabled,
            retries_left: retries,
            min_backoff,
            max_backoff,
            budget,
            backoff: None,
            deposited: false,
        }
    }

    fn next_backoff(&mut self) -> tokio::time::Sleep {
        let (min, max) = (self.min_backoff, self.max_backoff);
        let backoff = self.backoff.get_or_insert_with(|| {
            // Jitter of 1.0: up to the whole base again. The bounds were
            // checked when the layer was made.
            ExponentialBackoffMaker::new(
                min,
                max.max(min).max(Duration::from_millis(1)),
                1.0,
                HasherRng::default(),
            )
            .map(|mut maker| maker.make_backoff())
            .unwrap_or_else(|_| ExponentialBackoffMaker::default().make_backoff())
        });
        backoff.next_backoff()
    }
}

impl<Req: Replay, Resp> Policy<Request<Req>, Resp, Error> for RetryPolicy {
    type Future = Pin<Box<dyn Future<Output = ()> + Send>>;

    fn retry(
        &mut self,
        request: &mut Request<Req>,
        result: &mut Result<Resp, Error>,
    ) -> Option<Self::Future> {
        if !self.deposited {
            // Every call earns the budget a little; every retry spends.
            self.budget.deposit();
            self.deposited = true;
        }
        let error = result.as_ref().err()?;
        if !self.enabled || self.retries_left == 0 || !is_retryable(error) {
            return None;
        }
        if request.ctx.is_expired() {
            return None;
        }
        if !self.budget.withdraw() {
            tracing::debug!("retry budget spent: not retrying");
            return None;
        }
        self.retries_left -= 1;
        let sleep = self.next_backoff();
        Some(Box::pin(sleep))
    }

    fn clone_request(&mut self, request: &Request<Req>) -> Option<Request<Req>> {
        if !self.enabled {
            return None;
        }
        let message = request.message.replay()?;
        Some(Request::new(request.ctx.clone(), message))
    }
}
