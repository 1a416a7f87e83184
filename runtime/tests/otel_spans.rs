//! `TraceLayer` spans are OpenTelemetry spans under the caller's, and their
//! ids travel on (feature `otel`).
//!
//! This binary holds one test, and must keep holding one. tracing caches
//! each callsite's interest process-wide: a callsite first hit by another
//! test while no subscriber is installed is cached as uninteresting, and a
//! subscriber installed later with `set_default` on this thread can race
//! that cache and see nothing (a fresh-clone CI run lost its only span this
//! way). Alone in its process, the test installs its subscriber before any
//! callsite exists, so every callsite's interest is computed against it.

use std::sync::{Arc, Mutex};

use kit::middleware::TraceLayer;
use kit::middleware::trace::{TRACEPARENT, TraceParent};
use kit::{Context, Endpoint, EndpointName, Request};
use opentelemetry::trace::{SpanId, SpanKind, TraceId, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use tower::ServiceExt;
use tracing_subscriber::layer::SubscriberExt;

/// Keeps what OpenTelemetry exports.
#[derive(Clone, Debug, Default)]
struct Collect(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Collect {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0.lock().unwrap().extend(batch);
        Ok(())
    }
}

#[tokio::test]
async fn spans_are_opentelemetry_spans_under_the_callers_and_their_ids_travel_on() {
    let exported = Collect::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(exported.clone())
        .build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("kit-test")));
    tracing::subscriber::set_global_default(subscriber).unwrap();

    let endpoint = Endpoint::new(tower::service_fn(|request: Request<()>| async move {
        Ok(request
            .ctx
            .metadata()
            .get(TRACEPARENT)
            .and_then(|value| value.to_str().ok())
            .and_then(TraceParent::parse))
    }))
    .named(EndpointName {
        service: "demo.Math",
        method: "Echo",
    });
    let traced = endpoint.layer(TraceLayer::server());
    let caller =
        TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    let mut ctx = Context::new();
    ctx.metadata_mut()
        .insert(TRACEPARENT, caller.to_string().parse().unwrap());
    let sent_on = traced
        .oneshot(Request::new(ctx, ()))
        .await
        .unwrap()
        .unwrap();

    let spans = exported.0.lock().unwrap().clone();
    assert_eq!(spans.len(), 1, "{spans:?}");
    let span = &spans[0];
    assert_eq!(span.name, "demo.Math/Echo");
    assert_eq!(span.span_kind, SpanKind::Server);
    assert_eq!(span.span_context.trace_id(), TraceId::from(caller.trace_id));
    assert_eq!(span.parent_span_id, SpanId::from(caller.span_id));
    assert!(span.parent_span_is_remote);
    // What the handler would send on names this very span.
    assert_eq!(sent_on.trace_id, caller.trace_id);
    assert_eq!(SpanId::from(sent_on.span_id), span.span_context.span_id());
}
