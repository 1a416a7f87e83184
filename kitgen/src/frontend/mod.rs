//! Frontends: each reads one kind of input into the service model.

pub mod rust;
