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
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName};
use rustls::server::WebPkiClientVerifier;
use tokio::sync::watch;

use crate::Error;

/// How often a [`ServerTls`] looks at its files for a new certificate,
/// unless told otherwise.
pub const DEFAULT_RELOAD_EVERY: Duration = Duration::from_secs(10);

/// The TLS configuration of a [`Server`](crate::Server): its certificate
/// chain and private key, and optionally the CA that client certificates
/// must be signed by. Every listener of the server speaks TLS with it, and
/// offers HTTP/2 and HTTP/1.1 by ALPN (gRPC clients need the former); the
/// debug listener never asks for a client certificate, since probes and
/// metrics scrapers present none.
///
/// Cloning is cheap and shares the configuration, reloads included.
#[derive(Clone)]
pub struct ServerTls {
    files: Arc<ServerFiles>,
    reload_every: Duration,
    loaded: Arc<RwLock<Loaded>>,
    /// Whether this is the debug listener's view: no client certificates.
    for_probes: bool,
}

/// What a [`ServerTls`] serves now.
struct Loaded {
    /// For the API's listeners.
    api: Arc<rustls::ServerConfig>,
    /// For the debug listener: the same certificate, no client
    /// certificates asked for.
    probes: Arc<rustls::ServerConfig>,
    /// The files as they were just before they were read.
    stamp: Stamp,
}

/// When each file last changed, and its size.
type Stamp = Vec<Option<(SystemTime, u64)>>;

