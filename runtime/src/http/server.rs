//! The HTTP server side: endpoints become axum routes.

use std::future::Future;
use std::pin::Pin;

use axum::body::Body;
use axum::handler::Handler;
use axum::response::{IntoResponse, Response};
use axum::routing::{MethodFilter, on};
use axum::{Extension, Router};
use bytes::Bytes;
use futures_util::FutureExt;
use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::request::Parts;
use http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use serde::Serialize;
use serde::de::DeserializeOwned;

use super::message::{self, MessageRoute};
use super::{Binding, X_REQUEST_ID, X_REQUEST_TIMEOUT};
use tower::ServiceExt;

use crate::context::request_id_from;
use crate::{Code, Context, Endpoint, Error, Request, Streaming, server_call};

/// The largest request body the server reads unless told otherwise: 1 MiB.
pub const DEFAULT_BODY_LIMIT: usize = 1 << 20;

/// The request body limit of the routes under it, set with [`body_limit`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BodyLimit(pub usize);

/// A layer that sets the request body limit for every route of a router;
/// larger bodies get `413 Payload Too Large`.
///
/// ```
/// # fn wrap(router: axum::Router) -> axum::Router {
/// router.layer(kit::http::body_limit(8 << 20))
/// # }
/// ```
pub fn body_limit(bytes: usize) -> Extension<BodyLimit> {
    Extension(BodyLimit(bytes))
}

/// Where a router serves its OpenAPI document.
pub const OPENAPI_PATH: &str = "/openapi.json";

/// Collects endpoints into an axum [`Router`], one route per endpoint, with
/// JSON answers for unknown paths (404) and wrong methods (405).
///
/// Generated `http_router` functions use it; it is public for routers built
/// from endpoints by hand. Routes that axum's router cannot hold side by
/// side (the same method and path twice, or `/items/{id}` beside
/// `/items/{name}`) make [`RouterBuilder::build`] fail, naming both, where
/// axum would panic.
#[derive(Debug, Default)]
pub struct RouterBuilder {
    router: Router,
    /// The paths so far, as axum's router holds them.
    paths: matchit::Router<()>,
    /// The method and path of every route so far.
    bound: Vec<(http::Method, &'static str)>,
    /// The first route that could not be added.
    clash: Option<Error>,
}

impl RouterBuilder {
    /// An empty builder.
    pub fn new() -> Self {
        RouterBuilder::default()
    }

    /// Adds the routes of `other`, another service's say, to these, so
    /// that one router serves both; a route of `other` that clashes with
    /// one of these makes [`RouterBuilder::build`] fail, naming both.
    #[must_use]
    pub fn merge(mut self, other: RouterBuilder) -> Self {
        let mut admitted = true;
        for (method, path) in &other.bound {
            admitted &= self.admits(method, path);
        }
        if let Some(clash) = other.clash {
            self.clash.get_or_insert(clash);
        }
        // axum would panic on a clash; the error is kept instead.
        if admitted {
            self.router = self.router.merge(other.router);
        }
        self
    }

    /// Whether axum's router can take `method` at `path`; if not, the
    /// first such reason is kept for [`RouterBuilder::build`].
    fn admits(&mut self, method: &http::Method, path: &'static str) -> bool {
        let refused = if !path.starts_with('/') {
            Some("a path starts with `/`".to_owned())
        } else if path
            .split('/')
            .any(|segment| segment.starts_with(':') || segment.starts_with('*'))
        {
            Some("axum 0.8 takes `{param}`, not `:param` or `*param`".to_owned())
        } else if MethodFilter::try_from(method.clone()).is_err() {
            Some("axum routes only the standard HTTP methods".to_owned())
        } else if self.bound.iter().any(|(m, p)| m == method && *p == path) {
            Some("it is bound twice".to_owned())
        } else if self.bound.iter().any(|(_, p)| *p == path) {
            // Another method at a path axum holds already.
            None
        } else {
            match self.paths.insert(path, ()) {
                Ok(()) => None,
                Err(matchit::InsertError::Conflict { with }) => Some(format!(
                    "axum's router cannot hold it beside `{with}` (a parameter at the same \
                     place must have the same name)"
                )),
                Err(error) => Some(error.to_string()),
            }
        };
        match refused {
            None => {
                self.bound.push((method.clone(), path));
                true
            }
            Some(why) => {
                self.clash.get_or_insert_with(|| {
                    Error::invalid_argument(format!("cannot serve `{method} {path}`: {why}"))
                });
                false
            }
        }
    }

