//! Clients balanced over a service's instances (`kit::sd`), against real
//! replicas on 127.0.0.1: every generated client, over HTTP and over gRPC,
//! built with `discover`. Each replica answers with its own name, so a
//! test sees where every call went.

use std::time::Duration;

use kit::Code;
use kit::sd::Instancer;
use kitgen_tests::replicas::{
    Background, Replica, Transport, calls_are_spread_over, client, instances, load, replicas,
};

async fn calls_are_spread_over_every_instance(transport: Transport) {
    let replicas = replicas(transport, &["a", "b", "c"]).await;
    let addresses: Vec<String> = replicas.iter().map(|r| r.instance.to_string()).collect();
    let client = client(transport, Instancer::fixed(&addresses).unwrap());
    calls_are_spread_over(&client, replicas).await;
}

async fn a_new_instance_gets_calls_at_once(transport: Transport) {
    let mut replicas = replicas(transport, &["a", "b"]).await;
    let (registry, instancer) = Instancer::channel("a test registry");
    registry.update(instances(&replicas));
    let client = client(transport, instancer);
    let (before, failed) = load(&client, 50).await;
    assert!(
        failed.is_empty() && before.len() == 2,
        "{before:?} {failed:?}"
    );

    replicas.push(Replica::start(transport, "c").await);
    registry.update(instances(&replicas));
    let (after, failed) = load(&client, 150).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert!(after.get("c").copied().unwrap_or(0) >= 30, "{after:?}");
    for replica in replicas {
        replica.stop().await;
    }
}

async fn a_deregistered_or_stopped_instance_fails_no_idempotent_call(transport: Transport) {
    let mut replicas = replicas(transport, &["a", "b", "c", "d"]).await;
    let (registry, instancer) = Instancer::channel("a test registry");
    registry.update(instances(&replicas));
    let client = client(transport, instancer);
    let load = Background::start(&client);
    load.wait_for(200).await;

    // "a" leaves as a graceful shutdown does: deregistered, then stopped.
    let a = replicas.remove(0);
    registry.update(instances(&replicas));
    a.stop().await;
    load.wait_for(200).await;
    // "b" stops without deregistering, as a crashed instance does until
    // its registration expires: nothing listens where the registry says.
    replicas.remove(0).stop().await;
    load.wait_for(500).await;

    // Every call succeeded: those that met "b" dead were retried elsewhere.
    let (answered, failed) = load.stop().await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(answered.len(), 4, "{answered:?}");
    for replica in replicas {
        replica.stop().await;
    }
}

async fn with_no_instances_a_call_fails_at_once(transport: Transport) {
    let (registry, instancer) = Instancer::channel("the test registry");
    registry.fail("it is down");
    let client = client(transport, instancer);
    let call = tokio::time::timeout(Duration::from_secs(10), client.call());
    let error = call
        .await
        .expect("a call with no instances waits")
        .unwrap_err();
    assert_eq!(error.code(), Code::Unavailable);
    assert!(
        error
            .message()
            .contains("no instances of whoami.Whoami in the test registry (its last update failed: it is down)"),
        "{error}"
    );
}

macro_rules! over {
    ($transport:ident) => {
        #[allow(non_snake_case)]
        mod $transport {
            use super::*;

            #[tokio::test]
            async fn calls_are_spread_over_every_instance() {
                super::calls_are_spread_over_every_instance(Transport::$transport).await;
            }

            #[tokio::test]
            async fn a_new_instance_gets_calls_at_once() {
                super::a_new_instance_gets_calls_at_once(Transport::$transport).await;
            }

            #[tokio::test]
            async fn a_deregistered_or_stopped_instance_fails_no_idempotent_call() {
                super::a_deregistered_or_stopped_instance_fails_no_idempotent_call(
                    Transport::$transport,
                )
                .await;
            }

            #[tokio::test]
            async fn with_no_instances_a_call_fails_at_once() {
                super::with_no_instances_a_call_fails_at_once(Transport::$transport).await;
            }
        }
    };
}

over!(Http);
over!(Grpc);
