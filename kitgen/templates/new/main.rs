//! Serves {{ s.name }} over HTTP/JSON and gRPC, with Prometheus
//! metrics and health probes on a separate debug address, until Ctrl-C or
//! SIGTERM, when it finishes the requests in flight and exits.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::{Parser, ValueEnum};
use tokio::net::TcpListener;
use tracing_subscriber::EnvFilter;
{%- for svc in s.services %}
use {{ s.lib_path }}::{ {{- svc.impl_name }}, {{ svc.module -}} };
{%- endfor %}

/// {{ s.description }}
#[derive(Debug, Parser)]
#[command(
    version,
    about,
    after_help = "Examples:
  {{ s.name }}
  {{ s.name }} --http-addr 0.0.0.0:8080 --log-format json
  RUST_LOG=debug {{ s.name }}"
)]
struct Args {
    /// Where to serve HTTP/JSON.
    #[arg(long, env = "{{ s.env }}_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    http_addr: SocketAddr,
    /// Where to serve gRPC.
    #[arg(long, env = "{{ s.env }}_GRPC_ADDR", default_value = "127.0.0.1:9090")]
    grpc_addr: SocketAddr,
    /// Where to serve /metrics, /healthz (readiness) and /livez (liveness).
    #[arg(long, env = "{{ s.env }}_DEBUG_ADDR", default_value = "127.0.0.1:9100")]
    debug_addr: SocketAddr,
    /// How to write logs. RUST_LOG filters them; the default is `info`.
    #[arg(long, env = "{{ s.env }}_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    log_format: LogFormat,
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
    // Every address is bound before anything is served, so that a port in
    // use fails at once.
    let http = bind(args.http_addr).await?;
    let grpc = bind(args.grpc_addr).await?;
    let debug = bind(args.debug_addr).await?;

    let metrics = kit::middleware::Metrics::new();
{%- for svc in s.services %}
    let {{ svc.var }} = {{ svc.module }}::Endpoints::new(Arc::new({{ svc.impl_name }}::new()))
        .layer(metrics.layer())
        .layer(kit::middleware::LoggingLayer::new());
{%- endfor %}
{%- if s.services.len() == 1 %}
{%- let svc = s.services[0] %}
    let router = {{ svc.module }}::http_router({{ svc.var }}.clone());
    let routes = kit::grpc::Routes::new().add_service({{ svc.module }}::GrpcServer::new({{ svc.var }}));
{%- else %}
    let router = {{ s.services[0].module }}::http_router({{ s.services[0].var }}.clone())
{%- for svc in s.services[1..] %}
        .merge({{ svc.module }}::http_router({{ svc.var }}.clone()))
{%- endfor %};
    let routes = kit::grpc::Routes::new()
{%- for svc in s.services %}
        .add_service({{ svc.module }}::GrpcServer::new({{ svc.var }}))
{%- endfor %};
{%- endif %}

    kit::Server::new()
        .http(http, router)
        .grpc(grpc, routes)
        .debug(debug, metrics)
        .run()
        .await
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, kit::Error> {
    TcpListener::bind(addr)
        .await
        .map_err(|error| kit::Error::unavailable(format!("cannot listen on {addr}: {error}")))
}
