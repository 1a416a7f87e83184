//! The HTTP client side: a pooled hyper client that sends [`Binding`]s.

use std::convert::Infallible;
use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::StreamExt;
use futures_util::stream::BoxStream;
use http::header::{ACCEPT, CONTENT_TYPE};
use http::uri::{Authority, PathAndQuery, Scheme};
use http::{HeaderValue, Method, StatusCode, Uri};
use http_body_util::{BodyExt, Either, Full, LengthLimitError, Limited, StreamBody};
use hyper::body::{Frame, Incoming};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::message::{MessageRoute, encode_message};
use super::{Binding, Encoded, X_REQUEST_ID, X_REQUEST_TIMEOUT};
use crate::context::timeout;
use crate::error::ErrorBody;
use crate::sd::{Balance, Balancer, Instancer, Picked};
use crate::stream::{Failed, answers_until_failed, cancelled_by, until_failed};
use crate::tls::ClientTls;
use crate::{Code, Context, Error, Streaming};

/// A pooled HTTP/1.1 client bound to one base URL, or balancing over the
/// instances of a service ([`Client::discover`]), with an optional timeout
/// for every call, over TLS for `https://` (or [`Client::with_tls`]).
/// Cloning is cheap and shares the pool.
///
/// Each call sends the context's request id as `X-Request-ID`, the time left
/// (the earlier of the context's deadline and the client timeout) as
/// `X-Request-Timeout`, and the context's metadata as headers, apart from the
/// connection-level ones (see [`Client::call`]).
#[derive(Clone)]
pub struct Client {
    http: HyperClient<HttpsConnector<HttpConnector>, RequestBody>,
    /// `http`, or `https` for TLS.
    scheme: Scheme,
    target: Target,
    base_path: String,
    timeout: Option<Duration>,
    max_response_size: usize,
    headers: http::HeaderMap,
}

/// Where a client's calls go.
#[derive(Clone)]
enum Target {
    /// One server.
    Fixed(Authority),
    /// The instances of a service, one chosen per call.
    Discovered(Arc<Balancer<Authority>>),
}

/// The largest response body a client reads unless told otherwise: 4 MiB,
/// gRPC's default message limit.
pub const DEFAULT_MAX_RESPONSE_SIZE: usize = 4 << 20;

impl Client {
    /// A client for the service at `base_url`, such as
    /// `http://127.0.0.1:8080` or `https://orders.internal/api`; over
    /// `https`, servers are verified with [`ClientTls::system_roots`]
    /// unless [`Client::with_tls`] says otherwise.
    ///
    /// Fails with `INVALID_ARGUMENT` when the URL does not parse, has no
    /// host, or is neither `http` nor `https`.
    pub fn new(base_url: &str) -> Result<Self, Error> {
        let invalid =
            |why: &str| Error::invalid_argument(format!("invalid base URL {base_url:?}: {why}"));
        let uri: Uri = base_url.parse().map_err(|_| invalid("it does not parse"))?;
        let scheme = uri
            .scheme()
            .cloned()
            .ok_or_else(|| invalid("it has no scheme, such as http://"))?;
        if scheme != Scheme::HTTP && scheme != Scheme::HTTPS {
            return Err(invalid("expected http:// or https://"));
        }
        let authority = uri
            .authority()
            .cloned()
            .ok_or_else(|| invalid("it has no host"))?;
        if uri.query().is_some() {
            return Err(invalid("it cannot have a query"));
        }
        let base_path = uri.path().trim_end_matches('/').to_owned();
        let client = Client::to(Target::Fixed(authority), base_path);
        Ok(if scheme == Scheme::HTTPS {
            client.with_tls(&ClientTls::system_roots())
        } else {
            client
        })
    }

    /// A client of `service` (`ordersvc.OrderService`, named in errors)
    /// that sends each call to one of the instances of `instancer`, over
    /// `http://` (or TLS, [`Client::with_tls`]), chosen by `balance`. See [`crate::sd`] for what happens
    /// when there are none, or one fails.
    pub fn discover(service: &'static str, instancer: Instancer, balance: Balance) -> Self {
        let balancer = Balancer::new(service, instancer, balance, |instance| {
            instance.authority().clone()
        });
        Client::to(Target::Discovered(Arc::new(balancer)), String::new())
    }

