//! Serves the Order service over HTTP/JSON.
//!
//! ```text
//! cargo run -p ordersvc -- 127.0.0.1:8080
//! curl -s localhost:8080/orders -H 'content-type: application/json' \
//!   -d '{"id":"","customer_id":"c-1","status":"","created_on":0,"restaurant_id":"r-1","order_items":[]}'
//! curl -s localhost:8080/orders/ord-1
//! ```

use std::net::SocketAddr;
use std::sync::Arc;

use ordersvc::{InMemoryOrderService, order_service};

const USAGE: &str = "usage: ordersvc [ADDR]   (default 127.0.0.1:8080, or $ORDERSVC_ADDR)";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let addr = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("ORDERSVC_ADDR").ok())
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    if addr == "-h" || addr == "--help" {
        println!("{USAGE}");
        return std::process::ExitCode::SUCCESS;
    }
    let addr: SocketAddr = match addr.parse() {
        Ok(addr) => addr,
        Err(error) => {
            eprintln!("ordersvc: invalid address {addr:?}: {error}\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("ordersvc: cannot listen on {addr}: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let router = order_service::http_router(endpoints);
    println!("ordersvc listening on http://{addr}");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(error) = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("ordersvc: {error}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
