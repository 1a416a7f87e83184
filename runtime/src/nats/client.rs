//! The client side: requests on a NATS connection.

use std::time::{Duration, Instant};

use async_nats::HeaderMap;
use async_nats::client::RequestErrorKind;
use prost::Message;
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::{
    CONTENT_TYPE, DEFAULT_PREFIX, REQUEST_ID, REQUEST_TIMEOUT, SERVICE_ERROR, SERVICE_ERROR_CODE,
    subject,
};
use crate::context::timeout;
use crate::encoded::Encoding;
use crate::error::ErrorBody;
use crate::{Code, Context, Error};

/// Calls methods over NATS request-reply on a connection that the caller
/// made (and async-nats keeps, reconnecting when the NATS server
/// restarts). The generated `NatsClient` implements its service's trait
/// with one.
///
/// A call waits for the context's deadline, or the client's timeout when
/// that is sooner, or async-nats's request timeout (10 s unless the
/// connection was configured otherwise). No subscriber on the subject is
/// `UNAVAILABLE`; no answer in time `DEADLINE_EXCEEDED`.
#[derive(Clone, Debug)]
pub struct Client {
    nats: async_nats::Client,
    prefix: String,
    encoding: Encoding,
    timeout: Option<Duration>,
    headers: http::HeaderMap,
}

impl Client {
    /// A client on `nats`, with JSON payloads and the subjects under
    /// [`DEFAULT_PREFIX`].
    pub fn new(nats: async_nats::Client) -> Self {
        Client {
            nats,
            prefix: DEFAULT_PREFIX.to_owned(),
            encoding: Encoding::Json,
            timeout: None,
            headers: http::HeaderMap::new(),
        }
    }

    /// Sends `name: value` with every call, such as the `authorization`
    /// that a server's [`AuthLayer`](crate::middleware::AuthLayer) checks;
    /// as [`crate::http::Client::with_header`] does.
    #[must_use]
    pub fn with_header(mut self, name: http::HeaderName, value: http::HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Calls the subjects under `prefix`, as the server's
    /// [`Methods::prefix`](super::Methods::prefix) put them.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Sends and receives messages in protobuf's binary encoding instead
    /// of JSON.
    #[must_use]
    pub fn protobuf(mut self) -> Self {
        self.encoding = Encoding::Protobuf;
        self
    }

    /// Gives every call at most `timeout`, even when the context allows
    /// longer.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// The error of a call to `method` (`OrderService.watch`), which
    /// streams: NATS carries one request and one answer.
    pub fn cannot_stream(&self, method: &str) -> Error {
        Error::unimplemented(format!(
            "{method} streams, which NATS does not carry: call it over HTTP or gRPC"
        ))
    }

    /// Sends `request` on `method`'s subject (`ordersvc.OrderService.Create`,
    /// under the prefix) and decodes the reply. An error the service
    /// answered comes back as kit's error, with its variant.
    pub async fn call<Req, Resp>(
        &self,
        ctx: &Context,
        method: &str,
        request: &Req,
    ) -> Result<Resp, Error>
    where
        Req: Serialize + Message,
        Resp: DeserializeOwned + Message + Default,
    {
        let subject = subject(&self.prefix, method);
        let mut headers = HeaderMap::new();
        for (name, value) in ctx.metadata() {
            if crate::context::forwards(name)
                && let Ok(value) = value.to_str()
            {
                headers.append(name.as_str(), value);
            }
        }
        for (name, value) in &self.headers {
            if let Ok(value) = value.to_str() {
                headers.insert(name.as_str(), value);
            }
        }
        headers.insert(
            REQUEST_ID,
            ctx.request_id_header().to_str().unwrap_or_default(),
        );
        if self.encoding == Encoding::Protobuf {
            headers.insert(CONTENT_TYPE, self.encoding.content_type());
        }
        let mut call = async_nats::Request::new()
            .headers(headers)
            .payload(self.encoding.encode(request)?);
        if let Some(deadline) = ctx.deadline_within(self.timeout) {
            let remaining = deadline
                .checked_duration_since(Instant::now())
                .filter(|remaining| !remaining.is_zero())
                .ok_or_else(Error::deadline_exceeded)?;
            let mut headers = call.headers.take().unwrap_or_default();
            headers.insert(REQUEST_TIMEOUT, timeout::encode(remaining));
            call = call.headers(headers).timeout(Some(remaining));
        }
        let reply = self
            .nats
            .send_request(subject.clone(), call)
            .await
            .map_err(|error| match error.kind() {
                RequestErrorKind::NoResponders => {
                    Error::unavailable(format!("no service answers {subject}"))
                }
                RequestErrorKind::TimedOut => Error::deadline_exceeded(),
                RequestErrorKind::Other => {
                    Error::unavailable(format!("cannot call {subject}: {error}")).with_source(error)
                }
            })?;
        read_reply(self.encoding, reply)
    }
}

/// The response message of `reply`, or the error it holds.
fn read_reply<Resp>(encoding: Encoding, reply: async_nats::Message) -> Result<Resp, Error>
where
    Resp: DeserializeOwned + Message + Default,
{
    let failed = reply.headers.as_ref().and_then(|headers| {
        headers
            .get(SERVICE_ERROR_CODE)
            .map(|code| code.as_str().to_owned())
    });
    let Some(status) = failed else {
        return match encoding {
            Encoding::Json => serde_json::from_slice(&reply.payload).map_err(|error| {
                Error::internal(format!("cannot decode the reply: {error}")).with_source(error)
            }),
            Encoding::Protobuf => Resp::decode(reply.payload.as_ref()).map_err(|error| {
                Error::internal(format!("cannot decode the reply: {error}")).with_source(error)
            }),
        };
    };
    let status = status
        .parse::<u16>()
        .ok()
        .and_then(|status| http::StatusCode::from_u16(status).ok())
        .unwrap_or(http::StatusCode::INTERNAL_SERVER_ERROR);
    match serde_json::from_slice::<ErrorBody<'_>>(&reply.payload) {
        Ok(body) => Err(Error::from_body(body, status)),
        // A responder that is not kit's: its message is in the header.
        Err(_) => {
            let message = reply
                .headers
                .as_ref()
                .and_then(|headers| headers.get(SERVICE_ERROR))
                .map_or_else(
                    || String::from_utf8_lossy(&reply.payload).into_owned(),
                    |value| value.as_str().to_owned(),
                );
            Err(Error::new(Code::from_http_status(status), message).with_http_status(status))
        }
    }
}
