use std::time::Duration;

use tower::{Layer, Service, ServiceExt};
use tower_test::mock;

use super::*;
use crate::{Code, Context};

fn request() -> Request<u32> {
    Request::new(Context::new(), 7)
}

/// A mock endpoint behind `layer`, answering every call with its message.
fn limited(
    layer: RateLimitLayer,
) -> RateLimit<tower::util::BoxCloneSyncService<Request<u32>, u32, Error>> {
    let (service, mut handle) = mock::pair::<Request<u32>, u32>();
    tokio::spawn(async move {
        while let Some((request, respond)) = handle.next_request().await {
            respond.send_response(request.message);
        }
    });
    let service = tower::util::BoxCloneSyncService::new(
        tower::util::MapErrLayer::new(Error::from_box_error).layer(service),
    );
    layer.layer(service)
}

#[tokio::test(start_paused = true)]
async fn over_the_rate_is_resource_exhausted_with_retry_after() {
    let mut service = limited(RateLimitLayer::reject(Rate::per_second(2)));
    for _ in 0..2 {
        assert_eq!(
            service
                .ready()
                .await
                .unwrap()
                .call(request())
                .await
                .unwrap(),
            7
        );
    }
    let error = service
        .ready()
        .await
        .unwrap()
        .call(request())
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::ResourceExhausted);
    assert_eq!(error.http_status(), http::StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(error.retry_after(), Some(Duration::from_millis(500)));

    // Half a second later one token is back.
    tokio::time::advance(Duration::from_millis(500)).await;
    assert!(service.ready().await.unwrap().call(request()).await.is_ok());
    assert!(
        service
            .ready()
            .await
            .unwrap()
            .call(request())
            .await
            .is_err()
    );
}

#[tokio::test(start_paused = true)]
async fn the_delaying_variant_waits_its_turn() {
    let mut service = limited(RateLimitLayer::delay(Rate::per_second(10).burst(1)));
    let started = tokio::time::Instant::now();
    let mut calls = Vec::new();
    for _ in 0..3 {
        calls.push(service.ready().await.unwrap().call(request()));
    }
    for call in calls {
        assert_eq!(call.await.unwrap(), 7);
    }
    // The first goes at once, the next two 100 ms apart.
    assert_eq!(started.elapsed(), Duration::from_millis(200));
}

#[tokio::test(start_paused = true)]
async fn clones_of_a_layer_share_one_bucket() {
    let layer = RateLimitLayer::reject(Rate::per_second(1));
    let mut first = limited(layer.clone());
    let mut second = limited(layer);
    assert!(first.ready().await.unwrap().call(request()).await.is_ok());
    assert!(second.ready().await.unwrap().call(request()).await.is_err());
}

#[tokio::test(start_paused = true)]
async fn a_cancelled_wait_gives_its_token_back_and_a_hopeless_one_fails_now() {
    let mut service = limited(RateLimitLayer::delay(Rate::per_second(10).burst(1)));
    assert!(service.ready().await.unwrap().call(request()).await.is_ok());
    // The next call would wait 100 ms; dropped, it leaves no debt.
    drop(service.ready().await.unwrap().call(request()));
    tokio::time::advance(Duration::from_millis(100)).await;
    let started = tokio::time::Instant::now();
    assert!(service.ready().await.unwrap().call(request()).await.is_ok());
    assert_eq!(started.elapsed(), Duration::ZERO);

    // With 10 ms left before its deadline, a 100 ms wait fails at once.
    let hurried = Request::new(Context::new().with_timeout(Duration::from_millis(10)), 7);
    let error = service
        .ready()
        .await
        .unwrap()
        .call(hurried)
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::ResourceExhausted);
    assert_eq!(error.retry_after(), Some(Duration::from_millis(100)));
}

/// A call from `identity`, or from `addr` when anonymous.
fn from(identity: Option<&str>, addr: Option<&str>) -> Request<u32> {
    let mut ctx = match addr {
        Some(addr) => Context::from_headers(
            http::HeaderMap::new(),
            Some(crate::connections::Peer {
                addr: addr.parse().unwrap(),
                certificate: None,
            }),
        ),
        None => Context::new(),
    };
    if let Some(name) = identity {
        ctx.insert_extension(crate::middleware::Identity::Custom {
            name: name.to_owned(),
        });
    }
    Request::new(ctx, 7)
}

