//! TLS with rustls (and ring, which the rest of kit's crypto uses):
//! [`ServerTls`] for a [`Server`](crate::Server)'s listeners, optionally
//! requiring client certificates (mutual TLS), and [`ClientTls`] for the
//! HTTP/JSON and gRPC clients.
//!
//! ```no_run
//! # async fn run(router: axum::Router) -> Result<(), kit::Error> {
//! let tls = kit::tls::ServerTls::from_pem_files("tls/cert.pem", "tls/key.pem")?
//!     .require_client_certificates("tls/clients-ca.pem")?;
//! let listener = tokio::net::TcpListener::bind("127.0.0.1:8443").await?;
//! kit::Server::new().tls(tls).http(listener, router).run().await
//! # }
//! ```
//!
//! A server reloads its certificate, key and client CA when their files
//! change (checked every [`DEFAULT_RELOAD_EVERY`]) and on `SIGHUP`; the
//! connections already open keep the certificate they started with. A
//! reload that fails (a half-written file, a key that does not match) is
//! logged and the previous configuration kept.

use std::fmt;
use std::future::Future;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock, RwLock};
use std::time::{Duration, SystemTime};

use rustls::RootCertStore;
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use tokio::sync::watch;

use crate::Error;

/// How often a [`ServerTls`] looks at its files for a new certificate,
/// unless told otherwise.
pub const DEFAULT_RELOAD_EVERY: Duration = Duration::from_secs(10);

/// The TLS configuration of a [`Server`](crate::Server): its certificate
/// chain and private key, and optionally the CA that client certificates
/// must be signed by. Every listener of the server speaks TLS with it, and
/// offers HTTP/2 and HTTP/1.1 by ALPN (gRPC clients need the former).
///
/// Cloning is cheap and shares the configuration, reloads included.
#[derive(Clone)]
pub struct ServerTls {
    files: Arc<ServerFiles>,
    reload_every: Duration,
    current: Arc<RwLock<Arc<rustls::ServerConfig>>>,
}

/// Where a [`ServerTls`] reads its configuration from.
#[derive(Clone, Debug)]
struct ServerFiles {
    certificate: PathBuf,
    key: PathBuf,
    clients: Option<ClientCertificates>,
}

/// Which client certificates a server asks for.
#[derive(Clone, Debug)]
struct ClientCertificates {
    /// The CA they must be signed by, in PEM.
    ca: PathBuf,
    /// Whether a client without one is refused in the handshake.
    required: bool,
}

impl fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerTls")
            .field("files", &self.files)
            .field("reload_every", &self.reload_every)
            .finish_non_exhaustive()
    }
}

impl ServerTls {
    /// Serves the certificate chain in the PEM file `certificate` (the
    /// server's own first, then intermediates) with the private key in the
    /// PEM file `key` (PKCS#8, PKCS#1 or SEC1). Fails with
    /// `INVALID_ARGUMENT` when either cannot be read, or they do not match.
    pub fn from_pem_files(
        certificate: impl Into<PathBuf>,
        key: impl Into<PathBuf>,
    ) -> Result<Self, Error> {
        let files = ServerFiles {
            certificate: certificate.into(),
            key: key.into(),
            clients: None,
        };
        let config = files.load()?;
        Ok(ServerTls {
            files: Arc::new(files),
            reload_every: DEFAULT_RELOAD_EVERY,
            current: Arc::new(RwLock::new(Arc::new(config))),
        })
    }

    /// Mutual TLS: refuses, in the handshake, every client without a
    /// certificate signed by a CA in the PEM file `ca`. Handlers see the
    /// client's certificate with
    /// [`Context::client_certificate`](crate::Context::client_certificate).
    pub fn require_client_certificates(self, ca: impl Into<PathBuf>) -> Result<Self, Error> {
        self.with_clients(ClientCertificates {
            ca: ca.into(),
            required: true,
        })
    }

