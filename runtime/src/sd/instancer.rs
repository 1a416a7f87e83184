//! [`Instancer`]: the current set of a service's instances.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use http::Uri;
use http::uri::Authority;
use tokio::sync::watch;

use crate::Error;

/// One instance of a service: where to reach it, `host:port`.
#[derive(Clone, Debug)]
pub struct Instance {
    authority: Authority,
    /// `http://{authority}/`, for a gRPC channel.
    uri: Uri,
}

impl Instance {
    /// The instance at `address`, such as `10.0.0.7:8080` or
    /// `orders-1.internal:8080`. Fails with `INVALID_ARGUMENT` when it is not
    /// a host and a port.
    pub fn new(address: &str) -> Result<Self, Error> {
        let invalid = |why: &str| {
            Error::invalid_argument(format!("invalid instance address {address:?}: {why}"))
        };
        let authority: Authority = address.parse().map_err(|_| invalid("expected host:port"))?;
        if authority.port_u16().is_none() {
            return Err(invalid("it has no port"));
        }
        if address.contains('@') {
            return Err(invalid("it cannot carry credentials"));
        }
        let uri = format!("http://{authority}/")
            .parse()
            .map_err(|_| invalid("expected host:port"))?;
        Ok(Instance { authority, uri })
    }

    /// Where to reach the instance: `host:port`.
    pub fn address(&self) -> &str {
        self.authority.as_str()
    }

    /// The address, parsed.
    pub(crate) fn authority(&self) -> &Authority {
        &self.authority
    }

    /// `http://{address}/`.
    pub(crate) fn uri(&self) -> &Uri {
        &self.uri
    }
}

// Instances are their addresses: the URI follows from it.
impl PartialEq for Instance {
    fn eq(&self, other: &Self) -> bool {
        self.address() == other.address()
    }
}

impl Eq for Instance {}

impl fmt::Display for Instance {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.address())
    }
}

/// What an instancer knows at one moment.
#[derive(Clone, Debug, Default)]
pub(crate) struct Snapshot {
    /// The instances, sorted and without duplicates.
    pub(crate) instances: Arc<[Instance]>,
    /// Why the last update failed, if it did; the instances are then the
    /// last good set.
    pub(crate) error: Option<Arc<str>>,
    /// Counts the changes of `instances`, so that a balancer can tell
    /// whether its view is current without comparing sets.
    pub(crate) generation: u64,
}

/// The current set of a service's instances, as a registry reports it,
/// and its changes. Cloning shares it.
///
/// ```
/// use kit::sd::{Instance, Instancer};
///
/// let fixed = Instancer::fixed(["127.0.0.1:8081", "127.0.0.1:8082"]).unwrap();
/// assert_eq!(fixed.instances().len(), 2);
///
/// // Any registry: publish each new set.
/// let (publisher, instancer) = Instancer::channel("my registry");
/// publisher.update([Instance::new("127.0.0.1:8081").unwrap()]);
/// assert_eq!(instancer.instances()[0].address(), "127.0.0.1:8081");
/// ```
#[derive(Clone)]
pub struct Instancer {
    source: Arc<str>,
    updates: watch::Receiver<Snapshot>,
    /// The snapshot's generation, readable without the watch's lock: a
    /// balancer checks it on every call.
    generation: Arc<AtomicU64>,
}

impl Instancer {
    /// A fixed set of instances, `host:port` each. Fails with
    /// `INVALID_ARGUMENT` on an address that is not one.
    pub fn fixed<I>(addresses: I) -> Result<Self, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        Instancer::fixed_from("a fixed list", addresses)
    }

    /// The instances listed, separated by commas, in the environment
    /// variable `name`: `ORDERS_INSTANCES=10.0.0.7:8080,10.0.0.8:8080`.
    /// Fails with `INVALID_ARGUMENT` when it is not set or lists an address
    /// that is not `host:port`.
    pub fn from_env(name: &str) -> Result<Self, Error> {
        let list = std::env::var(name).map_err(|_| {
            Error::invalid_argument(format!(
                "the environment variable {name} is not set: it lists the instances, \
                 host:port separated by commas"
            ))
        })?;
        Instancer::from_list(&format!("the environment variable {name}"), &list)
    }

    /// The instances in `list`, separated by commas.
    fn from_list(source: &str, list: &str) -> Result<Self, Error> {
        let addresses = list.split(',').map(str::trim).filter(|a| !a.is_empty());
        Instancer::fixed_from(source, addresses)
    }

    fn fixed_from<I>(source: &str, addresses: I) -> Result<Self, Error>
    where
        I: IntoIterator,
        I::Item: AsRef<str>,
    {
        let instances = addresses
            .into_iter()
            .map(|address| Instance::new(address.as_ref()))
            .collect::<Result<Vec<_>, _>>()?;
        let (publisher, instancer) = Instancer::channel(source);
        publisher.update(instances);
        Ok(instancer)
    }

    /// An instancer fed by hand, through the [`Publisher`]: for a registry
    /// kit has no instancer for, and for tests. `source` says where the
    /// instances come from, in error messages: `"consul service orders"`.
    /// It starts with no instances; when the publisher is dropped, the last
    /// set stays.
    pub fn channel(source: impl Into<String>) -> (Publisher, Instancer) {
        let (sender, updates) = watch::channel(Snapshot::default());
        let generation = Arc::new(AtomicU64::new(0));
        let instancer = Instancer {
            source: source.into().into(),
            updates,
            generation: Arc::clone(&generation),
        };
        (Publisher { sender, generation }, instancer)
    }

    /// Where the instances come from: `"the environment variable X"`.
    pub fn source(&self) -> &str {
        &self.source
    }

    /// The current instances, sorted by address.
    pub fn instances(&self) -> Arc<[Instance]> {
        Arc::clone(&self.updates.borrow().instances)
    }

    /// Why the registry's last update failed, if it did: the instances are
    /// then the last good set.
    pub fn error(&self) -> Option<String> {
        self.updates.borrow().error.as_deref().map(str::to_owned)
    }

    /// Waits until the instances change or an update fails. Returns
    /// `false` once no change can come any more (the publisher is gone).
    pub async fn changed(&mut self) -> bool {
        self.updates.changed().await.is_ok()
    }

    /// The generation of the current snapshot.
    pub(crate) fn generation(&self) -> u64 {
        self.generation.load(Ordering::Acquire)
    }

    /// The current snapshot, for a balancer.
    pub(crate) fn snapshot(&self) -> watch::Ref<'_, Snapshot> {
        self.updates.borrow()
    }
}