    /// Serves `endpoint` at its binding's method and path.
    #[must_use]
    pub fn endpoint<B: Binding>(self, endpoint: Endpoint<B, B::Response>) -> Self {
        self.serve_at(
            B::METHOD,
            B::PATH,
            endpoint,
            BindingRequest::<B>::new,
            json_answer,
        )
    }

    /// Serves the server streaming `endpoint` at its binding's method and
    /// path: its stream of answers as Server-Sent Events or as JSON lines,
    /// as the request's `Accept` asks (see [`crate::http`]).
    #[must_use]
    pub fn server_streaming<B: Binding>(
        self,
        endpoint: Endpoint<B, Streaming<B::Response>>,
    ) -> Self {
        self.serve_at(
            B::METHOD,
            B::PATH,
            endpoint,
            BindingRequest::<B>::new,
            stream_answer,
        )
    }

    /// Serves the client streaming `endpoint` at its binding's method and
    /// path: the request body is a stream of JSON lines, one message each
    /// (`Content-Type: application/x-ndjson`), which the endpoint reads as
    /// it arrives; each line is limited as a whole body is.
    #[must_use]
    pub fn client_streaming<B>(self, endpoint: Endpoint<Streaming<B>, B::Response>) -> Self
    where
        B: Binding + DeserializeOwned,
    {
        self.serve_at(B::METHOD, B::PATH, endpoint, || JsonLines, json_answer)
    }

    /// Serves the bidirectional streaming `endpoint` at its binding's
    /// method and path: requests as for
    /// [`RouterBuilder::client_streaming`], answers as for
    /// [`RouterBuilder::server_streaming`], both at once on one exchange
    /// (which a client that sends its whole body before it reads, such as a
    /// browser's `fetch`, cannot use).
    #[must_use]
    pub fn bidi_streaming<B>(self, endpoint: Endpoint<Streaming<B>, Streaming<B::Response>>) -> Self
    where
        B: Binding + DeserializeOwned,
    {
        self.serve_at(B::METHOD, B::PATH, endpoint, || JsonLines, stream_answer)
    }

    /// Serves `endpoint`, whose messages are protobuf messages with proto3
    /// JSON, at every one of `routes` (a method's HTTP rule and its
    /// additional bindings).
    #[must_use]
    pub fn message_endpoint<Req, Resp>(
        self,
        routes: &'static [MessageRoute],
        endpoint: Endpoint<Req, Resp>,
    ) -> Self
    where
        Req: DeserializeOwned + Send + 'static,
        Resp: Serialize + Send + 'static,
    {
        routes.iter().fold(self, |builder, route| {
            let read = move || MessageRequest(route);
            builder.serve_at(
                route.method.clone(),
                route.path,
                endpoint.clone(),
                read,
                json_answer,
            )
        })
    }

    /// Serves the server streaming `endpoint`, whose messages are protobuf
    /// messages with proto3 JSON, at every one of `routes`, as
    /// [`RouterBuilder::server_streaming`] does.
    #[must_use]
    pub fn message_server_streaming<Req, Resp>(
        self,
        routes: &'static [MessageRoute],
        endpoint: Endpoint<Req, Streaming<Resp>>,
    ) -> Self
    where
        Req: DeserializeOwned + Send + 'static,
        Resp: Serialize + Send + 'static,
    {
        routes.iter().fold(self, |builder, route| {
            let read = move || MessageRequest(route);
            builder.serve_at(
                route.method.clone(),
                route.path,
                endpoint.clone(),
                read,
                stream_answer,
            )
        })
    }

    /// Serves the client streaming `endpoint`, whose messages are protobuf
    /// messages with proto3 JSON, at every one of `routes`, as
    /// [`RouterBuilder::client_streaming`] does.
    #[must_use]
    pub fn message_client_streaming<Req, Resp>(
        self,
        routes: &'static [MessageRoute],
        endpoint: Endpoint<Streaming<Req>, Resp>,
    ) -> Self
    where
        Req: DeserializeOwned + Send + 'static,
        Resp: Serialize + Send + 'static,
    {
        routes.iter().fold(self, |builder, route| {
            builder.serve_at(
                route.method.clone(),
                route.path,
                endpoint.clone(),
                || JsonLines,
                json_answer,
            )
        })
    }

