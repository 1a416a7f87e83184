//! RED metrics per endpoint: `requests_total{service,method,code}`,
//! `request_duration_seconds{service,method}` and `in_flight{service,method}`,
//! kept in a Prometheus registry and exposed as text on `/metrics`.
//!
//! A streaming call counts as one request, which lasts until its stream of
//! answers ends (or its one answer comes), and its code is how the stream
//! ended: `CANCELLED` if the caller dropped it. Its messages are counted in
//! `stream_messages_received_total{service,method}` and
//! `stream_messages_sent_total{service,method}`.

mod future;
mod layer;

use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context as TaskContext, Poll};
use std::time::Instant;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;
use tower::Service;

pub use future::ResponseFuture;
pub use layer::MetricsLayer;
/// The Prometheus client of the registry, for metrics of your own
/// ([`Metrics::register`]) of the version it takes.
pub use prometheus_client;

use crate::{EndpointName, Request};

/// The labels of a method.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MethodLabels {
    /// The service: `ordersvc.OrderService`.
    pub service: String,
    /// The method: `GetById`.
    pub method: String,
}

/// The labels of a finished request.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct CodeLabels {
    /// The service.
    pub service: String,
    /// The method.
    pub method: String,
    /// The outcome: `OK`, or the error's code, such as `NOT_FOUND`.
    pub code: String,
}

/// Observes the calls of a streaming endpoint, each until its stream
/// ends (see [`Endpoint::observe_streams`](crate::Endpoint)).
pub(super) fn observe_streams<Req, Resp>(
    endpoint: crate::Endpoint<Req, Resp>,
    metrics: &Metrics,
) -> crate::Endpoint<Req, Resp>
where
    Req: Send + 'static,
    Resp: 'static,
{
    let series = metrics.method(endpoint.name());
    let in_flight = metrics.in_flight.get_or_create(&series.0.labels).clone();
    let received = metrics.received.get_or_create(&series.0.labels).clone();
    let sent = metrics.sent.get_or_create(&series.0.labels).clone();
    endpoint.observe_streams(move |_| {
        in_flight.inc();
        let recorder = future::Recorder {
            series: series.clone(),
            in_flight: in_flight.clone(),
            started: Instant::now(),
        };
        let (received, sent) = (received.clone(), sent.clone());
        Box::new(move |code, counts| {
            received.inc_by(counts.received);
            sent.inc_by(counts.sent);
            recorder.series.record(code, recorder.started.elapsed());
        })
    })
}

/// A Prometheus registry with the RED metrics of endpoints. Cloning shares
/// it; register your own metrics with [`Metrics::register`].
#[derive(Clone, Debug)]
pub struct Metrics {
    registry: Arc<Mutex<Registry>>,
    requests: Family<CodeLabels, Counter>,
    duration: Family<MethodLabels, Histogram>,
    in_flight: Family<MethodLabels, Gauge>,
    received: Family<MethodLabels, Counter>,
    sent: Family<MethodLabels, Counter>,
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}

impl Metrics {
    /// A registry holding the three families.
    pub fn new() -> Self {
        let mut registry = Registry::default();
        let requests = Family::<CodeLabels, Counter>::default();
        let duration = Family::<MethodLabels, Histogram>::new_with_constructor(
            (|| Histogram::new(exponential_buckets(0.0005, 2.0, 16))) as fn() -> Histogram,
        );
        let in_flight = Family::<MethodLabels, Gauge>::default();
        registry.register("requests", "Requests handled, by outcome", requests.clone());
        registry.register(
            "request_duration_seconds",
            "How long requests took, in seconds",
            duration.clone(),
        );
        registry.register("in_flight", "Requests being handled now", in_flight.clone());
        let received = Family::<MethodLabels, Counter>::default();
        let sent = Family::<MethodLabels, Counter>::default();
        registry.register(
            "stream_messages_received",
            "Messages received on streaming calls",
            received.clone(),
        );
        registry.register(
            "stream_messages_sent",
            "Messages sent on streaming calls",
            sent.clone(),
        );
        Metrics {
            registry: Arc::new(Mutex::new(registry)),
            requests,
            duration,
            in_flight,
            received,
            sent,
        }
    }