/// The shortest [`ServerTls::reload_every`].
const MIN_RELOAD_EVERY: Duration = Duration::from_millis(10);

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
        ServerTls::read(
            ServerFiles {
                certificate: certificate.into(),
                key: key.into(),
                clients: None,
            },
            DEFAULT_RELOAD_EVERY,
        )
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
        ServerTls::read(files, self.reload_every)
    }

    fn read(files: ServerFiles, reload_every: Duration) -> Result<Self, Error> {
        let loaded = files.load()?;
        Ok(ServerTls {
            files: Arc::new(files),
            reload_every,
            loaded: Arc::new(RwLock::new(loaded)),
            for_probes: false,
        })
    }

    /// How often the files are checked for changes;
    /// [`DEFAULT_RELOAD_EVERY`] by default, 10 ms at the least. `SIGHUP`
    /// reloads them at once whatever this is.
    #[must_use]
    pub fn reload_every(mut self, every: Duration) -> Self {
        self.reload_every = every.max(MIN_RELOAD_EVERY);
        self
    }

    /// Reads the files again and serves what they hold to the connections
    /// that open from now on; on failure keeps serving the previous
    /// configuration and says why.
    pub fn reload(&self) -> Result<(), Error> {
        let loaded = self.files.load()?;
        *self
            .loaded
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner) = loaded;
        Ok(())
    }

    /// The same configuration for the debug listener, which asks for no
    /// client certificate.
    pub(crate) fn for_probes(&self) -> Self {
        ServerTls {
            for_probes: true,
            ..self.clone()
        }
    }

    fn loaded(&self) -> std::sync::RwLockReadGuard<'_, Loaded> {
        self.loaded
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The acceptor for a connection opening now.
    pub(crate) fn acceptor(&self) -> tokio_rustls::TlsAcceptor {
        let loaded = self.loaded();
        let config = if self.for_probes {
            &loaded.probes
        } else {
            &loaded.api
        };
        tokio_rustls::TlsAcceptor::from(Arc::clone(config))
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
            // What was read, or last failed to be: a broken file is
            // reported once, not at every look.
            let mut tried = self.loaded().stamp.clone();
            loop {
                let signalled = tokio::select! {
                    () = tokio::time::sleep(self.reload_every) => false,
                    () = hangup.recv() => true,
                    _ = stopping.wait_for(|stop| *stop) => return,
                };
                let now = self.files.stamp();
                if !signalled && now == tried {
                    continue;
                }
                tried = now;
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
    /// The configurations the files hold, and their stamp from just before
    /// they were read: a change while they are read is seen at the next
    /// look.
    fn load(&self) -> Result<Loaded, Error> {
        let stamp = self.stamp();
        let chain = read_certificates(&self.certificate)?;
        let key = read_key(&self.key)?;
        let builder = || {
            rustls::ServerConfig::builder_with_provider(provider())
                .with_safe_default_protocol_versions()
                .map_err(|error| Error::internal(format!("rustls: {error}")))
        };
        let api = match &self.clients {
            None => builder()?.with_no_client_auth(),
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
                builder()?.with_client_cert_verifier(verifier)
            }
        };
        let cannot_serve = |error: rustls::Error| {
            Error::invalid_argument(format!(
                "cannot serve the certificate {} with the key {}: {error}",
                self.certificate.display(),
                self.key.display()
            ))
        };
        let mut api = api
            .with_single_cert(chain.clone(), key.clone_key())
            .map_err(cannot_serve)?;
        let mut probes = builder()?
            .with_no_client_auth()
            .with_single_cert(chain, key)
            .map_err(cannot_serve)?;
        for config in [&mut api, &mut probes] {
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        }
        Ok(Loaded {
            api: Arc::new(api),
            probes: Arc::new(probes),
            stamp,
        })
    }

    /// When each file last changed, and its size: what a reload compares.
    fn stamp(&self) -> Stamp {
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
    subject_alt_names: Vec<String>,
    der: CertificateDer<'static>,
}

impl ClientCertificate {
    /// The client certificate `der`, or `None` if it does not parse (it
    /// passed verification, so it should).
    pub(crate) fn from_der(der: CertificateDer<'static>) -> Option<Self> {
        use x509_parser::extensions::GeneralName;
        use x509_parser::prelude::FromDer;
        let (_, certificate) = x509_parser::certificate::X509Certificate::from_der(&der).ok()?;
        let subject = distinguished_name(certificate.subject());
        let names = certificate.subject_alternative_name().ok()?;
        let subject_alt_names = names
            .iter()
            .flat_map(|names| names.value.general_names.iter())
            .filter_map(|name| match name {
                GeneralName::DNSName(name) => Some(format!("DNS:{name}")),
                GeneralName::URI(uri) => Some(format!("URI:{uri}")),
                GeneralName::RFC822Name(email) => Some(format!("email:{email}")),
                GeneralName::IPAddress(bytes) => {
                    let ip = match *bytes {
                        [a, b, c, d] => std::net::IpAddr::from([*a, *b, *c, *d]),
                        _ => std::net::IpAddr::from(<[u8; 16]>::try_from(*bytes).ok()?),
                    };
                    Some(format!("IP:{ip}"))
                }
                _ => None,
            })
            .collect();
        Some(ClientCertificate(Arc::new(PeerCertificate {
            subject,
            subject_alt_names,
            der,
        })))
    }

    /// Its subject's distinguished name, in the certificate's order, each
    /// value escaped as RFC 4514 has it (so that `CN=a\, O=b` cannot pass
    /// for two attributes): `CN=alice, O=Example`.
    pub fn subject(&self) -> &str {
        &self.0.subject
    }

    /// Its subject alternative names, each with its kind: `DNS:orders`,
    /// `URI:spiffe://example.org/orders`, `IP:10.0.0.7`,
    /// `email:alice@example.org`; what identifies a workload whose subject
    /// is empty.
    pub fn subject_alt_names(&self) -> &[String] {
        &self.0.subject_alt_names
    }

    /// The certificate itself, in DER, to read more of it.
    pub fn der(&self) -> &[u8] {
        &self.0.der
    }
}

/// `name` as text: its attributes `TYPE=value` in the certificate's order,
/// joined by `, ` (`+` within a multi-valued one), values escaped as RFC
/// 4514 says, those that are not text as `#` and their hex DER.
fn distinguished_name(name: &x509_parser::x509::X509Name<'_>) -> String {
    let registry = x509_parser::objects::oid_registry();
    let attribute = |attribute: &x509_parser::x509::AttributeTypeAndValue<'_>| {
        let oid = attribute.attr_type();
        let kind = x509_parser::objects::oid2abbrev(oid, registry)
            .map_or_else(|_| oid.to_id_string(), str::to_owned);
        let value = match attribute.as_str() {
            Ok(text) => escape_attribute_value(text),
            Err(_) => {
                let raw = attribute.attr_value().data;
                format!(
                    "#{}",
                    raw.iter()
                        .map(|byte| format!("{byte:02x}"))
                        .collect::<String>()
                )
            }
        };
        format!("{kind}={value}")
    };
    name.iter()
        .map(|rdn| rdn.iter().map(attribute).collect::<Vec<_>>().join("+"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// An attribute value escaped as RFC 4514 (section 2.4) says.
fn escape_attribute_value(value: &str) -> String {
    let mut escaped = String::with_capacity(value.len());
    let last = value.chars().count().saturating_sub(1);
    for (index, c) in value.chars().enumerate() {
        match c {
            '"' | '+' | ',' | ';' | '<' | '>' | '\\' => {
                escaped.push('\\');
                escaped.push(c);
            }
            '#' if index == 0 => escaped.push_str("\\#"),
            ' ' if index == 0 || index == last => escaped.push_str("\\ "),
            c if c.is_control() => {
                let mut bytes = [0; 4];
                for byte in c.encode_utf8(&mut bytes).bytes() {
                    escaped.push_str(&format!("\\{byte:02X}"));
                }
            }
            c => escaped.push(c),
        }
    }
    escaped
}

impl fmt::Debug for ClientCertificate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientCertificate")
            .field("subject", &self.0.subject)
            .field("subject_alt_names", &self.0.subject_alt_names)
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
    /// The name servers' certificates must have, if not their URL's host.
    server_name: Option<ServerName<'static>>,
}

impl fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientTls")
            .field("roots", &self.roots.len())
            .field(
                "with_certificate",
                &self.config.client_auth_cert_resolver.has_certs(),
            )
            .field("server_name", &self.server_name)
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
        let server_name = self.server_name;
        let tls = ClientTls::build(self.roots, Some(identity)).map_err(|error| {
            Error::invalid_argument(format!(
                "cannot present the certificate {} with the key {}: {}",
                certificate.display(),
                key.display(),
                error.message()
            ))
        })?;
        Ok(ClientTls { server_name, ..tls })
    }

    /// Verifies every server's certificate against `name` rather than the
    /// host of the URL called: for instances found by discovery, which are
    /// reached by IP address but certified by service name. Fails with
    /// `INVALID_ARGUMENT` when `name` is neither a DNS name nor an IP
    /// address.
    pub fn with_server_name(mut self, name: &str) -> Result<Self, Error> {
        let name = ServerName::try_from(name.to_owned()).map_err(|error| {
            Error::invalid_argument(format!("invalid server name {name:?}: {error}"))
        })?;
        self.server_name = Some(name);
        Ok(self)
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
            server_name: None,
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
        let mut builder = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(rustls::ClientConfig::clone(&self.config))
            .https_or_http();
        if let Some(name) = &self.server_name {
            builder = builder.with_server_name_resolver(
                hyper_rustls::FixedServerNameResolver::new(name.clone()),
            );
        }
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attribute_values_are_escaped_so_that_none_passes_for_two() {
        assert_eq!(escape_attribute_value("alice"), "alice");
        assert_eq!(escape_attribute_value("alice, O=X"), "alice\\, O=X");
        assert_eq!(
            escape_attribute_value("a+b;c<d>e\"f\\g"),
            "a\\+b\\;c\\<d\\>e\\\"f\\\\g"
        );
        assert_eq!(escape_attribute_value("#1 "), "\\#1\\ ");
        assert_eq!(escape_attribute_value(" x"), "\\ x");
        assert_eq!(escape_attribute_value("a\nb"), "a\\0Ab");
    }
}
