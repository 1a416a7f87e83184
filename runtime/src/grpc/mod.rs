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
mod server;
mod status;
pub(crate) mod web;

use std::convert::Infallible;

use tonic::server::NamedService;

pub use client::Client;
pub(crate) use server::RESERVED_SERVICES;
pub use server::{DEFAULT_MAX_MESSAGE_SIZE, Limits, Routes, Server, ServerBuilder};
pub use status::{ERROR_DETAILS, ERROR_VARIANT, RETRY_AFTER_MS, from_status, to_status};

use crate::Error;
use crate::proto::schema;

/// A message a gRPC method can take or return: any prost message. Implemented
/// for every type that qualifies.
pub trait GrpcMessage: prost::Message + Default + Send + Sync + 'static {}

impl<M: prost::Message + Default + Send + Sync + 'static> GrpcMessage for M {}

/// A message's proto3 JSON form, which Connect's JSON codec sends: what
/// serde writes for most messages. A generated response struct, whose
/// serde form is its value alone (what HTTP/JSON answers), is wrapped
/// here as its protobuf message is: `{"value": …}`. Generated code
/// implements it for every message a service takes or returns.
pub trait JsonMessage: serde::Serialize + serde::de::DeserializeOwned {
    /// The message as proto3 JSON.
    fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }

    /// The message from proto3 JSON.
    fn from_json(json: &[u8]) -> serde_json::Result<Self> {
        serde_json::from_slice(json)
    }
}

/// The proto3 JSON of a generated message whose serde form is its one
/// field's `value` alone: `{"value": …}`. For generated code.
#[doc(hidden)]
pub fn value_to_json<T: serde::Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Wrapped { value })
}

/// The `value` of such a message, from its proto3 JSON. For generated
/// code.
#[doc(hidden)]
pub fn value_from_json<T: serde::de::DeserializeOwned + Default>(
    json: &[u8],
) -> serde_json::Result<T> {
    serde_json::from_slice::<Wrapped<T>>(json).map(|wrapped| wrapped.value)
}

/// A message of one field, `value`.
#[derive(serde::Serialize, serde::Deserialize)]
struct Wrapped<T> {
    #[serde(default)]
    value: T,
}

macro_rules! well_known_json {
    ($($name:ident),* $(,)?) => {
        $(impl JsonMessage for pbjson_types::$name {})*
    };
}

well_known_json!(
    Any,
    BoolValue,
    BytesValue,
    DoubleValue,
    Duration,
    Empty,
    FieldMask,
    FloatValue,
    Int32Value,
    Int64Value,
    ListValue,
    StringValue,
    Struct,
    Timestamp,
    UInt32Value,
    UInt64Value,
    Value,
);

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
