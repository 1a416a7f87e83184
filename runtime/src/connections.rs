//! How a [`Server`](crate::Server) accepts and keeps connections: the
//! limits a service exposed to clients it does not control needs, each
//! with a safe default, and the accept loop that applies them.
//!
//! Hand-written over hyper-util's connection builder rather than through
//! `axum::serve`, which exposes none of these settings.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::service::TowerToHyperService;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::TcpListener;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tower::ServiceExt;

use crate::tls::{ClientCertificate, ServerTls};

/// The limits of every connection a [`Server`](crate::Server) accepts.
///
/// ```
/// use std::time::Duration;
///
/// let limits = kit::ConnectionLimits::default()
///     .header_read_timeout(Duration::from_secs(5))
///     .max_connections(1_000)
///     .when_full(kit::WhenFull::Refuse);
/// # let _ = kit::Server::new().connection_limits(limits);
/// ```
#[derive(Clone, Debug)]
pub struct ConnectionLimits {
    header_read_timeout: Duration,
    max_header_bytes: usize,
    max_connections: usize,
    when_full: WhenFull,
    http2_keep_alive_interval: Option<Duration>,
    http2_keep_alive_timeout: Duration,
    http2_max_concurrent_streams: u32,
}

/// What a [`Server`](crate::Server) does with a connection beyond
/// [`ConnectionLimits::max_connections`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WhenFull {
    /// Leaves it in the listen queue until another closes (the default):
    /// a burst is served late rather than refused.
    Wait,
    /// Accepts and closes it at once, so that a client fails over to
    /// another instance without waiting.
    Refuse,
}

/// How long a client has to send a request's headers, and how long an idle
/// HTTP/1.1 connection stays open, unless told otherwise.
const DEFAULT_HEADER_READ_TIMEOUT: Duration = Duration::from_secs(20);
/// The most header bytes a request may have unless told otherwise.
const DEFAULT_MAX_HEADER_BYTES: usize = 16 << 10;
/// The most connections served at once unless told otherwise.
const DEFAULT_MAX_CONNECTIONS: usize = 10_000;
/// The most streams (calls) at once on one HTTP/2 connection unless told
/// otherwise.
const DEFAULT_MAX_CONCURRENT_STREAMS: u32 = 256;
/// How long a ping's answer may take, unless told otherwise.
const DEFAULT_HTTP2_KEEP_ALIVE_TIMEOUT: Duration = Duration::from_secs(20);

impl Default for ConnectionLimits {
    fn default() -> Self {
        ConnectionLimits {
            header_read_timeout: DEFAULT_HEADER_READ_TIMEOUT,
            max_header_bytes: DEFAULT_MAX_HEADER_BYTES,
            max_connections: DEFAULT_MAX_CONNECTIONS,
            when_full: WhenFull::Wait,
            http2_keep_alive_interval: None,
            http2_keep_alive_timeout: DEFAULT_HTTP2_KEEP_ALIVE_TIMEOUT,
            http2_max_concurrent_streams: DEFAULT_MAX_CONCURRENT_STREAMS,
        }
    }
}

impl ConnectionLimits {
    /// How long an HTTP/1.1 client has to send a request's headers, from
    /// when the server starts waiting for them: a client that sends them a
    /// byte at a time (slowloris) is cut off, and so is a keep-alive
    /// connection idle that long. 20 s by default.
    #[must_use]
    pub fn header_read_timeout(mut self, timeout: Duration) -> Self {
        self.header_read_timeout = timeout;
        self
    }

    /// The most bytes of headers a request may send: more is answered
    /// `431` over HTTP/1.1 and refused over HTTP/2. 16 KiB by default
    /// (hyper's own for HTTP/2); HTTP/1.1 cannot go below 8 KiB.
    #[must_use]
    pub fn max_header_bytes(mut self, bytes: usize) -> Self {
        self.max_header_bytes = bytes;
        self
    }

    /// The most connections served at once, per listener; what happens to
    /// the next is [`ConnectionLimits::when_full`]'s. 10,000 by default.
    #[must_use]
    pub fn max_connections(mut self, connections: usize) -> Self {
        self.max_connections = connections.max(1);
        self
    }

    /// What happens to a connection beyond the limit: it waits, by
    /// default, or is refused.
    #[must_use]
    pub fn when_full(mut self, when_full: WhenFull) -> Self {
        self.when_full = when_full;
        self
    }

