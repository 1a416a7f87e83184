//! Clients balanced over a service's instances (`kit::sd`), against real
//! replicas on 127.0.0.1: every generated client, over HTTP and over gRPC,
//! built with `discover`. Each replica answers with its own name, so a
//! test sees where every call went.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use kit::Code;
use kit::middleware::RetryLayer;
use kit::sd::{Instance, Instancer};
use tokio::sync::oneshot;
use whoami::{Named, Whoami, whoami as generated};

mod whoami {
    /// Says which replica answered.
    #[kit::service]
    pub(crate) trait Whoami: Send + Sync + 'static {
        /// The replica's name.
        #[kit(idempotent)]
        async fn name(&self) -> Result<String, kit::Error>;
    }

    /// A replica called `.0`.
    pub(crate) struct Named(pub(crate) String);

    impl Whoami for Named {
        async fn name(&self) -> Result<String, kit::Error> {
            Ok(self.0.clone())
        }
    }
}

/// How the replicas are served and called.
#[derive(Clone, Copy, Debug)]
enum Transport {
    Http,
    Grpc,
}

/// One replica, serving on an ephemeral port until stopped.
struct Replica {
    instance: Instance,
    stop: Option<oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<()>,
}

impl Replica {
    async fn start(transport: Transport, name: &str) -> Replica {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr: SocketAddr = listener.local_addr().unwrap();
        let endpoints = generated::Endpoints::new(Arc::new(Named(name.to_owned())));
        let server = match transport {
            Transport::Http => kit::Server::new().http(listener, generated::http_router(endpoints)),
            Transport::Grpc => kit::Server::new().grpc(
                listener,
                kit::grpc::Routes::new().add_service(generated::GrpcServer::new(endpoints)),
            ),
        };
        let (stop, stopped) = oneshot::channel::<()>();
        let served = tokio::spawn(async move {
            server
                .grace_period(Duration::from_secs(1))
                .run_until(async {
                    let _ = stopped.await;
                })
                .await
                .unwrap();
        });
        Replica {
            instance: Instance::new(&addr.to_string()).unwrap(),
            stop: Some(stop),
            served,
        }
    }

    /// Stops serving, gracefully, and waits until it has.
    async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.served.await.unwrap();
    }
}

/// The generated client of `transport` over `instancer`, behind the
/// client-side retry of idempotent methods.
fn client(transport: Transport, instancer: Instancer) -> Arc<dyn WhoamiDyn> {
    match transport {
        Transport::Http => Arc::new(
            generated::Endpoints::new(Arc::new(generated::HttpClient::discover(instancer)))
                .layer(RetryLayer::new()),
        ),
        Transport::Grpc => Arc::new(
            generated::Endpoints::new(Arc::new(generated::GrpcClient::discover(instancer)))
                .layer(RetryLayer::new()),
        ),
    }
}

type Answer<'a> = Pin<Box<dyn Future<Output = Result<String, kit::Error>> + Send + 'a>>;

/// The trait, object-safe, so that a test holds either client.
trait WhoamiDyn: Send + Sync {
    fn call(&self) -> Answer<'_>;
}

impl<T: Whoami> WhoamiDyn for T {
    fn call(&self) -> Answer<'_> {
        Box::pin(self.name())
    }
}

/// How many calls each replica answered, and the calls that failed.
type Outcomes = (HashMap<String, usize>, Vec<kit::Error>);

/// `calls` calls, 10 at a time.
async fn load(client: &Arc<dyn WhoamiDyn>, calls: usize) -> Outcomes {
    let mut tasks = tokio::task::JoinSet::new();
    for worker in 0..10 {
        let client = Arc::clone(client);
        let share = calls / 10 + usize::from(worker < calls % 10);
        tasks.spawn(async move {
            let mut results = Vec::with_capacity(share);
            for _ in 0..share {
                results.push(client.call().await);
            }
            results
        });
    }
    let (mut answered, mut failed) = (HashMap::new(), Vec::new());
    while let Some(results) = tasks.join_next().await {
        for result in results.unwrap() {
            match result {
                Ok(name) => *answered.entry(name).or_default() += 1,
                Err(error) => failed.push(error),
            }
        }
    }
    (answered, failed)
}

