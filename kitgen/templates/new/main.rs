//! Serves {{ s.name }} over HTTP/JSON (with JSON-RPC 2.0 at `POST /rpc`)
//! and gRPC, and over NATS when given a NATS server, with Prometheus
//! metrics and health probes on a separate debug address, over TLS when
//! given a certificate, until Ctrl-C or SIGTERM, when it finishes the
//! requests in flight and exits. Given etcd,
//! it registers itself there for the balanced clients of other services,
//! and deregisters before it stops.
{%- if !s.database.is_empty() %}
//!
//! Orders are kept in the database `DATABASE_URL` names: SQLite or
//! Postgres. Readiness fails while it cannot be reached, and the pool of
//! connections closes once the last call has finished.
{%- endif %}

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Parser, ValueEnum};
use kit::sd::etcd::{Etcd, Registration};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
{%- for svc in s.services %}
use {{ s.lib_path }}::{ {{- svc.impl_name }}, {% if !s.repository.is_empty() %}{{ s.repository }}, {% endif %}{{ svc.module -}} };
{%- endfor %}

/// {{ s.description }}
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    after_help = "Examples:
  {{ s.name }}
  {{ s.name }} --http-addr 0.0.0.0:8080 --log-format json
{%- if s.database == "postgres" %}
  DATABASE_URL=postgres://{{ s.lib }}:secret@127.0.0.1/{{ s.lib }} {{ s.name }} --migrate=true
{%- elif s.database == "sqlite" %}
  DATABASE_URL=postgres://{{ s.lib }}:secret@127.0.0.1/{{ s.lib }} {{ s.name }} --migrate=true
  DATABASE_URL=sqlite::memory: {{ s.name }}
{%- endif %}
  {{ s.name }} --etcd http://127.0.0.1:2379
  {{ s.name }} --nats nats://127.0.0.1:4222
  {{ s.name }} --tls-cert tls/cert.pem --tls-key tls/key.pem
  {{ s.name }} --tls-cert tls/cert.pem --tls-key tls/key.pem --tls-client-ca tls/clients.pem
  RUST_LOG=debug {{ s.name }}"
)]
struct Args {
    /// Where to serve HTTP/JSON, and JSON-RPC 2.0 at `POST /rpc`.
    #[arg(long, env = "{{ s.env }}_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    http_addr: SocketAddr,
    /// Where to serve gRPC.
    #[arg(long, env = "{{ s.env }}_GRPC_ADDR", default_value = "127.0.0.1:9090")]
    grpc_addr: SocketAddr,
    /// Where to serve /metrics, /healthz (readiness) and /livez (liveness).
    #[arg(long, env = "{{ s.env }}_DEBUG_ADDR", default_value = "127.0.0.1:9100")]
    debug_addr: SocketAddr,
    /// Serve every address over TLS with this certificate chain (PEM),
    /// reloaded when the file changes or on SIGHUP.
    #[arg(long, env = "{{ s.env }}_TLS_CERT", value_name = "PEM", requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    /// The private key (PEM) of --tls-cert.
    #[arg(long, env = "{{ s.env }}_TLS_KEY", value_name = "PEM", requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Mutual TLS: refuse clients without a certificate signed by a CA in
    /// this file (PEM). Handlers see the client's certificate.
    #[arg(long, env = "{{ s.env }}_TLS_CLIENT_CA", value_name = "PEM", requires = "tls_cert")]
    tls_client_ca: Option<PathBuf>,
    /// On SIGTERM, how many seconds to go on serving with readiness
    /// failing, so that load balancers stop sending calls before the
    /// listeners close; then the calls in flight finish (up to 30 s in all).
    #[arg(long, env = "{{ s.env }}_DRAIN_DELAY", value_name = "SECONDS", default_value_t = 0)]
    #[arg(value_parser = clap::value_parser!(u64).range(..30))]
    drain_delay: u64,
{%- if !s.database.is_empty() %}
    /// The database to keep orders in: `sqlite://FILE?mode=rwc` (the file
    /// is created when missing), `sqlite::memory:`, or
    /// `postgres://USER:PASSWORD@HOST:PORT/DB`.
{%- if s.database == "sqlite" %}
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
    #[arg(default_value = "sqlite://{{ s.name }}.db?mode=rwc")]
{%- else %}
    #[arg(long, env = "DATABASE_URL", value_name = "URL", hide_env_values = true)]
{%- endif %}
    database_url: String,
    /// The most connections to the database open at once; a call waits up
    /// to 2 s for one when all are in use.
    #[arg(long, env = "{{ s.env }}_DB_MAX_CONNECTIONS", value_name = "N", default_value_t = 10)]
    #[arg(value_parser = clap::value_parser!(u32).range(1..))]
    db_max_connections: u32,
    /// Apply the migrations in migrations/ (compiled in) that the database
    /// lacks, at start-up [default: true for SQLite, false otherwise, where
    /// the service checks that they are applied and stops if not].
    #[arg(long, env = "{{ s.env }}_MIGRATE", value_name = "BOOL")]
    migrate: Option<bool>,
{%- endif %}
    /// How to write logs. RUST_LOG filters them; the default is `info`.
    #[arg(long, env = "{{ s.env }}_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
    /// A NATS server to answer requests from, as well: each method on its
    /// subject (`rpc.{package}.{Service}.{Method}`), in a queue group that
    /// every instance shares. After start-up, the connection survives the
    /// NATS server restarting.
    #[arg(long, env = "{{ s.env }}_NATS", value_name = "URL")]
    nats: Option<String>,
    /// etcd to register with, as comma-separated URLs. The HTTP address is
    /// registered under /services/{{ s.name }}-http/ and the gRPC address
    /// under /services/{{ s.name }}-grpc/, until shutdown.
    #[arg(long, env = "{{ s.env }}_ETCD", value_name = "URLS")]
    etcd: Option<String>,
    /// The host or IP address other services reach this instance at, which
    /// is registered with the ports. Needed with --etcd when listening on
    /// 0.0.0.0 or [::]; in Kubernetes, the pod's IP.
    #[arg(long, env = "{{ s.env }}_ADVERTISE_HOST", value_name = "HOST")]
    advertise_host: Option<String>,
    /// How soon, in seconds, a crashed instance drops out of etcd: its
    /// registration's lease, which a running instance renews.
    #[arg(long, env = "{{ s.env }}_ETCD_TTL", value_name = "SECONDS", default_value_t = 10)]
    #[arg(value_parser = clap::value_parser!(u64).range(2..))]
    etcd_ttl: u64,
}

