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
    breaker.record(None, true, now);
    breaker.record(None, false, now);
    breaker.record(None, true, now);
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
        breaker.record(None, failed, now);
    }
    assert_eq!(
        breaker.admit(now),
        state::Admission::Call,
        "3 calls are too few"
    );
    // A new window forgets the old failures.
    let later = now + Duration::from_secs(10);
    breaker.record(None, false, later);
    breaker.record(None, true, later);
    breaker.record(None, false, later);
    assert_eq!(breaker.admit(later), state::Admission::Call);
    breaker.record(None, true, later);
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
    breaker.record(None, true, now);
    let later = now + Duration::from_secs(1);
    assert_eq!(breaker.admit(later), state::Admission::Probe(1));
    assert_eq!(breaker.admit(later), state::Admission::Probe(1));
    assert!(matches!(
        breaker.admit(later),
        state::Admission::Rejected { .. }
    ));
    // A dropped probe frees its slot.
    breaker.abandon_probe(1);
    assert_eq!(breaker.admit(later), state::Admission::Probe(1));
    breaker.record(Some(1), false, later);
    breaker.record(Some(1), false, later);
    assert_eq!(breaker.admit(later), state::Admission::Call);
}

#[tokio::test(start_paused = true)]
async fn hung_probes_are_given_up_on_and_late_ones_do_not_count() {
    let mut breaker =
        state::Breaker::new(Policy::ConsecutiveFailures(1), Duration::from_secs(1), 1);
    let now = tokio::time::Instant::now();
    breaker.record(None, true, now);
    let half_open = now + Duration::from_secs(1);
    assert_eq!(breaker.admit(half_open), state::Admission::Probe(1));
    assert!(matches!(
        breaker.admit(half_open),
        state::Admission::Rejected { .. }
    ));
    // The probe hangs for a whole open period: a new episode probes.
    let much_later = half_open + Duration::from_secs(1);
    assert_eq!(breaker.admit(much_later), state::Admission::Probe(2));
    // The first probe finally succeeds: too late to close the breaker.
    breaker.record(Some(1), false, much_later);
    assert!(matches!(
        breaker.admit(much_later),
        state::Admission::Rejected { .. }
    ));
    breaker.record(Some(2), false, much_later);
    assert_eq!(breaker.admit(much_later), state::Admission::Call);
}
