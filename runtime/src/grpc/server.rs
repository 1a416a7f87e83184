//! The gRPC server side: endpoints behind gRPC paths.

use std::collections::HashMap;
use std::convert::Infallible;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use http::HeaderValue;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use tonic::body::Body;
use tonic::metadata::MetadataValue;
use tonic::server::{
    ClientStreamingService, ServerStreamingService, StreamingService, UnaryService,
};
use tower::Service;
use tower::util::{BoxCloneSyncService, ServiceExt};

use super::json::{Describe, Descriptors, MethodJson};
use super::{GrpcMessage, GrpcService, connect, to_status};
use crate::context::request_id_from;
use crate::{Context, Endpoint, Error, Request, Streaming, server_call};

/// The largest message a server decodes unless told otherwise: 4 MiB, as in
/// every gRPC implementation.
pub const DEFAULT_MAX_MESSAGE_SIZE: usize = 4 << 20;

/// Message size limits. A larger request is refused with
/// `RESOURCE_EXHAUSTED`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest request message, in bytes.
    pub max_decoding_message_size: usize,
    /// The largest response message, in bytes.
    pub max_encoding_message_size: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_decoding_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            max_encoding_message_size: usize::MAX,
        }
    }
}

type Handler = BoxCloneSyncService<http::Request<Body>, http::Response<Body>, Infallible>;
/// Makes a method's route, given the limits and the service's descriptors.
type MakeRoute = Box<dyn FnOnce(Limits, &Arc<Descriptors>) -> Route + Send>;

/// How one method answers: over gRPC (and gRPC-Web, which reaches it as
/// gRPC), and over Connect.
#[derive(Clone)]
struct Route {
    grpc: Handler,
    connect: Handler,
}