    /// Asks clients for a certificate signed by a CA in the PEM file `ca`,
    /// refusing one that is not, but lets clients without one connect; an
    /// [`AuthLayer`](crate::middleware::AuthLayer) can then decide per
    /// endpoint.
    pub fn allow_client_certificates(self, ca: impl Into<PathBuf>) -> Result<Self, Error> {
        self.with_clients(ClientCertificates {
            ca: ca.into(),
            required: false,
        })
    }

    fn with_clients(self, clients: ClientCertificates) -> Result<Self, Error> {
        let files = ServerFiles {
            clients: Some(clients),
            ..ServerFiles::clone(&self.files)
        };
        let config = files.load()?;
        Ok(ServerTls {
            files: Arc::new(files),
            reload_every: self.reload_every,
            current: Arc::new(RwLock::new(Arc::new(config))),
        })
    }

    /// How often the files are checked for changes;
    /// [`DEFAULT_RELOAD_EVERY`] by default. `SIGHUP` reloads them at once
    /// whatever this is.
    #[must_use]
    pub fn reload_every(mut self, every: Duration) -> Self {
        self.reload_every = every;
        self
    }

    /// Reads the files again and serves what they hold to the connections
    /// that open from now on; on failure keeps serving the previous
    /// configuration and says why.
    pub fn reload(&self) -> Result<(), Error> {
        let config = self.files.load()?;
        *self
            .current
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = Arc::new(config);
        Ok(())
    }

    /// The acceptor for a connection opening now.
    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        let config = self
            .current
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        tokio_rustls::TlsAcceptor::from(Arc::clone(&config))
    }

    /// Reloads the configuration when its files change or on `SIGHUP`,
    /// until `stopping` turns true. The signal handler is in place when
    /// this returns, before the future is first polled.
    pub(crate) fn watch_files(
        self,
        mut stopping: watch::Receiver<bool>,
    ) -> impl Future<Output = ()> + Send + 'static {
        let mut hangup = Hangup::new();
        async move {
            let mut stamp = self.files.stamp();
            loop {
                let signalled = tokio::select! {
                    () = tokio::time::sleep(self.reload_every) => false,
                    () = hangup.recv() => true,
                    _ = stopping.wait_for(|stop| *stop) => return,
                };
                let now = self.files.stamp();
                if !signalled && now == stamp {
                    continue;
                }
                stamp = now;
                match self.reload() {
                    Ok(()) => tracing::info!(
                        certificate = %self.files.certificate.display(),
                        "reloaded the TLS configuration"
                    ),
                    Err(error) => tracing::error!(
                        %error,
                        "cannot reload the TLS configuration; serving the previous one"
                    ),
                }
            }
        }
    }
}

/// `SIGHUP`, where there are signals.
struct Hangup {
    #[cfg(unix)]
    signal: Option<tokio::signal::unix::Signal>,
}

impl Hangup {
    fn new() -> Self {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let signal = signal(SignalKind::hangup())
                .inspect_err(|error| {
                    tracing::warn!(%error, "cannot listen for SIGHUP; TLS files reload on change only");
                })
                .ok();
            Hangup { signal }
        }
        #[cfg(not(unix))]
        Hangup {}
    }

    /// Returns on the next `SIGHUP`; never where there is none.
    async fn recv(&mut self) {
        #[cfg(unix)]
        if let Some(signal) = &mut self.signal
            && signal.recv().await.is_some()
        {
            return;
        }
        std::future::pending::<()>().await;
    }
}