/// How logs are written.
#[derive(Clone, Copy, Debug, ValueEnum)]
enum LogFormat {
    /// One readable line per event.
    Text,
    /// One JSON object per event, for log collectors.
    Json,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    init_logs(args.log_format);
    match serve(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            tracing::error!(%error, "{{ s.name }} stopped");
            ExitCode::FAILURE
        }
    }
}

fn init_logs(format: LogFormat) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    // Colour only on a terminal, and never with NO_COLOR: escape codes in a
    // file or a pipe get in the way of grep.
    let colour =
        std::io::IsTerminal::is_terminal(&std::io::stdout()) && std::env::var_os("NO_COLOR").is_none();
    let logs = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colour);
    match format {
        LogFormat::Text => logs.init(),
        LogFormat::Json => logs.json().init(),
    }
}

async fn serve(args: &Args) -> Result<(), kit::Error> {
    if args.etcd.is_some() {
        // Before anything is bound: a flag missing is an error at once.
        advertised(args, args.http_addr)?;
        advertised(args, args.grpc_addr)?;
    }
    // The certificate is read, and every address bound, before anything is
    // served, so that a bad file or a port in use fails at once.
    let tls = tls(args)?;
    let http = bind(args.http_addr).await?;
    let grpc = bind(args.grpc_addr).await?;
    let debug = bind(args.debug_addr).await?;

    let metrics = kit::middleware::Metrics::new();
{%- if !s.database.is_empty() %}
    let repository = database(args, &metrics).await?;
{%- endif %}
{%- for svc in s.services %}
    let {{ svc.var }} = {{ svc.module }}::Endpoints::new(Arc::new({{ svc.constructor }}))
        .layer(metrics.layer())
        .layer(kit::middleware::LoggingLayer::new());
{%- endfor %}
{%- if s.services.len() == 1 %}
{%- let svc = s.services[0] %}
    let jsonrpc = {{ svc.module }}::jsonrpc_methods({{ svc.var }}.clone());
    let nats_methods = {{ svc.module }}::nats_methods({{ svc.var }}.clone());
    let router = {{ svc.module }}::http_router({{ svc.var }}.clone()).merge(jsonrpc.into_router()?);
    let routes = kit::grpc::Routes::new().add_service({{ svc.module }}::GrpcServer::new({{ svc.var }}));
{%- else %}
    let jsonrpc = {{ s.services[0].module }}::jsonrpc_methods({{ s.services[0].var }}.clone())
{%- for svc in s.services[1..] %}
        .merge({{ svc.module }}::jsonrpc_methods({{ svc.var }}.clone()))
{%- endfor %};
    let nats_methods = {{ s.services[0].module }}::nats_methods({{ s.services[0].var }}.clone())
{%- for svc in s.services[1..] %}
        .merge({{ svc.module }}::nats_methods({{ svc.var }}.clone()))
{%- endfor %};
    // One router for every service: it fails, naming both, on two routes
    // that cannot be told apart.
    let router = {{ s.services[0].module }}::http_routes({{ s.services[0].var }}.clone())
{%- for svc in s.services[1..] %}
        .merge({{ svc.module }}::http_routes({{ svc.var }}.clone()))
{%- endfor %}
        .build()?
        .merge(jsonrpc.into_router()?);
    let routes = kit::grpc::Routes::new()
{%- for svc in s.services %}
        .add_service({{ svc.module }}::GrpcServer::new({{ svc.var }}))
{%- endfor %};
{%- endif %}
    // Subscribed before anything is served, as the ports are bound: a NATS
    // server that cannot be reached is an error at once.
    let nats = match &args.nats {
        Some(url) => Some(subscribe(url, nats_methods).await?),
        None => None,
    };

    // The signal handlers are in place before anything is registered.
    let shutdown = kit::shutdown_signal();
    let registrations = match &args.etcd {
        Some(endpoints) => register(args, endpoints, &http, &grpc).await?,
        None => Vec::new(),
    };
    let mut server = kit::Server::new()
        .drain_delay(Duration::from_secs(args.drain_delay))
        .http(http, router)
        .grpc(grpc, routes)
        .debug(debug, metrics);
    if let Some(tls) = tls {
        server = server.tls(tls);
    }
    if let Some(subscriptions) = nats {
        server = server.nats(subscriptions);
    }
{%- if !s.database.is_empty() %}
    let checked = repository.clone();
    server = server.readiness_check("database", Duration::from_secs(2), move || {
        let repository = checked.clone();
        async move { repository.ping().await }
    });
{%- endif %}
{%- if s.database.is_empty() %}
    server
{%- else %}
    let served = server
{%- endif %}
        .run_until(async move {
            shutdown.await;
            // Out of the registry first, so that clients stop choosing this
            // instance while it finishes the requests in flight.
            for registration in registrations {
                match registration.deregister().await {
                    Ok(()) => tracing::info!("deregistered from etcd"),
                    Err(error) => tracing::warn!(%error, "cannot deregister; the lease will expire"),
                }
            }
        })
        .await
{%- if !s.database.is_empty() %};
    // Every call has finished: nothing needs the database any more.
    repository.close(Duration::from_secs(5)).await;
    served
{%- endif %}
}
{%- if !s.database.is_empty() %}