    /// Serves the bidirectional streaming `endpoint`, whose messages are
    /// protobuf messages with proto3 JSON, at every one of `routes`, as
    /// [`RouterBuilder::bidi_streaming`] does.
    #[must_use]
    pub fn message_bidi_streaming<Req, Resp>(
        self,
        routes: &'static [MessageRoute],
        endpoint: Endpoint<Streaming<Req>, Streaming<Resp>>,
    ) -> Self
    where
        Req: DeserializeOwned + Send + 'static,
        Resp: Serialize + Send + 'static,
    {
        routes.iter().fold(self, |builder, route| {
            builder.serve_at(
                route.method.clone(),
                route.path,
                endpoint.clone(),
                || JsonLines,
                stream_answer,
            )
        })
    }

    /// Serves `endpoint` at `method` and `path`, reading each request with
    /// what `read` makes and answering as `answer` says; or keeps why not,
    /// for [`RouterBuilder::build`].
    fn serve_at<Req, Resp, R, E>(
        mut self,
        method: http::Method,
        path: &'static str,
        endpoint: Endpoint<Req, Resp>,
        read: impl Fn() -> R + Clone + Send + Sync + 'static,
        answer: fn(&mut Context, &http::Extensions) -> E,
    ) -> Self
    where
        Req: Send + 'static,
        Resp: Send + 'static,
        R: ReadRequest<Req> + 'static,
        E: FnOnce(Resp) -> Result<Response, Error> + Send + 'static,
    {
        if !self.admits(&method, path) {
            return self;
        }
        let filter = MethodFilter::try_from(method).unwrap_or(MethodFilter::POST);
        // axum clones the handler for each request and calls it once.
        let handler =
            move |request: axum::extract::Request| handle(endpoint, request, path, read(), answer);
        self.router = self.router.route(path, on(filter, Boxed(handler)));
        self
    }

    /// Answers `GET /openapi.json` with `document`'s JSON, made at the
    /// first request; a document that cannot be made answers `INTERNAL`.
    #[must_use]
    pub fn openapi(
        mut self,
        document: fn() -> Result<
            crate::proto::schema::openapi::OpenApi,
            crate::proto::schema::SchemaError,
        >,
    ) -> Self {
        if !self.admits(&http::Method::GET, OPENAPI_PATH) {
            return self;
        }
        let made: std::sync::Arc<std::sync::OnceLock<Result<Bytes, String>>> =
            std::sync::Arc::default();
        let handler = move || {
            let json = made.get_or_init(|| {
                document()
                    .map_err(|error| error.to_string())
                    .and_then(|document| {
                        document
                            .to_pretty_json()
                            .map(Bytes::from)
                            .map_err(|error| error.to_string())
                    })
            });
            let response = match json {
                Ok(json) => (
                    [(http::header::CONTENT_TYPE, "application/json")],
                    json.clone(),
                )
                    .into_response(),
                Err(error) => Error::internal(format!("cannot make the OpenAPI document: {error}"))
                    .into_response(),
            };
            std::future::ready(response)
        };
        self.router = self.router.route(OPENAPI_PATH, axum::routing::get(handler));
        self
    }

