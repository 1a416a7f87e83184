//! Endpoints: one `tower::Service` per service method, the unit that
//! middleware wraps and transports serve.

use std::fmt;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};

use futures_util::future::{BoxFuture, Either};
use tower::util::{BoxCloneSyncService, MapErr, ServiceExt};
use tower::{Layer, Service};

use crate::stream::{CallRecord, Direction, Streaming, Tap};
use crate::{BoxError, Code, Context, Error};

/// What an endpoint receives: the request [`Context`] and the method's
/// request message.
#[derive(Clone, Debug)]
pub struct Request<T> {
    /// Request id, deadline and metadata.
    pub ctx: Context,
    /// The method's request message.
    pub message: T,
}

impl<T> Request<T> {
    /// Pairs a message with its context.
    pub fn new(ctx: Context, message: T) -> Self {
        Request { ctx, message }
    }
}

/// One service method as a `tower::Service` from [`Request<Req>`] to `Resp`,
/// failing with [`Error`](struct@crate::Error): Go kit's `endpoint.Endpoint`.
///
/// The service inside is type-erased, so every endpoint of a method has the
/// same type however many layers wrap it. It knows which method it serves
/// ([`Endpoint::name`]), so that layers such as metrics and logging can
/// label what they record.
pub struct Endpoint<Req, Resp> {
    inner: Inner<Req, Resp>,
    name: EndpointName,
    idempotent: bool,
    no_side_effects: bool,
    streams: Streams<Req, Resp>,
}

/// Which of an endpoint's messages are streams, as functions that wrap the
/// stream in what a layer asks for ([`Tap`]): set by
/// [`Endpoint::server_streaming`] and [`Endpoint::client_streaming`], and
/// kept by every layer, as the name is.
struct Streams<Req, Resp> {
    request: Option<fn(Req, Tap) -> Req>,
    response: Option<fn(Resp, Tap) -> Resp>,
}

/// An endpoint's name, idempotency and streams.
struct Traits<Req, Resp> {
    name: EndpointName,
    idempotent: bool,
    no_side_effects: bool,
    streams: Streams<Req, Resp>,
}

impl<Req, Resp> Clone for Streams<Req, Resp> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<Req, Resp> Copy for Streams<Req, Resp> {}

impl<Req, Resp> Default for Streams<Req, Resp> {
    fn default() -> Self {
        Streams {
            request: None,
            response: None,
        }
    }
}

/// How a method's messages travel, as gRPC names its four kinds of method.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum MethodKind {
    /// One request, one response.
    Unary,
    /// One request, a stream of responses.
    ServerStreaming,
    /// A stream of requests, one response.
    ClientStreaming,
    /// A stream each way.
    BidiStreaming,
}

impl MethodKind {
    /// Whether either side is a stream.
    pub fn is_streaming(self) -> bool {
        self != MethodKind::Unary
    }
}

/// What an endpoint calls.
///
/// Most endpoints are always ready: a service method, and kit's logging,
/// metrics and tracing layers over it, which add no waiting of their own.
/// Those are a shared function, so that cloning one (per call, as servers
/// do) is a reference count and each layer costs one boxed future per call.
/// An endpoint behind a layer that can be not ready, such as a concurrency
/// limit, keeps tower's readiness: a boxed service, cloned per call, so
/// that tower's `LoadShed` above it sees when it is full.
enum Inner<Req, Resp> {
    Ready(Arc<ReadyFn<Req, Resp>>),
    Service(BoxCloneSyncService<Request<Req>, Resp, Error>),
}

type ReadyFn<Req, Resp> =
    dyn Fn(Request<Req>) -> BoxFuture<'static, Result<Resp, Error>> + Send + Sync;

impl<Req, Resp> Clone for Inner<Req, Resp> {
    fn clone(&self) -> Self {
        match self {
            Inner::Ready(call) => Inner::Ready(Arc::clone(call)),
            Inner::Service(service) => Inner::Service(service.clone()),
        }
    }
}

