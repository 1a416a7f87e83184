//! Endpoint middleware: Go kit's cross-cutting concerns as tower layers.
//!
//! Each layer wraps an [`Endpoint`](crate::Endpoint), so it applies to one
//! method (`endpoints.get_by_id = endpoints.get_by_id.layer(layer)`) or to
//! all (`endpoints.layer(layer)`), on the server or, around a client's
//! endpoints (`Endpoints::new(Arc::new(client))`), on the calling side. Each
//! lives in a folder of its own, in tower's shape: the service in `mod.rs`,
//! the layer in `layer.rs`, and what else it needs beside them.
//!
//! | layer | on failure |
//! |---|---|
//! | [`LoggingLayer`]: a span with the request id, one event per call | — |
//! | [`MetricsLayer`] (from [`Metrics::layer`]): RED metrics for `/metrics` | — |
//! | [`TraceLayer`]: W3C `traceparent` spans (OpenTelemetry's with feature `otel`) | — |
//! | [`TimeoutLayer`]: the context's deadline, or a fixed time | `DEADLINE_EXCEEDED`, 504 |
//! | [`RateLimitLayer`]: a token bucket, rejecting or delaying | `RESOURCE_EXHAUSTED`, 429, `Retry-After` |
//! | [`ConcurrencyLimitLayer`]: at most N calls at once (tower's) | waits; add tower's `LoadShedLayer` to fail with `UNAVAILABLE` |
//! | [`CircuitBreakerLayer`]: consecutive failures or a failure ratio | `UNAVAILABLE`, 503 |
//! | [`RetryLayer`]: idempotent methods, with backoff and a budget | the last error |
//! | [`AuthLayer`]: bearer tokens, JWT, basic auth | `UNAUTHENTICATED`, 401 |
//!
//! The request id needs no layer: the transports put it in the
//! [`Context`](crate::Context) of every call, and [`LoggingLayer`] in every
//! log line the call writes.
//!
//! Every layer applies to streaming methods too. A stream counts as one
//! call: metrics, logging and tracing follow it until its stream of
//! answers ends (its code is how it ended, `CANCELLED` if the caller
//! dropped it); auth, rate limits and circuit breakers decide at the call;
//! a timeout covers the whole stream. Messages are counted as the server
//! sees them: around a client's endpoints, `stream_messages_sent_total`
//! counts the answers the client received. [`RetryLayer`] never retries a call
//! that sends a stream ([`Replay`](crate::Replay)), nor a stream of
//! answers once it has begun: what was sent or received cannot be taken
//! back.
//!
//! Layers apply inside out: the last one applied runs first. The order the
//! scaffold uses, outermost first, is logging, metrics, then the rest, so
//! that every call is logged and counted, including those the others
//! reject.

pub mod auth;
pub mod circuit_breaker;
pub mod logging;
pub mod metrics;
pub mod rate_limit;
pub mod retry;
pub mod timeout;
pub mod trace;

pub use auth::{AuthLayer, Identity};
pub use circuit_breaker::CircuitBreakerLayer;
pub use logging::LoggingLayer;
pub use metrics::{Metrics, MetricsLayer};
pub use rate_limit::{Rate, RateLimitLayer};
pub use retry::RetryLayer;
pub use timeout::TimeoutLayer;
pub use tower::limit::ConcurrencyLimitLayer;
pub use trace::TraceLayer;

#[cfg(test)]
mod tests {
    use tower::ServiceExt;
    use tower_test::mock;

    use super::*;
    use crate::{Code, Context, Endpoint, Error, Request};

    /// An endpoint that serves one call at a time and sheds the others,
    /// around a mock, with `between` applied over the limit and under the
    /// load shedding.
    fn limited(
        between: impl FnOnce(Endpoint<u8, u8>) -> Endpoint<u8, u8>,
    ) -> (Endpoint<u8, u8>, mock::Handle<Request<u8>, u8>) {
        let (service, handle) = mock::pair::<Request<u8>, u8>();
        let endpoint = Endpoint::new(
            tower::ServiceBuilder::new()
                .map_err(Error::from_box_error)
                .service(service),
        )
        .layer(ConcurrencyLimitLayer::new(1));
        let endpoint = between(endpoint).layer(tower::load_shed::LoadShedLayer::new());
        (endpoint, handle)
    }

    /// Fails rather than hangs if a call waits for the slot, or is lost.
    async fn the_call_over_the_limit_is_shed(
        endpoint: Endpoint<u8, u8>,
        handle: mock::Handle<Request<u8>, u8>,
    ) {
        let calls = calls_over_the_limit_are_shed(endpoint, handle);
        tokio::time::timeout(std::time::Duration::from_secs(10), calls)
            .await
            .expect("a call waited for the slot, or never reached the service");
    }

    async fn calls_over_the_limit_are_shed(
        endpoint: Endpoint<u8, u8>,
        mut handle: mock::Handle<Request<u8>, u8>,
    ) {
        let first = tokio::spawn(endpoint.clone().oneshot(Request::new(Context::new(), 1)));
        let (request, respond) = handle.next_request().await.unwrap();
        assert_eq!(request.message, 1);
        // The first call holds the one slot: the second is shed at once.
        let error = endpoint
            .clone()
            .oneshot(Request::new(Context::new(), 2))
            .await
            .unwrap_err();
        assert_eq!(error.code(), Code::Unavailable);
        respond.send_response(10);
        assert_eq!(first.await.unwrap().unwrap(), 10);
        // The slot is free again.
        let second = tokio::spawn(endpoint.oneshot(Request::new(Context::new(), 3)));
        let (_, respond) = handle.next_request().await.unwrap();
        respond.send_response(30);
        assert_eq!(second.await.unwrap().unwrap(), 30);
    }

    #[tokio::test]
    async fn a_concurrency_limit_with_load_shedding_rejects_the_call_over_it() {
        let (endpoint, handle) = limited(|endpoint| endpoint);
        the_call_over_the_limit_is_shed(endpoint, handle).await;
    }

    #[tokio::test]
    async fn kits_layers_between_a_limit_and_load_shedding_pass_its_readiness_on() {
        let metrics = Metrics::new();
        let (endpoint, handle) = limited(|endpoint| {
            endpoint
                .layer(metrics.layer())
                .layer(TraceLayer::server())
                .layer(LoggingLayer::new())
        });
        the_call_over_the_limit_is_shed(endpoint, handle).await;
    }
}