#[tokio::test(start_paused = true)]
async fn per_caller_each_identity_or_address_has_a_bucket_of_its_own() {
    let mut service = limited(RateLimitLayer::reject(Rate::per_second(1)).per_caller());
    let mut call = async |request: Request<u32>| service.ready().await.unwrap().call(request).await;

    assert!(call(from(Some("ada"), Some("10.0.0.1:1000"))).await.is_ok());
    // Ada again, from another address: her bucket is empty.
    let error = call(from(Some("ada"), Some("10.0.0.2:2000")))
        .await
        .unwrap_err();
    assert_eq!(error.code(), Code::ResourceExhausted);
    // Grace has her own.
    assert!(
        call(from(Some("grace"), Some("10.0.0.1:1000")))
            .await
            .is_ok()
    );
    // Anonymous callers by IP address, whatever their port.
    assert!(call(from(None, Some("10.0.0.1:1000"))).await.is_ok());
    assert!(call(from(None, Some("10.0.0.1:3000"))).await.is_err());
    assert!(call(from(None, Some("10.0.0.3:1000"))).await.is_ok());
    // With neither, one shared bucket.
    assert!(call(from(None, None)).await.is_ok());
    assert!(call(from(None, None)).await.is_err());

    tokio::time::advance(Duration::from_secs(1)).await;
    assert!(call(from(Some("ada"), None)).await.is_ok());
}

#[tokio::test(start_paused = true)]
async fn per_caller_remembers_a_bounded_number_of_callers() {
    let layer = RateLimitLayer::reject(Rate::per_second(1)).per_caller();
    let mut service = limited(layer.clone());
    let mut call = async |name: &str| {
        let request = from(Some(name), None);
        service.ready().await.unwrap().call(request).await
    };
    for index in 0..buckets::REMEMBERED {
        call(&format!("caller {index}")).await.unwrap();
    }
    let Buckets::PerCaller { callers, .. } = &layer.buckets else {
        panic!("per caller");
    };
    let remembered = || callers.lock().unwrap().buckets.len();
    assert_eq!(remembered(), buckets::REMEMBERED);
    // Full, and no bucket has refilled: new callers share one bucket.
    call("newcomer 1").await.unwrap();
    assert!(call("newcomer 2").await.is_err());
    assert_eq!(remembered(), buckets::REMEMBERED + 1);
    // Every bucket refills; the next new caller makes room.
    tokio::time::advance(Duration::from_secs(1)).await;
    call("newcomer 3").await.unwrap();
    assert_eq!(remembered(), 1);
}

#[tokio::test(start_paused = true)]
async fn per_caller_keys_kinds_apart_and_ipv6_by_its_64() {
    let mut service = limited(RateLimitLayer::reject(Rate::per_second(1)).per_caller());
    let mut call = async |request: Request<u32>| service.ready().await.unwrap().call(request).await;
    let named = |identity: crate::middleware::Identity| {
        let mut ctx = Context::new();
        ctx.insert_extension(identity);
        Request::new(ctx, 7)
    };
    use crate::middleware::Identity;
    assert!(
        call(named(Identity::Basic { user: "ada".into() }))
            .await
            .is_ok()
    );
    assert!(
        call(named(Identity::Custom { name: "ada".into() }))
            .await
            .is_ok()
    );
    // A JWT without `sub` has no name: it counts by address.
    let jwt = |addr: &str| {
        let mut request = from(None, Some(addr));
        request.ctx.insert_extension(Identity::Jwt {
            claims: serde_json::json!({}),
        });
        request
    };
    assert!(call(jwt("[2001:db8::1]:443")).await.is_ok());
    assert!(call(jwt("[2001:db8::ffff]:443")).await.is_err());
    assert!(call(jwt("[2001:db8:0:1::1]:443")).await.is_ok());
}
