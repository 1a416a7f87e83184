//! The breaker's states and transitions.

use std::time::Duration;

use tokio::time::Instant;

use super::Policy;

/// What the breaker says to a call.
#[derive(Debug, PartialEq, Eq)]
pub(super) enum Admission {
    /// Closed: go ahead.
    Call,
    /// Half-open: go ahead as a probe of this half-open episode.
    Probe(u64),
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
        /// Which half-open episode this is, so that a probe of an earlier
        /// one that finishes late is not counted.
        episode: u64,
        /// When the episode began: probes that take longer than the
        /// open period are given up on, so a hung probe cannot wedge it.
        since: Instant,
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
    episodes: u64,
}

impl Breaker {
    pub(super) fn new(policy: Policy, open_for: Duration, probes: u32) -> Self {
        Breaker {
            policy,
            open_for,
            probes: probes.max(1),
            state: closed(Instant::now()),
            episodes: 0,
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
                self.half_open(now)
            }
            State::HalfOpen { since, .. }
                if now.saturating_duration_since(*since) >= self.open_for =>
            {
                tracing::warn!("circuit breaker probes hung: starting over with a new probe");
                self.half_open(now)
            }
            State::HalfOpen {
                episode,
                in_flight,
                succeeded,
                ..
            } => {
                if *in_flight + *succeeded < self.probes {
                    *in_flight += 1;
                    Admission::Probe(*episode)
                } else {
                    Admission::Rejected {
                        retry_after: self.open_for,
                    }
                }
            }
        }
    }

    /// A new half-open episode, whose first probe this call is.
    fn half_open(&mut self, now: Instant) -> Admission {
        self.episodes += 1;
        self.state = State::HalfOpen {
            episode: self.episodes,
            since: now,
            in_flight: 1,
            succeeded: 0,
        };
        Admission::Probe(self.episodes)
    }

    /// Counts a finished call: `probe` names the episode a probe belonged
    /// to, and is `None` for a call admitted while closed.
    pub(super) fn record(&mut self, probe: Option<u64>, failed: bool, now: Instant) {
        let open_for = self.open_for;
        match &mut self.state {
            State::HalfOpen {
                episode,
                in_flight,
                succeeded,
                ..
            } if probe == Some(*episode) => {
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
            } if probe.is_none() => {
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

    /// A probe of `episode` was dropped before it finished.
    pub(super) fn abandon_probe(&mut self, episode: u64) {
        if let State::HalfOpen {
            episode: current,
            in_flight,
            ..
        } = &mut self.state
            && *current == episode
        {
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
