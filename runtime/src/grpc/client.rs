//! The gRPC client side: a tonic channel that calls unary methods.

use std::sync::Arc;
use std::time::{Duration, Instant};

use http::Uri;
use http::uri::{PathAndQuery, Scheme};
use tonic::metadata::MetadataMap;
use tonic::transport::{Channel, Endpoint as ChannelEndpoint};

use super::{DEFAULT_MAX_MESSAGE_SIZE, GrpcMessage, from_status};
use crate::sd::{Balance, Balancer, Instancer, Picked};
use crate::stream::{Failed, answers_until_failed, cancelled_by, until_failed};
use crate::tls::ClientTls;
use crate::{Code, Context, Error, Streaming};

/// A gRPC client over one HTTP/2 channel, or balancing over the instances
/// of a service ([`Client::discover`]) with a channel to each. Channels
/// connect on first use and reconnect as needed, over TLS for `https://`
/// (or [`Client::with_tls`]). Cloning is cheap and shares them.
///
/// Each call sends the context's request id as `x-request-id`, the time
/// left (the earlier of the context's deadline and the client timeout) as
/// `grpc-timeout`, and the trace and custom metadata the HTTP client
/// forwards too.
#[derive(Clone, Debug)]
pub struct Client {
    target: Target,
    compression: Option<crate::Compression>,
    timeout: Option<Duration>,
    max_message_size: usize,
    headers: http::HeaderMap,
}

/// Where a client's calls go.
#[derive(Clone, Debug)]
enum Target {
    /// One channel, and the URL it connects to when kit made it.
    Fixed { channel: Channel, url: Option<Uri> },
    /// The instances of a service, one chosen per call.
    Discovered(Arc<Balancer<Channel>>),
}

impl Client {
    /// A client of the server at `url`, such as `http://127.0.0.1:9090` or
    /// `https://orders.internal:9443`; over `https`, servers are verified
    /// with [`ClientTls::system_roots`] unless [`Client::with_tls`] says
    /// otherwise. Fails with `INVALID_ARGUMENT` when the URL does not
    /// parse, and with `FAILED_PRECONDITION` outside a tokio runtime,
    /// which the channel's worker needs.
    pub fn new(url: &str) -> Result<Self, Error> {
        if tokio::runtime::Handle::try_current().is_err() {
            return Err(Error::new(
                Code::FailedPrecondition,
                "a gRPC client needs a tokio runtime: create it inside one",
            ));
        }
        let endpoint = ChannelEndpoint::from_shared(url.to_owned())
            .map_err(|error| Error::invalid_argument(format!("invalid gRPC URL {url:?}: {error}")))?
            .tcp_nodelay(true);
        let tls = (endpoint.uri().scheme() == Some(&Scheme::HTTPS)).then(ClientTls::system_roots);
        Ok(Client::to(Target::Fixed {
            channel: channel_to(&endpoint, tls.as_ref()),
            url: Some(endpoint.uri().clone()),
        }))
    }

    /// A client over a channel configured elsewhere, TLS included:
    /// [`Client::with_tls`] leaves it as it is.
    pub fn from_channel(channel: Channel) -> Self {
        Client::to(Target::Fixed { channel, url: None })
    }

    /// A client of `service` (`ordersvc.OrderService`, named in errors)
    /// that sends each call to one of the instances of `instancer`, over
    /// `http://`, chosen by `balance`. See [`crate::sd`] for what happens
    /// when there are none, or one fails.
    pub fn discover(service: &'static str, instancer: Instancer, balance: Balance) -> Self {
        let balancer = Balancer::new(service, instancer, balance, |instance| {
            channel_to(&instance_endpoint(instance.uri().clone()), None)
        });
        Client::to(Target::Discovered(Arc::new(balancer)))
    }

