{%- let svc = s.services[0] -%}
//! {{ s.description }}
//!
//! [`{{ svc.trait_name }}`] below is the interface. `#[kit::service]` generates
//! [`{{ svc.module }}`] from it: request and response messages, endpoints,
//! an HTTP/JSON router and a gRPC server, and an HTTP and a gRPC client that
//! implement the trait. [`{{ svc.impl_name }}`] (in `service.rs`) is the
//! implementation; `main.rs` serves it.
//!
//! To change the interface, edit the trait, then run `kitgen sync`: it adds
//! a stub for each new method to the implementation, touching nothing
//! else. Everything generated follows at the next build.

mod service;

pub use service::{{ svc.impl_name }};

/// What can go wrong. Each variant names its gRPC code, which also gives
/// its HTTP status; clients get the same variant back.
#[derive(Debug, thiserror::Error, kit::Error)]
pub enum {{ s.stem }}Error {
    /// The name is empty.
    #[error("the name is empty")]
    #[kit(code = InvalidArgument)]
    EmptyName,
    /// The call failed on the way: a transport error, or a method that is
    /// not implemented yet.
    #[error(transparent)]
    #[kit(transport)]
    Transport(kit::Error),
}

/// {{ s.description }}
#[kit::service(package = "{{ s.package }}")]
pub trait {{ svc.trait_name }}: Send + Sync + 'static {
    /// Greets `name`. Served as `POST /hello` with `{"name": "..."}`.
    async fn hello(&self, ctx: &kit::Context, name: String) -> Result<String, {{ s.stem }}Error>;
}
