//! Serves addsvc over HTTP/JSON and gRPC until Ctrl-C or SIGTERM.
//!
//! ```text
//! cargo run -p addsvc
//! curl -s localhost:8080/sum -H 'content-type: application/json' -d '{"a": 2, "b": 3}'
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use addsvc::{BasicAddService, add_service};
use clap::Parser;
use tokio::net::TcpListener;

/// Go kit's addsvc: sum and concat over HTTP/JSON and gRPC.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Example:\n  addsvc --http-addr 127.0.0.1:8080 --grpc-addr 127.0.0.1:9090"
)]
struct Args {
    /// Where to serve HTTP/JSON.
    #[arg(long, env = "ADDSVC_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    http_addr: SocketAddr,
    /// Where to serve gRPC.
    #[arg(long, env = "ADDSVC_GRPC_ADDR", default_value = "127.0.0.1:9090")]
    grpc_addr: SocketAddr,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("addsvc: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: &Args) -> Result<(), kit::Error> {
    let http = TcpListener::bind(args.http_addr).await?;
    let grpc = TcpListener::bind(args.grpc_addr).await?;
    let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
    println!(
        "addsvc: HTTP on http://{}, gRPC on {}",
        args.http_addr, args.grpc_addr
    );
    println!(
        "try: curl -s {}/sum -H 'content-type: application/json' -d '{{\"a\": 2, \"b\": 3}}'",
        args.http_addr
    );
    kit::Server::new()
        .http(http, add_service::http_router(endpoints.clone()))
        .grpc(
            grpc,
            kit::grpc::Routes::new().add_service(add_service::GrpcServer::new(endpoints)),
        )
        .run()
        .await
}
