//! One process serving HTTP and gRPC at once, with health checks and a
//! graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use axum::routing::get;
use axum::serve::ListenerExt;
use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;

use crate::{Error, grpc};

/// Serves an HTTP router and gRPC services on their own listeners:
///
/// * HTTP answers `GET /healthz` with `{"status":"SERVING"}` (503 and
///   `NOT_SERVING` once shutdown starts);
/// * gRPC serves `grpc.health.v1.Health` for every service (and `""`), and
///   reflection (v1 and v1alpha) from the services' schemas;
/// * on SIGINT or SIGTERM (or the future given to [`Server::run_until`]) both
///   stop accepting connections, finish the requests in flight, and return.
///
/// ```no_run
/// # async fn run(router: axum::Router, grpc: kit::grpc::Routes) -> Result<(), kit::Error> {
/// let http = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
/// let grpc_listener = tokio::net::TcpListener::bind("127.0.0.1:9090").await?;
/// kit::Server::new()
///     .http(http, router)
///     .grpc(grpc_listener, grpc)
///     .run()
///     .await
/// # }
/// ```
#[derive(Debug, Default)]
pub struct Server {
    http: Option<(TcpListener, axum::Router)>,
    grpc: Option<(TcpListener, grpc::Routes)>,
}

impl Server {
    /// Nothing to serve yet.
    pub fn new() -> Self {
        Server::default()
    }

    /// Serves `router` on `listener`, with `/healthz` added.
    #[must_use]
    pub fn http(mut self, listener: TcpListener, router: axum::Router) -> Self {
        self.http = Some((listener, router));
        self
    }

    /// Serves `routes` on `listener` over HTTP/2, with health and
    /// reflection added.
    #[must_use]
    pub fn grpc(mut self, listener: TcpListener, routes: grpc::Routes) -> Self {
        self.grpc = Some((listener, routes));
        self
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully. The
    /// signal handlers are in place before the listeners serve anything.
    pub async fn run(self) -> Result<(), Error> {
        let signal = shutdown_signal();
        self.run_until(signal).await
    }

    /// Serves until `shutdown` completes, then shuts down gracefully: no
    /// new connections, requests in flight finish.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        let (stop, stopping) = watch::channel(false);
        let serving = Arc::new(AtomicBool::new(true));
        let mut tasks = JoinSet::new();
        let mut health_reporter = None;

        if let Some((listener, router)) = self.http {
            let addr = local_addr(&listener);
            let router = router.route("/healthz", get(http_health).with_state(serving.clone()));
            let signal = stopped(stopping.clone());
            tracing::info!(%addr, "serving HTTP");
            tasks.spawn(async move {
                axum::serve(listener.tap_io(set_nodelay), router)
                    .with_graceful_shutdown(signal)
                    .await
                    .map_err(|error| Error::unavailable(format!("HTTP server on {addr}: {error}")))
            });
        }

        if let Some((listener, routes)) = self.grpc {
            let addr = local_addr(&listener);
            let (reporter, health) = tonic_health::server::health_reporter();
            for name in routes.service_names().iter().chain([&""]) {
                reporter
                    .set_service_status(*name, tonic_health::ServingStatus::Serving)
                    .await;
            }
            let names = routes.service_names().to_vec();
            let router = routes.into_router(health)?;
            let signal = stopped(stopping.clone());
            tracing::info!(%addr, services = ?names, "serving gRPC");
            tasks.spawn(async move {
                axum::serve(listener.tap_io(set_nodelay), router)
                    .with_graceful_shutdown(signal)
                    .await
                    .map_err(|error| Error::unavailable(format!("gRPC server on {addr}: {error}")))
            });
            health_reporter = Some((reporter, names));
        }

        tokio::select! {
            () = shutdown => tracing::info!("shutting down: finishing requests in flight"),
            Some(finished) = tasks.join_next() => {
                // A server stopped on its own: stop the other too.
                let _ = stop.send(true);
                tasks.shutdown().await;
                return flatten(finished);
            }
        }
        serving.store(false, Ordering::SeqCst);
        if let Some((reporter, names)) = &health_reporter {
            for name in names.iter().chain([&""]) {
                reporter
                    .set_service_status(*name, tonic_health::ServingStatus::NotServing)
                    .await;
            }
        }
        let _ = stop.send(true);
        let mut result = Ok(());
        while let Some(finished) = tasks.join_next().await {
            if let Err(error) = flatten(finished) {
                result = Err(error);
            }
        }
        tracing::info!("stopped");
        result
    }
}

fn flatten(finished: Result<Result<(), Error>, tokio::task::JoinError>) -> Result<(), Error> {
    finished.map_err(|error| Error::internal(format!("a server task failed: {error}")))?
}

fn local_addr(listener: &TcpListener) -> SocketAddr {
    listener
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
}

fn set_nodelay(stream: &mut tokio::net::TcpStream) {
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%error, "cannot set TCP_NODELAY");
    }
}

async fn stopped(mut stopping: watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stopping| *stopping).await;
}

async fn http_health(
    axum::extract::State(serving): axum::extract::State<Arc<AtomicBool>>,
) -> (http::StatusCode, axum::Json<serde_json::Value>) {
    if serving.load(Ordering::SeqCst) {
        (
            http::StatusCode::OK,
            axum::Json(serde_json::json!({"status": "SERVING"})),
        )
    } else {
        (
            http::StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "NOT_SERVING"})),
        )
    }
}

/// A future that completes on SIGINT (Ctrl-C) or SIGTERM. The signal
/// handlers are installed when this function is called, not when the
/// future is first polled, so no signal that arrives in between is lost.
/// Call it inside a tokio runtime.
pub fn shutdown_signal() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => tracing::info!("SIGINT"),
                        _ = terminate.recv() => tracing::info!("SIGTERM"),
                    }
                }
                (Err(error), _) | (_, Err(error)) => {
                    tracing::error!(%error, "cannot listen for signals; stopping on Ctrl-C only");
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    async {
        let _ = tokio::signal::ctrl_c().await;
    }
}

impl From<std::io::Error> for Error {
    fn from(error: std::io::Error) -> Self {
        Error::unavailable(error.to_string()).with_source(error)
    }
}
