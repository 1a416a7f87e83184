//! Endpoint middleware: Go kit's cross-cutting concerns as tower layers.
//!
//! Each layer wraps an [`Endpoint`](crate::Endpoint), so it applies to one
//! method (`endpoints.get_by_id = endpoints.get_by_id.layer(&layer)`) or to
//! all (`endpoints.layer(layer)`), on the server or, around a client's
//! endpoints, on the calling side. Each lives in a folder of its own, in
//! tower's shape: the service in `mod.rs`, the layer in `layer.rs`, the
//! response future in `future.rs`.

pub mod logging;
pub mod metrics;

pub use logging::LoggingLayer;
pub use metrics::{Metrics, MetricsLayer};
