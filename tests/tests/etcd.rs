//! etcd as the registry: replicas register with `Etcd::register`, clients
//! find them with `Etcd::instancer`, against a real etcd started on
//! 127.0.0.1 for each test.

use std::time::{Duration, Instant};

use kit::sd::Instancer;
use kit::sd::etcd::{Etcd, Registration};
use kitgen_tests::etcd_server::EtcdServer;
use kitgen_tests::replicas::{Background, Replica, Transport, calls_are_spread_over, client};

const SERVICE: &str = "whoami";
/// The shortest lease etcd grants with its default timings.
const TTL: Duration = Duration::from_secs(2);

async fn register(etcd: &Etcd, replica: &Replica, id: &str) -> Registration {
    etcd.register(SERVICE, id, replica.instance.address(), TTL)
        .await
        .unwrap()
}

/// Waits (at most `within`) until the instancer lists `count` instances;
/// how long that took.
async fn until_listed(instancer: &Instancer, count: usize, within: Duration) -> Duration {
    let started = Instant::now();
    while instancer.instances().len() != count {
        assert!(
            started.elapsed() < within,
            "{} instances listed, not {count}, after {within:?}: {instancer:?}",
            instancer.instances().len()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    started.elapsed()
}

async fn three_registered_instances_share_the_calls(transport: Transport) {
    let etcd_server = EtcdServer::start().await;
    let etcd = Etcd::connect(&etcd_server.url()).unwrap();
    let mut registrations = Vec::new();
    let mut replicas = Vec::new();
    for name in ["a", "b", "c"] {
        let replica = Replica::start(transport, name).await;
        registrations.push(register(&etcd, &replica, name).await);
        replicas.push(replica);
    }
    let instancer = etcd.instancer(SERVICE).unwrap();
    until_listed(&instancer, 3, Duration::from_secs(5)).await;
    let client = client(transport, instancer);
    calls_are_spread_over(&client, replicas).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_registered_instances_share_the_calls_over_http() {
    three_registered_instances_share_the_calls(Transport::Http).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn three_registered_instances_share_the_calls_over_grpc() {
    three_registered_instances_share_the_calls(Transport::Grpc).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn instances_leave_and_join_under_load_and_no_call_fails() {
    let etcd_server = EtcdServer::start().await;
    let etcd = Etcd::connect(&etcd_server.url()).unwrap();
    let (a, b, c) = (
        Replica::start(Transport::Http, "a").await,
        Replica::start(Transport::Http, "b").await,
        Replica::start(Transport::Http, "c").await,
    );
    let registered_a = register(&etcd, &a, "a").await;
    let registered_b = register(&etcd, &b, "b").await;
    let _registered_c = register(&etcd, &c, "c").await;
    let instancer = etcd.instancer(SERVICE).unwrap();
    until_listed(&instancer, 3, Duration::from_secs(5)).await;
    let client = client(Transport::Http, instancer.clone());
    let load = Background::start(&client);
    load.wait_for(100).await;

    // A graceful shutdown: deregistered at once, then stopped.
    registered_a.deregister().await.unwrap();
    until_listed(&instancer, 2, Duration::from_secs(2)).await;
    a.stop().await;
    load.wait_for(100).await;

    // A crash: the lease is no longer renewed, nothing listens, and the
    // instance drops out when the lease expires.
    drop(registered_b);
    b.stop().await;
    let expired = until_listed(&instancer, 1, TTL * 3).await;
    load.wait_for(100).await;

    // A new instance registers and gets calls.
    let d = Replica::start(Transport::Http, "d").await;
    let _registered_d = register(&etcd, &d, "d").await;
    let registered_at = Instant::now();
    let mut seen_after = None;
    while seen_after.is_none() {
        if load.outcomes.lock().unwrap().0.contains_key("d") {
            seen_after = Some(registered_at.elapsed());
        }
        assert!(
            registered_at.elapsed() < Duration::from_secs(2),
            "d got no call in 2 s"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    load.wait_for(100).await;

    let (answered, failed) = load.stop().await;
    assert!(failed.is_empty(), "{failed:?}");
    assert!(
        ["a", "b", "c", "d"]
            .iter()
            .all(|name| answered.contains_key(*name))
    );
    eprintln!(
        "calls: {}, failed: 0; b's lease expired {expired:?} after the crash; \
         d got its first call {:?} after registering",
        answered.values().sum::<usize>(),
        seen_after.unwrap_or_default()
    );
    c.stop().await;
    d.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_keep_serving_while_etcd_restarts_and_then_watch_again() {
    let mut etcd_server = EtcdServer::start().await;
    let etcd = Etcd::connect(&etcd_server.url()).unwrap();
    let (a, b) = (
        Replica::start(Transport::Http, "a").await,
        Replica::start(Transport::Http, "b").await,
    );
    let _registered_a = register(&etcd, &a, "a").await;
    let _registered_b = register(&etcd, &b, "b").await;
    let instancer = etcd.instancer(SERVICE).unwrap();
    until_listed(&instancer, 2, Duration::from_secs(5)).await;
    let client = client(Transport::Http, instancer.clone());
    let load = Background::start(&client);
    load.wait_for(100).await;

    // etcd goes away: the instancer says so, and keeps the last set.
    etcd_server.stop();
    let started = Instant::now();
    while instancer.error().is_none() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "no error reported"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert_eq!(instancer.instances().len(), 2);
    load.wait_for(200).await;

    // Back: the watch resumes, and sees a new instance.
    etcd_server.restart().await;
    let c = Replica::start(Transport::Http, "c").await;
    let _registered_c = register(&etcd, &c, "c").await;
    until_listed(&instancer, 3, Duration::from_secs(10)).await;
    assert_eq!(instancer.error(), None);
    // The registrations made before the restart are still renewed: they
    // outlive their leases' time to live, twice over.
    tokio::time::sleep(TTL * 2).await;
    assert_eq!(instancer.instances().len(), 3, "{instancer:?}");
    load.wait_for(100).await;

    let (answered, failed) = load.stop().await;
    assert!(failed.is_empty(), "{failed:?}");
    assert!(answered.contains_key("c"), "{answered:?}");
    eprintln!(
        "calls across the etcd restart: {}, failed: 0",
        answered.values().sum::<usize>()
    );
    for replica in [a, b, c] {
        replica.stop().await;
    }
}
