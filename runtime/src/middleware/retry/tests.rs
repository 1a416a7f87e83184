use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use super::*;
use crate::{Context, Endpoint, EndpointName, Request};

/// An endpoint that fails with `code` for its first `failures` calls, and
/// counts its calls.
fn flaky(failures: u32, code: Code, calls: Arc<AtomicU32>) -> Endpoint<u32, u32> {
    Endpoint::new(tower::service_fn(move |request: Request<u32>| {
        let call = calls.fetch_add(1, Ordering::SeqCst);
        async move {
            if call < failures {
                Err(Error::new(code, "flaky"))
            } else {
                Ok(request.message)
            }
        }
    }))
    .named(EndpointName {
        service: "demo.Flaky",
        method: "Get",
    })
}

#[tokio::test(start_paused = true)]
async fn idempotent_calls_are_retried_until_they_succeed() {
    let calls = Arc::new(AtomicU32::new(0));
    let endpoint = flaky(2, Code::Unavailable, calls.clone())
        .idempotent(true)
        .layer(RetryLayer::new());
    assert_eq!(endpoint.send(Context::new(), 5).await.unwrap(), 5);
    assert_eq!(calls.load(Ordering::SeqCst), 3);
}

#[tokio::test(start_paused = true)]
async fn attempts_are_bounded() {
    let calls = Arc::new(AtomicU32::new(0));
    let endpoint = flaky(10, Code::Unavailable, calls.clone())
        .idempotent(true)
        .layer(RetryLayer::new().retries(3));
    assert_eq!(
        endpoint.send(Context::new(), 5).await.unwrap_err().code(),
        Code::Unavailable
    );
    assert_eq!(calls.load(Ordering::SeqCst), 4);
}

#[tokio::test(start_paused = true)]
async fn other_methods_and_other_errors_are_not_retried() {
    let calls = Arc::new(AtomicU32::new(0));
    let endpoint = flaky(1, Code::Unavailable, calls.clone()).layer(RetryLayer::new());
    assert!(endpoint.send(Context::new(), 5).await.is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 1, "not idempotent: one call");

    let calls = Arc::new(AtomicU32::new(0));
    let endpoint = flaky(1, Code::InvalidArgument, calls.clone())
        .idempotent(true)
        .layer(RetryLayer::new());
    assert!(endpoint.send(Context::new(), 5).await.is_err());
    assert_eq!(calls.load(Ordering::SeqCst), 1, "a client error: one call");
}

#[tokio::test(start_paused = true)]
async fn the_budget_stops_a_retry_storm() {
    let calls = Arc::new(AtomicU32::new(0));
    // No free retries, and 10% of calls: ten failing calls earn one retry.
    let endpoint = flaky(u32::MAX, Code::Unavailable, calls.clone())
        .idempotent(true)
        .layer(
            RetryLayer::new()
                .retries(5)
                .budget(Duration::from_secs(10), 0, 0.1),
        );
    for _ in 0..10 {
        assert!(endpoint.send(Context::new(), 1).await.is_err());
    }
    let made = calls.load(Ordering::SeqCst);
    assert!((10..=12).contains(&made), "{made} calls for 10 requests");
}

#[tokio::test(start_paused = true)]
async fn backoff_waits_between_attempts() {
    let calls = Arc::new(AtomicU32::new(0));
    let endpoint = flaky(3, Code::Unavailable, calls.clone())
        .idempotent(true)
        .layer(
            RetryLayer::new()
                .retries(3)
                .backoff(Duration::from_millis(40), Duration::from_millis(40)),
        );
    let started = tokio::time::Instant::now();
    endpoint.send(Context::new(), 1).await.unwrap();
    let waited = started.elapsed();
    // Three backoffs of at most 40 ms each, jittered.
    assert!(waited <= Duration::from_millis(120), "{waited:?}");
    assert!(waited > Duration::ZERO, "{waited:?}");
}
