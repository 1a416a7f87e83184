//! DNS as a registry: a name's A and AAAA records, or its SRV records,
//! resolved again on an interval. A Kubernetes headless Service is the main
//! user: its name resolves to the addresses of its ready pods.

use std::fmt;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hickory_resolver::TokioResolver;
use hickory_resolver::config::{ConnectionConfig, NameServerConfig, ResolverConfig};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::proto::rr::RData;

use super::{Instance, Instancer, Publisher};
use crate::{Code, Error};

/// A DNS resolver to find instances with. Cloning shares it.
#[derive(Clone)]
pub struct Dns {
    resolver: Arc<TokioResolver>,
    servers: Arc<str>,
}

/// What to look up.
#[derive(Clone)]
enum Query {
    /// A and AAAA records of a name, each address with `port`.
    Addresses { name: String, port: u16 },
    /// SRV records of a name: each target with its port.
    Services { name: String },
}

impl Dns {
    /// The system's resolver configuration (`/etc/resolv.conf`). Fails
    /// with `FAILED_PRECONDITION` when it cannot be read.
    pub fn system() -> Result<Self, Error> {
        let builder = TokioResolver::builder_tokio().map_err(|error| {
            Error::new(
                Code::FailedPrecondition,
                format!("cannot read the system's DNS configuration: {error}"),
            )
        })?;
        Dns::build(builder, "the system's DNS servers".to_owned())
    }

    /// Asks only the DNS server at `server` (over UDP, and TCP for long
    /// answers).
    pub fn with_server(server: SocketAddr) -> Result<Self, Error> {
        let mut udp = ConnectionConfig::udp();
        udp.port = server.port();
        let mut tcp = ConnectionConfig::tcp();
        tcp.port = server.port();
        let config = ResolverConfig::from_name_servers(vec![NameServerConfig::new(
            server.ip(),
            true,
            vec![udp, tcp],
        )]);
        let builder = TokioResolver::builder_with_config(config, TokioRuntimeProvider::default());
        Dns::build(builder, format!("the DNS server at {server}"))
    }

    fn build(
        mut builder: hickory_resolver::ResolverBuilder<TokioRuntimeProvider>,
        servers: String,
    ) -> Result<Self, Error> {
        // Every refresh asks again: the interval is the caching.
        builder.options_mut().cache_size = 0;
        let resolver = builder.build().map_err(|error| {
            Error::new(
                Code::FailedPrecondition,
                format!("cannot make a DNS resolver: {error}"),
            )
        })?;
        Ok(Dns {
            resolver: Arc::new(resolver),
            servers: servers.into(),
        })
    }

    /// The addresses `name` resolves to (A and AAAA records), each with
    /// `port`, resolved again every `every`. A failed lookup keeps the last
    /// set, and [`Instancer::error`] says why. Needs a tokio runtime; the
    /// task ends when the last clone of the instancer is dropped.
    pub fn instancer(&self, name: &str, port: u16, every: Duration) -> Instancer {
        let query = Query::Addresses {
            name: name.to_owned(),
            port,
        };
        self.watch(
            query,
            format!("DNS records of {name} from {}", self.servers),
            every,
        )
    }

    /// The targets of `name`'s SRV records (`_grpc._tcp.orders.internal`),
    /// each with its port, resolved again every `every`; otherwise as
    /// [`Dns::instancer`].
    pub fn srv_instancer(&self, name: &str, every: Duration) -> Instancer {
        let query = Query::Services {
            name: name.to_owned(),
        };
        self.watch(
            query,
            format!("SRV records of {name} from {}", self.servers),
            every,
        )
    }

    fn watch(&self, query: Query, source: String, every: Duration) -> Instancer {
        let (publisher, instancer) = Instancer::channel(source);
        // An interval of 0 would ask without pause.
        let every = every.max(Duration::from_millis(10));
        tokio::spawn(refresh(self.clone(), query, publisher, every));
        instancer
    }

    async fn resolve(&self, query: &Query) -> Result<Vec<Instance>, Error> {
        let failed = |name: &str, error: &dyn fmt::Display| {
            Error::unavailable(format!("cannot resolve {name}: {error}"))
        };
        match query {
            Query::Addresses { name, port } => {
                let found = self
                    .resolver
                    .lookup_ip(name.as_str())
                    .await
                    .map_err(|error| failed(name, &error))?;
                found
                    .iter()
                    .map(|ip| Instance::new(&SocketAddr::new(ip, *port).to_string()))
                    .collect()
            }
            Query::Services { name } => {
                let found = self
                    .resolver
                    .srv_lookup(name.as_str())
                    .await
                    .map_err(|error| failed(name, &error))?;
                found
                    .answers()
                    .iter()
                    .filter_map(|record| match &record.data {
                        RData::SRV(srv) => Some(srv),
                        _ => None,
                    })
                    .map(|srv| {
                        let target = srv.target.to_utf8();
                        Instance::new(&format!("{}:{}", target.trim_end_matches('.'), srv.port))
                    })
                    .collect()
            }
        }
    }
}

impl fmt::Debug for Dns {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dns")
            .field("servers", &self.servers)
            .finish()
    }
}

/// Resolves `query` every `every` until no instancer is left.
async fn refresh(dns: Dns, query: Query, publisher: Publisher, every: Duration) {
    loop {
        match dns.resolve(&query).await {
            Ok(instances) => publisher.update(instances),
            Err(error) => publisher.fail(error.message()),
        }
        tokio::select! {
            () = tokio::time::sleep(every) => {}
            () = publisher.closed() => return,
        }
    }
}
