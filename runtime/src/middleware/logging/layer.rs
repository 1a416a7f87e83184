//! [`LoggingLayer`].

use super::Logging;
use std::time::Instant;

use crate::{Code, Endpoint, EndpointLayer};

/// Logs every call of the endpoints it wraps: a `request` span with the
/// request id, service and method around the handler, and one event when
/// the call ends with its outcome and duration (`info` on success, `warn`
/// on a client error, `error` on a server error).
///
/// ```
/// use kit::middleware::LoggingLayer;
/// use kit::{Context, Endpoint, EndpointName, Request};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let echo = Endpoint::new(tower::service_fn(|request: Request<String>| async move {
///     Ok::<_, kit::Error>(request.message)
/// }))
/// .named(EndpointName { service: "demo.Echo", method: "Say" });
/// // On a generated service: `endpoints.layer(LoggingLayer::new())`.
/// let logged = echo.layer(LoggingLayer::new());
/// let ctx = Context::new().with_request_id("req-1");
/// assert_eq!(logged.send(ctx, "hi".to_owned()).await.unwrap(), "hi");
/// # }
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct LoggingLayer;

impl LoggingLayer {
    /// The layer.
    pub fn new() -> Self {
        LoggingLayer
    }
}

impl<Req: Send + 'static, Resp: 'static> EndpointLayer<Req, Resp> for LoggingLayer {
    fn layer_endpoint(&self, endpoint: Endpoint<Req, Resp>) -> Endpoint<Req, Resp> {
        if !endpoint.kind().is_streaming() {
            return endpoint.wrap_ready(|inner| {
                let name = inner.name();
                Logging::new(inner, name)
            });
        }
        // A streaming call is logged when its stream ends, in the span the
        // call started in, with the messages each way.
        let endpoint = endpoint.observe_streams(|_| {
            let span = tracing::Span::current();
            let started = Instant::now();
            Box::new(move |code, counts| {
                let _entered = span.enter();
                let took_ms = (started.elapsed().as_secs_f64() * 1e6).round() / 1e3;
                let (received, sent) = (counts.received, counts.sent);
                if code == Code::Ok {
                    tracing::info!(code = "OK", took_ms, received, sent, "handled");
                } else if code.http_status().is_client_error() || code == Code::Cancelled {
                    tracing::warn!(code = %code, took_ms, received, sent, "failed");
                } else {
                    tracing::error!(code = %code, took_ms, received, sent, "failed");
                }
            })
        });
        endpoint.wrap_ready(|inner| {
            let name = inner.name();
            Logging::new(inner, name).without_events()
        })
    }
}