    fn to(target: Target, base_path: String) -> Self {
        Client {
            http: pool(ClientTls::plain_only().connector(false)),
            scheme: Scheme::HTTP,
            target,
            base_path,
            timeout: None,
            max_response_size: DEFAULT_MAX_RESPONSE_SIZE,
            headers: http::HeaderMap::new(),
        }
    }

    /// Calls over TLS (`https`), verifying servers and presenting a client
    /// certificate as `tls` says, whatever the base URL's scheme. A new
    /// pool: connections open on first use.
    #[must_use]
    pub fn with_tls(mut self, tls: &ClientTls) -> Self {
        self.http = pool(tls.connector(false));
        self.scheme = Scheme::HTTPS;
        self
    }

    /// Sends `value` as the header `name` with every call, such as
    /// credentials (`authorization`), which contexts never pass on.
    #[must_use]
    pub fn with_header(mut self, name: http::HeaderName, value: HeaderValue) -> Self {
        self.headers.insert(name, value);
        self
    }

    /// Gives every call at most `timeout`; a context deadline that comes
    /// sooner still wins.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Refuses response bodies larger than `bytes` with
    /// `RESOURCE_EXHAUSTED`; the default is [`DEFAULT_MAX_RESPONSE_SIZE`].
    #[must_use]
    pub fn with_max_response_size(mut self, bytes: usize) -> Self {
        self.max_response_size = bytes;
        self
    }

    /// The per-call timeout, if set.
    pub fn timeout(&self) -> Option<Duration> {
        self.timeout
    }

    /// Sends one request and decodes the answer.
    ///
    /// Failures come back as [`Error`](struct@crate::Error)s: the server's error as it sent it
    /// (a business error keeps its variant), `UNAVAILABLE` when the server
    /// cannot be reached, `DEADLINE_EXCEEDED` when time runs out, `INTERNAL`
    /// when the answer cannot be decoded.
    ///
    /// Of the context's metadata, W3C trace context headers and custom `x-`
    /// headers are sent on (see the crate's decision record); the rest, such
    /// as `authorization`, describe the caller's own request and stay behind.
    pub async fn call<B: Binding>(&self, ctx: &Context, message: B) -> Result<B::Response, Error> {
        let payload = message.encode().map(Payload::Whole);
        self.exchange(ctx, B::METHOD, B::PATH, payload, OneMessage)
            .await
    }

    /// Sends a protobuf message by one of its method's HTTP rules and
    /// decodes the response message, both in proto3 JSON; otherwise as
    /// [`Client::call`].
    pub async fn call_message<Req, Resp>(
        &self,
        ctx: &Context,
        route: &'static MessageRoute,
        message: Req,
    ) -> Result<Resp, Error>
    where
        Req: Serialize,
        Resp: DeserializeOwned,
    {
        let payload = encode_message(route, &message).map(Payload::Whole);
        self.exchange(ctx, route.method.clone(), route.path, payload, OneMessage)
            .await
    }

    /// Calls the server streaming method of `B` and returns its stream of
    /// responses, read as newline-delimited JSON as the server sends them.
    /// Dropping the stream closes the call; the deadline covers the whole
    /// stream, which ends with `DEADLINE_EXCEEDED` when it passes. An error
    /// the server sends mid-stream is the stream's last item.
    pub async fn server_streaming<B: Binding>(
        &self,
        ctx: &Context,
        message: B,
    ) -> Result<Streaming<B::Response>, Error> {
        let payload = message.encode().map(Payload::Whole);
        let stream = self
            .exchange(ctx, B::METHOD, B::PATH, payload, JsonLines)
            .await?;
        Ok(self.within_deadline(ctx, stream))
    }

