//! Frontends: each reads one kind of input into the service model.

#[cfg(feature = "proto")]
pub mod proto;
pub mod rust;
