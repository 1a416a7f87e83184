//! Replicas of a small service that says which replica answered, served on
//! 127.0.0.1 and called through balanced clients: for the discovery tests
//! (`tests/discovery.rs`, `tests/etcd.rs`).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use kit::middleware::RetryLayer;
use kit::sd::{Instance, Instancer};
use tokio::sync::oneshot;
use whoami::{Named, Whoami, whoami as generated};

/// The service.
pub mod whoami {
    /// Says which replica answered.
    #[kit::service]
    pub trait Whoami: Send + Sync + 'static {
        /// The replica's name.
        #[kit(idempotent)]
        async fn name(&self) -> Result<String, kit::Error>;
    }

    /// A replica called `.0`.
    pub struct Named(pub String);

    impl Whoami for Named {
        async fn name(&self) -> Result<String, kit::Error> {
            Ok(self.0.clone())
        }
    }
}

/// How the replicas are served and called.
#[derive(Clone, Copy, Debug)]
pub enum Transport {
    /// HTTP/JSON.
    Http,
    /// gRPC.
    Grpc,
}

/// One replica, serving on an ephemeral port until stopped.
pub struct Replica {
    /// Where it listens.
    pub instance: Instance,
    stop: Option<oneshot::Sender<()>>,
    served: tokio::task::JoinHandle<()>,
}

impl Replica {
    /// Serves the replica `name`.
    pub async fn start(transport: Transport, name: &str) -> Replica {
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
    pub async fn stop(mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        self.served.await.unwrap();
    }
}

/// The generated client of `transport` over `instancer`, behind the
/// client-side retry of idempotent methods.
pub fn client(transport: Transport, instancer: Instancer) -> Arc<dyn WhoamiDyn> {
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

/// What a call of [`WhoamiDyn`] returns.
pub type Answer<'a> = Pin<Box<dyn Future<Output = Result<String, kit::Error>> + Send + 'a>>;

/// The trait, object-safe, so that a test holds either client.
pub trait WhoamiDyn: Send + Sync {
    /// Asks the name.
    fn call(&self) -> Answer<'_>;
}

impl<T: Whoami> WhoamiDyn for T {
    fn call(&self) -> Answer<'_> {
        Box::pin(self.name())
    }
}

/// How many calls each replica answered, and the calls that failed.
pub type Outcomes = (HashMap<String, usize>, Vec<kit::Error>);

/// `calls` calls, 10 at a time.
pub async fn load(client: &Arc<dyn WhoamiDyn>, calls: usize) -> Outcomes {
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

/// Makes 300 calls through `client`, and checks that none failed and that
/// each of the `replicas` answered at least a fifth of them; then stops
/// the replicas.
pub async fn calls_are_spread_over(client: &Arc<dyn WhoamiDyn>, replicas: Vec<Replica>) {
    let count = replicas.len();
    let (answered, failed) = load(client, 300).await;
    assert!(failed.is_empty(), "{failed:?}");
    assert_eq!(answered.len(), count, "{answered:?}");
    assert!(answered.values().all(|&n| n >= 60), "{answered:?}");
    for replica in replicas {
        replica.stop().await;
    }
}

/// Starts a replica per name.
pub async fn replicas(transport: Transport, names: &[&str]) -> Vec<Replica> {
    let mut replicas = Vec::new();
    for name in names {
        replicas.push(Replica::start(transport, name).await);
    }
    replicas
}

/// Where the replicas listen.
pub fn instances(replicas: &[Replica]) -> Vec<Instance> {
    replicas.iter().map(|r| r.instance.clone()).collect()
}

/// Calls from 10 tasks at once, until stopped.
pub struct Background {
    stop: Arc<AtomicBool>,
    /// The calls so far.
    pub outcomes: Arc<std::sync::Mutex<Outcomes>>,
    workers: tokio::task::JoinSet<()>,
}

impl Background {
    /// Starts calling.
    pub fn start(client: &Arc<dyn WhoamiDyn>) -> Background {
        let stop = Arc::new(AtomicBool::new(false));
        let outcomes = Arc::new(std::sync::Mutex::new((HashMap::new(), Vec::new())));
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..10 {
            let (client, stop, outcomes) = (Arc::clone(client), stop.clone(), outcomes.clone());
            workers.spawn(async move {
                while !stop.load(Ordering::Relaxed) {
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

    /// How many calls have ended.
    pub fn calls(&self) -> usize {
        let outcomes = self.outcomes.lock().unwrap();
        outcomes.0.values().sum::<usize>() + outcomes.1.len()
    }

    /// Waits until `more` calls have ended (at most 30 s).
    pub async fn wait_for(&self, more: usize) {
        let target = self.calls() + more;
        for _ in 0..3000 {
            if self.calls() >= target {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the load stalled at {} calls", self.calls());
    }

    /// Stops calling, and returns what the calls did.
    pub async fn stop(mut self) -> Outcomes {
        self.stop.store(true, Ordering::Relaxed);
        while let Some(worker) = self.workers.join_next().await {
            worker.unwrap();
        }
        std::mem::take(&mut *self.outcomes.lock().unwrap())
    }
}