    /// Calls the client streaming method of `B`: sends `messages` as a
    /// request body of JSON lines, as the server reads it, and returns the
    /// response. An error in `messages` cancels the call and is returned
    /// as it is.
    pub async fn client_streaming<B>(
        &self,
        ctx: &Context,
        messages: Streaming<B>,
    ) -> Result<B::Response, Error>
    where
        B: Binding + Serialize,
    {
        self.send_lines(ctx, B::METHOD, B::PATH, messages, OneMessage)
            .await
    }

    /// [`Client::client_streaming`] for a method whose messages are
    /// protobuf messages with proto3 JSON, at `route`.
    pub async fn client_streaming_message<Req, Resp>(
        &self,
        ctx: &Context,
        route: &'static MessageRoute,
        messages: Streaming<Req>,
    ) -> Result<Resp, Error>
    where
        Req: Serialize + Send + 'static,
        Resp: DeserializeOwned,
    {
        self.send_lines(ctx, route.method.clone(), route.path, messages, OneMessage)
            .await
    }

    /// Calls the bidirectional streaming method of `B`: sends `messages`
    /// as a request body of JSON lines while it reads the response's, each
    /// at its own pace. An error in `messages` cancels the call; dropping
    /// the returned stream does too.
    pub async fn bidi_streaming<B>(
        &self,
        ctx: &Context,
        messages: Streaming<B>,
    ) -> Result<Streaming<B::Response>, Error>
    where
        B: Binding + Serialize,
    {
        self.bidi_lines(ctx, B::METHOD, B::PATH, messages).await
    }

    /// [`Client::bidi_streaming`] for a method whose messages are protobuf
    /// messages with proto3 JSON, at `route`.
    pub async fn bidi_streaming_message<Req, Resp>(
        &self,
        ctx: &Context,
        route: &'static MessageRoute,
        messages: Streaming<Req>,
    ) -> Result<Streaming<Resp>, Error>
    where
        Req: Serialize + Send + 'static,
        Resp: DeserializeOwned + Send + 'static,
    {
        self.bidi_lines(ctx, route.method.clone(), route.path, messages)
            .await
    }

    /// Sends `messages` to `path` as JSON lines and reads the answer as
    /// `answer` says, unless `messages` fails first.
    async fn send_lines<Req, T, A>(
        &self,
        ctx: &Context,
        method: Method,
        path: &'static str,
        messages: Streaming<Req>,
        answer: A,
    ) -> Result<T, Error>
    where
        Req: Serialize + Send + 'static,
        A: Read<T>,
    {
        let (payload, failed) = lines_of(path, messages);
        let call = self.exchange(ctx, method, path, Ok(payload), answer);
        cancelled_by(call, &failed).await
    }

    /// [`Client::send_lines`] with a stream of answers, which a failure of
    /// `messages` ends, as it does the call.
    async fn bidi_lines<Req, Resp>(
        &self,
        ctx: &Context,
        method: Method,
        path: &'static str,
        messages: Streaming<Req>,
    ) -> Result<Streaming<Resp>, Error>
    where
        Req: Serialize + Send + 'static,
        Resp: DeserializeOwned + Send + 'static,
    {
        let (payload, failed) = lines_of(path, messages);
        let call = self.exchange(ctx, method, path, Ok(payload), JsonLines);
        let answers: Streaming<Resp> = cancelled_by(call, &failed).await?;
        let answers = answers_until_failed(answers, failed);
        Ok(self.within_deadline(ctx, answers))
    }

    /// [`Client::server_streaming`] for a method whose messages are
    /// protobuf messages with proto3 JSON, at `route`.
    pub async fn server_streaming_message<Req, Resp>(
        &self,
        ctx: &Context,
        route: &'static MessageRoute,
        message: Req,
    ) -> Result<Streaming<Resp>, Error>
    where
        Req: Serialize,
        Resp: DeserializeOwned + Send + 'static,
    {
        let payload = encode_message(route, &message).map(Payload::Whole);
        let stream = self
            .exchange(ctx, route.method.clone(), route.path, payload, JsonLines)
            .await?;
        Ok(self.within_deadline(ctx, stream))
    }

