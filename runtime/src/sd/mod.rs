//! Service discovery and client-side load balancing: Go kit's `sd`.
//!
//! An [`Instancer`] is the current set of a service's instances, kept up
//! to date by a registry; a client built over one
//! ([`http::Client::discover`](crate::http::Client::discover),
//! [`grpc::Client::discover`](crate::grpc::Client::discover), and the
//! generated `HttpClient::discover` and `GrpcClient::discover`) sends each
//! call to one of them, chosen by a [`Balance`] strategy.
//!
//! | source | made with |
//! |---|---|
//! | a fixed list | [`Instancer::fixed`] |
//! | a list in an environment variable | [`Instancer::from_env`] |
//! | DNS: A/AAAA or SRV records, resolved on an interval | [`dns::Dns::instancer`], [`dns::Dns::srv_instancer`] |
//! | etcd v3, watched; with [`etcd::Etcd::register`] to register | [`etcd::Etcd::instancer`] |
//! | anything else: your registry, a test | [`Instancer::channel`], fed through its [`Publisher`] |
//!
//! A balanced client never waits for an instance: with none, a call fails
//! at once with `UNAVAILABLE`, naming the service and where its instances
//! come from. An instance whose call fails with `UNAVAILABLE` (it cannot be
//! reached, or says so) is left out for a while, one second after the
//! first failure, doubling with each failure in a row up to 30 seconds,
//! and back as soon as a call to it succeeds; if every instance is left
//! out, all are tried. With [`RetryLayer`](crate::middleware::RetryLayer)
//! on the client's endpoints, an idempotent call that failed so is retried,
//! on another instance.

mod balancer;
pub mod dns;
pub mod etcd;
mod instancer;

pub use balancer::Balance;
pub(crate) use balancer::{Balancer, Picked};
pub use instancer::{Instance, Instancer, Publisher};
