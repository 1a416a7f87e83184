//! Distributed tracing with W3C Trace Context: each call runs in a
//! `tracing` span named after its method, with OpenTelemetry's field names
//! (`trace_id`, `span_id`, `parent_span_id`, `rpc.service`, `rpc.method`,
//! `otel.kind`), and its context carries a `traceparent` naming that span,
//! so that every call the handler makes with it, over HTTP or gRPC, joins
//! the same trace.
//!
//! On a server the trace continues the caller's `traceparent`, or starts
//! when there is none; around a client's endpoints it makes the client
//! span. `tracestate` travels untouched. Spans go wherever the process's
//! `tracing` subscriber sends them: to logs, or, with the `otel` feature
//! and a `tracing-opentelemetry` layer, to OpenTelemetry as spans whose
//! remote parent is the caller's and whose ids are the ones sent on.

mod layer;
#[cfg(feature = "otel")]
mod otel;
mod traceparent;

use std::task::{Context as TaskContext, Poll};

use http::HeaderValue;
use tower::Service;
use tracing::Instrument;
use tracing::instrument::Instrumented;

pub use self::layer::{Kind, TraceLayer};
pub use self::traceparent::TraceParent;
use crate::{EndpointName, Error, Request};

/// The metadata key of W3C Trace Context.
pub const TRACEPARENT: &str = "traceparent";

/// An endpoint whose calls are traced.
#[derive(Clone, Debug)]
pub struct Trace<S> {
    inner: S,
    name: EndpointName,
    kind: Kind,
}

impl<S, Req> Service<Request<Req>> for Trace<S>
where
    S: Service<Request<Req>, Error = Error>,
{
    type Response = S::Response;
    type Error = Error;
    type Future = Instrumented<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Req>) -> Self::Future {
        let parent = request
            .ctx
            .metadata()
            .get(TRACEPARENT)
            .and_then(|value| value.to_str().ok())
            .and_then(TraceParent::parse);
        let kind = match self.kind {
            Kind::Server => "server",
            Kind::Client => "client",
        };
        let span = tracing::info_span!(
            "rpc",
            otel.name = %self.name,
            otel.kind = kind,
            rpc.service = self.name.service,
            rpc.method = self.name.method,
            trace_id = tracing::field::Empty,
            span_id = tracing::field::Empty,
            parent_span_id = parent.as_ref().map(|parent| parent.span_id_hex()),
        );
        let own = joined(&span, parent.as_ref()).unwrap_or_else(|| match &parent {
            Some(parent) => parent.child(),
            None => TraceParent::root(),
        });
        span.record("trace_id", own.trace_id_hex());
        span.record("span_id", own.span_id_hex());
        if let Ok(value) = HeaderValue::try_from(own.to_string()) {
            request.ctx.metadata_mut().insert(TRACEPARENT, value);
        }
        let call = {
            let _entered = span.enter();
            self.inner.call(request)
        };
        call.instrument(span)
    }
}

#[cfg(test)]
mod tests;

/// The ids of the OpenTelemetry span that a `tracing-opentelemetry` layer
/// made for `span`, under `parent`: with the feature `otel`, when there is
/// such a layer.
fn joined(span: &tracing::Span, parent: Option<&TraceParent>) -> Option<TraceParent> {
    #[cfg(feature = "otel")]
    return otel::join(span, parent);
    #[cfg(not(feature = "otel"))]
    {
        let _ = (span, parent);
        None
    }
}