/// A handler from `serve`, an async function of the limits and the request.
fn handler<F, Fut>(limits: Limits, serve: F) -> Handler
where
    F: Fn(Limits, http::Request<Body>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = http::Response<Body>> + Send + 'static,
{
    BoxCloneSyncService::new(tower::service_fn(move |request: http::Request<Body>| {
        let response = serve(limits, request);
        async move { Ok::<_, Infallible>(response.await) }
    }))
}

/// The methods of one gRPC service, each an endpoint behind its path. A
/// tower service from HTTP/2 requests to responses; generated `GrpcServer`s
/// wrap one.
#[derive(Clone)]
pub struct Server {
    routes: Arc<HashMap<&'static str, Route>>,
}

/// Collects a [`Server`]'s endpoints.
pub struct ServerBuilder {
    limits: Limits,
    describe: Option<Describe>,
    routes: Vec<(&'static str, MakeRoute)>,
}

impl Server {
    /// A builder with the default [`Limits`].
    pub fn builder() -> ServerBuilder {
        ServerBuilder {
            limits: Limits::default(),
            describe: None,
            routes: Vec::new(),
        }
    }
}

impl ServerBuilder {
    /// Sets the message size limits.
    #[must_use]
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Says what describes the service's messages (generated servers pass
    /// their [`GrpcService::file_descriptor_set`]): Connect's JSON codec
    /// writes them through it. Without it, Connect calls with JSON are
    /// answered `UNIMPLEMENTED`.
    #[must_use]
    pub fn describe(mut self, describe: Describe) -> Self {
        self.describe = Some(describe);
        self
    }

    /// Serves `endpoint` as the unary method at `path`, such as
    /// `/ordersvc.OrderService/GetById`.
    #[must_use]
    pub fn unary<Req, Resp>(mut self, path: &'static str, endpoint: Endpoint<Req, Resp>) -> Self
    where
        Req: GrpcMessage,
        Resp: GrpcMessage,
    {
        let make: MakeRoute = Box::new(move |limits: Limits, descriptors: &Arc<Descriptors>| {
            let json = MethodJson::new(Arc::clone(descriptors), path);
            let grpc_endpoint = endpoint.clone();
            let grpc = handler(limits, move |limits, request: http::Request<Body>| {
                let endpoint = grpc_endpoint.clone();
                async move {
                    let request_id = request_id_from(request.headers());
                    let request = match buffer_request(request, limits).await {
                        Ok(request) => request,
                        Err(status) => return status_response(status, request_id),
                    };
                    let mut grpc = grpc_server::<Req, Resp>(limits, request.headers())
                        .max_encoding_message_size(limits.max_encoding_message_size);
                    grpc.unary(Unary { path, endpoint }, request).await
                }
            });
            let connect = handler(limits, move |limits, request| {
                connect::unary(path, endpoint.clone(), json.clone(), limits, request)
            });
            Route { grpc, connect }
        });
        self.routes.push((path, make));
        self
    }

    /// Serves `endpoint` as the server streaming method at `path`: one
    /// request, then the endpoint's stream of responses, sent as the caller
    /// reads them. A response over the size limit ends the stream with
    /// `RESOURCE_EXHAUSTED`, an item's error with its status. The stream
    /// heeds the call's deadline and the server's shutdown when the endpoint
    /// bounds it ([`Streaming::bounded_by`]), as generated ones do.
    #[must_use]
    pub fn server_streaming<Req, Resp>(
        mut self,
        path: &'static str,
        endpoint: Endpoint<Req, Streaming<Resp>>,
    ) -> Self
    where
        Req: GrpcMessage,
        Resp: GrpcMessage,
    {
        let make: MakeRoute = Box::new(move |limits: Limits, descriptors: &Arc<Descriptors>| {
            let json = MethodJson::new(Arc::clone(descriptors), path);
            let grpc_endpoint = endpoint.clone();
            let grpc = handler(limits, move |limits, request: http::Request<Body>| {
                let endpoint = grpc_endpoint.clone();
                async move {
                    let request_id = request_id_from(request.headers());
                    let request = match buffer_request(request, limits).await {
                        Ok(request) => request,
                        Err(status) => return status_response(status, request_id),
                    };
                    let mut grpc = grpc_server::<Req, Resp>(limits, request.headers());
                    let service = ServerStreaming {
                        path,
                        endpoint,
                        max_message_size: limits.max_encoding_message_size,
                    };
                    grpc.server_streaming(service, request).await
                }
            });
            let connect = handler(limits, move |limits, request| {
                connect::server_streaming(path, endpoint.clone(), json.clone(), limits, request)
            });
            Route { grpc, connect }
        });
        self.routes.push((path, make));
        self
    }

    /// Serves `endpoint` as the client streaming method at `path`: the
    /// caller's stream of requests, read as the endpoint reads it, then one
    /// response. A request over the size limit ends the endpoint's stream
    /// with `RESOURCE_EXHAUSTED`.
    #[must_use]
    pub fn client_streaming<Req, Resp>(
        self,
        path: &'static str,
        endpoint: Endpoint<Streaming<Req>, Resp>,
    ) -> Self
    where
        Req: GrpcMessage,
        Resp: GrpcMessage,
    {
        self.streaming_route(path, move |limits, request| {
            let service = ClientStreaming {
                path,
                endpoint: endpoint.clone(),
            };
            async move {
                let mut grpc = grpc_server::<Req, Resp>(limits, request.headers());
                grpc.client_streaming(service, request).await
            }
        })
    }

    /// Serves `endpoint` as the bidirectional streaming method at `path`:
    /// the caller's stream of requests and the endpoint's stream of
    /// responses, each at its own pace.
    #[must_use]
    pub fn bidi_streaming<Req, Resp>(
        self,
        path: &'static str,
        endpoint: Endpoint<Streaming<Req>, Streaming<Resp>>,
    ) -> Self
    where
        Req: GrpcMessage,
        Resp: GrpcMessage,
    {
        self.streaming_route(path, move |limits, request| {
            let service = BidiStreaming {
                path,
                endpoint: endpoint.clone(),
                max_message_size: limits.max_encoding_message_size,
            };
            async move {
                let mut grpc = grpc_server::<Req, Resp>(limits, request.headers());
                grpc.streaming(service, request).await
            }
        })
    }

    /// A route whose request body is read as it comes, by `serve`, and
    /// which Connect does not serve.
    fn streaming_route<F, Fut>(mut self, path: &'static str, serve: F) -> Self
    where
        F: Fn(Limits, http::Request<Body>) -> Fut + Clone + Send + Sync + 'static,
        Fut: Future<Output = http::Response<Body>> + Send + 'static,
    {
        let make: MakeRoute = Box::new(move |limits: Limits, _: &Arc<Descriptors>| Route {
            grpc: handler(limits, serve),
            connect: handler(limits, move |_, request| {
                std::future::ready(connect::unsupported(path, &request))
            }),
        });
        self.routes.push((path, make));
        self
    }

    /// The server.
    pub fn build(self) -> Server {
        let limits = self.limits;
        let descriptors = Descriptors::new(self.describe);
        Server {
            routes: Arc::new(
                self.routes
                    .into_iter()
                    .map(|(path, make)| (path, make(limits, &descriptors)))
                    .collect(),
            ),
        }
    }
}

impl std::fmt::Debug for Server {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut paths: Vec<&str> = self.routes.keys().copied().collect();
        paths.sort_unstable();
        f.debug_struct("Server").field("methods", &paths).finish()
    }
}

impl Service<http::Request<Body>> for Server {
    type Response = http::Response<Body>;
    type Error = Infallible;
    type Future = BoxFuture<'static, Result<http::Response<Body>, Infallible>>;

    fn poll_ready(&mut self, _: &mut TaskContext<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: http::Request<Body>) -> Self::Future {
        let grpc = super::is_grpc(request.headers());
        match self.routes.get(request.uri().path()) {
            Some(route) if grpc => Box::pin(route.grpc.clone().oneshot(request)),
            Some(route) => Box::pin(route.connect.clone().oneshot(request)),
            None if !grpc => Box::pin(std::future::ready(Ok(connect::no_method(&request)))),
            None => {
                let status = tonic::Status::unimplemented(format!(
                    "no method {} on this server",
                    request.uri().path()
                ));
                let response = status_response(status, request_id_from(request.headers()));
                Box::pin(std::future::ready(Ok(response)))
            }
        }
    }
}

/// Reads the whole request body (a unary request is one message), so that a
/// message over the limit is refused with `RESOURCE_EXHAUSTED`, as the gRPC
/// spec asks, before decoding starts. (tonic's decoder would answer
/// `OUT_OF_RANGE`.)
async fn buffer_request(
    request: http::Request<Body>,
    limits: Limits,
) -> Result<http::Request<Body>, tonic::Status> {
    /// The length-prefixed message framing: a flag byte and a `u32` length.
    const FRAME_HEADER: usize = 5;
    let (parts, body) = request.into_parts();
    let limit = limits
        .max_decoding_message_size
        .saturating_add(FRAME_HEADER);
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(http::Request::from_parts(
            parts,
            Body::new(Full::new(collected.to_bytes())),
        )),
        Err(error) if error.is::<LengthLimitError>() => {
            Err(tonic::Status::resource_exhausted(format!(
                "the request message is larger than the limit of {} bytes",
                limits.max_decoding_message_size
            )))
        }
        Err(error) => Err(tonic::Status::cancelled(format!(
            "cannot read the request: {error}"
        ))),
    }
}

/// A trailers-only response for `status`, with the request id.
fn status_response(status: tonic::Status, request_id: HeaderValue) -> http::Response<Body> {
    let mut response: http::Response<Body> = status.into_http();
    response
        .headers_mut()
        .insert(crate::http::X_REQUEST_ID, request_id);
    response
}

/// One call: the context from the metadata, the endpoint under the
/// deadline, the result as a response or a status, with the request id.
struct Unary<Req, Resp> {
    path: &'static str,
    endpoint: Endpoint<Req, Resp>,
}

impl<Req: GrpcMessage, Resp: GrpcMessage> UnaryService<Req> for Unary<Req, Resp> {
    type Response = Resp;
    type Future = BoxFuture<'static, Result<tonic::Response<Resp>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<Req>) -> Self::Future {
        let endpoint = self.endpoint.clone();
        Box::pin(answer_one(self.path, request, move |ctx, message| {
            endpoint.oneshot(Request::new(ctx, message))
        }))
    }
}

/// Serves one call whose answer is one message: the context from the
/// metadata, `call` under the deadline, its answer or its status, with the
/// request id.
async fn answer_one<T, Resp, F, Fut>(
    path: &'static str,
    request: tonic::Request<T>,
    call: F,
) -> Result<tonic::Response<Resp>, tonic::Status>
where
    F: FnOnce(Context, T) -> Fut,
    Fut: Future<Output = Result<Resp, Error>>,
{
    let (ctx, message) = call_parts(request);
    let (request_id, served) =
        server_call::serve(ctx, GRPC_TIMEOUT, path, |ctx| call(ctx, message)).await;
    let result = served
        .map(tonic::Response::new)
        .map_err(|error| to_status(&error));
    with_request_id(result, request_id)
}

/// One server streaming call: as [`Unary`], then the stream's items as
/// messages and its errors as the status that ends it.
struct ServerStreaming<Req, Resp> {
    path: &'static str,
    endpoint: Endpoint<Req, Streaming<Resp>>,
    max_message_size: usize,
}

impl<Req: GrpcMessage, Resp: GrpcMessage> ServerStreamingService<Req>
    for ServerStreaming<Req, Resp>
{
    type Response = Resp;
    type ResponseStream = Answers<Resp>;
    type Future = BoxFuture<'static, Result<tonic::Response<Self::ResponseStream>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<Req>) -> Self::Future {
        let endpoint = self.endpoint.clone();
        Box::pin(answer_stream(
            self.path,
            request,
            self.max_message_size,
            move |ctx, message| endpoint.oneshot(Request::new(ctx, message)),
        ))
    }
}

