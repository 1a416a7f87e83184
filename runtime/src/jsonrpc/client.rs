//! The client side: calls over a pooled [`crate::http::Client`].

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{Answer, DEFAULT_PATH, VERSION};
use crate::{Context, Error};

/// Calls JSON-RPC methods at one path of a server, over the pool,
/// deadlines, headers and balancing of a [`crate::http::Client`]. The
/// generated `JsonRpcClient` implements its service's trait with one.
#[derive(Clone, Debug)]
pub struct Client {
    http: crate::http::Client,
    path: &'static str,
    next_id: Arc<AtomicU64>,
}

/// A request object, as the client writes it.
#[derive(Serialize)]
struct Call<'a, P> {
    jsonrpc: &'static str,
    method: &'a str,
    params: &'a P,
    id: u64,
}

impl Client {
    /// A client of the server at `base_url` (`http://127.0.0.1:8080`),
    /// whose methods are at `POST /rpc`.
    pub fn new(base_url: &str) -> Result<Self, Error> {
        crate::http::Client::new(base_url).map(Client::with_transport)
    }

    /// A client over a configured HTTP client, such as one that discovers
    /// its instances or has a timeout, calling `POST /rpc`.
    pub fn with_transport(http: crate::http::Client) -> Self {
        Client {
            http,
            path: DEFAULT_PATH,
            next_id: Arc::new(AtomicU64::new(1)),
        }
    }

    /// Calls the methods at `path` instead of `/rpc`.
    #[must_use]
    pub fn at(mut self, path: &'static str) -> Self {
        self.path = path;
        self
    }

    /// The error of a call to `method` (`OrderService.watch`), which
    /// streams: JSON-RPC carries one request and one answer.
    pub fn cannot_stream(&self, method: &str) -> Error {
        Error::unimplemented(format!(
            "{method} streams, which JSON-RPC does not carry: call it over HTTP or gRPC"
        ))
    }

    /// Calls `method` with `params` and returns its result. An error the
    /// server answers comes back as kit's error, with its variant.
    pub async fn call<P, R>(&self, ctx: &Context, method: &str, params: &P) -> Result<R, Error>
    where
        P: Serialize,
        R: DeserializeOwned,
    {
        let call = Call {
            jsonrpc: VERSION,
            method,
            params,
            id: self.next_id.fetch_add(1, Ordering::Relaxed),
        };
        let body = serde_json::to_vec(&call)
            .map_err(|error| Error::internal(format!("cannot encode the params: {error}")))?;
        self.http
            .post_json(ctx, self.path, Bytes::from(body), read_answer::<R>)
            .await
    }
}

/// The result of a response object, or the error it holds.
fn read_answer<R: DeserializeOwned>(status: StatusCode, body: &Bytes) -> Result<R, Error> {
    let Ok(answer) = serde_json::from_slice::<Answer<'_>>(body) else {
        // Not JSON-RPC: a proxy's page, or a server without the path.
        return crate::http::decode_response::<serde::de::IgnoredAny>(status, body)
            .and(Err(Error::internal("expected a JSON-RPC response object")));
    };
    match (answer.result, answer.error) {
        (_, Some(error)) => Err(error.into_error()),
        (Some(result), None) => serde_json::from_str(result.get()).map_err(|error| {
            Error::internal(format!("cannot decode the result: {error}")).with_source(error)
        }),
        (None, None) => Err(Error::internal(
            "the response object has neither a result nor an error",
        )),
    }
}
