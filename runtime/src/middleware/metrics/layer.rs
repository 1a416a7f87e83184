//! [`MetricsLayer`].

use super::{Metered, Metrics};
use crate::{Endpoint, EndpointLayer};

/// Counts and times the calls of every endpoint it wraps, labelled with the
/// endpoint's name. Make one with [`Metrics::layer`].
///
/// ```
/// use kit::middleware::Metrics;
/// use kit::{Context, Endpoint, EndpointName, Request};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let echo = Endpoint::new(tower::service_fn(|request: Request<String>| async move {
///     Ok::<_, kit::Error>(request.message)
/// }))
/// .named(EndpointName { service: "demo.Echo", method: "Say" });
/// let metrics = Metrics::new();
/// // On a generated service: `endpoints.layer(metrics.layer())`.
/// let counted = echo.layer(metrics.layer());
/// counted.send(Context::new(), "hi".to_owned()).await.unwrap();
/// assert!(metrics
///     .encode()
///     .contains(r#"requests_total{service="demo.Echo",method="Say",code="OK"} 1"#));
/// # }
/// ```
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

impl<Req: Send + 'static, Resp: 'static> EndpointLayer<Req, Resp> for MetricsLayer {
    fn layer_endpoint(&self, endpoint: Endpoint<Req, Resp>) -> Endpoint<Req, Resp> {
        if endpoint.kind().is_streaming() {
            return super::observe_streams(endpoint, &self.metrics);
        }
        endpoint.wrap_ready(|inner| {
            let name = inner.name();
            Metered::new(inner, self.metrics.clone(), name)
        })
    }
}
