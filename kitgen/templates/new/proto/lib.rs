//! {{ s.description }}
//!
//! The interface is `{{ s.proto_file }}`. `kitgen generate` wrote
//! `src/generated/` from it: the messages, with protobuf and proto3 JSON
//! encodings, and for each service a trait, endpoints, an HTTP/JSON router,
//! a gRPC server, and an HTTP and a gRPC client that implement the trait.
//! `service.rs` implements the traits; `main.rs` serves them.
//!
//! To change the interface, edit the .proto, then run `kitgen sync`: it
//! regenerates `src/generated/` and adds a stub for each new method to the
//! implementation, touching nothing else. `kitgen check` fails, with a
//! diff, when `src/generated/` is stale.

/// Generated from `{{ s.proto_file }}` by kitgen. Do not edit.
pub mod generated;
mod service;

{% for package in s.packages -%}
pub use generated::{{ package }}::*;
{% endfor -%}
pub use service::{ {%- for svc in s.services %}{{ svc.impl_name }}{% if !loop.last %}, {% endif %}{% endfor -%} };