/// Connects to the database, migrates it or checks that it is migrated,
/// and reports its pool in `metrics`.
async fn database(args: &Args, metrics: &kit::middleware::Metrics) -> Result<SqlRepository, kit::Error> {
    let repository = SqlRepository::connect(&args.database_url, args.db_max_connections).await?;
    let migrate = args.migrate.unwrap_or_else(|| args.database_url.starts_with("sqlite:"));
    if migrate {
        repository.migrate().await?;
    } else {
        repository.check_migrated().await?;
    }
    repository.register_metrics(metrics);
    Ok(repository)
}
{%- endif %}

/// The TLS configuration the flags ask for, if any.
fn tls(args: &Args) -> Result<Option<kit::tls::ServerTls>, kit::Error> {
    let (Some(cert), Some(key)) = (&args.tls_cert, &args.tls_key) else {
        return Ok(None);
    };
    let tls = kit::tls::ServerTls::from_pem_files(cert, key)?;
    let tls = match &args.tls_client_ca {
        Some(ca) => tls.require_client_certificates(ca)?,
        None => tls,
    };
    tracing::info!(
        certificate = %cert.display(),
        mutual = args.tls_client_ca.is_some(),
        "serving over TLS"
    );
    Ok(Some(tls))
}

/// Connects to the NATS server at `url` and subscribes `methods` there.
async fn subscribe(
    url: &str,
    methods: kit::nats::Methods,
) -> Result<kit::nats::Subscriptions, kit::Error> {
    let nats = kit::nats::async_nats::connect(url)
        .await
        .map_err(|error| kit::Error::unavailable(format!("cannot connect to NATS at {url}: {error}")))?;
    let subscriptions = methods.subscribe(&nats).await?;
    tracing::info!(%url, "connected to NATS");
    Ok(subscriptions)
}

