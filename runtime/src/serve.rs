//! One process serving HTTP and gRPC at once, with health checks and a
//! graceful shutdown.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::sync::watch;
use tokio::task::JoinSet;
use tower::Layer;
use tower_http::cors::CorsLayer;

use crate::connections::{ConnectionLimits, Peer};
use crate::grpc::translate::Translate;
use crate::health::{Readiness, ReadinessCheck};
use crate::middleware::Metrics;
use crate::stream::Closing;
use crate::tls::ServerTls;
use crate::{Error, grpc};

/// Serves an HTTP router and gRPC services on their own listeners, and
/// NATS subscriptions beside them:
///
/// * HTTP answers `GET /healthz` with `{"status":"SERVING"}` (503 and
///   `NOT_SERVING` once shutdown starts), ahead of the router's own routes;
/// * gRPC serves `grpc.health.v1.Health` for every service (and `""`), and
///   reflection (v1 and v1alpha) from the services' schemas, and answers
///   browsers' gRPC-Web on the same port;
/// * on SIGINT or SIGTERM (or the future given to [`Server::run_until`]) all
///   stop accepting connections (NATS: unsubscribe), finish the requests in
///   flight, and return.
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
#[derive(Debug)]
pub struct Server {
    http: Option<(TcpListener, axum::Router)>,
    grpc: Option<(TcpListener, grpc::Routes)>,
    one_port: Option<(TcpListener, axum::Router, grpc::Routes)>,
    debug: Option<(TcpListener, Metrics)>,
    nats: Vec<crate::nats::Subscriptions>,
    cors: Option<CorsLayer>,
    connection_limits: ConnectionLimits,
    tls: Option<ServerTls>,
    readiness_checks: Vec<ReadinessCheck>,
    drain_delay: Duration,
    grace_period: Duration,
}

/// How long a shutdown waits for requests in flight unless told otherwise.
pub const DEFAULT_GRACE_PERIOD: Duration = Duration::from_secs(30);

impl Default for Server {
    fn default() -> Self {
        Server {
            http: None,
            grpc: None,
            one_port: None,
            debug: None,
            nats: Vec::new(),
            cors: None,
            connection_limits: ConnectionLimits::default(),
            tls: None,
            readiness_checks: Vec::new(),
            drain_delay: Duration::ZERO,
            grace_period: DEFAULT_GRACE_PERIOD,
        }
    }
}

impl Server {
    /// Nothing to serve yet.
    pub fn new() -> Self {
        Server::default()
    }

    /// How long a shutdown waits for requests in flight (and open streams,
    /// such as a health `Watch`), counted from the shutdown signal, the
    /// [drain delay](Server::drain_delay) included; 30 s by default. After
    /// it, `run` returns anyway, and connections still open end with the
    /// process.
    #[must_use]
    pub fn grace_period(mut self, grace_period: Duration) -> Self {
        self.grace_period = grace_period;
        self
    }

    /// How long, once shutdown starts, the server goes on accepting
    /// connections and serving as usual while its readiness (`/healthz`,
    /// gRPC health) already says `NOT_SERVING`: the time a load balancer
    /// or Kubernetes takes to notice and stop sending new calls, which
    /// would otherwise be refused. None by default, so that Ctrl-C stops
    /// at once; 5 s suits Kubernetes.
    #[must_use]
    pub fn drain_delay(mut self, delay: Duration) -> Self {
        self.drain_delay = delay;
        self
    }

    /// Limits every listener's connections with `limits` instead of
    /// [`ConnectionLimits::default`]'s (a header read timeout, a header
    /// size, a connection count, HTTP/2 pings and streams).
    #[must_use]
    pub fn connection_limits(mut self, limits: ConnectionLimits) -> Self {
        self.connection_limits = limits;
        self
    }