/// Which method an endpoint serves.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct EndpointName {
    /// The service, with its package: `ordersvc.OrderService`.
    pub service: &'static str,
    /// The method: `GetById`.
    pub method: &'static str,
}

impl std::fmt::Display for EndpointName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.service, self.method)
    }
}

impl<Req, Resp> Endpoint<Req, Resp> {
    /// Names the method this endpoint serves.
    #[must_use]
    pub fn named(mut self, name: EndpointName) -> Self {
        self.name = name;
        self
    }

    /// The method this endpoint serves.
    pub fn name(&self) -> EndpointName {
        self.name
    }

    /// Marks the method safe to call more than once for one request
    /// (`#[kit(idempotent)]`), which lets
    /// [`RetryLayer`](crate::middleware::RetryLayer) retry it.
    #[must_use]
    pub fn idempotent(mut self, idempotent: bool) -> Self {
        self.idempotent = idempotent;
        self
    }

    /// Whether the method is safe to call more than once for one request.
    pub fn is_idempotent(&self) -> bool {
        self.idempotent
    }

    /// Marks the method a read, with no side effects (a `GET` route marked
    /// `#[kit(idempotent)]`, or a `.proto`'s `NO_SIDE_EFFECTS`): idempotent,
    /// and callable over Connect with `GET`.
    #[must_use]
    pub fn no_side_effects(mut self, no_side_effects: bool) -> Self {
        self.no_side_effects = no_side_effects;
        self.idempotent |= no_side_effects;
        self
    }

    /// Whether the method is a read, with no side effects.
    pub fn has_no_side_effects(&self) -> bool {
        self.no_side_effects
    }

    /// How the method's messages travel.
    pub fn kind(&self) -> MethodKind {
        match (
            self.streams.request.is_some(),
            self.streams.response.is_some(),
        ) {
            (false, false) => MethodKind::Unary,
            (false, true) => MethodKind::ServerStreaming,
            (true, false) => MethodKind::ClientStreaming,
            (true, true) => MethodKind::BidiStreaming,
        }
    }
}

impl<Req, T: Send + 'static> Endpoint<Req, Streaming<T>> {
    /// Marks the endpoint's response as a stream, so that layers that
    /// observe calls (metrics, logging, tracing) follow it to its end.
    /// Generated code marks every server streaming method's endpoint.
    #[must_use]
    pub fn server_streaming(mut self) -> Self {
        self.streams.response = Some(Streaming::<T>::tap);
        self
    }
}

impl<T: Send + 'static, Resp> Endpoint<Streaming<T>, Resp> {
    /// Marks the endpoint's request as a stream, so that layers that
    /// observe calls count its messages. Generated code marks every client
    /// streaming method's endpoint.
    #[must_use]
    pub fn client_streaming(mut self) -> Self {
        self.streams.request = Some(Streaming::<T>::tap);
        self
    }
}