    /// The router, with the JSON fallbacks in place; or, when a route
    /// could not be added, `INVALID_ARGUMENT` naming it and why.
    pub fn build(self) -> Result<Router, Error> {
        match self.clash {
            Some(clash) => Err(clash),
            None => Ok(self
                .router
                .method_not_allowed_fallback(method_not_allowed)
                .fallback(not_found)),
        }
    }
}

/// A handler that boxes the future of its function as it is. axum's own
/// impl for functions boxes an `async` block that awaits the function's
/// future, which copies the future once more per request.
#[derive(Clone)]
struct Boxed<F>(F);

/// The marker of [`Boxed`]'s `Handler` impl.
struct Direct;

impl<F, Fut> Handler<Direct, ()> for Boxed<F>
where
    F: FnOnce(axum::extract::Request) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = Response> + Send + 'static,
{
    type Future = Pin<Box<dyn Future<Output = Response> + Send>>;

    fn call(self, request: axum::extract::Request, _state: ()) -> Self::Future {
        Box::pin((self.0)(request))
    }
}

async fn not_found(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let error = Error::not_found(format!("no route for {method} {}", uri.path()));
    with_request_id(error.into_response(), request_id_from(&headers))
}

async fn method_not_allowed(method: Method, uri: Uri, headers: HeaderMap) -> Response {
    let error = Error::new(
        Code::Unimplemented,
        format!("{} does not accept {method}", uri.path()),
    )
    .with_http_status(StatusCode::METHOD_NOT_ALLOWED);
    with_request_id(error.into_response(), request_id_from(&headers))
}

fn with_request_id(mut response: Response, request_id: HeaderValue) -> Response {
    response.headers_mut().insert(X_REQUEST_ID, request_id);
    response
}

/// Serves one request: the context from the headers, then, under the
/// caller's deadline and the panic guard of [`server_call`], the request
/// read as `read` says, the endpoint called, and its answer encoded as
/// `answer` says, from the request's context. (A plain function, for the
/// reason [`server_call::serve`] gives.)
fn handle<Req, Resp, R, A, E>(
    endpoint: Endpoint<Req, Resp>,
    request: axum::extract::Request,
    route: &'static str,
    read: R,
    answer: A,
) -> impl Future<Output = Response>
where
    Req: Send + 'static,
    Resp: 'static,
    R: ReadRequest<Req>,
    A: FnOnce(&mut Context, &http::Extensions) -> E,
    E: FnOnce(Resp) -> Result<Response, Error>,
{
    let (mut parts, body) = request.into_parts();
    let (ctx, limit) = server_context(&mut parts);
    let work = move |mut ctx: Context| async move {
        let encode = answer(&mut ctx, &parts.extensions);
        let message = read.read(parts, body, ctx.metadata(), limit).await?;
        let response = endpoint.oneshot(Request::new(ctx, message)).await?;
        encode(response)
    };
    server_call::serve(ctx, X_REQUEST_TIMEOUT, route, work).map(|(request_id, served)| {
        let response = served.unwrap_or_else(IntoResponse::into_response);
        with_request_id(response, request_id)
    })
}

/// A server request's context (its headers, taken, and its connection's
/// peer) and its body limit.
pub(crate) fn server_context(parts: &mut Parts) -> (Context, usize) {
    let limit = parts
        .extensions
        .get::<BodyLimit>()
        .map_or(DEFAULT_BODY_LIMIT, |limit| limit.0);
    let peer = crate::serve::peer_of(&parts.extensions);
    let ctx = Context::from_headers(std::mem::take(&mut parts.headers), peer);
    (ctx, limit)
}

/// How a route reads its request message from the request.
trait ReadRequest<Req>: Send {
    /// The message of the request with `parts`, `body` and `headers`,
    /// whose body may be `limit` bytes (a message of a stream: each).
    fn read(
        self,
        parts: Parts,
        body: Body,
        headers: &HeaderMap,
        limit: usize,
    ) -> impl Future<Output = Result<Req, Error>> + Send;
}

/// A [`Binding`]'s request: its JSON body, if it has one, read whole,
/// then decoded with what its path and query hold.
struct BindingRequest<B>(std::marker::PhantomData<fn() -> B>);

impl<B> BindingRequest<B> {
    fn new() -> Self {
        BindingRequest(std::marker::PhantomData)
    }
}

impl<B: Binding> ReadRequest<B> for BindingRequest<B> {
    async fn read(
        self,
        mut parts: Parts,
        body: Body,
        headers: &HeaderMap,
        limit: usize,
    ) -> Result<B, Error> {
        let bytes = whole_body(B::HAS_BODY, headers, body, limit).await?;
        B::decode(&mut parts, bytes).await
    }
}

/// A protobuf message's request at `route`, as
/// [`BindingRequest`] reads a binding's.
struct MessageRequest(&'static MessageRoute);

impl<Req: DeserializeOwned + Send> ReadRequest<Req> for MessageRequest {
    async fn read(
        self,
        mut parts: Parts,
        body: Body,
        headers: &HeaderMap,
        limit: usize,
    ) -> Result<Req, Error> {
        let route = self.0;
        let bytes = whole_body(route.has_body(), headers, body, limit).await?;
        message::decode_message(route, &mut parts, &bytes).await
    }
}

/// The JSON body, read whole, if the request `has_body`; else nothing,
/// though what a client sent anyway is read and dropped.
async fn whole_body(
    has_body: bool,
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, Error> {
    if has_body {
        read_body(headers, body, limit).await
    } else {
        // An HTTP/2 stream answered before its body has arrived is reset,
        // which some clients (curl) report as an error instead of the
        // answer. A request without a body costs nothing here.
        if !axum::body::HttpBody::is_end_stream(&body) {
            drain(body).await;
        }
        Ok(Bytes::new())
    }
}

/// A request that is a stream of messages: JSON lines, read as they come.
struct JsonLines;

impl<T: DeserializeOwned + Send + 'static> ReadRequest<Streaming<T>> for JsonLines {
    async fn read(
        self,
        _: Parts,
        body: Body,
        headers: &HeaderMap,
        limit: usize,
    ) -> Result<Streaming<T>, Error> {
        let content_type = super::header(headers, &CONTENT_TYPE);
        if !is_json(content_type) && !super::stream::is_json_lines(content_type) {
            return Err(Error::invalid_argument(format!(
                "expected a request body with `Content-Type: {}`",
                super::stream::NDJSON
            ))
            .with_http_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
        }
        Ok(super::stream::read_request_lines(body, limit))
    }
}

pub(crate) async fn read_body(
    headers: &HeaderMap,
    body: Body,
    limit: usize,
) -> Result<Bytes, Error> {
    if !is_json(super::header(headers, &CONTENT_TYPE)) {
        return Err(Error::invalid_argument(
            "expected a request body with `Content-Type: application/json`",
        )
        .with_http_status(StatusCode::UNSUPPORTED_MEDIA_TYPE));
    }
    let too_large = || {
        Error::new(
            Code::ResourceExhausted,
            format!("the request body is larger than the limit of {limit} bytes"),
        )
        .with_http_status(StatusCode::PAYLOAD_TOO_LARGE)
    };
    let declared = super::header(headers, &CONTENT_LENGTH)
        .and_then(|length| length.to_str().ok()?.parse::<u64>().ok());
    let mut body = body;
    if let Some(declared) = declared.filter(|&length| length > limit as u64) {
        // A client waiting for `100 Continue` has sent nothing to drain,
        // and one whose body is larger than the drain is cut off anyway.
        let waits = super::header(headers, &http::header::EXPECT).is_some();
        if !waits && declared <= (limit + DRAIN_AT_MOST) as u64 {
            drain(body).await;
        }
        return Err(too_large());
    }
    match Limited::new(&mut body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => {
            drain(body).await;
            Err(too_large())
        }
        Err(error) => Err(Error::invalid_argument(format!(
            "cannot read the request body: {error}"
        ))),
    }
}

/// How much of a body refused as too large the server still reads, and for
/// how long, before it answers: closing a connection with unread data makes
/// the kernel reset it, and a client still sending its body would see the
/// reset instead of the 413. A larger body is cut off, as before.
const DRAIN_AT_MOST: usize = 8 << 20;
const DRAIN_FOR: std::time::Duration = std::time::Duration::from_secs(5);

/// Reads and drops what is left of `body`, within [`DRAIN_AT_MOST`] and
/// [`DRAIN_FOR`].
async fn drain(mut body: Body) {
    let mut left = DRAIN_AT_MOST;
    let read = async {
        while let Some(Ok(frame)) = body.frame().await {
            let read = frame.data_ref().map_or(0, Bytes::len);
            left = left.saturating_sub(read);
            if left == 0 {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(DRAIN_FOR, read).await;
}

/// `application/json`, or any `application/*+json`, with or without
/// parameters.
fn is_json(content_type: Option<&HeaderValue>) -> bool {
    // On bytes, not `str`: this runs for every request with a body, and
    // splitting and trimming a `str` cost more than the rest of the check.
    let Some(value) = content_type else {
        return false;
    };
    let bytes = value.as_bytes();
    // What nearly every client sends.
    if bytes == b"application/json" {
        return true;
    }
    let essence = match bytes.iter().position(|&byte| byte == b';') {
        Some(end) => &bytes[..end],
        None => bytes,
    }
    .trim_ascii();
    let Some(slash) = essence.iter().position(|&byte| byte == b'/') else {
        return false;
    };
    let (kind, subtype) = (&essence[..slash], &essence[slash + 1..]);
    kind.eq_ignore_ascii_case(b"application")
        && (subtype.eq_ignore_ascii_case(b"json")
            || subtype
                .len()
                .checked_sub(b"+json".len())
                .is_some_and(|at| subtype[at..].eq_ignore_ascii_case(b"+json")))
}

/// A server streaming method's answer: its stream, in the format the
/// request's `Accept` asks for. The server's closing signal goes in the
/// context, which the endpoint's stream heeds.
fn stream_answer<T: Serialize + Send + 'static>(
    ctx: &mut Context,
    extensions: &http::Extensions,
) -> impl FnOnce(Streaming<T>) -> Result<Response, Error> + use<T> {
    if let Some(closing) = crate::serve::closing_of(extensions) {
        ctx.insert_extension(closing.clone());
    }
    let format = super::stream::Format::asked_by(ctx);
    move |stream| Ok(super::stream::response(stream, format))
}

/// A unary method's answer: its response message as JSON, whatever the
/// request.
fn json_answer<Resp: Serialize>(
    _: &mut Context,
    _: &http::Extensions,
) -> fn(Resp) -> Result<Response, Error> {
    |response| {
        serde_json::to_vec(&response)
            .map(|json| json_response(StatusCode::OK, json))
            .map_err(|error| Error::internal(format!("cannot encode the response: {error}")))
    }
}

fn json_response(status: StatusCode, json: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(json));
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

impl IntoResponse for Error {
    fn into_response(self) -> Response {
        let json = serde_json::to_vec(&self.to_body()).unwrap_or_else(|_| {
            br#"{"code":"INTERNAL","message":"cannot encode the error"}"#.to_vec()
        });
        let mut response = json_response(self.http_status(), json);
        if let Some(after) = self.retry_after() {
            let seconds = after.as_secs() + u64::from(after.subsec_nanos() > 0);
            response
                .headers_mut()
                .insert(http::header::RETRY_AFTER, HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::message::{FieldKinds, MessageBody, MessageRoute};

    /// A route at `path`, for the builder's checks.
    fn route(method: http::Method, path: &'static str) -> &'static [MessageRoute] {
        Box::leak(Box::new([MessageRoute {
            method,
            path,
            params: &[],
            body: MessageBody::None,
            fields: Box::leak(Box::new(FieldKinds::default())),
        }]))
    }

    fn built(routes: &[&'static [MessageRoute]]) -> Result<Router, Error> {
        let echo =
            Endpoint::<serde_json::Value, serde_json::Value>::from_fn(|request| async move {
                Ok(request.message)
            });
        routes
            .iter()
            .fold(RouterBuilder::new(), |builder, routes| {
                builder.message_endpoint(routes, echo.clone())
            })
            .build()
    }

    #[test]
    fn routes_axum_would_panic_on_are_errors() {
        let refused = |routes: &[&'static [MessageRoute]], why: &str| {
            let error = built(routes).unwrap_err();
            assert_eq!(error.code(), crate::Code::InvalidArgument);
            assert!(error.message().contains(why), "{error}");
        };
        refused(&[route(http::Method::GET, "items")], "starts with `/`");
        refused(&[route(http::Method::GET, "/items/:id")], "not `:param`");
        refused(&[route(http::Method::GET, "/files/*rest")], "not `:param`");
        let custom = http::Method::from_bytes(b"PURGE").unwrap();
        refused(&[route(custom, "/cache")], "standard HTTP methods");
        refused(
            &[
                route(http::Method::GET, "/items/{id}"),
                route(http::Method::DELETE, "/items/{name}"),
            ],
            "beside `/items/{id}`",
        );
        assert!(
            built(&[
                route(http::Method::GET, "/items/{id}"),
                route(http::Method::DELETE, "/items/{id}"),
                route(http::Method::GET, "/items/special"),
            ])
            .is_ok()
        );
    }

    #[test]
    fn json_content_types_are_recognised() {
        for good in [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON",
            "application/problem+json",
            " application/json ;charset=utf-8",
            "APPLICATION/VND.API+JSON",
        ] {
            assert!(is_json(Some(&HeaderValue::from_static(good))), "{good}");
        }
        for bad in [
            "text/plain",
            "application/jsonx",
            "application/json-seq",
            "text/json",
            "json",
            "",
        ] {
            assert!(!is_json(Some(&HeaderValue::from_static(bad))), "{bad}");
        }
        assert!(!is_json(None));
    }
}
