//! etcd v3 as a registry: [`Etcd::instancer`] watches a service's
//! instances, [`Etcd::register`] registers one, under a lease that it keeps
//! alive, so that an instance that dies drops out when its lease expires.
//!
//! An instance is the key `/services/{service}/{id}`, whose value is
//! `{"address":"host:port"}` (a bare `host:port`, as Go kit's etcd
//! registrar writes, works too).
//!
//! The client speaks etcd's gRPC API through the stubs in `pb.rs`,
//! generated from `runtime/proto/etcd.proto` and checked in, so that no one
//! needs `protoc` (decision 29).

#[rustfmt::skip]
#[allow(missing_docs, unreachable_pub, clippy::all, clippy::pedantic)]
mod pb;
mod registrar;
mod watcher;

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use tonic::transport::{Channel, Endpoint as ChannelEndpoint};

pub use registrar::Registration;

use super::{Instance, Instancer};
use crate::Error;

/// A connection to an etcd cluster, over its v3 gRPC API. It connects on
/// first use and reconnects as needed, so it outlives an etcd restart.
/// Cloning shares it.
#[derive(Clone)]
pub struct Etcd {
    channel: Channel,
    endpoints: Arc<str>,
}

impl Etcd {
    /// A client of the etcd cluster at `endpoints`, URLs separated by
    /// commas: `http://10.0.0.5:2379,http://10.0.0.6:2379`. Fails with
    /// `INVALID_ARGUMENT` on a URL that does not parse, and with
    /// `FAILED_PRECONDITION` outside a tokio runtime.
    pub fn connect(endpoints: &str) -> Result<Self, Error> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::new(
                crate::Code::FailedPrecondition,
                "an etcd client needs a tokio runtime: create it inside one",
            ));
        }
        let parsed = endpoints
            .split(',')
            .map(str::trim)
            .filter(|url| !url.is_empty())
            .map(|url| {
                ChannelEndpoint::from_shared(url.to_owned())
                    .map(|endpoint| {
                        // HTTP/2 pings find a connection that went silent
                        // (a partition, a dead host): the watch and the
                        // lease's renewals then fail and start again.
                        endpoint
                            .tcp_nodelay(true)
                            .connect_timeout(Duration::from_secs(2))
                            .timeout(REQUEST_TIMEOUT)
                            .http2_keep_alive_interval(Duration::from_secs(5))
                            .keep_alive_timeout(Duration::from_secs(5))
                            .keep_alive_while_idle(true)
                    })
                    .map_err(|error| {
                        Error::invalid_argument(format!("invalid etcd URL {url:?}: {error}"))
                    })
            })
            .collect::<Result<Vec<_>, _>>()?;
        if parsed.is_empty() {
            return Err(Error::invalid_argument(
                "no etcd endpoints: expected URLs such as http://127.0.0.1:2379",
            ));
        }
        Ok(Etcd {
            channel: Channel::balance_list(parsed.into_iter()),
            endpoints: endpoints.into(),
        })
    }

    /// The instances of `service`, as etcd has them now and as they change.
    /// Fails with `INVALID_ARGUMENT` on a service name that is empty or has
    /// a `/`.
    /// A background task keeps them current: it reads them, watches for
    /// changes, and after a lost watch or an etcd restart reads them again;
    /// meanwhile the set stays the last one read, and
    /// [`Instancer::error`] says what went wrong. The task ends when the
    /// last clone of the instancer is dropped.
    pub fn instancer(&self, service: &str) -> Result<Instancer, Error> {
        let prefix = prefix(service)?;
        let (publisher, instancer) =
            Instancer::channel(format!("etcd at {} under {prefix}", self.endpoints));
        tokio::spawn(watcher::watch(self.clone(), prefix, publisher));
        Ok(instancer)
    }

    /// Registers the instance `id` of `service` at `address` (`host:port`),
    /// under a lease of `ttl` (whole seconds, at least 2: etcd's minimum)
    /// that a background task renews. Deregister with
    /// [`Registration::deregister`] on a graceful shutdown; if the process
    /// dies instead, the lease expires within `ttl` and the instance drops
    /// out. Fails with `UNAVAILABLE` when etcd cannot be reached.
    pub async fn register(
        &self,
        service: &str,
        id: &str,
        address: &str,
        ttl: Duration,
    ) -> Result<Registration, Error> {
        let instance = Instance::new(address)?;
        if id.is_empty() || id.contains('/') {
            return Err(Error::invalid_argument(format!(
                "invalid instance id {id:?}: it must be non-empty, without '/'"
            )));
        }
        let key = format!("{}{id}", prefix(service)?);
        let value = serde_json::json!({ "address": instance.address() }).to_string();
        Registration::start(self.clone(), key, value, ttl).await
    }

    fn kv(&self) -> pb::kv_client::KvClient<Channel> {
        pb::kv_client::KvClient::new(self.channel.clone())
    }

    fn watch_client(&self) -> pb::watch_client::WatchClient<Channel> {
        pb::watch_client::WatchClient::new(self.channel.clone())
    }

    fn lease(&self) -> pb::lease_client::LeaseClient<Channel> {
        pb::lease_client::LeaseClient::new(self.channel.clone())
    }

    /// An error talking to etcd, as `UNAVAILABLE`, naming it.
    fn error(&self, what: &str, status: &tonic::Status) -> Error {
        Error::unavailable(format!(
            "etcd at {}: {what}: {}",
            self.endpoints,
            status.message()
        ))
    }
}