/// Serves one call whose answer is a stream: the context from the metadata
/// (with the server's closing signal, which the endpoint's stream heeds),
/// `call` under the deadline, and its stream as [`Answers`].
async fn answer_stream<T, Resp, F, Fut>(
    path: &'static str,
    request: tonic::Request<T>,
    max_message_size: usize,
    call: F,
) -> Result<tonic::Response<Answers<Resp>>, tonic::Status>
where
    Resp: GrpcMessage,
    F: FnOnce(Context, T) -> Fut,
    Fut: Future<Output = Result<Streaming<Resp>, Error>>,
{
    let closing = crate::serve::closing_of(request.extensions()).cloned();
    let (mut ctx, message) = call_parts(request);
    if let Some(closing) = closing {
        ctx.insert_extension(closing);
    }
    let (request_id, served) =
        server_call::serve(ctx, GRPC_TIMEOUT, path, |ctx| call(ctx, message)).await;
    let result = served
        .map(|stream| tonic::Response::new(Answers::new(stream, max_message_size)))
        .map_err(|error| to_status(&error));
    with_request_id(result, request_id)
}

/// The stream of a call's answers as tonic sends it: each item's error as
/// the status that ends the call, and nothing after it; a message larger
/// than `max_message_size` as `RESOURCE_EXHAUSTED` (tonic's encoder would
/// say `OUT_OF_RANGE`); a panic of the stream as `INTERNAL`, while the
/// connection's other calls carry on. One adapter rather than a chain of
/// combinators: it runs for every message.
pub(crate) struct Answers<Resp> {
    inner: Streaming<Resp>,
    max_message_size: usize,
    ended: bool,
}

