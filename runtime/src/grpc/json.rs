//! Messages as proto3 JSON, for Connect's JSON codec.
//!
//! A message travels as protobuf bytes everywhere else, so its JSON is
//! transcoded from and to those bytes through the service's descriptors
//! (prost-reflect's `DynamicMessage`). Every message is then written as
//! protobuf's JSON mapping says, whatever its Rust type's serde form: a
//! trait's messages, whose serde form is HTTP/JSON's (enums by their Rust
//! names, bytes as arrays, a response as its value alone), and a .proto's
//! alike: fields by their lowerCamelCase names, enums by their value names,
//! bytes in base64, 64-bit integers in strings, well-known types in their
//! own forms. Reading takes what the mapping allows (either field name,
//! numbers in strings, `"NaN"`) and skips unknown fields, as connect-go
//! does.

use std::sync::{Arc, OnceLock};

use prost::Message as _;
use prost_reflect::{DescriptorPool, DynamicMessage, MessageDescriptor};

use crate::Error;

/// What describes a service's messages: its `file_descriptor_set`.
pub(super) type Describe = fn() -> Result<prost_types::FileDescriptorSet, Error>;

/// A service's descriptors, read when a JSON call first needs them.
pub(super) struct Descriptors {
    describe: Option<Describe>,
    pool: OnceLock<Result<DescriptorPool, String>>,
}

impl Descriptors {
    pub(super) fn new(describe: Option<Describe>) -> Arc<Self> {
        Arc::new(Descriptors {
            describe,
            pool: OnceLock::new(),
        })
    }

    fn pool(&self) -> Result<&DescriptorPool, Error> {
        let Some(describe) = self.describe else {
            return Err(Error::unimplemented(
                "this server has no descriptors of its messages to write them as JSON; call \
                 it with application/proto",
            ));
        };
        self.pool
            .get_or_init(|| {
                let set = describe().map_err(|error| error.to_string())?;
                DescriptorPool::from_file_descriptor_set(set).map_err(|error| error.to_string())
            })
            .as_ref()
            .map_err(|error| Error::internal(format!("the service's descriptors: {error}")))
    }
}

/// One method's messages as proto3 JSON.
#[derive(Clone)]
pub(super) struct MethodJson {
    descriptors: Arc<Descriptors>,
    /// `/ordersvc.OrderService/GetById`.
    path: &'static str,
    /// Its request's and response's descriptors, looked up once.
    messages: Arc<OnceLock<Messages>>,
}

/// A method's request and response descriptors.
type Messages = (MessageDescriptor, MessageDescriptor);

impl MethodJson {
    pub(super) fn new(descriptors: Arc<Descriptors>, path: &'static str) -> Self {
        MethodJson {
            descriptors,
            path,
            messages: Arc::default(),
        }
    }

    /// The method's request and response descriptors.
    fn messages(&self) -> Result<&Messages, Error> {
        if let Some(messages) = self.messages.get() {
            return Ok(messages);
        }
        let pool = self.descriptors.pool()?;
        let (service, method) = self
            .path
            .trim_start_matches('/')
            .split_once('/')
            .unwrap_or_default();
        let method = pool
            .get_service_by_name(service)
            .and_then(|service| service.methods().find(|m| m.name() == method))
            .ok_or_else(|| {
                Error::internal(format!("the descriptors do not describe {}", self.path))
            })?;
        Ok(self
            .messages
            .get_or_init(|| (method.input(), method.output())))
    }

    /// A request from its proto3 JSON.
    pub(super) fn decode_request<M: prost::Message + Default>(
        &self,
        json: &[u8],
    ) -> Result<M, Error> {
        let refused = |error: &dyn std::fmt::Display| {
            Error::invalid_argument(format!("cannot read the request's JSON: {error}"))
        };
        let (request, _) = self.messages()?;
        let request = request.clone();
        let mut reader = serde_json::Deserializer::from_slice(json);
        let options = prost_reflect::DeserializeOptions::new().deny_unknown_fields(false);
        let message = DynamicMessage::deserialize_with_options(request, &mut reader, &options)
            .map_err(|error| refused(&error))?;
        reader.end().map_err(|error| refused(&error))?;
        M::decode(message.encode_to_vec().as_slice()).map_err(|error| refused(&error))
    }

    /// A response as proto3 JSON.
    pub(super) fn encode_response<M: prost::Message>(&self, message: &M) -> Result<Vec<u8>, Error> {
        let failed = |error: &dyn std::fmt::Display| {
            Error::internal(format!("cannot write the response: {error}"))
        };
        let (_, response) = self.messages()?;
        let message = DynamicMessage::decode(response.clone(), message.encode_to_vec().as_slice())
            .map_err(|error| failed(&error))?;
        serde_json::to_vec(&message).map_err(|error| failed(&error))
    }
}
