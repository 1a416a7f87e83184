//! [`TraceLayer`].

use super::Trace;
use crate::{Endpoint, EndpointLayer};

/// Which side of a call a span is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Serving a call.
    Server,
    /// Making a call.
    Client,
}

/// Traces every call of the endpoints it wraps.
///
/// ```
/// use kit::middleware::TraceLayer;
/// use kit::middleware::trace::{TRACEPARENT, TraceParent};
/// use kit::{Context, Endpoint, EndpointName, Request};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// // The handler sees the traceparent it would send on: its own span's.
/// let seen = Endpoint::new(tower::service_fn(|request: Request<()>| async move {
///     let sent_on = request.ctx.metadata().get(TRACEPARENT).cloned();
///     Ok::<_, kit::Error>(sent_on.and_then(|value| TraceParent::parse(value.to_str().ok()?)))
/// }))
/// .named(EndpointName { service: "demo.Echo", method: "Say" });
/// // On a generated service: `endpoints.layer(TraceLayer::server())`.
/// let traced = seen.layer(TraceLayer::server());
///
/// let caller = TraceParent::root();
/// let mut ctx = Context::new();
/// ctx.metadata_mut()
///     .insert(TRACEPARENT, caller.to_string().parse().unwrap());
/// let child = traced.send(ctx, ()).await.unwrap().unwrap();
/// assert_eq!(child.trace_id, caller.trace_id);
/// assert_ne!(child.span_id, caller.span_id);
/// # }
/// ```
#[derive(Clone, Copy, Debug)]
pub struct TraceLayer {
    kind: Kind,
}

impl TraceLayer {
    /// For a server's endpoints.
    pub fn server() -> Self {
        TraceLayer { kind: Kind::Server }
    }

    /// For endpoints around a client.
    pub fn client() -> Self {
        TraceLayer { kind: Kind::Client }
    }
}

impl<Req: Send + 'static, Resp: 'static> EndpointLayer<Req, Resp> for TraceLayer {
    fn layer_endpoint(&self, endpoint: Endpoint<Req, Resp>) -> Endpoint<Req, Resp> {
        // A streaming call's span lasts until its stream ends: the call
        // starts inside the span, and keeps it open until then.
        let endpoint = endpoint.observe_streams(|_| {
            let span = tracing::Span::current();
            Box::new(move |_, _| drop(span))
        });
        endpoint.wrap_ready(|inner| Trace {
            name: inner.name(),
            inner,
            kind: self.kind,
        })
    }
}