impl<Resp> Answers<Resp> {
    pub(super) fn new(inner: Streaming<Resp>, max_message_size: usize) -> Self {
        Answers {
            inner,
            max_message_size,
            ended: false,
        }
    }
}

impl<Resp: GrpcMessage> futures_util::Stream for Answers<Resp> {
    type Item = Result<Resp, tonic::Status>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.ended {
            return Poll::Ready(None);
        }
        let item = std::task::ready!(crate::stream::poll_guarded(&mut this.inner, cx));
        Poll::Ready(match item {
            None => None,
            Some(Ok(message))
                if this.max_message_size < usize::MAX
                    && message.encoded_len() > this.max_message_size =>
            {
                this.ended = true;
                Some(Err(tonic::Status::resource_exhausted(format!(
                    "a response message of {} bytes is larger than the limit of {} bytes",
                    message.encoded_len(),
                    this.max_message_size
                ))))
            }
            Some(Ok(message)) => Some(Ok(message)),
            Some(Err(error)) => {
                this.ended = true;
                Some(Err(to_status(&error)))
            }
        })
    }
}

/// The context of a call from its metadata and the peer's address, and its
/// message.
fn call_parts<T>(request: tonic::Request<T>) -> (Context, T) {
    let (metadata, extensions, message) = request.into_parts();
    let peer = crate::serve::peer_of(&extensions);
    (
        Context::from_headers(metadata.into_headers(), peer),
        message,
    )
}