impl ServerFiles {
    fn load(&self) -> Result<rustls::ServerConfig, Error> {
        let chain = read_certificates(&self.certificate)?;
        let key = read_key(&self.key)?;
        let builder = rustls::ServerConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|error| Error::internal(format!("rustls: {error}")))?;
        let builder = match &self.clients {
            None => builder.with_no_client_auth(),
            Some(clients) => {
                let roots = read_roots(&clients.ca)?;
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider());
                let verifier = if clients.required {
                    verifier
                } else {
                    verifier.allow_unauthenticated()
                };
                let verifier = verifier.build().map_err(|error| {
                    Error::invalid_argument(format!(
                        "cannot use the client CA {}: {error}",
                        clients.ca.display()
                    ))
                })?;
                builder.with_client_cert_verifier(verifier)
            }
        };
        let mut config = builder.with_single_cert(chain, key).map_err(|error| {
            Error::invalid_argument(format!(
                "cannot serve the certificate {} with the key {}: {error}",
                self.certificate.display(),
                self.key.display()
            ))
        })?;
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        Ok(config)
    }

    /// When each file last changed, and its size: what a reload compares.
    fn stamp(&self) -> Vec<Option<(SystemTime, u64)>> {
        let mut paths = vec![&self.certificate, &self.key];
        paths.extend(self.clients.as_ref().map(|clients| &clients.ca));
        paths
            .into_iter()
            .map(|path| {
                let metadata = std::fs::metadata(path).ok()?;
                Some((metadata.modified().ok()?, metadata.len()))
            })
            .collect()
    }
}

/// The certificate a client presented in the TLS handshake, verified
/// against the server's client CA: see
/// [`ServerTls::require_client_certificates`]. Cloning is cheap.
#[derive(Clone, PartialEq, Eq)]
pub struct ClientCertificate(Arc<PeerCertificate>);

#[derive(PartialEq, Eq)]
struct PeerCertificate {
    subject: String,
    der: CertificateDer<'static>,
}

impl ClientCertificate {
    /// The client certificate `der`, or `None` if it does not parse (it
    /// passed verification, so it does).
    pub(crate) fn from_der(der: CertificateDer<'static>) -> Option<Self> {
        use x509_parser::prelude::FromDer;
        let (_, certificate) = x509_parser::certificate::X509Certificate::from_der(&der).ok()?;
        let subject = certificate.subject().to_string();
        Some(ClientCertificate(Arc::new(PeerCertificate {
            subject,
            der,
        })))
    }

    /// Its subject's distinguished name, as `CN=alice, O=Example`.
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// The certificate itself, in DER, to read more of it.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("subject", &self.0.subject)
            .finish_non_exhaustive()
    }
}

/// How a client verifies servers, and the certificate it presents for
/// mutual TLS. `https://` URLs use [`ClientTls::system_roots`] unless a
/// client is given another.
///
/// ```no_run
/// # fn run() -> Result<(), kit::Error> {
/// let tls = kit::tls::ClientTls::trusting_pem_file("tls/ca.pem")?
///     .with_certificate_pem_files("tls/client.pem", "tls/client.key")?;
/// let http = kit::http::Client::new("https://orders.internal:8443")?.with_tls(&tls);
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct ClientTls {
    roots: Arc<RootCertStore>,
    /// Built whenever the rest changes, so that using it cannot fail.
    config: Arc<rustls::ClientConfig>,
}

impl fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTls")
            .field("roots", &self.roots.len())
            .field(
                "with_certificate",
                &self.config.client_auth_cert_resolver.has_certs(),
            )
            .finish()
    }
}

impl ClientTls {
    /// Trusts the operating system's root certificates (read once per
    /// process; none where the system has none).
    pub fn system_roots() -> Self {
        static SYSTEM: OnceLock<ClientTls> = OnceLock::new();
        SYSTEM
            .get_or_init(|| {
                let found = rustls_native_certs::load_native_certs();
                for error in &found.errors {
                    tracing::warn!(%error, "cannot read a system root certificate");
                }
                let mut roots = RootCertStore::empty();
                roots.add_parsable_certificates(found.certs);
                ClientTls::build(Arc::new(roots), None)
                    .expect("a configuration without a client certificate always builds")
            })
            .clone()
    }

    /// Trusts nothing: for clients of `http://` URLs, which never use it.
    pub(crate) fn plain_only() -> Self {
        static NONE: OnceLock<ClientTls> = OnceLock::new();
        NONE.get_or_init(|| {
            ClientTls::build(Arc::new(RootCertStore::empty()), None)
                .expect("a configuration without a client certificate always builds")
        })
        .clone()
    }