    /// Calls over TLS (`https`), verifying servers and presenting a client
    /// certificate as `tls` says, whatever the URL's scheme; new channels,
    /// which connect on first use. A client made
    /// [`from_channel`](Client::from_channel) keeps its channel's.
    #[must_use]
    pub fn with_tls(mut self, tls: &ClientTls) -> Self {
        self.target = match self.target {
            Target::Fixed { url: Some(url), .. } => {
                let url = with_scheme(url, Scheme::HTTPS);
                let endpoint = ChannelEndpoint::from(url.clone()).tcp_nodelay(true);
                Target::Fixed {
                    channel: channel_to(&endpoint, Some(tls)),
                    url: Some(url),
                }
            }
            fixed @ Target::Fixed { url: None, .. } => fixed,
            Target::Discovered(balancer) => {
                let tls = tls.clone();
                Target::Discovered(Arc::new(balancer.reconnecting(move |instance| {
                    let uri = with_scheme(instance.uri().clone(), Scheme::HTTPS);
                    channel_to(&instance_endpoint(uri), Some(&tls))
                })))
            }
        };
        self
    }

    fn to(target: Target) -> Self {
        Client {
            target,
            compression: None,
            timeout: None,
            max_message_size: DEFAULT_MAX_MESSAGE_SIZE,
            headers: http::HeaderMap::new(),
        }
    }