/// Registers the HTTP and gRPC addresses in etcd, each under the address as
/// its instance id. If this process dies, the registrations' leases expire
/// and the instance drops out; a graceful stop deregisters at once.
async fn register(
    args: &Args,
    endpoints: &str,
    http: &TcpListener,
    grpc: &TcpListener,
) -> Result<Vec<Registration>, kit::Error> {
    let etcd = Etcd::connect(endpoints)?;
    let ttl = Duration::from_secs(args.etcd_ttl);
    let mut registrations = Vec::new();
    for (service, listener) in [("{{ s.name }}-http", http), ("{{ s.name }}-grpc", grpc)] {
        let address = advertised(args, listener.local_addr()?)?;
        match etcd.register(service, &address, &address, ttl).await {
            Ok(registration) => {
                tracing::info!(key = registration.key(), %address, "registered in etcd");
                registrations.push(registration);
            }
            Err(error) => {
                // Undo what was registered rather than leave it listed
                // until its lease expires.
                for registration in registrations {
                    let _ = registration.deregister().await;
                }
                return Err(error);
            }
        }
    }
    Ok(registrations)
}

/// The address to register for `addr`: `--advertise-host` with its port,
/// or `addr` itself, which must then be one others can reach.
fn advertised(args: &Args, addr: SocketAddr) -> Result<String, kit::Error> {
    match &args.advertise_host {
        Some(host) if host.parse::<std::net::Ipv6Addr>().is_ok() => {
            Ok(format!("[{host}]:{}", addr.port()))
        }
        Some(host) => Ok(format!("{host}:{}", addr.port())),
        None if addr.ip().is_unspecified() => Err(kit::Error::invalid_argument(format!(
            "listening on {addr}, which other services cannot call: \
             give the host they reach this instance at with --advertise-host \
             or {{ s.env }}_ADVERTISE_HOST"
        ))),
        None => Ok(addr.to_string()),
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, kit::Error> {
    TcpListener::bind(addr)
        .await
        .map_err(|error| kit::Error::unavailable(format!("cannot listen on {addr}: {error}")))
}