impl fmt::Debug for Instancer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let snapshot = self.updates.borrow();
        f.debug_struct("Instancer")
            .field("source", &self.source)
            .field("instances", &snapshot.instances)
            .field("error", &snapshot.error)
            .finish()
    }
}

/// Feeds an [`Instancer`] made with [`Instancer::channel`].
#[derive(Debug)]
pub struct Publisher {
    sender: watch::Sender<Snapshot>,
    generation: Arc<AtomicU64>,
}

impl Publisher {
    /// Replaces the set of instances. Duplicates count once; a set equal to
    /// the current one changes nothing, and clears a reported error.
    pub fn update(&self, instances: impl IntoIterator<Item = Instance>) {
        let mut instances: Vec<Instance> = instances.into_iter().collect();
        instances.sort_unstable_by(|a, b| a.address().cmp(b.address()));
        instances.dedup();
        self.sender.send_if_modified(|snapshot| {
            if *snapshot.instances == *instances {
                return snapshot.error.take().is_some();
            }
            snapshot.instances = instances.into();
            snapshot.error = None;
            snapshot.generation += 1;
            self.generation
                .store(snapshot.generation, Ordering::Release);
            true
        });
    }

    /// Whether every [`Instancer`] fed by this publisher is gone, so that
    /// a task feeding it can stop.
    pub fn is_closed(&self) -> bool {
        self.sender.is_closed()
    }

    /// Waits until every [`Instancer`] fed by this publisher is gone.
    pub async fn closed(&self) {
        self.sender.closed().await;
    }

    /// Reports that the registry could not be read: the instances stay the
    /// last good set, and [`Instancer::error`] says why.
    pub fn fail(&self, error: impl fmt::Display) {
        let error: Arc<str> = error.to_string().into();
        self.sender
            .send_modify(|snapshot| snapshot.error = Some(error));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn instance(address: &str) -> Instance {
        Instance::new(address).unwrap()
    }

    #[test]
    fn addresses_need_a_host_and_a_port() {
        assert_eq!(instance("10.0.0.7:8080").address(), "10.0.0.7:8080");
        assert_eq!(instance("[::1]:80").address(), "[::1]:80");
        for bad in [
            "10.0.0.7",
            "",
            "http://10.0.0.7:80",
            "user@host:80",
            "host:port",
        ] {
            let error = Instance::new(bad).unwrap_err();
            assert_eq!(error.code(), crate::Code::InvalidArgument, "{bad}");
            assert!(error.message().contains(&format!("{bad:?}")), "{error}");
        }
    }

    #[tokio::test]
    async fn updates_are_deduplicated_and_failures_keep_the_last_good_set() {
        let (publisher, mut instancer) = Instancer::channel("a test");
        assert!(instancer.instances().is_empty());
        publisher.update([instance("b:2"), instance("a:1"), instance("b:2")]);
        assert!(instancer.changed().await);
        assert_eq!(*instancer.instances(), [instance("a:1"), instance("b:2")]);
        let generation = instancer.snapshot().generation;

        // The same set in another order is no change.
        publisher.update([instance("a:1"), instance("b:2")]);
        assert!(!instancer.updates.has_changed().unwrap());
        assert_eq!(instancer.snapshot().generation, generation);

        publisher.fail("etcd is down");
        assert!(instancer.changed().await);
        assert_eq!(instancer.error().as_deref(), Some("etcd is down"));
        assert_eq!(instancer.instances().len(), 2);
        assert_eq!(instancer.snapshot().generation, generation);

        // The registry is back with the same set: the error clears.
        publisher.update([instance("a:1"), instance("b:2")]);
        assert!(instancer.changed().await);
        assert_eq!(instancer.error(), None);

        drop(publisher);
        assert!(!instancer.changed().await);
        assert_eq!(instancer.instances().len(), 2);
    }

    #[test]
    fn a_list_comes_from_the_environment() {
        let name = "KIT_SD_TEST_NO_SUCH_VARIABLE";
        let error = Instancer::from_env(name).unwrap_err();
        assert!(error.message().contains(name), "{error}");
        let listed = Instancer::from_list("X", " 127.0.0.1:8081, 127.0.0.1:8082,,").unwrap();
        assert_eq!(listed.instances().len(), 2);
        assert_eq!(listed.source(), "X");
        assert!(Instancer::from_list("X", "127.0.0.1:8081,127.0.0.1").is_err());
    }
}