    /// `stream`, ending when the call's deadline passes.
    fn within_deadline<T: Send + 'static>(
        &self,
        ctx: &Context,
        stream: Streaming<T>,
    ) -> Streaming<T> {
        match ctx.deadline_within(self.timeout) {
            Some(deadline) => stream.until(deadline),
            None => stream,
        }
    }

    /// Posts `body`, JSON, to `path` and reads the whole answer, whatever
    /// its status, with `read`: for protocols carried in HTTP/JSON bodies
    /// (JSON-RPC), which get this client's pool, balancing, deadline and
    /// headers.
    pub(crate) async fn post_json<T>(
        &self,
        ctx: &Context,
        path: &'static str,
        body: Bytes,
        read: fn(StatusCode, &Bytes) -> Result<T, Error>,
    ) -> Result<T, Error> {
        let payload = Payload::Whole(Encoded {
            target: path.to_owned(),
            body: Some(body),
        });
        self.exchange(ctx, Method::POST, path, Ok(payload), ReadWith(read))
            .await
    }

    async fn exchange<T, Resp: Read<T>>(
        &self,
        ctx: &Context,
        method: Method,
        route: &'static str,
        payload: Result<Payload, Error>,
        answer: Resp,
    ) -> Result<T, Error> {
        let (authority, picked) = match &self.target {
            Target::Fixed(authority) => (authority.clone(), None),
            Target::Discovered(balancer) => {
                let picked = balancer.pick()?;
                (picked.connection().clone(), Some(picked))
            }
        };
        let result = self
            .exchange_with(ctx, &authority, method, route, payload, &answer)
            .await;
        match picked {
            Some(picked) => {
                picked.record(&result);
                result.map(|answered| answer.hold(answered, picked))
            }
            None => result,
        }
    }

    async fn exchange_with<T, Resp: Read<T>>(
        &self,
        ctx: &Context,
        authority: &Authority,
        method: Method,
        route: &'static str,
        payload: Result<Payload, Error>,
        answer: &Resp,
    ) -> Result<T, Error> {
        let deadline = ctx.deadline_within(self.timeout);
        let request = self.request(
            ctx,
            authority,
            method.clone(),
            payload?,
            deadline,
            answer.accept(),
        )?;
        let exchange = async {
            let response = self.http.request(request).await.map_err(|error| {
                Error::unavailable(format!("{method} {authority}{route}: {error}"))
                    .with_source(error)
            })?;
            let (parts, body) = response.into_parts();
            if parts.status.is_success()
                && let Some(read) = answer.streamed()
            {
                return Ok(read(body, self.max_response_size));
            }
            let body = Limited::new(body, self.max_response_size)
                .collect()
                .await
                .map_err(|error| {
                    if error.is::<LengthLimitError>() {
                        Error::new(
                            Code::ResourceExhausted,
                            format!(
                                "the response body is larger than the limit of {} bytes",
                                self.max_response_size
                            ),
                        )
                    } else {
                        Error::unavailable(format!("cannot read the response body: {error}"))
                    }
                })?;
            answer
                .whole(parts.status, &body.to_bytes())
                .map_err(|error| match retry_after(&parts.headers) {
                    Some(after) => error.with_retry_after(after),
                    None => error,
                })
        };
        match deadline {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), exchange)
                .await
                .map_err(|_| Error::deadline_exceeded())?,
            None => exchange.await,
        }
    }

    fn request(
        &self,
        ctx: &Context,
        authority: &Authority,
        method: Method,
        payload: Payload,
        deadline: Option<Instant>,
        accept: &'static str,
    ) -> Result<http::Request<RequestBody>, Error> {
        let remaining = match deadline {
            Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
                Some(remaining) if !remaining.is_zero() => Some(remaining),
                _ => return Err(Error::deadline_exceeded()),
            },
            None => None,
        };
        let (path, body, content_type) = match payload {
            Payload::Whole(encoded) => {
                let content_type = encoded.body.is_some().then_some("application/json");
                let body = Either::Left(Full::new(encoded.body.unwrap_or_default()));
                (encoded.target, body, content_type)
            }
            Payload::Lines { target, lines } => (
                target,
                Either::Right(StreamBody::new(lines)),
                Some(super::stream::NDJSON),
            ),
        };
        let mut target = String::with_capacity(self.base_path.len() + path.len());
        target.push_str(&self.base_path);
        target.push_str(&path);
        let path_and_query = PathAndQuery::try_from(target).map_err(|error| {
            Error::invalid_argument(format!("cannot build the request target: {error}"))
        })?;
        let uri = Uri::builder()
            .scheme(self.scheme.clone())
            .authority(authority.clone())
            .path_and_query(path_and_query)
            .build()
            .map_err(|error| Error::internal(format!("cannot build the request URI: {error}")))?;

        let mut request = http::Request::new(body);
        *request.method_mut() = method;
        *request.uri_mut() = uri;
        let headers = request.headers_mut();
        for (name, value) in ctx.metadata() {
            if crate::context::forwards(name) {
                headers.append(name, value.clone());
            }
        }
        for (name, value) in &self.headers {
            headers.insert(name, value.clone());
        }
        headers.insert(X_REQUEST_ID, ctx.request_id_header().clone());
        headers.insert(ACCEPT, HeaderValue::from_static(accept));
        if let Some(content_type) = content_type {
            headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        }
        if let Some(remaining) = remaining {
            let value = HeaderValue::try_from(timeout::encode(remaining))
                .map_err(|error| Error::internal(format!("cannot encode the timeout: {error}")))?;
            headers.insert(X_REQUEST_TIMEOUT, value);
        }
        Ok(request)
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Client");
        match &self.target {
            Target::Fixed(authority) => debug.field(
                "base_url",
                &format_args!("{}://{authority}{}", self.scheme, self.base_path),
            ),
            Target::Discovered(balancer) => debug.field("instancer", balancer.instancer()),
        };
        debug.field("timeout", &self.timeout).finish()
    }
}

