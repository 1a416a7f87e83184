//! Serves addsvc over HTTP/JSON.
//!
//! ```text
//! cargo run -p addsvc -- 127.0.0.1:8080
//! curl -s localhost:8080/sum -H 'content-type: application/json' -d '{"a": 2, "b": 3}'
//! ```

use std::net::SocketAddr;
use std::sync::Arc;

use addsvc::{BasicAddService, add_service};

const USAGE: &str = "usage: addsvc [ADDR]   (default 127.0.0.1:8080, or $ADDSVC_ADDR)";

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let addr = std::env::args()
        .nth(1)
        .or_else(|| std::env::var("ADDSVC_ADDR").ok())
        .unwrap_or_else(|| "127.0.0.1:8080".to_owned());
    if addr == "-h" || addr == "--help" {
        println!("{USAGE}");
        return std::process::ExitCode::SUCCESS;
    }
    let addr: SocketAddr = match addr.parse() {
        Ok(addr) => addr,
        Err(error) => {
            eprintln!("addsvc: invalid address {addr:?}: {error}\n{USAGE}");
            return std::process::ExitCode::from(2);
        }
    };
    let listener = match tokio::net::TcpListener::bind(addr).await {
        Ok(listener) => listener,
        Err(error) => {
            eprintln!("addsvc: cannot listen on {addr}: {error}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let endpoints = add_service::Endpoints::new(Arc::new(BasicAddService));
    let router = add_service::http_router(endpoints);
    println!("addsvc listening on http://{addr}");
    println!(
        "try: curl -s {addr}/sum -H 'content-type: application/json' -d '{{\"a\": 2, \"b\": 3}}'"
    );
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    if let Err(error) = axum::serve(listener, router)
        .with_graceful_shutdown(shutdown)
        .await
    {
        eprintln!("addsvc: {error}");
        return std::process::ExitCode::FAILURE;
    }
    std::process::ExitCode::SUCCESS
}
