//! Every line a request logs, the handler's own and `LoggingLayer`'s, carries
//! its request id.
//!
//! This binary holds one test, and must keep holding one. tracing caches
//! each callsite's interest process-wide: a callsite first hit by another
//! test while no subscriber is installed is cached as uninteresting, and a
//! subscriber installed later with `set_default` on this thread can race
//! that cache and miss lines. Alone in its process, the test installs its
//! subscriber before any callsite exists, so every callsite's interest is
//! computed against it.

use std::io::Write;
use std::sync::{Arc, Mutex};

use kit::middleware::LoggingLayer;
use kit::{Context, Endpoint, EndpointName, Error, Request};
use tracing_subscriber::fmt::MakeWriter;

/// Collects what a subscriber writes.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl<'a> MakeWriter<'a> for Captured {
    type Writer = Captured;

    fn make_writer(&'a self) -> Self::Writer {
        self.clone()
    }
}

impl Captured {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn every_line_of_a_request_carries_its_id() {
    let captured = Captured::default();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(captured.clone())
        .with_ansi(false)
        .finish();
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let endpoint = Endpoint::new(tower::service_fn(|request: Request<i64>| async move {
        tracing::info!("inside the handler");
        if request.message < 0 {
            Err(Error::invalid_argument("negative"))
        } else {
            Ok(request.message)
        }
    }))
    .named(EndpointName {
        service: "demo.Math",
        method: "Echo",
    })
    .layer(LoggingLayer::new());
    endpoint
        .send(Context::new().with_request_id("req-1"), 1)
        .await
        .unwrap();
    endpoint
        .send(Context::new().with_request_id("req-2"), -1)
        .await
        .unwrap_err();

    let text = captured.text();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 4, "{text}");
    assert!(
        lines[0].contains("request_id=req-1") && lines[0].contains("inside the handler"),
        "{text}"
    );
    assert!(
        lines[1].contains("request_id=req-1")
            && lines[1].contains("handled")
            && lines[1].contains("code=\"OK\""),
        "{text}"
    );
    assert!(
        lines[2].contains("request_id=req-2") && lines[2].contains("inside the handler"),
        "{text}"
    );
    assert!(
        lines[3].contains("WARN")
            && lines[3].contains("request_id=req-2")
            && lines[3].contains("INVALID_ARGUMENT"),
        "{text}"
    );
}