    /// Serves every listener over TLS with `tls`: see [`crate::tls`]. The
    /// debug listener asks for no client certificate, which probes and
    /// metrics scrapers cannot present. The files it was read from are
    /// watched while the server runs, and read again when they change or on
    /// `SIGHUP`.
    #[must_use]
    pub fn tls(mut self, tls: ServerTls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Makes readiness depend on `check` as well: it runs at start-up and
    /// then every `every`, and while it fails (or takes longer than
    /// `every`), `/healthz` answers 503 and gRPC health `NOT_SERVING`, so
    /// that load balancers send calls to other instances until it passes
    /// again. Calls that still come are served. `name` says in the logs
    /// which check failed, and why.
    ///
    /// ```no_run
    /// # async fn run(pool: std::sync::Arc<()>, router: axum::Router) -> Result<(), kit::Error> {
    /// # async fn ping(_: &()) -> Result<(), kit::Error> { Ok(()) }
    /// let http = tokio::net::TcpListener::bind("127.0.0.1:8080").await?;
    /// kit::Server::new()
    ///     .readiness_check("database", std::time::Duration::from_secs(2), move || {
    ///         let pool = pool.clone();
    ///         async move { ping(&pool).await }
    ///     })
    ///     .http(http, router)
    ///     .run()
    ///     .await
    /// # }
    /// ```
    #[must_use]
    pub fn readiness_check<F, Fut>(mut self, name: &str, every: Duration, check: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<(), Error>> + Send + 'static,
    {
        self.readiness_checks
            .push(ReadinessCheck::new(name, every, check));
        self
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

    /// Serves `router` and `routes` on one `listener`, as Go kit services
    /// do with cmux, so that a service exposes a single port: a request
    /// goes to gRPC when its content type is gRPC's or gRPC-Web's, or when
    /// its path names one of the gRPC services (Connect's calls), and to
    /// `router` otherwise. HTTP/1.1 and HTTP/2 are both served. Instead of
    /// [`Server::http`] and [`Server::grpc`], not beside them.
    #[must_use]
    pub fn http_and_grpc(
        mut self,
        listener: TcpListener,
        router: axum::Router,
        routes: grpc::Routes,
    ) -> Self {
        self.one_port = Some((listener, router, routes));
        self
    }

    /// Answers the requests of `subscriptions` over NATS
    /// ([`crate::nats::Methods::subscribe`] made them), beside the
    /// listeners. On shutdown it unsubscribes, so that NATS sends new
    /// requests to other replicas, and finishes what had arrived. Can be
    /// called more than once, for several connections.
    #[must_use]
    pub fn nats(mut self, subscriptions: crate::nats::Subscriptions) -> Self {
        self.nats.push(subscriptions);
        self
    }

    /// Answers browsers on other origins over HTTP/JSON, gRPC-Web and
    /// Connect, with `cors` ([`crate::cors::browsers`] allows what their
    /// clients send), on every listener but the debug one.
    #[must_use]
    pub fn cors(mut self, cors: CorsLayer) -> Self {
        self.cors = Some(cors);
        self
    }

    /// Serves operational endpoints on `listener`, away from the API:
    /// `GET /metrics` (`metrics` in the Prometheus text format),
    /// `GET /healthz` (readiness, as on the HTTP listener) and `GET /livez`
    /// (liveness: 200 for as long as the process serves).
    #[must_use]
    pub fn debug(mut self, listener: TcpListener, metrics: Metrics) -> Self {
        self.debug = Some((listener, metrics));
        self
    }

    /// Serves until SIGINT or SIGTERM, then shuts down gracefully. The
    /// signal handlers are in place before the listeners serve anything.
    /// A second signal while it drains stops it at once, as if the grace
    /// period were over.
    pub async fn run(self) -> Result<(), Error> {
        let signal = shutdown_signal();
        self.serve_until(signal, true).await
    }

    /// Serves until `shutdown` completes, then shuts down gracefully: no
    /// new connections, and requests in flight get the grace period
    /// ([`Server::grace_period`]) to finish before this returns.
    pub async fn run_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
    ) -> Result<(), Error> {
        self.serve_until(shutdown, false).await
    }

    /// [`Server::run_until`], and when `second_signal_stops`, a signal
    /// after `shutdown` ends the drain at once.
    async fn serve_until(
        self,
        shutdown: impl Future<Output = ()> + Send + 'static,
        second_signal_stops: bool,
    ) -> Result<(), Error> {
        // Everything that can fail does so before anything is served.
        if self.one_port.is_some() && (self.http.is_some() || self.grpc.is_some()) {
            return Err(Error::invalid_argument(
                "serve HTTP and gRPC either on one port (`http_and_grpc`) or on their own \
                 (`http`, `grpc`), not both",
            ));
        }
        let (http, grpc_routes, one_port) = match self.one_port {
            Some((listener, router, routes)) => {
                (None, Some((None, routes)), Some((listener, router)))
            }
            None => (
                self.http,
                self.grpc.map(|(listener, routes)| (Some(listener), routes)),
                None,
            ),
        };
        let mut grpc = None;
        let mut health_reporter = None;
        if let Some((listener, routes)) = grpc_routes {
            let (reporter, health) = tonic_health::server::health_reporter();
            let names = routes.service_names().to_vec();
            let router = routes.into_router(health)?;
            for name in names.iter().chain([&""]) {
                reporter
                    .set_service_status(*name, tonic_health::ServingStatus::Serving)
                    .await;
            }
            grpc = Some((listener, router, names.clone()));
            health_reporter = Some((reporter, names));
        }
        let (stop, stopping) = watch::channel(false);
        // Streams still open when the grace period is over end on this.
        let (close, closing) = Closing::new();
        let readiness = Arc::new(Readiness::new(health_reporter));
        let mut tasks = JoinSet::new();
        let with_cors = |router: axum::Router| match &self.cors {
            Some(cors) => router.layer(crate::cors::BrowsersOnly(cors.clone())),
            None => router,
        };
        // Health, and compression as each request asks: every HTTP router.
        let with_health = |router: axum::Router| {
            router.layer(HttpFrontLayer {
                readiness: readiness.clone(),
            })
        };

        for check in self.readiness_checks {
            let checking = readiness.clone().keep_checking(check, stopping.clone());
            tasks.spawn(async move {
                checking.await;
                Ok(())
            });
        }

        // Before any listener serves, so that SIGHUP never finds the
        // process without its handler.
        if let Some(tls) = self.tls.clone() {
            let watching = tls.watch_files(stopping.clone());
            tasks.spawn(async move {
                watching.await;
                Ok(())
            });
        }

        if let Some((listener, router)) = http {
            tracing::info!(addr = %local_addr(&listener), "serving HTTP");
            let http = Listener::new("HTTP", listener, closing.clone());
            tasks.spawn(serve(
                http,
                with_cors(with_health(router)),
                self.connection_limits.clone(),
                self.tls.clone(),
                stopping.clone(),
            ));
        }

        match (grpc, one_port) {
            (Some((None, grpc, names)), Some((listener, router))) => {
                tracing::info!(addr = %local_addr(&listener), services = ?names, "serving HTTP and gRPC");
                let services = names
                    .iter()
                    .copied()
                    .chain(grpc::RESERVED_SERVICES)
                    .collect();
                let one_port = OnePort {
                    http: with_health(router),
                    grpc,
                    services: Arc::new(services),
                };
                let both = Listener::new("HTTP and gRPC", listener, closing.clone()).translating();
                // Served as it is, not as an axum fallback: every gRPC call
                // passes here, and a router's dispatch costs.
                match &self.cors {
                    Some(cors) => tasks.spawn(serve(
                        both,
                        crate::cors::BrowsersOnly(cors.clone()).layer(one_port),
                        self.connection_limits.clone(),
                        self.tls.clone(),
                        stopping.clone(),
                    )),
                    None => tasks.spawn(serve(
                        both,
                        one_port,
                        self.connection_limits.clone(),
                        self.tls.clone(),
                        stopping.clone(),
                    )),
                };
            }
            (Some((Some(listener), router, names)), _) => {
                tracing::info!(addr = %local_addr(&listener), services = ?names, "serving gRPC");
                let grpc = Listener::new("gRPC", listener, closing.clone()).translating();
                tasks.spawn(serve(
                    grpc,
                    with_cors(router),
                    self.connection_limits.clone(),
                    self.tls.clone(),
                    stopping.clone(),
                ));
            }
            _ => {}
        }

        if let Some((listener, metrics)) = self.debug {
            let router = with_health(debug_router(metrics));
            tracing::info!(addr = %local_addr(&listener), "serving metrics and probes");
            let debug = Listener::new("debug", listener, closing.clone());
            tasks.spawn(serve(
                debug,
                router,
                self.connection_limits.clone(),
                self.tls.as_ref().map(ServerTls::for_probes),
                stopping.clone(),
            ));
        }

        for subscriptions in self.nats {
            tracing::info!(subjects = ?subscriptions.subjects(), "serving NATS");
            tasks.spawn(subscriptions.serve(stopping.clone()));
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
        let deadline = tokio::time::Instant::now() + self.grace_period;
        readiness.stop().await;
        // Installed once the first signal has come, or it would be this.
        let mut second_signal: std::pin::Pin<Box<dyn Future<Output = ()> + Send>> =
            if second_signal_stops {
                Box::pin(shutdown_signal())
            } else {
                Box::pin(std::future::pending())
            };
        let mut cut_short = false;
        if !self.drain_delay.is_zero() {
            tracing::info!(drain_delay = ?self.drain_delay, "not ready: still serving until the drain delay is over");
            let delay = tokio::time::sleep_until(
                deadline.min(tokio::time::Instant::now() + self.drain_delay),
            );
            tokio::select! {
                () = delay => {}
                () = &mut second_signal => cut_short = true,
            }
        }
        let _ = stop.send(true);
        let drained = if cut_short {
            None
        } else {
            let finishing = async {
                let mut result = Ok(());
                while let Some(finished) = tasks.join_next().await {
                    if let Err(error) = flatten(finished) {
                        result = Err(error);
                    }
                }
                result
            };
            tokio::select! {
                drained = tokio::time::timeout_at(deadline, finishing) => drained.ok(),
                () = &mut second_signal => None,
            }
        };
        match drained {
            Some(result) => {
                tracing::info!("stopped");
                result
            }
            None => {
                tracing::warn!(grace_period = ?self.grace_period, "stopping with requests still running: the grace period is over, or a second signal came");
                // Open streams end with UNAVAILABLE, which takes their
                // connections a moment to send.
                close.close();
                let _ = tokio::time::timeout(CLOSING_FLUSH, async {
                    while tasks.join_next().await.is_some() {}
                })
                .await;
                tasks.shutdown().await;
                Ok(())
            }
        }
    }
}

/// How long streams ended at the end of the grace period get to send their
/// last status before their connections are closed.
const CLOSING_FLUSH: Duration = Duration::from_secs(1);

/// One of a [`Server`]'s listeners, and how it serves.
struct Listener {
    /// What it serves, for errors: `HTTP`.
    what: &'static str,
    listener: TcpListener,
    /// The server's closing signal, for the streams it serves.
    closing: Closing,
    /// Whether it translates gRPC-Web and Connect's protobuf streams to
    /// gRPC for its router.
    translate: bool,
}

impl Listener {
    fn new(what: &'static str, listener: TcpListener, closing: Closing) -> Self {
        Listener {
            what,
            listener,
            closing,
            translate: false,
        }
    }

    /// Translates gRPC-Web and Connect's protobuf streams: for the gRPC
    /// listener.
    fn translating(mut self) -> Self {
        self.translate = true;
        self
    }
}

/// What a listener serves: a router, or the one port's dispatch; it takes
/// requests with tonic's bodies too, which gRPC-Web's translation makes.
trait Serves:
    Clone
    + Send
    + Sync
    + 'static
    + tower::Service<
        axum::extract::Request,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
        Future: Send,
    >
    + tower::Service<
        http::Request<tonic::body::Body>,
        Response = axum::response::Response,
        Error = std::convert::Infallible,
        Future: Send,
    >
{
}

impl<S> Serves for S where
    S: Clone
        + Send
        + Sync
        + 'static
        + tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
            Future: Send,
        >
        + tower::Service<
            http::Request<tonic::body::Body>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
            Future: Send,
        >
{
}

/// Serves `router` on `listener` under `limits` until `stopping` turns
/// true, then until its connections have closed.
async fn serve<S: Serves>(
    listener: Listener,
    router: S,
    limits: ConnectionLimits,
    tls: Option<ServerTls>,
    stopping: watch::Receiver<bool>,
) -> Result<(), Error> {
    let Listener {
        what,
        listener,
        closing,
        translate,
    } = listener;
    // Each request carries its connection: the peer's address, for
    // `Context::peer_addr`, and the server's closing signal, for streams.
    // One extension per request, as axum's `ConnectInfo` would insert.
    let service_for = move |peer: Peer| {
        let connection = Connection {
            peer,
            closing: closing.clone(),
        };
        Translate::new(axum::Extension(connection).layer(router.clone()), translate)
    };
    crate::connections::serve_connections(what, listener, &limits, tls, service_for, stopping)
        .await;
    Ok(())
}

/// HTTP/JSON and gRPC on one port: see [`Server::http_and_grpc`].
#[derive(Clone)]
struct OnePort {
    http: axum::Router,
    grpc: axum::Router,
    /// The gRPC services' names, health's and reflection's among them.
    services: Arc<Vec<&'static str>>,
}

impl OnePort {
    /// Whether `request` is a gRPC call (gRPC-Web's is one by now) or a
    /// Connect call: its path is `/{service}/{method}` for a gRPC service.
    fn is_grpc(&self, request: &axum::extract::Request) -> bool {
        crate::grpc::is_grpc(request.headers())
            || request
                .uri()
                .path()
                .strip_prefix('/')
                .and_then(|path| path.split_once('/'))
                .is_some_and(|(service, _)| self.services.contains(&service))
    }
}

impl<B> tower::Service<http::Request<B>> for OnePort
where
    B: hyper::body::Body<Data = bytes::Bytes> + Send + 'static,
    B::Error: Into<crate::BoxError>,
{
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = <axum::Router as tower::Service<axum::extract::Request>>::Future;

    fn poll_ready(
        &mut self,
        _: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        // Routers are always ready.
        std::task::Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let request = request.map(axum::body::Body::new);
        let router = if self.is_grpc(&request) {
            &mut self.grpc
        } else {
            &mut self.http
        };
        tower::Service::call(router, request)
    }
}

/// What a [`Server`] tells each request of its connection.
#[derive(Clone, Debug)]
pub(crate) struct Connection {
    peer: Peer,
    closing: Closing,
}

/// The peer of the connection a request came on: from [`Server`], or from
/// axum's `ConnectInfo` for a router served otherwise.
pub(crate) fn peer_of(extensions: &http::Extensions) -> Option<Peer> {
    match extensions.get::<Connection>() {
        Some(connection) => Some(connection.peer.clone()),
        None => extensions
            .get::<axum::extract::ConnectInfo<SocketAddr>>()
            .map(|info| Peer {
                addr: info.0,
                certificate: None,
            }),
    }
}

/// The closing signal of the [`Server`] a request came to, if one did.
pub(crate) fn closing_of(extensions: &http::Extensions) -> Option<&Closing> {
    extensions
        .get::<Connection>()
        .map(|connection| &connection.closing)
}

/// `/metrics` and `/livez`; `/healthz` is added by [`HttpFrontLayer`].
fn debug_router(metrics: Metrics) -> axum::Router {
    use axum::routing::get;
    axum::Router::new()
        .route(
            "/metrics",
            get(move || {
                let text = metrics.encode();
                async move { ([(http::header::CONTENT_TYPE, METRICS_CONTENT_TYPE)], text) }
            }),
        )
        .route(
            "/livez",
            get(|| async { axum::Json(serde_json::json!({"status": "ALIVE"})) }),
        )
}

/// What `prometheus-client` writes: OpenMetrics text, which Prometheus
/// scrapes natively.
const METRICS_CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

fn flatten(finished: Result<Result<(), Error>, tokio::task::JoinError>) -> Result<(), Error> {
    finished.map_err(|error| Error::internal(format!("a server task failed: {error}")))?
}

fn local_addr(listener: &TcpListener) -> SocketAddr {
    listener
        .local_addr()
        .unwrap_or_else(|_| SocketAddr::from(([0, 0, 0, 0], 0)))
}

/// What every HTTP router a [`Server`] serves does before its routes:
/// answers `GET /healthz` (there, it can never clash with the router's own
/// routes), and compresses as each request asks ([`crate::compression`]).
/// One layer, by hand: each `Router::layer` boxes every call once more, and
/// `axum::middleware::from_fn` costs more again.
#[derive(Clone)]
struct HttpFrontLayer {
    readiness: Arc<Readiness>,
}

impl<S> Layer<S> for HttpFrontLayer {
    type Service = HttpFront<S>;

    fn layer(&self, route: S) -> HttpFront<S> {
        HttpFront {
            route,
            readiness: Arc::clone(&self.readiness),
        }
    }
}

/// A route behind [`HttpFrontLayer`].
#[derive(Clone)]
struct HttpFront<S> {
    route: S,
    readiness: Arc<Readiness>,
}

impl<S> tower::Service<axum::extract::Request> for HttpFront<S>
where
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = futures_util::future::Either<
        S::Future,
        futures_util::future::BoxFuture<'static, Result<Self::Response, Self::Error>>,
    >;

    fn poll_ready(
        &mut self,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Result<(), Self::Error>> {
        self.route.poll_ready(cx)
    }

    fn call(&mut self, request: axum::extract::Request) -> Self::Future {
        use futures_util::FutureExt;
        use futures_util::future::Either;
        if request.method() == http::Method::GET && request.uri().path() == "/healthz" {
            let health = health(self.readiness.is_ready());
            return Either::Right(std::future::ready(Ok(health)).boxed());
        }
        if crate::compression::asked_for(request.headers()) {
            return Either::Right(crate::compression::http_call(self.route.clone(), request));
        }
        Either::Left(self.route.call(request))
    }
}

/// `/healthz`'s answer: `SERVING`, or 503 and `NOT_SERVING` once shutdown
/// starts or while a readiness check fails.
fn health(serving: bool) -> axum::response::Response {
    use axum::response::IntoResponse;
    if serving {
        (
            http::StatusCode::OK,
            axum::Json(serde_json::json!({"status": "SERVING"})),
        )
            .into_response()
    } else {
        (
            http::StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(serde_json::json!({"status": "NOT_SERVING"})),
        )
            .into_response()
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