impl fmt::Debug for Etcd {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Etcd")
            .field("endpoints", &self.endpoints)
            .finish()
    }
}

/// How long a unary call to etcd (a read, a lease grant, a put, a revoke)
/// may take; the streams are watched by HTTP/2 pings instead.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(5);

/// The keys of a service's instances: `/services/{service}/`.
fn prefix(service: &str) -> Result<String, Error> {
    if service.is_empty() || service.contains('/') {
        return Err(Error::invalid_argument(format!(
            "invalid service name {service:?}: it must be non-empty, without '/'"
        )));
    }
    Ok(format!("/services/{service}/"))
}

/// The end of the range of keys that start with `prefix`: its last byte
/// plus one (a prefix here ends in `/`, never in `0xff`).
fn range_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    end
}

/// The instance a key's value names: `{"address":"host:port"}` or a bare
/// `host:port`.
fn parse_instance(value: &[u8]) -> Result<Instance, Error> {
    #[derive(serde::Deserialize)]
    struct Registered {
        address: String,
    }
    match serde_json::from_slice::<Registered>(value) {
        Ok(registered) => Instance::new(&registered.address),
        Err(_) => Instance::new(String::from_utf8_lossy(value).trim()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_and_values() {
        assert_eq!(prefix("ordersvc").unwrap(), "/services/ordersvc/");
        assert!(prefix("orders/v2").is_err());
        assert!(prefix("").is_err());
        assert_eq!(range_end("/services/ordersvc/"), b"/services/ordersvc0");
        let json = parse_instance(br#"{"address":"10.0.0.7:8080","metadata":{"zone":"a"}}"#);
        assert_eq!(json.unwrap().address(), "10.0.0.7:8080");
        assert_eq!(
            parse_instance(b"10.0.0.7:8080").unwrap().address(),
            "10.0.0.7:8080"
        );
        assert!(parse_instance(b"{}").is_err());
    }

    #[tokio::test]
    async fn endpoints_must_be_urls() {
        assert!(Etcd::connect("http://127.0.0.1:2379, http://127.0.0.1:22379").is_ok());
        assert_eq!(
            Etcd::connect("").unwrap_err().code(),
            crate::Code::InvalidArgument
        );
        let error = Etcd::connect("not a url").unwrap_err();
        assert!(error.message().contains("not a url"), "{error}");
    }
}
