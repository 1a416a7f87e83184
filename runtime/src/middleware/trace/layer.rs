//! [`TraceLayer`].

use tower::Layer;

use super::Traced;
use crate::Endpoint;

/// Which side of a call a span is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// Serving a call.
    Server,
    /// Making a call.
    Client,
}

/// Traces every call of the endpoints it wraps.
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

impl<Req, Resp> Layer<Endpoint<Req, Resp>> for TraceLayer {
    type Service = Traced<Endpoint<Req, Resp>>;

    fn layer(&self, inner: Endpoint<Req, Resp>) -> Self::Service {
        Traced {
            name: inner.name(),
            inner,
            kind: self.kind,
        }
    }
}