impl<Req, Resp> Endpoint<Req, Resp>
where
    Req: 'static,
    Resp: 'static,
{
    /// Wraps any cloneable service with the endpoint's request, response and
    /// error types. Its name is empty; see [`Endpoint::named`].
    pub fn new<S>(service: S) -> Self
    where
        S: Service<Request<Req>, Response = Resp, Error = Error> + Clone + Send + Sync + 'static,
        S::Future: Send + 'static,
    {
        Endpoint::with_inner(Inner::Service(BoxCloneSyncService::new(service)))
    }

    /// An endpoint that calls `call`, and is always ready: tower's
    /// `service_fn`, for a function that needs no `poll_ready`, such as a
    /// service method. Its name is empty; see [`Endpoint::named`].
    ///
    /// ```
    /// use kit::{Context, Endpoint, Request};
    ///
    /// # #[tokio::main(flavor = "current_thread")]
    /// # async fn main() {
    /// let double = Endpoint::from_fn(|request: Request<i64>| async move {
    ///     Ok::<_, kit::Error>(request.message * 2)
    /// });
    /// assert_eq!(double.send(Context::new(), 21).await.unwrap(), 42);
    /// # }
    /// ```
    pub fn from_fn<F, Fut>(call: F) -> Self
    where
        F: Fn(Request<Req>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Resp, Error>> + Send + 'static,
    {
        Endpoint::with_inner(Inner::Ready(Arc::new(move |request| {
            Box::pin(call(request))
        })))
    }

    fn with_inner(inner: Inner<Req, Resp>) -> Self {
        Endpoint {
            inner,
            name: EndpointName::default(),
            idempotent: false,
            no_side_effects: false,
            streams: Streams::default(),
        }
    }

    /// What the endpoint says of its method, beside what it calls.
    fn traits(&self) -> Traits<Req, Resp> {
        Traits {
            name: self.name,
            idempotent: self.idempotent,
            no_side_effects: self.no_side_effects,
            streams: self.streams,
        }
    }

    /// `self`, saying what `traits` say of its method: a wrapped endpoint
    /// keeps what the endpoint it wraps said.
    fn with_traits(mut self, traits: Traits<Req, Resp>) -> Self {
        self.name = traits.name;
        self.idempotent = traits.idempotent;
        self.no_side_effects = traits.no_side_effects;
        self.streams = traits.streams;
        self
    }

    /// Wraps the endpoint in `wrap`, a service that is ready whenever what
    /// it wraps is and forwards `poll_ready` to it (kit's logging, metrics
    /// and tracing), keeping the name, whether the method is idempotent, and
    /// the always-ready fast path of an endpoint that has it.
    pub(crate) fn wrap_ready<S>(self, wrap: impl FnOnce(Self) -> S) -> Self
    where
        S: Service<Request<Req>, Response = Resp, Error = Error> + Clone + Send + Sync + 'static,
        S::Future: Send + 'static,
    {
        let traits = self.traits();
        let wrapped = match self.inner {
            Inner::Ready(_) => {
                let service = wrap(self);
                // Ready because what it wraps always is: `call` needs no
                // `poll_ready` first.
                Endpoint::from_fn(move |request| service.clone().call(request))
            }
            Inner::Service(_) => Endpoint::new(wrap(self)),
        };
        wrapped.with_traits(traits)
    }

    /// For a streaming endpoint: wraps it so that every call reports, once,
    /// when it ends (when its stream of answers ends, fails or is dropped;
    /// for a client stream, when the answer comes), with its code and how
    /// many messages went each way. `start` runs as each call starts and
    /// says what to run at its end. A unary endpoint is returned as it is:
    /// its layers see its end as its future's.
    pub(crate) fn observe_streams<F>(self, start: F) -> Self
    where
        F: Fn(&Request<Req>) -> crate::stream::OnEnd + Send + Sync + 'static,
        Req: Send,
    {
        if !self.kind().is_streaming() {
            return self;
        }
        let streams = self.streams;
        let traits = self.traits();
        let inner = self;
        let observed = Endpoint::from_fn(move |mut request: Request<Req>| {
            let call = CallRecord::new(start(&request));
            match streams.request {
                Some(tap) => {
                    request.message =
                        tap(request.message, Tap(Arc::clone(&call), Direction::Received));
                }
                None => call.count(Direction::Received),
            }
            let answer = inner.send_request(request);
            async move {
                let result = answer.await;
                match (&result, streams.response) {
                    (Ok(_), Some(tap)) => {
                        return result.map(|stream| tap(stream, Tap(call, Direction::Sent)));
                    }
                    (Ok(_), None) => {
                        call.count(Direction::Sent);
                        call.end(Code::Ok);
                    }
                    (Err(error), _) => call.end(error.code()),
                }
                result
            }
        });
        observed.with_traits(traits)
    }

    /// Wraps the endpoint in a `tower::Layer` that keeps its types, such as
    /// a kit middleware layer. Takes the layer as tower's `ServiceBuilder`
    /// and the generated `Endpoints::layer` do; pass a clone to keep one.
    #[must_use]
    pub fn layer<L>(self, layer: L) -> Self
    where
        L: EndpointLayer<Req, Resp>,
    {
        layer.layer_endpoint(self)
    }

    /// Calls the endpoint once: waits until it is ready, then sends one
    /// request. Generated code uses this to implement the service trait.
    pub fn send(
        &self,
        ctx: Context,
        message: Req,
    ) -> impl Future<Output = Result<Resp, Error>> + Send + 'static
    where
        Req: Send,
    {
        self.send_request(Request::new(ctx, message))
    }

    /// [`Endpoint::send`] for a request already made.
    fn send_request(
        &self,
        request: Request<Req>,
    ) -> impl Future<Output = Result<Resp, Error>> + Send + 'static + use<Req, Resp>
    where
        Req: Send,
    {
        match &self.inner {
            Inner::Ready(call) => Either::Left(call(request)),
            Inner::Service(service) => Either::Right(service.clone().oneshot(request)),
        }
    }
}

impl<Req, Resp> Clone for Endpoint<Req, Resp> {
    fn clone(&self) -> Self {
        Endpoint {
            inner: self.inner.clone(),
            name: self.name,
            idempotent: self.idempotent,
            no_side_effects: self.no_side_effects,
            streams: self.streams,
        }
    }
}

impl<Req, Resp> fmt::Debug for Endpoint<Req, Resp> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Endpoint")
            .field("name", &self.name)
            .field("idempotent", &self.idempotent)
            .field("no_side_effects", &self.no_side_effects)
            .field("kind", &self.kind())
            .field("request", &std::any::type_name::<Req>())
            .field("response", &std::any::type_name::<Resp>())
            .finish()
    }
}

