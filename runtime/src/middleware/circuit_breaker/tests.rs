use std::time::Duration;

use tower::{Layer, Service, ServiceExt};

use super::*;
use crate::{Context, Endpoint};

/// An endpoint that fails with `UNAVAILABLE` while `failing` holds, behind
/// `layer`.
fn endpoint(
    failing: Arc<std::sync::atomic::AtomicBool>,
    layer: &CircuitBreakerLayer,
) -> CircuitBreaker<Endpoint<(), ()>> {
    layer.layer(Endpoint::new(tower::service_fn(move |_: Request<()>| {
        let failing = failing.load(std::sync::atomic::Ordering::SeqCst);
        async move {
            if failing {
                Err(Error::unavailable("down"))
            } else {
                Ok(())
            }
        }
    })))
}

async fn call(service: &mut CircuitBreaker<Endpoint<(), ()>>) -> Result<(), Error> {
    service
        .ready()
        .await?
        .call(Request::new(Context::new(), ()))
        .await
}

#[tokio::test(start_paused = true)]
async fn opens_after_consecutive_failures_and_recovers_through_a_probe() {
    let failing = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let layer = CircuitBreakerLayer::consecutive_failures(3).open_for(Duration::from_secs(10));
    let mut service = endpoint(failing.clone(), &layer);
    for _ in 0..3 {
        assert_eq!(call(&mut service).await.unwrap_err().message(), "down");
    }
    let open = call(&mut service).await.unwrap_err();
    assert_eq!(open.code(), Code::Unavailable);
    assert_eq!(open.message(), "the circuit breaker is open");
    assert_eq!(open.http_status(), http::StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(open.retry_after(), Some(Duration::from_secs(10)));

    // Still down when the probe goes: open again.
    tokio::time::advance(Duration::from_secs(10)).await;
    assert_eq!(call(&mut service).await.unwrap_err().message(), "down");
    assert_eq!(
        call(&mut service).await.unwrap_err().message(),
        "the circuit breaker is open"
    );

    // Back up: the probe succeeds and the breaker closes.
    failing.store(false, std::sync::atomic::Ordering::SeqCst);
    tokio::time::advance(Duration::from_secs(10)).await;
    call(&mut service).await.unwrap();
    call(&mut service).await.unwrap();
}

#[tokio::test(start_paused = true)]
async fn a_success_resets_the_consecutive_count_and_client_errors_do_not_count() {
    let mut breaker =
        state::Breaker::new(Policy::ConsecutiveFailures(2), Duration::from_secs(1), 1);
    let now = tokio::time::Instant::now();
    breaker.record(false, true, now);
    breaker.record(false, false, now);
    breaker.record(false, true, now);
    assert_eq!(breaker.admit(now), state::Admission::Call);
    assert!(!is_failure(&Error::invalid_argument("bad")));
    assert!(!is_failure(&Error::not_found("none")));
    assert!(is_failure(&Error::deadline_exceeded()));
}

#[tokio::test(start_paused = true)]
async fn the_ratio_policy_needs_enough_calls_in_its_window() {
    let mut breaker = state::Breaker::new(
        Policy::FailureRatio {
            ratio: 0.5,
            min_calls: 4,
            window: Duration::from_secs(10),
        },
        Duration::from_secs(1),
        1,
    );
    let now = tokio::time::Instant::now();
    for failed in [true, true, false] {
        breaker.record(false, failed, now);
    }
    assert_eq!(
        breaker.admit(now),
        state::Admission::Call,
        "3 calls are too few"
    );
    // A new window forgets the old failures.
    let later = now + Duration::from_secs(10);
    breaker.record(false, false, later);
    breaker.record(false, true, later);
    breaker.record(false, false, later);
    assert_eq!(breaker.admit(later), state::Admission::Call);
    breaker.record(false, true, later);
    assert!(
        matches!(breaker.admit(later), state::Admission::Rejected { .. }),
        "2 of 4 failed"
    );
}

#[tokio::test(start_paused = true)]
async fn half_open_admits_only_its_probes() {
    let mut breaker =
        state::Breaker::new(Policy::ConsecutiveFailures(1), Duration::from_secs(1), 2);
    let now = tokio::time::Instant::now();
    breaker.record(false, true, now);
    let later = now + Duration::from_secs(1);
    assert_eq!(breaker.admit(later), state::Admission::Probe);
    assert_eq!(breaker.admit(later), state::Admission::Probe);
    assert!(matches!(
        breaker.admit(later),
        state::Admission::Rejected { .. }
    ));
    // A dropped probe frees its slot.
    breaker.abandon_probe();
    assert_eq!(breaker.admit(later), state::Admission::Probe);
    breaker.record(true, false, later);
    breaker.record(true, false, later);
    assert_eq!(breaker.admit(later), state::Admission::Call);
}