/// tonic's server for one call with request `headers`: the codec, the
/// limit on decoding (decompressed, for a compressed message), every
/// compression kit speaks for the request, and the request's own, if any,
/// for the answer (see [`crate::Compression`]).
fn grpc_server<Req: GrpcMessage, Resp: GrpcMessage>(
    limits: Limits,
    headers: &http::HeaderMap,
) -> tonic::server::Grpc<RequestCodec<Resp, Req>> {
    let grpc = tonic::server::Grpc::new(RequestCodec::<Resp, Req>::default())
        .max_decoding_message_size(limits.max_decoding_message_size)
        .accept_compressed(tonic::codec::CompressionEncoding::Gzip)
        .accept_compressed(tonic::codec::CompressionEncoding::Zstd);
    match crate::Compression::of_grpc_request(headers) {
        Some(compression) => grpc.send_compressed(compression.encoding()),
        None => grpc,
    }
}

/// One client streaming call: the caller's messages as the endpoint's
/// request stream, then its response or status.
struct ClientStreaming<Req, Resp> {
    path: &'static str,
    endpoint: Endpoint<Streaming<Req>, Resp>,
}

impl<Req: GrpcMessage, Resp: GrpcMessage> ClientStreamingService<Req>
    for ClientStreaming<Req, Resp>
{
    type Response = Resp;
    type Future = BoxFuture<'static, Result<tonic::Response<Resp>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<tonic::Streaming<Req>>) -> Self::Future {
        let endpoint = self.endpoint.clone();
        Box::pin(answer_one(self.path, request, move |ctx, messages| {
            endpoint.oneshot(Request::new(ctx, kit_stream(messages)))
        }))
    }
}

/// One bidirectional streaming call: the caller's messages as the
/// endpoint's request stream, its response stream as the answer.
struct BidiStreaming<Req, Resp> {
    path: &'static str,
    endpoint: Endpoint<Streaming<Req>, Streaming<Resp>>,
    max_message_size: usize,
}

impl<Req: GrpcMessage, Resp: GrpcMessage> StreamingService<Req> for BidiStreaming<Req, Resp> {
    type Response = Resp;
    type ResponseStream = Answers<Resp>;
    type Future = BoxFuture<'static, Result<tonic::Response<Self::ResponseStream>, tonic::Status>>;