impl<Req, Resp> Service<Request<Req>> for Endpoint<Req, Resp> {
    type Response = Resp;
    type Error = Error;
    type Future = BoxFuture<'static, Result<Resp, Error>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Error>> {
        match &mut self.inner {
            Inner::Ready(_) => Poll::Ready(Ok(())),
            Inner::Service(service) => service.poll_ready(cx),
        }
    }

    fn call(&mut self, request: Request<Req>) -> Self::Future {
        match &mut self.inner {
            Inner::Ready(call) => call(request),
            Inner::Service(service) => service.call(request),
        }
    }
}

/// A `tower::Layer` that can wrap an [`Endpoint<Req, Resp>`]: the bound
/// generated code puts on "a layer for every endpoint".
///
/// Implemented for every layer whose service keeps the request and response
/// types and whose error converts into a `BoxError`, which covers tower's
/// own layers (timeout, load shedding, concurrency limits, buffers, …). Their
/// errors become [`Error`](struct@crate::Error)s through [`Error::from_box_error`]. There is
/// nothing to implement by hand.
pub trait EndpointLayer<Req, Resp> {
    /// Wraps `endpoint`, keeping its name and whether it is idempotent.
    fn layer_endpoint(&self, endpoint: Endpoint<Req, Resp>) -> Endpoint<Req, Resp>;
}

