//! The token bucket.

use std::time::Duration;

use tokio::time::Instant;

/// Tokens refill at `per_second` up to `burst`; a call takes one.
#[derive(Debug)]
pub(super) struct Bucket {
    tokens: f64,
    burst: f64,
    per_second: f64,
    updated: Instant,
}

impl Bucket {
    /// A full bucket.
    pub(super) fn new(per_second: f64, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Bucket {
            tokens: burst,
            burst,
            per_second,
            updated: Instant::now(),
        }
    }

    /// Whether it would be full at `now`.
    pub(super) fn is_full(&self, now: Instant) -> bool {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens + elapsed * self.per_second >= self.burst
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now.saturating_duration_since(self.updated).as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_second).min(self.burst);
        self.updated = now;
    }

    /// Takes a token, or says how long until one is free.
    pub(super) fn try_take(&mut self, now: Instant) -> Result<(), Duration> {
        self.refill(now);
        if self.tokens >= 1.0 {
            self.tokens -= 1.0;
            Ok(())
        } else {
            Err(self.wait_for(1.0 - self.tokens))
        }
    }

    /// Takes the next token, free or not: how long the caller must wait
    /// until it is its turn.
    pub(super) fn reserve(&mut self, now: Instant) -> Duration {
        self.refill(now);
        self.tokens -= 1.0;
        if self.tokens >= 0.0 {
            Duration::ZERO
        } else {
            self.wait_for(-self.tokens)
        }
    }

    /// Gives back a reserved token that was not used.
    pub(super) fn refund(&mut self) {
        self.tokens = (self.tokens + 1.0).min(self.burst);
    }

    fn wait_for(&self, tokens: f64) -> Duration {
        Duration::from_secs_f64(tokens / self.per_second)
    }
}
