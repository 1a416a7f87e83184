//! [`LoggingLayer`].

use tower::Layer;

use super::Logged;
use crate::Endpoint;

/// Logs every call of the endpoints it wraps: a `request` span with the
/// request id, service and method around the handler, and one event when
/// the call ends with its outcome and duration (`info` on success, `warn`
/// on a client error, `error` on a server error).
#[derive(Clone, Copy, Debug, Default)]
pub struct LoggingLayer;

impl LoggingLayer {
    /// The layer.
    pub fn new() -> Self {
        LoggingLayer
    }
}

impl<Req, Resp> Layer<Endpoint<Req, Resp>> for LoggingLayer {
    type Service = Logged<Endpoint<Req, Resp>>;

    fn layer(&self, inner: Endpoint<Req, Resp>) -> Self::Service {
        let name = inner.name();
        Logged::new(inner, name)
    }
}
