//! OpenTelemetry, when a `tracing-opentelemetry` layer is installed: the
//! caller's `traceparent` becomes the span's remote parent, and the ids
//! sent on are the ones OpenTelemetry gave the span.

use opentelemetry::trace::{SpanContext, SpanId, TraceContextExt, TraceFlags, TraceId, TraceState};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::TraceParent;

/// Makes `span` the OpenTelemetry child of `parent`, and returns its
/// position in the trace; `None` when no OpenTelemetry layer records it.
pub(super) fn join(span: &tracing::Span, parent: Option<&TraceParent>) -> Option<TraceParent> {
    if let Some(parent) = parent {
        let remote = SpanContext::new(
            TraceId::from(parent.trace_id),
            SpanId::from(parent.span_id),
            TraceFlags::new(parent.flags),
            true,
            TraceState::default(),
        );
        let context = opentelemetry::Context::new().with_remote_span_context(remote);
        span.set_parent(context).ok()?;
    }
    let context = span.context();
    let own = context.span().span_context().clone();
    own.is_valid().then(|| TraceParent {
        trace_id: u128::from_be_bytes(own.trace_id().to_bytes()),
        span_id: u64::from_be_bytes(own.span_id().to_bytes()),
        flags: own.trace_flags().to_u8(),
    })
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use opentelemetry::trace::{SpanKind, TracerProvider as _};
    use opentelemetry_sdk::error::OTelSdkResult;
    use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
    use tower::{Layer, ServiceExt};
    use tracing_subscriber::layer::SubscriberExt;

    use super::super::{TRACEPARENT, TraceLayer};
    use super::*;
    use crate::{Context, Endpoint, EndpointName, Request};

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
        let _default = tracing::subscriber::set_default(subscriber);

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
        let traced = TraceLayer::server().layer(endpoint);
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
}