    /// How often an HTTP/2 connection (gRPC's) is pinged, so that a peer
    /// that vanished without closing it is noticed, and how long the
    /// answer may take before the connection is closed; `None` pings
    /// never. Off by default, as tonic's server has it: hyper's pings
    /// time every frame, which cost 6% of gRPC's throughput
    /// (docs/benchmarks.md); turn them on for long-lived connections
    /// through NATs and load balancers that drop idle flows.
    #[must_use]
    pub fn http2_keep_alive(mut self, every: Option<Duration>, timeout: Duration) -> Self {
        self.http2_keep_alive_interval = every;
        self.http2_keep_alive_timeout = timeout;
        self
    }

    /// The most streams (calls) one HTTP/2 connection may have open at
    /// once; a client waits for one to end before it opens the next. 256
    /// by default.
    #[must_use]
    pub fn http2_max_concurrent_streams(mut self, streams: u32) -> Self {
        self.http2_max_concurrent_streams = streams;
        self
    }

    /// The connection builder these limits configure.
    fn builder(&self) -> auto::Builder<TokioExecutor> {
        let mut builder = auto::Builder::new(TokioExecutor::new());
        builder
            .http1()
            .timer(TokioTimer::new())
            .header_read_timeout(self.header_read_timeout)
            .max_buf_size(self.max_header_bytes.max(8 << 10));
        let mut http2 = builder.http2();
        http2
            .enable_connect_protocol()
            .max_concurrent_streams(self.http2_max_concurrent_streams);
        // Only when it is not hyper's own: announcing another size made
        // every gRPC call measurably dearer (docs/benchmarks.md).
        if self.max_header_bytes != DEFAULT_MAX_HEADER_BYTES {
            http2.max_header_list_size(u32::try_from(self.max_header_bytes).unwrap_or(u32::MAX));
        }
        // The timer only where pings need it: with one, every HTTP/2
        // connection pays for timekeeping.
        if let Some(every) = self.http2_keep_alive_interval {
            http2
                .timer(TokioTimer::new())
                .keep_alive_interval(every)
                .keep_alive_timeout(self.http2_keep_alive_timeout);
        }
        builder
    }
}

/// Who is on the other end of a connection, as each of its requests
/// sees it.
#[derive(Clone, Debug)]
pub(crate) struct Peer {
    pub(crate) addr: SocketAddr,
    /// The certificate the client presented, over mutual TLS.
    pub(crate) certificate: Option<ClientCertificate>,
}

/// The connection builder and shutdown signal every connection of a
/// listener shares.
struct Shared {
    builder: auto::Builder<TokioExecutor>,
    /// How long a TLS handshake may take: the header read timeout, since
    /// a slow handshake holds a connection the same way.
    handshake_timeout: Duration,
}

