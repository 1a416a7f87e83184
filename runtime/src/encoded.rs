//! Endpoints behind an encoding: one message's bytes in, one message's
//! bytes out, for the transports that carry whole messages by name rather
//! than by route (JSON-RPC, NATS).
//!
//! Such a transport is a table of these and a loop: it finds the method by
//! name, and the endpoint under it, with every layer, is the one HTTP and
//! gRPC serve.

use std::collections::HashMap;
use std::collections::hash_map::Entry;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::FutureExt;
use futures_util::future::BoxFuture;
use prost::Message;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::{Context, Endpoint, Error};

/// How a message is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Encoding {
    /// JSON, in the message's serde form (what the HTTP/JSON transport
    /// speaks).
    Json,
    /// Protobuf's binary encoding (what gRPC speaks).
    Protobuf,
}

impl Encoding {
    /// The content type of a message in this encoding.
    pub(crate) fn content_type(self) -> &'static str {
        match self {
            Encoding::Json => "application/json",
            Encoding::Protobuf => "application/protobuf",
        }
    }

    /// The encoding a content type names; JSON when there is none.
    pub(crate) fn of(content_type: Option<&str>) -> Result<Encoding, Error> {
        match content_type.map(|value| value.split(';').next().unwrap_or("").trim()) {
            None | Some("application/json") => Ok(Encoding::Json),
            Some("application/protobuf" | "application/x-protobuf" | "application/proto") => {
                Ok(Encoding::Protobuf)
            }
            Some(other) => Err(Error::invalid_argument(format!(
                "unsupported content type {other:?}: send application/json or \
                 application/protobuf"
            ))),
        }
    }

    /// Decodes a request message; no bytes at all are the default message.
    pub(crate) fn decode<T>(self, bytes: &Bytes) -> Result<T, Error>
    where
        T: DeserializeOwned + Message + Default,
    {
        match self {
            Encoding::Json if bytes.iter().all(u8::is_ascii_whitespace) => {
                crate::http::decode::json(&Bytes::from_static(b"{}"))
            }
            Encoding::Json => crate::http::decode::json(bytes),
            Encoding::Protobuf => T::decode(bytes.as_ref()).map_err(|error| {
                Error::invalid_argument(format!("invalid protobuf message: {error}"))
            }),
        }
    }

    /// Encodes a message.
    pub(crate) fn encode<T: Serialize + Message>(self, message: &T) -> Result<Bytes, Error> {
        match self {
            Encoding::Json => serde_json::to_vec(message)
                .map(Bytes::from)
                .map_err(|error| Error::internal(format!("cannot encode the message: {error}"))),
            Encoding::Protobuf => Ok(Bytes::from(message.encode_to_vec())),
        }
    }
}

/// One method's endpoint, called with an encoded request and answering an
/// encoded response.
#[derive(Clone)]
pub(crate) struct EncodedEndpoint {
    call: Arc<EncodedFn>,
}

type EncodedFn =
    dyn Fn(Context, Bytes, Encoding) -> BoxFuture<'static, Result<Bytes, Error>> + Send + Sync;

impl EncodedEndpoint {
    /// `endpoint` behind the encoding each call names.
    pub(crate) fn new<Req, Resp>(endpoint: Endpoint<Req, Resp>) -> Self
    where
        Req: DeserializeOwned + Message + Default + Send + 'static,
        Resp: Serialize + Message + 'static,
    {
        let call = move |ctx: Context, bytes: Bytes, encoding: Encoding| match encoding
            .decode::<Req>(&bytes)
        {
            Ok(message) => endpoint
                .send(ctx, message)
                .map(move |answer| answer.and_then(|response| encoding.encode(&response)))
                .boxed(),
            Err(error) => futures_util::future::ready(Err(error)).boxed(),
        };
        EncodedEndpoint {
            call: Arc::new(call),
        }
    }

    /// Calls the endpoint with `request`, written in `encoding`, and
    /// answers in the same encoding.
    pub(crate) fn call(
        &self,
        ctx: Context,
        request: Bytes,
        encoding: Encoding,
    ) -> BoxFuture<'static, Result<Bytes, Error>> {
        (self.call)(ctx, request, encoding)
    }
}

/// Encoded endpoints by name, as a transport looks them up.
#[derive(Clone, Default)]
pub(crate) struct Table {
    methods: HashMap<String, EncodedEndpoint>,
    /// Names added twice, reported when the transport starts.
    duplicates: Vec<String>,
}

impl Table {
    /// Adds `endpoint` under `name`.
    pub(crate) fn insert(&mut self, name: String, endpoint: EncodedEndpoint) {
        match self.methods.entry(name) {
            Entry::Occupied(taken) => self.duplicates.push(taken.key().clone()),
            Entry::Vacant(free) => {
                free.insert(endpoint);
            }
        }
    }

    /// Adds every method of `other`.
    pub(crate) fn merge(&mut self, other: Table) {
        self.duplicates.extend(other.duplicates);
        for (name, endpoint) in other.methods {
            self.insert(name, endpoint);
        }
    }

    /// The endpoint of `name`.
    pub(crate) fn get(&self, name: &str) -> Option<&EncodedEndpoint> {
        self.methods.get(name)
    }

    /// The names, sorted.
    pub(crate) fn names(&self) -> Vec<&str> {
        let mut names: Vec<&str> = self.methods.keys().map(String::as_str).collect();
        names.sort_unstable();
        names
    }

    /// Fails, naming them, if a name was added twice.
    pub(crate) fn check(&self, what: &str) -> Result<(), Error> {
        match self.duplicates.first() {
            Some(name) => Err(Error::invalid_argument(format!(
                "the {what} {name} is added twice"
            ))),
            None => Ok(()),
        }
    }
}

impl std::fmt::Debug for Table {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.names()).finish()
    }
}
