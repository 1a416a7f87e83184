//! The breaker's states and transitions.

use std::time::Duration;

use tokio::time::Instant;

use super::Policy;

/// What the breaker says to a call.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admission {
    /// Closed: go ahead.
    Call,
    /// Half-open: go ahead as a probe.
    Probe,
    /// Open: fail now.
    Rejected {
        /// When the breaker will try probes.
        retry_after: Duration,
    },
}

#[derive(Debug)]
enum State {
    Closed {
        consecutive: u32,
        window_started: Instant,
        calls: u32,
        failures: u32,
    },
    Open {
        until: Instant,
    },
    HalfOpen {
        in_flight: u32,
        succeeded: u32,
    },
}

/// A breaker's policy and state.
#[derive(Debug)]
pub(super) struct Breaker {
    policy: Policy,
    open_for: Duration,
    probes: u32,
    state: State,
}

impl Breaker {
    pub(super) fn new(policy: Policy, open_for: Duration, probes: u32) -> Self {
        Breaker {
            policy,
            open_for,
            probes: probes.max(1),
            state: closed(Instant::now()),
        }
    }

    pub(super) fn admit(&mut self, now: Instant) -> Admission {
        match &mut self.state {
            State::Closed { .. } => Admission::Call,
            State::Open { until } if now < *until => Admission::Rejected {
                retry_after: *until - now,
            },
            State::Open { .. } => {
                tracing::info!("circuit breaker half-open: sending a probe");
                self.state = State::HalfOpen {
                    in_flight: 1,
                    succeeded: 0,
                };
                Admission::Probe
            }
            State::HalfOpen {
                in_flight,
                succeeded,
            } => {
                if *in_flight + *succeeded < self.probes {
                    *in_flight += 1;
                    Admission::Probe
                } else {
                    Admission::Rejected {
                        retry_after: self.open_for,
                    }
                }
            }
        }
    }

    pub(super) fn record(&mut self, probe: bool, failed: bool, now: Instant) {
        let open_for = self.open_for;
        match &mut self.state {
            State::HalfOpen {
                in_flight,
                succeeded,
            } if probe => {
                *in_flight = in_flight.saturating_sub(1);
                if failed {
                    tracing::warn!(?open_for, "circuit breaker reopened: a probe failed");
                    self.state = State::Open {
                        until: now + open_for,
                    };
                } else {
                    *succeeded += 1;
                    if *succeeded >= self.probes {
                        tracing::info!("circuit breaker closed: the probes succeeded");
                        self.state = closed(now);
                    }
                }
            }
            State::Closed {
                consecutive,
                window_started,
                calls,
                failures,
            } if !probe => {
                if let Policy::FailureRatio { window, .. } = self.policy
                    && now.saturating_duration_since(*window_started) >= window
                {
                    *window_started = now;
                    *calls = 0;
                    *failures = 0;
                }
                *calls += 1;
                if failed {
                    *consecutive += 1;
                    *failures += 1;
                } else {
                    *consecutive = 0;
                }
                let trips = match self.policy {
                    Policy::ConsecutiveFailures(limit) => *consecutive >= limit.max(1),
                    Policy::FailureRatio {
                        ratio, min_calls, ..
                    } => {
                        *calls >= min_calls.max(1)
                            && f64::from(*failures) / f64::from(*calls) >= ratio
                    }
                };
                if trips {
                    tracing::warn!(?open_for, policy = ?self.policy, "circuit breaker opened");
                    self.state = State::Open {
                        until: now + open_for,
                    };
                }
            }
            // A call admitted in another state finished late: the state
            // has moved on without it.
            _ => {}
        }
    }

    /// A probe was dropped before it finished.
    pub(super) fn abandon_probe(&mut self) {
        if let State::HalfOpen { in_flight, .. } = &mut self.state {
            *in_flight = in_flight.saturating_sub(1);
        }
    }
}

fn closed(now: Instant) -> State {
    State::Closed {
        consecutive: 0,
        window_started: now,
        calls: 0,
        failures: 0,
    }
}
