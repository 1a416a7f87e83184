//! gRPC transport: the server side (endpoints behind gRPC paths, with
//! health and reflection) and the client side, over tonic with protobuf on
//! the wire.
//!
//! The request context travels as gRPC metadata: `x-request-id`, the
//! caller's deadline as `grpc-timeout`, and the same trace and custom
//! headers that the HTTP client forwards. The server enforces the deadline:
//! when it passes, the handler's future is dropped and the caller gets
//! `DEADLINE_EXCEEDED`.

mod client;
mod connect;
mod connect_stream;
mod json;
mod server;
mod status;
pub(crate) mod translate;

use std::convert::Infallible;

use tonic::server::NamedService;

pub use client::Client;
pub(crate) use server::RESERVED_SERVICES;
pub use server::{DEFAULT_MAX_MESSAGE_SIZE, Limits, Routes, Server, ServerBuilder};
pub use status::{ERROR_DETAILS, ERROR_VARIANT, RETRY_AFTER_MS, from_status, to_status};

use crate::Error;
use crate::proto::schema;

/// Whether `headers` name a gRPC content type (`application/grpc`, with
/// `+proto` or not; gRPC-Web's `application/grpc-web` too), rather than
/// Connect's or HTTP/JSON's.
pub(crate) fn is_grpc(headers: &http::HeaderMap) -> bool {
    headers
        .get(http::header::CONTENT_TYPE)
        .is_some_and(|value| value.as_bytes().starts_with(b"application/grpc"))
}

/// A message a gRPC method can take or return: any prost message. Implemented
/// for every type that qualifies.
pub trait GrpcMessage: prost::Message + Default + Send + Sync + 'static {}

impl<M: prost::Message + Default + Send + Sync + 'static> GrpcMessage for M {}

/// A generated gRPC service: a tower service that tonic can route by name,
/// which also knows its protobuf schema (for reflection and `.proto`
/// export). `#[kit::service]` implements it for `GrpcServer`.
pub trait GrpcService:
    tower::Service<
        http::Request<tonic::body::Body>,
        Response = http::Response<tonic::body::Body>,
        Error = Infallible,
        Future: Send + 'static,
    > + NamedService
    + Clone
    + Send
    + Sync
    + 'static
{
    /// The protobuf files that describe the service (with their imports),
    /// for reflection.
    fn file_descriptor_set() -> Result<prost_types::FileDescriptorSet, Error>;
}

/// The descriptor set of a service described by a kitgen schema: what the
/// `GrpcServer` of a `#[kit::service]` trait reflects.
pub fn schema_descriptors(
    schema: Result<schema::File, schema::SchemaError>,
) -> Result<prost_types::FileDescriptorSet, Error> {
    let file =
        schema.map_err(|error| Error::internal(format!("invalid protobuf schema: {error}")))?;
    Ok(prost_types::FileDescriptorSet {
        file: vec![file.to_descriptor()],
    })
}

/// A descriptor set that generated code carries encoded: what the
/// `GrpcServer` of a `.proto` service reflects.
pub fn encoded_descriptors(bytes: &[u8]) -> Result<prost_types::FileDescriptorSet, Error> {
    prost::Message::decode(bytes)
        .map_err(|error| Error::internal(format!("invalid embedded descriptor set: {error}")))
}