/// A pool of connections made by `connector`.
fn pool(
    connector: HttpsConnector<HttpConnector>,
) -> HyperClient<HttpsConnector<HttpConnector>, RequestBody> {
    HyperClient::builder(TokioExecutor::new())
        .pool_timer(TokioTimer::new())
        .build(connector)
}

/// `Retry-After` in seconds; the HTTP-date form is not read.
fn retry_after(headers: &http::HeaderMap) -> Option<Duration> {
    headers
        .get(http::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim()
        .parse::<u64>()
        .ok()
        .map(Duration::from_secs)
}

/// `messages` as the lines of a request body to `path`, and where their
/// first error goes.
fn lines_of<Req: Serialize + Send + 'static>(
    path: &'static str,
    messages: Streaming<Req>,
) -> (Payload, Failed) {
    let encoded = Streaming::new(messages.map(|item| {
        let mut line = serde_json::to_vec(&item?).map_err(|error| {
            Error::internal(format!("cannot encode a streamed request: {error}"))
        })?;
        line.push(b'\n');
        Ok(Frame::data(Bytes::from(line)))
    }));
    let (lines, failed) = until_failed(encoded);
    let payload = Payload::Lines {
        target: path.to_owned(),
        lines: lines.map(Ok).boxed(),
    };
    (payload, failed)
}

/// A request body: one JSON message, or a stream of them.
type RequestBody = Either<Full<Bytes>, StreamBody<LineStream>>;

/// The lines of a streamed request body.
type LineStream = BoxStream<'static, Result<Frame<Bytes>, Infallible>>;

/// What a call sends: a whole request, or a stream of messages to a path.
enum Payload {
    /// The target and the body, if any, of one message.
    Whole(Encoded),
    /// A stream of messages, a JSON line each.
    Lines {
        /// The path.
        target: String,
        /// The lines.
        lines: LineStream,
    },
}

/// A response that is one JSON message.
struct OneMessage;

/// A response that is a stream of JSON messages, a line each.
struct JsonLines;

/// A response read by a function of its status and body.
struct ReadWith<T>(fn(StatusCode, &Bytes) -> Result<T, Error>);