async fn replicas(transport: Transport, names: &[&str]) -> Vec<Replica> {
    let mut replicas = Vec::new();
    for name in names {
        replicas.push(Replica::start(transport, name).await);
    }
    replicas
}

fn instances(replicas: &[Replica]) -> Vec<Instance> {
    replicas.iter().map(|r| r.instance.clone()).collect()
}

async fn calls_are_spread_over_every_instance(transport: Transport) {
    let replicas = replicas(transport, &["a", "b", "c"]).await;
    let addresses: Vec<String> = replicas.iter().map(|r| r.instance.to_string()).collect();
    let client = client(transport, Instancer::fixed(&addresses).unwrap());
    let (answered, failed) = load(&client, 300).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(answered.len(), 3, "{answered:?}");
    assert!(answered.values().all(|&n| n >= 60), "{answered:?}");
    for replica in replicas {
        replica.stop().await;
    }
}

async fn a_new_instance_gets_calls_at_once(transport: Transport) {
    let mut replicas = replicas(transport, &["a", "b"]).await;
    let (registry, instancer) = Instancer::channel("a test registry");
    registry.update(instances(&replicas));
    let client = client(transport, instancer);
    let (before, _) = load(&client, 50).await;
    assert!(!before.contains_key("c"));

    replicas.push(Replica::start(transport, "c").await);
    registry.update(instances(&replicas));
    let (after, failed) = load(&client, 150).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert!(after.get("c").copied().unwrap_or(0) >= 30, "{after:?}");
    for replica in replicas {
        replica.stop().await;
    }
}

/// Calls from 10 tasks at once, until stopped.
struct Background {
    stop: Arc<std::sync::atomic::AtomicBool>,
    outcomes: Arc<std::sync::Mutex<Outcomes>>,
    workers: tokio::task::JoinSet<()>,
}

impl Background {
    fn start(client: &Arc<dyn WhoamiDyn>) -> Background {
        let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let outcomes = Arc::new(std::sync::Mutex::new((HashMap::new(), Vec::new())));
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let (client, stop, outcomes) = (Arc::clone(client), stop.clone(), outcomes.clone());
            workers.spawn(async move {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    let result = client.call().await;
                    let mut outcomes = outcomes.lock().unwrap();
                    match result {
                        Ok(name) => *outcomes.0.entry(name).or_default() += 1,
                        Err(error) => outcomes.1.push(error),
                    }
                }
            });
        }
        Background {
            stop,
            outcomes,
            workers,
        }
    }

    fn calls(&self) -> usize {
        let outcomes = self.outcomes.lock().unwrap();
        outcomes.0.values().sum::<usize>() + outcomes.1.len()
    }

    /// Waits until `more` calls have ended (at most 30 s).
    async fn wait_for(&self, more: usize) {
        let target = self.calls() + more;
        for _ in 0..3000 {
            if self.calls() >= target {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the load stalled at {} calls", self.calls());
    }

    async fn stop(mut self) -> Outcomes {
        self.stop.store(true, std::sync::atomic::Ordering::Relaxed);
        while let Some(worker) = self.workers.join_next().await {
            worker.unwrap();
        }
        std::mem::take(&mut *self.outcomes.lock().unwrap())
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
    load.wait_for(300).await;
    let before = load.outcomes.lock().unwrap().0.clone();
    load.wait_for(200).await;

    let (answered, failed) = load.stop().await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(answered.len(), 4, "{answered:?}");
    // The last 200 calls went to the two left.
    assert_eq!(answered["a"], before["a"]);
    assert_eq!(answered["b"], before["b"]);
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