    /// A layer that records every call of the endpoints it wraps.
    pub fn layer(&self) -> MetricsLayer {
        MetricsLayer::new(self.clone())
    }

    /// The series of one method, looked up once, to record its calls
    /// with [`MethodSeries::record`]: for code that measures calls itself,
    /// such as a generated `InstrumentingMiddleware`.
    pub fn method(&self, name: EndpointName) -> MethodSeries {
        let labels = MethodLabels {
            service: name.service.to_owned(),
            method: name.method.to_owned(),
        };
        let duration = self.duration.get_or_create(&labels).clone();
        MethodSeries(Arc::new(Series {
            metrics: self.clone(),
            labels,
            duration,
            requests: Default::default(),
        }))
    }

    /// Adds a metric of your own to the registry.
    pub fn register(
        &self,
        name: &str,
        help: &str,
        metric: impl prometheus_client::registry::Metric,
    ) {
        self.lock().register(name, help, metric);
    }

    /// Adds a gauge whose value `read` gives at each scrape: for a value
    /// kept elsewhere, such as the connections a database pool holds.
    ///
    /// ```
    /// # let metrics = kit::middleware::Metrics::new();
    /// let queue = std::sync::Arc::new(std::sync::Mutex::new(Vec::<u8>::new()));
    /// let watched = queue.clone();
    /// metrics.gauge_fn("queue_length", "Jobs waiting", move || {
    ///     watched.lock().unwrap().len() as i64
    /// });
    /// assert!(metrics.encode().contains("queue_length 0"));
    /// ```
    pub fn gauge_fn(&self, name: &str, help: &str, read: impl Fn() -> i64 + Send + Sync + 'static) {
        self.lock().register_collector(Box::new(GaugeFn {
            name: name.to_owned(),
            help: help.to_owned(),
            read: Box::new(read),
        }));
    }

    /// The metrics in the Prometheus text format, for `/metrics`.
    pub fn encode(&self) -> String {
        let mut text = String::new();
        if prometheus_client::encoding::text::encode(&mut text, &self.lock()).is_err() {
            text.clear();
        }
        text
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Registry> {
        // A panic while encoding leaves the registry intact.
        self.registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// A gauge read at each scrape: [`Metrics::gauge_fn`].
struct GaugeFn {
    name: String,
    help: String,
    read: Box<dyn Fn() -> i64 + Send + Sync>,
}

impl std::fmt::Debug for GaugeFn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("GaugeFn")
            .field("name", &self.name)
            .finish_non_exhaustive()
    }
}

impl prometheus_client::collector::Collector for GaugeFn {
    fn encode(
        &self,
        mut encoder: prometheus_client::encoding::DescriptorEncoder<'_>,
    ) -> Result<(), std::fmt::Error> {
        use prometheus_client::encoding::EncodeMetric;
        let gauge = prometheus_client::metrics::gauge::ConstGauge::new((self.read)());
        let metric =
            encoder.encode_descriptor(&self.name, &self.help, None, gauge.metric_type())?;
        gauge.encode(metric)
    }
}

/// An endpoint whose calls are counted and timed: the service of
/// [`MetricsLayer`]. (Not `Metrics`, tower's naming, which is the
/// registry's.)
#[derive(Clone, Debug)]
pub struct Metered<S> {
    inner: S,
    series: MethodSeries,
    in_flight: Gauge,
}

/// One method's `requests_total` and `request_duration_seconds` series,
/// looked up once rather than per call (the registry's families hash their
/// labels on every lookup). Cloning shares them.
#[derive(Clone, Debug)]
pub struct MethodSeries(Arc<Series>);

#[derive(Debug)]
struct Series {
    metrics: Metrics,
    labels: MethodLabels,
    duration: Histogram,
    /// `requests_total` by code, made on a code's first call so that
    /// `/metrics` lists only the codes that happened.
    requests: [OnceLock<Counter>; 17],
}

impl MethodSeries {
    /// Counts one finished call that ended with `code` after `elapsed`.
    pub fn record(&self, code: crate::Code, elapsed: std::time::Duration) {
        let series = &*self.0;
        let slot = usize::try_from(code.as_i32()).unwrap_or(0).min(16);
        series.requests[slot]
            .get_or_init(|| {
                let outcome = CodeLabels {
                    service: series.labels.service.clone(),
                    method: series.labels.method.clone(),
                    code: code.as_str().to_owned(),
                };
                series.metrics.requests.get_or_create(&outcome).clone()
            })
            .inc();
        series.duration.observe(elapsed.as_secs_f64());
    }
}

impl<S> Metered<S> {
    /// Records the calls of `inner`, labelled with `name`.
    pub fn new(inner: S, metrics: Metrics, name: EndpointName) -> Self {
        let series = metrics.method(name);
        let in_flight = metrics.in_flight.get_or_create(&series.0.labels).clone();
        Metered {
            inner,
            series,
            in_flight,
        }
    }