impl<L, Req, Resp> EndpointLayer<Req, Resp> for L
where
    L: Layer<Endpoint<Req, Resp>>,
    L::Service: Service<Request<Req>, Response = Resp> + Clone + Send + Sync + 'static,
    <L::Service as Service<Request<Req>>>::Error: Into<BoxError>,
    <L::Service as Service<Request<Req>>>::Future: Send + 'static,
    Req: 'static,
    Resp: 'static,
{
    fn layer_endpoint(&self, endpoint: Endpoint<Req, Resp>) -> Endpoint<Req, Resp> {
        let to_kit: fn(<L::Service as Service<Request<Req>>>::Error) -> Error =
            |error| Error::from_box_error(error.into());
        let traits = endpoint.traits();
        Endpoint::new(MapErr::new(self.layer(endpoint), to_kit)).with_traits(traits)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    fn doubler() -> Endpoint<i64, i64> {
        Endpoint::new(tower::service_fn(|request: Request<i64>| async move {
            Ok::<_, Error>(request.message * 2)
        }))
    }

    #[tokio::test]
    async fn send_calls_the_service_with_the_context() {
        let echo_id = Endpoint::new(tower::service_fn(|request: Request<()>| async move {
            Ok::<_, Error>(request.ctx.request_id().to_owned())
        }));
        let ctx = Context::new().with_request_id("req-7");
        assert_eq!(echo_id.send(ctx, ()).await.unwrap(), "req-7");
        assert_eq!(doubler().send(Context::new(), 21).await.unwrap(), 42);
    }

    #[tokio::test]
    async fn a_layer_wraps_every_call() {
        #[derive(Clone)]
        struct Count(Arc<AtomicUsize>);
        impl<S> Layer<S> for Count {
            type Service = tower::util::MapRequest<S, fn(Request<i64>) -> Request<i64>>;
            fn layer(&self, inner: S) -> Self::Service {
                self.0.fetch_add(1, Ordering::SeqCst);
                tower::util::MapRequest::new(inner, |mut request: Request<i64>| {
                    request.message += 1;
                    request
                })
            }
        }
        let layered = Arc::new(AtomicUsize::new(0));
        let endpoint = doubler().layer(Count(layered.clone()));
        assert_eq!(endpoint.send(Context::new(), 1).await.unwrap(), 4);
        assert_eq!(layered.load(Ordering::SeqCst), 1);
    }

    #[tokio::test]
    async fn kits_own_layers_keep_an_always_ready_endpoint_always_ready() {
        use crate::middleware::{LoggingLayer, Metrics, TraceLayer};

        let name = EndpointName {
            service: "demo.Math",
            method: "Double",
        };
        let metrics = Metrics::new();
        let always_ready = Endpoint::from_fn(|request: Request<i64>| async move {
            Ok::<_, Error>(request.message * 2)
        })
        .named(name)
        .idempotent(true)
        .layer(metrics.layer())
        .layer(TraceLayer::server())
        .layer(LoggingLayer::new());
        assert!(matches!(always_ready.inner, Inner::Ready(_)));
        assert_eq!(always_ready.name(), name);
        assert!(always_ready.is_idempotent());
        assert_eq!(always_ready.send(Context::new(), 21).await.unwrap(), 42);
        assert_eq!(
            always_ready
                .clone()
                .oneshot(Request::new(Context::new(), 4))
                .await
                .unwrap(),
            8
        );
        assert!(
            metrics
                .encode()
                .contains(r#"requests_total{service="demo.Math",method="Double",code="OK"} 2"#)
        );

        // Over a layer with readiness of its own, they forward it.
        let limited = always_ready.layer(tower::limit::ConcurrencyLimitLayer::new(1));
        assert!(matches!(
            limited.layer(LoggingLayer::new()).inner,
            Inner::Service(_)
        ));
    }

    #[tokio::test(start_paused = true)]
    async fn towers_own_layers_apply_and_their_errors_become_codes() {
        let slow = Endpoint::new(tower::service_fn(|_: Request<()>| async {
            tokio::time::sleep(std::time::Duration::from_secs(60)).await;
            Ok::<_, Error>(())
        }));
        let timeout = tower::timeout::TimeoutLayer::new(std::time::Duration::from_millis(10));
        let error = slow
            .layer(timeout)
            .send(Context::new(), ())
            .await
            .unwrap_err();
        assert_eq!(error.code(), crate::Code::DeadlineExceeded);

        let limited = doubler().layer(tower::limit::ConcurrencyLimitLayer::new(1));
        assert_eq!(limited.send(Context::new(), 2).await.unwrap(), 4);
    }
}