    fn call(&mut self, request: tonic::Request<tonic::Streaming<Req>>) -> Self::Future {
        let endpoint = self.endpoint.clone();
        Box::pin(answer_stream(
            self.path,
            request,
            self.max_message_size,
            move |ctx, messages| endpoint.oneshot(Request::new(ctx, kit_stream(messages))),
        ))
    }
}

/// The caller's messages as tonic decodes them, as a [`Streaming`]: a
/// message over the size limit is `RESOURCE_EXHAUSTED` (tonic's decoder
/// says `OUT_OF_RANGE`, for that alone: a value out of its type's range is
/// `INVALID_ARGUMENT`, from [`RangeChecked`]), a caller that resets the
/// call `CANCELLED`.
fn kit_stream<Req: GrpcMessage>(messages: tonic::Streaming<Req>) -> Streaming<Req> {
    Streaming::new(messages.map(|item| {
        item.map_err(|status| match status.code() {
            tonic::Code::OutOfRange => Error::new(crate::Code::ResourceExhausted, status.message()),
            _ => super::from_status(&status),
        })
    }))
}

/// The metadata key of the caller's timeout.
pub(super) const GRPC_TIMEOUT: http::HeaderName = http::HeaderName::from_static("grpc-timeout");

fn with_request_id<T>(
    result: Result<tonic::Response<T>, tonic::Status>,
    request_id: HeaderValue,
) -> Result<tonic::Response<T>, tonic::Status> {
    let value = MetadataValue::try_from(request_id.as_bytes()).ok();
    match result {
        Ok(mut response) => {
            if let Some(value) = value {
                response.metadata_mut().insert("x-request-id", value);
            }
            Ok(response)
        }
        Err(mut status) => {
            if let Some(value) = value {
                status.metadata_mut().insert("x-request-id", value);
            }
            Err(status)
        }
    }
}

/// The gRPC services of one address, with grpc.health.v1 and reflection
/// (v1 and v1alpha) for them, as [`crate::Server`] serves them, to gRPC
/// and to gRPC-Web (browsers) callers alike.
#[derive(Default)]
pub struct Routes {
    routes: tonic::service::Routes,
    names: Vec<&'static str>,
    descriptors: Vec<Result<prost_types::FileDescriptorSet, Error>>,
}

impl std::fmt::Debug for Routes {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Routes")
            .field("services", &self.names)
            .finish()
    }
}

impl Routes {
    /// No services yet.
    pub fn new() -> Self {
        Routes::default()
    }

    /// Adds a generated service. Adding two services of the same name is an
    /// error that [`crate::Server`] reports when it starts.
    #[must_use]
    pub fn add_service<S: GrpcService>(mut self, service: S) -> Self {
        if self.names.contains(&S::NAME) || RESERVED_SERVICES.contains(&S::NAME) {
            self.descriptors.push(Err(Error::invalid_argument(format!(
                "the gRPC service {} is added twice",
                S::NAME
            ))));
            return self;
        }
        self.routes = self.routes.add_service(service);
        self.names.push(S::NAME);
        self.descriptors.push(S::file_descriptor_set());
        self
    }

    /// The names of the services added.
    pub fn service_names(&self) -> &[&'static str] {
        &self.names
    }

    /// The router, with health and reflection added. `health` is the
    /// health service whose reporter the caller keeps.
    pub(crate) fn into_router<H>(self, health: H) -> Result<axum::Router, Error>
    where
        H: Service<http::Request<Body>, Response = http::Response<Body>, Error = Infallible>
            + tonic::server::NamedService
            + Clone
            + Send
            + Sync
            + 'static,
        H::Future: Send + 'static,
    {
        let mut v1 = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
        let mut v1alpha = tonic_reflection::server::Builder::configure()
            .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET);
        let mut files: Vec<prost_types::FileDescriptorProto> = Vec::new();
        for set in self.descriptors {
            for file in set?.file {
                merge_file(&mut files, file);
            }
        }
        let set = prost_types::FileDescriptorSet { file: files };
        v1 = v1.register_file_descriptor_set(set.clone());
        v1alpha = v1alpha.register_file_descriptor_set(set);
        let reflection_error = |error: tonic_reflection::server::Error| {
            Error::internal(format!("gRPC reflection: {error}"))
        };
        let routes = self
            .routes
            .add_service(health)
            .add_service(v1.build_v1().map_err(reflection_error)?)
            .add_service(v1alpha.build_v1alpha().map_err(reflection_error)?);
        Ok(routes.prepare().into_axum_router())
    }
}