    /// Trusts only the CA certificates in the PEM file `ca`, such as a
    /// private CA's.
    pub fn trusting_pem_file(ca: impl AsRef<Path>) -> Result<Self, Error> {
        ClientTls::build(Arc::new(read_roots(ca.as_ref())?), None)
    }

    /// Presents the certificate chain in the PEM file `certificate`, with
    /// the private key in the PEM file `key`, to servers that ask for one.
    pub fn with_certificate_pem_files(
        self,
        certificate: impl AsRef<Path>,
        key: impl AsRef<Path>,
    ) -> Result<Self, Error> {
        let (certificate, key) = (certificate.as_ref(), key.as_ref());
        let identity = (read_certificates(certificate)?, read_key(key)?);
        ClientTls::build(self.roots, Some(identity)).map_err(|error| {
            Error::invalid_argument(format!(
                "cannot present the certificate {} with the key {}: {}",
                certificate.display(),
                key.display(),
                error.message()
            ))
        })
    }

    fn build(
        roots: Arc<RootCertStore>,
        identity: Option<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>)>,
    ) -> Result<Self, Error> {
        let builder = rustls::ClientConfig::builder_with_provider(provider())
            .with_safe_default_protocol_versions()
            .map_err(|error| Error::internal(format!("rustls: {error}")))?
            .with_root_certificates(Arc::clone(&roots));
        let config = match identity {
            None => builder.with_no_client_auth(),
            Some((chain, key)) => builder
                .with_client_auth_cert(chain, key)
                .map_err(|error| Error::invalid_argument(error.to_string()))?,
        };
        Ok(ClientTls {
            roots,
            config: Arc::new(config),
        })
    }

    /// A connector that opens TCP connections, and TLS sessions over them
    /// for `https` URIs, offering HTTP/2 by ALPN when `http2`, HTTP/1.1
    /// otherwise.
    pub(crate) fn connector(
        &self,
        http2: bool,
    ) -> hyper_rustls::HttpsConnector<hyper_util::client::legacy::connect::HttpConnector> {
        let mut tcp = hyper_util::client::legacy::connect::HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        let builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(rustls::ClientConfig::clone(&self.config))
            .https_or_http();
        if http2 {
            builder.enable_http2().wrap_connector(tcp)
        } else {
            builder.enable_http1().wrap_connector(tcp)
        }
    }
}

/// ring: the one provider kit builds, whatever else the process has.
fn provider() -> Arc<CryptoProvider> {
    static RING: OnceLock<Arc<CryptoProvider>> = OnceLock::new();
    Arc::clone(RING.get_or_init(|| Arc::new(rustls::crypto::ring::default_provider())))
}

fn read_certificates(path: &Path) -> Result<Vec<CertificateDer<'static>>, Error> {
    let chain = CertificateDer::pem_file_iter(path)
        .and_then(Iterator::collect::<Result<Vec<_>, _>>)
        .map_err(|error| {
            Error::invalid_argument(format!(
                "cannot read certificates from {}: {error}",
                path.display()
            ))
        })?;
    if chain.is_empty() {
        return Err(Error::invalid_argument(format!(
            "no certificate in {}: expected a PEM `CERTIFICATE` block",
            path.display()
        )));
    }
    Ok(chain)
}

fn read_key(path: &Path) -> Result<PrivateKeyDer<'static>, Error> {
    PrivateKeyDer::from_pem_file(path).map_err(|error| {
        Error::invalid_argument(format!(
            "cannot read a private key from {}: {error}",
            path.display()
        ))
    })
}

fn read_roots(path: &Path) -> Result<RootCertStore, Error> {
    let mut roots = RootCertStore::empty();
    for certificate in read_certificates(path)? {
        roots.add(certificate).map_err(|error| {
            Error::invalid_argument(format!(
                "cannot trust a certificate of {}: {error}",
                path.display()
            ))
        })?;
    }
    Ok(roots)
}