    /// Sends `value` as the metadata `name` with every call, such as
    /// credentials (`authorization`), which contexts never pass on.
    #[must_use]
    pub fn with_header(mut self, name: http::HeaderName, value: http::HeaderValue) -> Self {
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

    /// Compresses every request message with `compression`, and asks the
    /// server to compress its answers the same way (kit's servers do).
    /// Worth it for large messages over slow links; on a fast network it
    /// costs more CPU time than it saves.
    #[must_use]
    pub fn with_compression(mut self, compression: crate::Compression) -> Self {
        self.compression = Some(compression);
        self
    }

    /// Refuses response messages larger than `bytes`; the default is
    /// [`DEFAULT_MAX_MESSAGE_SIZE`].
    #[must_use]
    pub fn with_max_message_size(mut self, bytes: usize) -> Self {
        self.max_message_size = bytes;
        self
    }

    /// Calls the unary method at `path` (`/ordersvc.OrderService/GetById`)
    /// and returns the response message.
    ///
    /// A status from the server becomes an [`Error`](struct@crate::Error) with its code (a
    /// business error keeps its variant); a server that cannot be reached is
    /// `UNAVAILABLE`, and running out of time `DEADLINE_EXCEEDED`.
    pub async fn call<Req, Resp>(
        &self,
        path: &'static str,
        ctx: &Context,
        message: Req,
    ) -> Result<Resp, Error>
    where
        Req: GrpcMessage,
        Resp: GrpcMessage,
    {
        let (result, _) = self
            .exchange(ctx, message, |mut grpc, request| async move {
                let codec = tonic_prost::ProstCodec::<Req, Resp>::default();
                grpc.unary(request, PathAndQuery::from_static(path), codec)
                    .await
                    .map(tonic::Response::into_inner)
            })
            .await;
        result
    }

    /// Calls the server streaming method at `path` and returns its stream
    /// of responses, which the server sends as it is read. Dropping the
    /// stream cancels the call; the deadline covers the whole stream, which
    /// ends with `DEADLINE_EXCEEDED` when it passes. Errors are as for
    /// [`Client::call`], before the stream or as its last item.
    pub async fn server_streaming<Req, Resp>(
        &self,
        path: &'static str,
        ctx: &Context,
        message: Req,
    ) -> Result<Streaming<Resp>, Error>
    where
        Req: GrpcMessage,
        Resp: GrpcMessage,
    {
        let deadline = ctx.deadline_within(self.timeout);
        let (result, picked) = self
            .exchange(ctx, message, |mut grpc, request| async move {
                let codec = tonic_prost::ProstCodec::<Req, Resp>::default();
                grpc.server_streaming(request, PathAndQuery::from_static(path), codec)
                    .await
                    .map(tonic::Response::into_inner)
            })
            .await;
        Ok(answers(result?, picked, deadline, None))
    }

    /// Calls the client streaming method at `path` with the stream of
    /// `messages`, sent as the server reads them, and returns its response.
    /// An error in `messages` cancels the call and is returned as it is.
    pub async fn client_streaming<Req, Resp>(
        &self,
        path: &'static str,
        ctx: &Context,
        messages: Streaming<Req>,
    ) -> Result<Resp, Error>
    where
        Req: GrpcMessage,
        Resp: GrpcMessage,
    {
        let (messages, failed) = until_failed(messages);
        let call = async {
            let (result, _) = self
                .exchange(ctx, messages, |mut grpc, request| async move {
                    let codec = tonic_prost::ProstCodec::<Req, Resp>::default();
                    grpc.client_streaming(request, PathAndQuery::from_static(path), codec)
                        .await
                        .map(tonic::Response::into_inner)
                })
                .await;
            result
        };
        cancelled_by(call, &failed).await
    }

    /// Calls the bidirectional streaming method at `path`: sends
    /// `messages` as the server reads them, and returns its stream of
    /// responses, which it may send before it has read them all. An error
    /// in `messages` cancels the call; dropping the returned stream does
    /// too.
    pub async fn bidi_streaming<Req, Resp>(
        &self,
        path: &'static str,
        ctx: &Context,
        messages: Streaming<Req>,
    ) -> Result<Streaming<Resp>, Error>
    where
        Req: GrpcMessage,
        Resp: GrpcMessage,
    {
        let deadline = ctx.deadline_within(self.timeout);
        let (messages, failed) = until_failed(messages);
        let call = async {
            let (result, picked) = self
                .exchange(ctx, messages, |mut grpc, request| async move {
                    let codec = tonic_prost::ProstCodec::<Req, Resp>::default();
                    grpc.streaming(request, PathAndQuery::from_static(path), codec)
                        .await
                        .map(tonic::Response::into_inner)
                })
                .await;
            result.map(|messages| (messages, picked))
        };
        let (messages, picked) = cancelled_by(call, &failed).await?;
        Ok(answers(messages, picked, deadline, Some(failed)))
    }

    /// The common part of every call: the deadline and metadata, the
    /// connection (picked from the balancer, which learns how the call
    /// went), and `call`'s exchange on it, whose failures become
    /// [`Error`]s. The pick is returned, so that a stream keeps its
    /// instance busy until it ends.
    async fn exchange<Req, T, F, Fut>(
        &self,
        ctx: &Context,
        message: Req,
        call: F,
    ) -> (Result<T, Error>, Option<Picked<Channel>>)
    where
        F: FnOnce(tonic::client::Grpc<Channel>, tonic::Request<Req>) -> Fut,
        Fut: Future<Output = Result<T, tonic::Status>>,
    {
        let deadline = ctx.deadline_within(self.timeout);
        let mut request = tonic::Request::new(message);
        *request.metadata_mut() = metadata(ctx, &self.headers);
        if let Some(deadline) = deadline {
            match deadline.checked_duration_since(Instant::now()) {
                Some(remaining) if !remaining.is_zero() => request.set_timeout(remaining),
                _ => return (Err(Error::deadline_exceeded()), None),
            }
        }
        let (channel, picked) = match &self.target {
            Target::Fixed { channel, .. } => (channel.clone(), None),
            Target::Discovered(balancer) => match balancer.pick() {
                Ok(picked) => (picked.connection().clone(), Some(picked)),
                Err(error) => return (Err(error), None),
            },
        };
        let mut grpc =
            tonic::client::Grpc::new(channel).max_decoding_message_size(self.max_message_size);
        if let Some(compression) = self.compression {
            grpc = grpc
                .send_compressed(compression.encoding())
                .accept_compressed(compression.encoding());
        }
        let exchange = async move {
            grpc.ready().await.map_err(|error| {
                Error::unavailable(format!("cannot reach the gRPC server: {error}"))
                    .with_source(error)
            })?;
            call(grpc, request)
                .await
                .map_err(|status| match connection_failure(&status) {
                    Some(failure) => Error::unavailable(failure).with_source(status),
                    None => from_status(&status),
                })
        };
        let result = match deadline {
            Some(deadline) => match tokio::time::timeout_at(deadline.into(), exchange).await {
                // tonic's channel enforces `grpc-timeout` too, and calls it
                // CANCELLED when it wins the race to the deadline.
                Ok(Err(error)) if error.code() == Code::Cancelled && Instant::now() >= deadline => {
                    Err(Error::deadline_exceeded())
                }
                Ok(result) => result,
                Err(_) => Err(Error::deadline_exceeded()),
            },
            None => exchange.await,
        };
        if let Some(picked) = &picked {
            picked.record(&result);
        }
        (result, picked)
    }
}

/// A channel to `endpoint`, over TLS with `tls`, connecting on first use.
fn channel_to(endpoint: &ChannelEndpoint, tls: Option<&ClientTls>) -> Channel {
    match tls {
        // tonic's own connector, which applies the endpoint's TCP settings.
        None => endpoint.connect_lazy(),
        // tonic is told `http`, and kit's connector speaks TLS whatever the
        // scheme: built with a TLS feature of its own (which another crate
        // of the program may turn on), tonic refuses an `https` endpoint
        // it was given no TLS configuration for.
        Some(tls) => {
            let endpoint = instance_endpoint(with_scheme(endpoint.uri().clone(), Scheme::HTTP));
            let connector = tower::ServiceExt::map_request(tls.connector(true), |uri: Uri| {
                with_scheme(uri, Scheme::HTTPS)
            });
            endpoint.connect_with_connector_lazy(connector)
        }
    }
}

/// How a discovering client connects to one of its instances, and any
/// client over TLS to its server.
fn instance_endpoint(uri: Uri) -> ChannelEndpoint {
    ChannelEndpoint::from(uri)
        .tcp_nodelay(true)
        .connect_timeout(Duration::from_secs(5))
}

/// `uri` with the scheme `scheme`.
fn with_scheme(uri: Uri, scheme: Scheme) -> Uri {
    let mut parts = uri.into_parts();
    parts.scheme = Some(scheme);
    Uri::from_parts(parts).expect("a URI that had a scheme and authority still has them")
}

/// The responses of a streaming call as a [`Streaming`], ending at
/// `deadline`. The instance the call went to stays busy, for the balancer,
/// until the stream ends; an error of the request stream (`failed`) ends
/// it as that error.
fn answers<Resp: GrpcMessage>(
    messages: tonic::Streaming<Resp>,
    picked: Option<Picked<Channel>>,
    deadline: Option<Instant>,
    failed: Option<Failed>,
) -> Streaming<Resp> {
    let stream = Streaming::new(futures_util::stream::unfold(
        (messages, picked),
        |(mut messages, picked)| async move {
            match messages.message().await {
                Ok(Some(message)) => Some((Ok(message), (messages, picked))),
                Ok(None) => None,
                Err(status) => Some((Err(from_status(&status)), (messages, picked))),
            }
        },
    ));
    let stream = match failed {
        Some(failed) => answers_until_failed(stream, failed),
        None => stream,
    };
    match deadline {
        Some(deadline) => stream.until(deadline),
        None => stream,
    }
}

/// Why the call behind `status` failed when its connection did, rather
/// than with the server's status: the server sent GOAWAY before taking the
/// call (it is shutting down, and never saw the call), or the connection
/// closed before an answer or broke (a TLS handshake the server refused
/// among them). The call is then `UNAVAILABLE`, as gRPC has it.
fn connection_failure(status: &tonic::Status) -> Option<String> {
    let mut source = std::error::Error::source(status);
    while let Some(error) = source {
        if let Some(hyper) = error.downcast_ref::<hyper::Error>() {
            let cause = std::error::Error::source(hyper);
            if let Some(h2) = cause.and_then(|cause| cause.downcast_ref::<h2::Error>())
                && h2.is_go_away()
                && h2.is_remote()
            {
                return Some(format!(
                    "the gRPC server closed the connection before taking the call: {h2}"
                ));
            }
            let broke = cause.is_some_and(|io| io.is::<std::io::Error>());
            return (hyper.is_canceled() || broke).then(|| {
                format!("the connection to the gRPC server failed before it answered: {hyper}")
            });
        }
        source = error.source();
    }
    None
}

/// The metadata a call sends: the request id, what the context forwards,
/// and the client's own headers.
fn metadata(ctx: &Context, own: &http::HeaderMap) -> MetadataMap {
    let mut headers = http::HeaderMap::new();
    for (name, value) in ctx.metadata() {
        if crate::context::forwards(name) {
            headers.append(name, value.clone());
        }
    }
    for (name, value) in own {
        headers.insert(name, value.clone());
    }
    headers.insert(crate::http::X_REQUEST_ID, ctx.request_id_header().clone());
    MetadataMap::from_headers(headers)
}