/// Services that every [`crate::Server`] serves itself.
pub(crate) const RESERVED_SERVICES: [&str; 3] = [
    "grpc.health.v1.Health",
    "grpc.reflection.v1.ServerReflection",
    "grpc.reflection.v1alpha.ServerReflection",
];

/// Adds `file` to `files`. Two services in one package describe the same
/// file name: their messages, enums and services are merged into one file,
/// as reflection can only serve one file by a name.
fn merge_file(
    files: &mut Vec<prost_types::FileDescriptorProto>,
    file: prost_types::FileDescriptorProto,
) {
    let Some(existing) = files.iter_mut().find(|existing| existing.name == file.name) else {
        files.push(file);
        return;
    };
    if *existing == file {
        return;
    }
    for message in file.message_type {
        if !existing
            .message_type
            .iter()
            .any(|known| known.name == message.name)
        {
            existing.message_type.push(message);
        }
    }
    for enumeration in file.enum_type {
        if !existing
            .enum_type
            .iter()
            .any(|known| known.name == enumeration.name)
        {
            existing.enum_type.push(enumeration);
        }
    }
    for service in file.service {
        if !existing
            .service
            .iter()
            .any(|known| known.name == service.name)
        {
            existing.service.push(service);
        }
    }
    for dependency in file.dependency {
        if !existing.dependency.contains(&dependency) {
            existing.dependency.push(dependency);
        }
    }
}

/// prost's codec, except that a request with a number too large for its
/// Rust type (300 for a `u8`) is `INVALID_ARGUMENT`, the caller's mistake,
/// where tonic calls every decode error `INTERNAL`.
struct RequestCodec<Resp, Req>(tonic_prost::ProstCodec<Resp, Req>);

impl<Resp, Req> Default for RequestCodec<Resp, Req> {
    fn default() -> Self {
        RequestCodec(tonic_prost::ProstCodec::default())
    }
}

impl<Resp, Req> tonic::codec::Codec for RequestCodec<Resp, Req>
where
    Resp: prost::Message + Send + 'static,
    Req: prost::Message + Default + Send + 'static,
{
    type Encode = Resp;
    type Decode = Req;
    type Encoder = <tonic_prost::ProstCodec<Resp, Req> as tonic::codec::Codec>::Encoder;
    type Decoder =
        RangeChecked<<tonic_prost::ProstCodec<Resp, Req> as tonic::codec::Codec>::Decoder>;

    fn encoder(&mut self) -> Self::Encoder {
        self.0.encoder()
    }

    fn decoder(&mut self) -> Self::Decoder {
        RangeChecked(self.0.decoder())
    }
}

/// A decoder whose out-of-range errors are `INVALID_ARGUMENT`.
struct RangeChecked<D>(D);

impl<D: tonic::codec::Decoder<Error = tonic::Status>> tonic::codec::Decoder for RangeChecked<D> {
    type Item = D::Item;
    type Error = tonic::Status;

    fn decode(
        &mut self,
        buf: &mut tonic::codec::DecodeBuf<'_>,
    ) -> Result<Option<Self::Item>, Self::Error> {
        self.0.decode(buf).map_err(|status| {
            if crate::proto::is_out_of_range(status.message()) {
                tonic::Status::invalid_argument(status.message())
            } else {
                status
            }
        })
    }

    fn buffer_settings(&self) -> tonic::codec::BufferSettings {
        self.0.buffer_settings()
    }
}
