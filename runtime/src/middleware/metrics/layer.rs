//! [`MetricsLayer`].

use tower::Layer;

use super::{Metered, Metrics};
use crate::Endpoint;

/// Counts and times the calls of every endpoint it wraps, labelled with the
/// endpoint's name. Make one with [`Metrics::layer`].
#[derive(Clone, Debug)]
pub struct MetricsLayer {
    metrics: Metrics,
}

impl MetricsLayer {
    /// A layer that records into `metrics`.
    pub fn new(metrics: Metrics) -> Self {
        MetricsLayer { metrics }
    }
}

impl<Req, Resp> Layer<Endpoint<Req, Resp>> for MetricsLayer {
    type Service = Metered<Endpoint<Req, Resp>>;

    fn layer(&self, inner: Endpoint<Req, Resp>) -> Self::Service {
        let name = inner.name();
        Metered::new(inner, self.metrics.clone(), name)
    }
}
