//! Serves the Order service over HTTP/JSON and gRPC until Ctrl-C or
//! SIGTERM.
//!
//! ```text
//! cargo run -p ordersvc
//! curl -s localhost:8080/orders -H 'content-type: application/json' \
//!   -d '{"id":"","customer_id":"c-1","status":"","created_on":0,"restaurant_id":"r-1","order_items":[]}'
//! curl -s localhost:8080/orders/ord-1
//! ```

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use clap::Parser;
use ordersvc::{InMemoryOrderService, order_service};
use tokio::net::TcpListener;

/// The Order service of the Go kit introduction, over HTTP/JSON and gRPC.
#[derive(Debug, Parser)]
#[command(
    version,
    after_help = "Example:\n  ordersvc --http-addr 127.0.0.1:8080 --grpc-addr 127.0.0.1:9090"
)]
struct Args {
    /// Where to serve HTTP/JSON.
    #[arg(long, env = "ORDERSVC_HTTP_ADDR", default_value = "127.0.0.1:8080")]
    http_addr: SocketAddr,
    /// Where to serve gRPC.
    #[arg(long, env = "ORDERSVC_GRPC_ADDR", default_value = "127.0.0.1:9090")]
    grpc_addr: SocketAddr,
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    match serve(&args).await {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("ordersvc: {error}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(args: &Args) -> Result<(), kit::Error> {
    let http = TcpListener::bind(args.http_addr).await?;
    let grpc = TcpListener::bind(args.grpc_addr).await?;
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    println!(
        "ordersvc: HTTP on http://{}, gRPC on {}",
        args.http_addr, args.grpc_addr
    );
    kit::Server::new()
        .http(http, order_service::http_router(endpoints.clone()))
        .grpc(
            grpc,
            kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints)),
        )
        .run()
        .await
}