    /// The wrapped service.
    pub fn get_ref(&self) -> &S {
        &self.inner
    }

    /// Unwraps the service.
    pub fn into_inner(self) -> S {
        self.inner
    }
}

impl<S, Req> Service<Request<Req>> for Metered<S>
where
    S: Service<Request<Req>, Error = crate::Error>,
{
    type Response = S::Response;
    type Error = crate::Error;
    type Future = ResponseFuture<S::Future>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<Req>) -> Self::Future {
        self.in_flight.inc();
        ResponseFuture::new(
            self.inner.call(request),
            future::Recorder {
                series: self.series.clone(),
                in_flight: self.in_flight.clone(),
                started: Instant::now(),
            },
        )
    }
}

#[cfg(test)]
mod tests {
    use tower::ServiceExt;

    use super::*;
    use crate::{Code, Context, Endpoint, Error};

    fn endpoint() -> Endpoint<i64, i64> {
        Endpoint::new(tower::service_fn(|request: Request<i64>| async move {
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
    }

    #[tokio::test]
    async fn calls_are_counted_by_outcome_and_timed() {
        let metrics = Metrics::new();
        let metered = endpoint().layer(metrics.layer());
        assert_eq!(metered.name().method, "Echo");
        metered
            .clone()
            .oneshot(Request::new(Context::new(), 1))
            .await
            .unwrap();
        metered
            .clone()
            .oneshot(Request::new(Context::new(), 2))
            .await
            .unwrap();
        let error = metered
            .oneshot(Request::new(Context::new(), -1))
            .await
            .unwrap_err();
        assert_eq!(error.code(), Code::InvalidArgument);
        let text = metrics.encode();
        assert!(
            text.contains(r#"requests_total{service="demo.Math",method="Echo",code="OK"} 2"#),
            "{text}"
        );
        assert!(
            text.contains(
                r#"requests_total{service="demo.Math",method="Echo",code="INVALID_ARGUMENT"} 1"#
            ),
            "{text}"
        );
        assert!(
            text.contains(r#"request_duration_seconds_count{service="demo.Math",method="Echo"} 3"#),
            "{text}"
        );
        assert!(
            text.contains(r#"in_flight{service="demo.Math",method="Echo"} 0"#),
            "{text}"
        );
    }

    #[tokio::test]
    async fn a_dropped_call_leaves_the_in_flight_gauge() {
        let metrics = Metrics::new();
        let slow = Endpoint::new(tower::service_fn(|_: Request<()>| async {
            std::future::pending::<Result<(), Error>>().await
        }))
        .named(EndpointName {
            service: "demo.Slow",
            method: "Wait",
        })
        .layer(metrics.layer());
        let mut slow = slow;
        let call = slow
            .ready()
            .await
            .unwrap()
            .call(Request::new(Context::new(), ()));
        let text = metrics.encode();
        assert!(
            text.contains(r#"in_flight{service="demo.Slow",method="Wait"} 1"#),
            "{text}"
        );
        drop(call);
        let text = metrics.encode();
        assert!(
            text.contains(r#"in_flight{service="demo.Slow",method="Wait"} 0"#),
            "{text}"
        );
    }
}
