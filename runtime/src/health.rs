//! Readiness: whether a [`Server`](crate::Server) wants calls. It does
//! until shutdown starts, and while every readiness check passes (see
//! [`Server::readiness_check`](crate::Server::readiness_check)): a database
//! it cannot reach makes it say so, and load balancers send calls elsewhere
//! until it recovers. `/healthz` and gRPC health read the same state.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tokio::sync::{Mutex, watch};
use tonic_health::ServingStatus;
use tonic_health::server::HealthReporter;

use crate::Error;

/// A check that readiness depends on.
#[derive(Clone)]
pub(crate) struct ReadinessCheck {
    /// What it checks, for the logs: `database`.
    name: String,
    /// How often it runs, and how long it may take.
    every: Duration,
    check: Arc<dyn Fn() -> BoxFuture<'static, Result<(), Error>> + Send + Sync>,
}

impl std::fmt::Debug for ReadinessCheck {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ReadinessCheck")
            .field("name", &self.name)
            .field("every", &self.every)
            .finish_non_exhaustive()
    }
}

impl ReadinessCheck {
    pub(crate) fn new<F, Fut>(name: &str, every: Duration, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Error>> + Send + 'static,
    {
        ReadinessCheck {
            name: name.to_owned(),
            every,
            check: Arc::new(move || Box::pin(check())),
        }
    }

    /// Runs the check now, and gives up on it after `every`.
    async fn run(&self) -> Result<(), Error> {
        match tokio::time::timeout(self.every, (self.check)()).await {
            Ok(outcome) => outcome,
            Err(_) => Err(Error::unavailable(format!(
                "no answer within {:?}",
                self.every
            ))),
        }
    }
}

/// Whether the server is ready, as `/healthz` and gRPC health tell it.
#[derive(Debug, Default)]
pub(crate) struct Readiness {
    stopping: AtomicBool,
    /// How many readiness checks fail now.
    failing: AtomicUsize,
    /// gRPC health, with the services it reports on, when gRPC is served.
    grpc: Option<(HealthReporter, Vec<&'static str>)>,
    /// Held while gRPC health is set, so that the last to set it set what
    /// is true now.
    publishing: Mutex<()>,
}

impl Readiness {
    /// Ready, reporting to `grpc` as well when given.
    pub(crate) fn new(grpc: Option<(HealthReporter, Vec<&'static str>)>) -> Self {
        Readiness {
            grpc,
            ..Readiness::default()
        }
    }

    /// Whether calls are wanted: not shutting down, and no check failing.
    pub(crate) fn is_ready(&self) -> bool {
        !self.stopping.load(Ordering::SeqCst) && self.failing.load(Ordering::SeqCst) == 0
    }

    /// Shutdown has started: not ready from now on.
    pub(crate) async fn stop(&self) {
        self.stopping.store(true, Ordering::SeqCst);
        self.publish().await;
    }

    /// Tells gRPC health what is true now.
    pub(crate) async fn publish(&self) {
        let Some((reporter, names)) = &self.grpc else {
            return;
        };
        let _publishing = self.publishing.lock().await;
        let status = if self.is_ready() {
            ServingStatus::Serving
        } else {
            ServingStatus::NotServing
        };
        for name in names.iter().chain([&""]) {
            reporter.set_service_status(*name, status).await;
        }
    }

    /// Runs `check` every `check.every` until `stopping`, marking the
    /// server not ready while it fails. Each change is logged, with the
    /// check's error.
    pub(crate) async fn keep_checking(
        self: Arc<Self>,
        check: ReadinessCheck,
        mut stopping: watch::Receiver<bool>,
    ) {
        let mut failing = false;
        let mut ticks = tokio::time::interval(check.every);
        ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            let outcome = tokio::select! {
                outcome = async {
                    ticks.tick().await;
                    check.run().await
                } => outcome,
                _ = stopping.wait_for(|stop| *stop) => return,
            };
            match (failing, outcome) {
                (false, Err(error)) => {
                    failing = true;
                    self.failing.fetch_add(1, Ordering::SeqCst);
                    tracing::warn!(check = %check.name, %error, "not ready: a readiness check fails");
                }
                (true, Ok(())) => {
                    failing = false;
                    self.failing.fetch_sub(1, Ordering::SeqCst);
                    tracing::info!(check = %check.name, "the readiness check passes again");
                }
                _ => continue,
            }
            self.publish().await;
        }
    }
}