impl<T> Read<T> for ReadWith<T> {
    fn accept(&self) -> &'static str {
        "application/json"
    }
    fn streamed(&self) -> Option<fn(Incoming, usize) -> T> {
        None
    }
    fn hold(&self, answered: T, _: Picked<Authority>) -> T {
        answered
    }
    fn whole(&self, status: StatusCode, body: &Bytes) -> Result<T, Error> {
        (self.0)(status, body)
    }
}

/// How a call reads a response into `T`.
trait Read<T> {
    /// The `Accept` header that asks for it.
    fn accept(&self) -> &'static str;
    /// For a stream: what reads a successful body as it comes.
    fn streamed(&self) -> Option<fn(Incoming, usize) -> T>;
    /// `answered`, keeping the instance a balancer picked busy for as long
    /// as the answer is still being read.
    fn hold(&self, answered: T, picked: Picked<Authority>) -> T;
    /// Reads a whole body: the message, or the error it holds.
    fn whole(&self, status: StatusCode, body: &Bytes) -> Result<T, Error>;
}

impl<Resp: DeserializeOwned> Read<Resp> for OneMessage {
    fn accept(&self) -> &'static str {
        "application/json"
    }
    fn streamed(&self) -> Option<fn(Incoming, usize) -> Resp> {
        None
    }
    fn hold(&self, answered: Resp, _: Picked<Authority>) -> Resp {
        answered
    }
    fn whole(&self, status: StatusCode, body: &Bytes) -> Result<Resp, Error> {
        decode_response(status, body)
    }
}

impl<T: DeserializeOwned + Send + 'static> Read<Streaming<T>> for JsonLines {
    fn accept(&self) -> &'static str {
        super::stream::NDJSON
    }
    fn streamed(&self) -> Option<fn(Incoming, usize) -> Streaming<T>> {
        Some(super::stream::read_json_lines)
    }
    fn hold(&self, answered: Streaming<T>, picked: Picked<Authority>) -> Streaming<T> {
        Streaming::new(answered.inspect(move |_| {
            let _busy = &picked;
        }))
    }
    fn whole(&self, status: StatusCode, body: &Bytes) -> Result<Streaming<T>, Error> {
        // Only an error is read whole.
        decode_response::<serde::de::IgnoredAny>(status, body)?;
        Err(Error::internal("expected a stream of JSON lines"))
    }
}

pub(crate) fn decode_response<T: serde::de::DeserializeOwned>(
    status: StatusCode,
    body: &Bytes,
) -> Result<T, Error> {
    if status.is_success() {
        return serde_json::from_slice(body).map_err(|error| {
            Error::internal(format!("cannot decode the response body: {error}")).with_source(error)
        });
    }
    match serde_json::from_slice::<ErrorBody<'_>>(body) {
        Ok(error) => Err(Error::from_body(error, status)),
        Err(_) => {
            let text = String::from_utf8_lossy(body);
            let excerpt: String = text.chars().take(200).collect();
            Err(Error::new(
                Code::from_http_status(status),
                format!("HTTP {status}: {excerpt}"),
            )
            .with_http_status(status))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_are_checked() {
        assert!(Client::new("http://127.0.0.1:8080").is_ok());
        let client = Client::new("http://example.test/api/").unwrap();
        assert_eq!(client.base_path, "/api");
        assert_eq!(client.scheme, Scheme::HTTP);
        let client = Client::new("https://example.test").unwrap();
        assert_eq!(client.scheme, Scheme::HTTPS);
        for bad in [
            "",
            "127.0.0.1:8080",
            "ftp://example.test",
            "http://x/?q=1",
            "not a url",
        ] {
            let error = Client::new(bad).unwrap_err();
            assert_eq!(error.code(), Code::InvalidArgument, "{bad}");
            assert!(error.message().starts_with("invalid base URL"), "{bad}");
        }
    }

    #[test]
    fn foreign_error_bodies_keep_their_status() {
        let error = decode_response::<()>(
            StatusCode::BAD_GATEWAY,
            &Bytes::from_static(b"<html>bad gateway</html>"),
        )
        .unwrap_err();
        assert_eq!(error.code(), Code::Unavailable);
        assert_eq!(error.http_status(), StatusCode::BAD_GATEWAY);
        assert!(error.message().contains("bad gateway"));
    }
}
