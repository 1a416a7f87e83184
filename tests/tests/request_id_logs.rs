//! Every log line of a request, the handler's own, `LoggingLayer`'s and the
//! generated `LoggingMiddleware`'s, carries the request id the caller sent
//! in `X-Request-ID`, over a real socket; the middleware's line also has
//! the method and its arguments.
//!
//! This binary holds one test, and must keep holding one. tracing caches
//! each callsite's interest process-wide: a callsite first hit by another
//! test before a subscriber is installed can keep a stale interest while the
//! subscriber is being installed, and its lines are lost (a fresh-clone CI
//! run lost a span this way). Alone in its process, the test installs its
//! subscriber before any callsite exists.

use std::io::Write;
use std::sync::{Arc, Mutex};

use addsvc::{AddError, AddService, add_service};
use http::Method;
use kit::middleware::LoggingLayer;
use kitgen_tests::{RawConnection, serve};

/// addsvc that logs inside its handler.
struct Chatty;

impl AddService for Chatty {
    async fn sum(&self, _ctx: &kit::Context, a: i64, b: i64) -> Result<i64, AddError> {
        tracing::info!("summing inside the handler");
        Ok(a + b)
    }

    async fn concat(&self, _ctx: &kit::Context, a: String, b: String) -> Result<String, AddError> {
        Ok(a + &b)
    }
}

/// Everything the process logs.
static LOGS: Mutex<Vec<u8>> = Mutex::new(Vec::new());

#[derive(Clone, Copy)]
struct Capture;

impl Write for Capture {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        LOGS.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_log_line_of_a_request_carries_the_request_id_it_was_sent() {
    let subscriber = tracing_subscriber::fmt()
        .with_writer(|| Capture)
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let service = add_service::LoggingMiddleware::new(Chatty);
    let endpoints = add_service::Endpoints::new(Arc::new(service)).layer(LoggingLayer::new());
    let addr = serve(add_service::http_router(endpoints)).await;
    let mut connection = RawConnection::open(addr).await;
    let response = connection
        .send(
            Method::POST,
            "/sum",
            &[
                ("content-type", "application/json"),
                ("x-request-id", "req-logged-42"),
            ],
            r#"{"a":1,"b":2}"#,
        )
        .await;
    assert_eq!(response.status, 200);
    let text = String::from_utf8(LOGS.lock().unwrap().clone()).unwrap();
    let lines: Vec<&str> = text
        .lines()
        .filter(|line| line.contains("req-logged-42"))
        .collect();
    assert!(
        lines
            .iter()
            .any(|line| line.contains("summing inside the handler")),
        "{text}"
    );
    assert!(lines.iter().any(|line| line.contains("handled")), "{text}");
    assert!(
        lines.iter().any(|line| line.contains("called")
            && line.contains(r#"method="Sum""#)
            && line.contains("args=a=1 b=2")),
        "{text}"
    );
}