/// Serves `listener` with `service_for` each connection's peer until
/// `stopping` turns true, under `limits`, over TLS when `tls` is given;
/// then closes the connections gracefully (each finishes the requests it
/// has) and returns when all have closed.
pub(crate) async fn serve_connections<S, F>(
    what: &'static str,
    listener: TcpListener,
    limits: &ConnectionLimits,
    tls: Option<ServerTls>,
    service_for: F,
    mut stopping: watch::Receiver<bool>,
) where
    F: Fn(Peer) -> S + Send + Sync + 'static,
    S: tower::Service<
            axum::extract::Request,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    let shared = Arc::new(Shared {
        builder: limits.builder(),
        handshake_timeout: limits.header_read_timeout,
    });
    let service_for = Arc::new(service_for);
    let slots = Arc::new(Semaphore::new(limits.max_connections));
    // Connections hold a receiver; once all are dropped, all have closed.
    let (closed, all_closed) = watch::channel(());
    let (shutdown, shutting_down) = watch::channel(false);
    loop {
        // Waiting, a slot comes first, so that the next connection stays
        // in the listen queue until one frees.
        let waited = match limits.when_full {
            WhenFull::Wait => {
                tokio::select! {
                    slot = Arc::clone(&slots).acquire_owned() => slot.ok(),
                    () = stopped(&mut stopping) => break,
                }
            }
            WhenFull::Refuse => None,
        };
        let (stream, addr) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    // Out of file descriptors, or a connection reset
                    // before it was accepted: try again shortly.
                    tracing::debug!(server = what, %error, "cannot accept a connection");
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
            () = stopped(&mut stopping) => break,
        };
        // Refusing, a slot is taken once the connection is there: one that
        // freed while waiting for it counts.
        let slot = waited.or_else(|| Arc::clone(&slots).try_acquire_owned().ok());
        let Some(slot) = slot else {
            tracing::debug!(server = what, peer = %addr, "refused a connection: at the connection limit");
            drop(stream);
            continue;
        };
        if let Err(error) = stream.set_nodelay(true) {
            tracing::debug!(%error, "cannot set TCP_NODELAY");
        }
        let connection = Connection {
            shared: Arc::clone(&shared),
            shutting_down: shutting_down.clone(),
            _slot: slot,
            _open: all_closed.clone(),
        };
        let service_for = Arc::clone(&service_for);
        match &tls {
            None => {
                let service = service_for(Peer {
                    addr,
                    certificate: None,
                });
                tokio::spawn(connection.serve(stream, addr, service));
            }
            Some(tls) => {
                let acceptor = tls.acceptor();
                let mut connection = connection;
                tokio::spawn(async move {
                    let Some(stream) = connection.handshake(acceptor, stream, addr).await else {
                        return;
                    };
                    let certificate = match stream.get_ref().1.peer_certificates() {
                        Some([der, ..]) => {
                            match ClientCertificate::from_der(der.clone().into_owned()) {
                                Some(certificate) => Some(certificate),
                                None => {
                                    // Verified yet unreadable: who is calling
                                    // cannot be told, so it is not served.
                                    tracing::warn!(peer = %addr, "refused a client certificate that does not parse");
                                    return;
                                }
                            }
                        }
                        _ => None,
                    };
                    let service = service_for(Peer { addr, certificate });
                    connection.serve(stream, addr, service).await;
                });
            }
        }
    }
    drop(listener);
    let _ = shutdown.send(true);
    drop(all_closed);
    closed.closed().await;
}

/// One accepted connection, holding its slot under the connection limit
/// until it closes.
struct Connection {
    shared: Arc<Shared>,
    shutting_down: watch::Receiver<bool>,
    _slot: OwnedSemaphorePermit,
    /// Dropped when the connection closes: see `all_closed`.
    _open: watch::Receiver<()>,
}

impl Connection {
    /// The TLS session over `stream`, or `None` when the handshake failed,
    /// took too long, or the server is shutting down.
    async fn handshake(
        &mut self,
        acceptor: tokio_rustls::TlsAcceptor,
        stream: tokio::net::TcpStream,
        addr: SocketAddr,
    ) -> Option<tokio_rustls::server::TlsStream<tokio::net::TcpStream>> {
        let handshake =
            tokio::time::timeout(self.shared.handshake_timeout, acceptor.accept(stream));
        tokio::select! {
            done = handshake => match done {
                Ok(Ok(stream)) => Some(stream),
                Ok(Err(error)) => {
                    tracing::debug!(peer = %addr, %error, "TLS handshake failed");
                    None
                }
                Err(_) => {
                    tracing::debug!(peer = %addr, "TLS handshake timed out");
                    None
                }
            },
            () = stopped(&mut self.shutting_down) => None,
        }
    }

    /// Serves HTTP on `io` with `service` until the connection closes, or
    /// the server shuts down and its requests have finished.
    async fn serve<I, S>(mut self, io: I, addr: SocketAddr, service: S)
    where
        I: AsyncRead + AsyncWrite + Unpin + Send + 'static,
        S: tower::Service<
                axum::extract::Request,
                Response = axum::response::Response,
                Error = std::convert::Infallible,
            > + Clone
            + Send
            + 'static,
        S::Future: Send + 'static,
    {
        let service =
            service.map_request(|request: http::Request<Incoming>| request.map(Body::new));
        let connection = self
            .shared
            .builder
            .serve_connection_with_upgrades(TokioIo::new(io), TowerToHyperService::new(service));
        let mut connection = std::pin::pin!(connection);
        let mut shutdown_started = false;
        loop {
            tokio::select! {
                served = connection.as_mut() => {
                    if let Err(error) = served {
                        tracing::trace!(peer = %addr, %error, "connection ended");
                    }
                    break;
                }
                () = stopped(&mut self.shutting_down), if !shutdown_started => {
                    shutdown_started = true;
                    connection.as_mut().graceful_shutdown();
                }
            }
        }
    }
}

/// Returns once `stopping` turns true, or its sender is gone.
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}
