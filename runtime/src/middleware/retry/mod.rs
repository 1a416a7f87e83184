//! Retries of idempotent calls: a call that failed with `UNAVAILABLE` or
//! `ABORTED` is sent again after an exponential, jittered backoff, up to a
//! number of attempts, and only while a retry budget (a share of recent
//! calls) allows, so that retries cannot multiply an outage.
//!
//! Only endpoints of methods marked idempotent are retried:
//! `#[kit(idempotent)]` on a trait method, or `option idempotency_level =
//! IDEMPOTENT` (or `NO_SIDE_EFFECTS`) on a `.proto` method. The layer
//! leaves other endpoints as they are, so it can wrap every endpoint.

mod layer;
mod policy;

pub use self::layer::RetryLayer;
pub use self::policy::RetryPolicy;
use crate::{Code, Error};

/// Whether a failed call may succeed if sent again.
pub fn is_retryable(error: &Error) -> bool {
    matches!(error.code(), Code::Unavailable | Code::Aborted)
}

#[cfg(test)]
mod tests;
