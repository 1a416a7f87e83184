//! The Connect protocol on the gRPC port: what `@connectrpc/connect-web` in
//! a browser, `buf curl`, and every other Connect client speak, beside gRPC
//! and gRPC-Web, at the same paths (`/acme.Orders/Get`), told apart by the
//! content type.
//!
//! * Unary methods: `POST` with an `application/json` (proto3 JSON) or
//!   `application/proto` body, or, for a method with no side effects,
//!   `GET ?encoding=json&message=…` (`base64=1` for binary), which caches
//!   and needs no CORS preflight. The answer is the message itself; an
//!   error is Connect's JSON (`{"code":"not_found","message":"…"}`) with
//!   the code's HTTP status.
//! * Server streaming methods with JSON messages: `POST` with
//!   `application/connect+json`, one enveloped request, then enveloped
//!   answers as they come and an end-of-stream message that carries the
//!   error, if there was one. Streams of protobuf messages, of every kind,
//!   are translated to gRPC before they reach the server
//!   ([`super::connect_stream`]).
//! * A business error's variant and details travel as metadata under the
//!   names of their gRPC trailers ([`super::ERROR_VARIANT`],
//!   [`super::ERROR_DETAILS`]); `Connect-Timeout-Ms` is the deadline.
//!
//! Client and bidirectional streams of JSON messages are refused: browsers
//! cannot send a stream, and other clients can send protobuf. Compressed
//! Connect requests are refused with `unimplemented`.
//!
//! Hand-written, in one file: the crates that speak Connect bring their own
//! code generation and server, and what kit needs is only the protocol's
//! framing, which is small, over endpoints it already has.

use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context as TaskContext, Poll, ready};

use bytes::{BufMut, Bytes, BytesMut};
use futures_util::Stream;
use http::header::{ALLOW, CONTENT_ENCODING, CONTENT_TYPE};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited, StreamBody};
use serde::Serialize;
use tonic::body::Body;
use tower::ServiceExt;

use super::json::MethodJson;
use super::server::{Answers, GRPC_TIMEOUT, Limits};
use super::{GrpcMessage, to_status};
use crate::context::request_id_from;
use crate::{Code, Context, Endpoint, Error, Request, Streaming, server_call};

/// The header in which a Connect caller sends its timeout, in milliseconds.
const CONNECT_TIMEOUT_MS: HeaderName = HeaderName::from_static("connect-timeout-ms");
/// The header that names the protocol's version, `1`.
const CONNECT_PROTOCOL_VERSION: HeaderName = HeaderName::from_static("connect-protocol-version");
/// The content type of a stream of JSON messages.
const CONNECT_JSON: &str = "application/connect+json";
/// The header that names a streaming request's compression.
const CONNECT_CONTENT_ENCODING: HeaderName = HeaderName::from_static("connect-content-encoding");
/// An envelope's header: a flag byte and a big-endian `u32` length.
const ENVELOPE_HEADER: usize = 5;
/// The flag of a compressed envelope.
const COMPRESSED: u8 = 0b01;
/// The flag of the envelope that ends a stream.
const END_STREAM: u8 = 0b10;

/// How a call's messages are written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Codec {
    /// proto3 JSON, through the message's serde impls.
    Json,
    /// Protobuf's binary encoding.
    Proto,
}

impl Codec {
    /// The codec of a name in a content type or a `GET`'s `encoding`.
    fn named(name: &str) -> Option<Codec> {
        match name {
            "json" => Some(Codec::Json),
            "proto" => Some(Codec::Proto),
            _ => None,
        }
    }

    fn unary_content_type(self) -> HeaderValue {
        HeaderValue::from_static(match self {
            Codec::Json => "application/json",
            Codec::Proto => "application/proto",
        })
    }

    fn decode<M: GrpcMessage>(self, bytes: &[u8], json: &MethodJson) -> Result<M, Error> {
        match self {
            Codec::Json => json.decode_request(bytes),
            Codec::Proto => M::decode(bytes).map_err(|error| {
                Error::invalid_argument(format!("cannot read the request message: {error}"))
            }),
        }
    }

    fn encode<M: GrpcMessage>(
        self,
        message: &M,
        json: &MethodJson,
        limits: Limits,
    ) -> Result<Vec<u8>, Error> {
        let bytes = match self {
            Codec::Json => json.encode_response(message)?,
            Codec::Proto => message.encode_to_vec(),
        };
        if bytes.len() > limits.max_encoding_message_size {
            return Err(Error::resource_exhausted(format!(
                "a response message of {} bytes is larger than the limit of {} bytes",
                bytes.len(),
                limits.max_encoding_message_size
            )));
        }
        Ok(bytes)
    }
}

/// The codec that a content type names after `prefix`: `json` in
/// `application/json; charset=utf-8` after `application/`.
fn codec_after(headers: &HeaderMap, prefix: &str) -> Option<Codec> {
    let value = headers.get(CONTENT_TYPE)?.to_str().ok()?;
    let essence = value.split(';').next()?.trim().to_ascii_lowercase();
    Codec::named(essence.strip_prefix(prefix)?)
}

/// Serves one unary call over Connect.
pub(super) async fn unary<Req, Resp>(
    path: &'static str,
    endpoint: Endpoint<Req, Resp>,
    json: MethodJson,
    limits: Limits,
    request: http::Request<Body>,
) -> http::Response<Body>
where
    Req: GrpcMessage,
    Resp: GrpcMessage,
{
    let (parts, body) = request.into_parts();
    let request_id = request_id_from(&parts.headers);
    let read = match parts.method {
        Method::POST => read_post(&parts.headers, body, limits).await,
        Method::GET if endpoint.has_no_side_effects() => {
            read_get(&parts.uri, limits).map_err(Refused::Error)
        }
        _ => {
            let allow = if endpoint.has_no_side_effects() {
                "GET, POST"
            } else {
                "POST"
            };
            return refusal(StatusCode::METHOD_NOT_ALLOWED, ALLOW, allow);
        }
    };
    let (codec, bytes) = match read {
        Ok(read) => read,
        Err(Refused::Response(response)) => return response,
        Err(Refused::Error(error)) => return error_response(&error, request_id),
    };
    let message = match codec.decode::<Req>(&bytes, &json) {
        Ok(message) => message,
        Err(error) => return error_response(&error, request_id),
    };
    let ctx = match call_context(parts.headers, &parts.extensions) {
        Ok(ctx) => ctx,
        Err(error) => return error_response(&error, request_id),
    };
    let (request_id, served) = server_call::serve(ctx, GRPC_TIMEOUT, path, |ctx| {
        endpoint.oneshot(Request::new(ctx, message))
    })
    .await;
    match served.and_then(|answer| codec.encode(&answer, &json, limits)) {
        Ok(bytes) => {
            let mut response = http::Response::new(Body::new(Full::new(Bytes::from(bytes))));
            let headers = response.headers_mut();
            headers.insert(CONTENT_TYPE, codec.unary_content_type());
            headers.insert(crate::http::X_REQUEST_ID, request_id);
            response
        }
        Err(error) => error_response(&error, request_id),
    }
}

/// Serves one server streaming call over Connect.
pub(super) async fn server_streaming<Req, Resp>(
    path: &'static str,
    endpoint: Endpoint<Req, Streaming<Resp>>,
    json: MethodJson,
    limits: Limits,
    request: http::Request<Body>,
) -> http::Response<Body>
where
    Req: GrpcMessage,
    Resp: GrpcMessage,
{
    let (parts, body) = request.into_parts();
    if parts.method != Method::POST {
        return refusal(StatusCode::METHOD_NOT_ALLOWED, ALLOW, "POST");
    }
    if codec_after(&parts.headers, "application/connect+") != Some(Codec::Json) {
        return refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ACCEPT_POST,
            CONNECT_JSON,
        );
    }
    let request_id = request_id_from(&parts.headers);
    let closing = crate::serve::closing_of(&parts.extensions).cloned();
    let started = async {
        check_protocol_version(&parts.headers)?;
        if let Some(encoding) = parts.headers.get(CONNECT_CONTENT_ENCODING)
            && encoding != "identity"
        {
            return Err(unsupported_compression(encoding.to_str().unwrap_or("?")));
        }
        let bytes = read_body(
            body,
            limits
                .max_decoding_message_size
                .saturating_add(ENVELOPE_HEADER),
        )
        .await?;
        let message = Codec::Json.decode::<Req>(&open_envelope(&bytes)?, &json)?;
        let mut ctx = call_context(parts.headers, &parts.extensions)?;
        if let Some(closing) = closing {
            ctx.insert_extension(closing);
        }
        Ok((ctx, message))
    };
    let (request_id, answers) = match started.await {
        Ok((ctx, message)) => {
            let (request_id, served) = server_call::serve(ctx, GRPC_TIMEOUT, path, |ctx| {
                endpoint.oneshot(Request::new(ctx, message))
            })
            .await;
            let answers =
                served.map(|stream| Answers::new(stream, limits.max_encoding_message_size));
            (request_id, answers)
        }
        Err(error) => (request_id, Err(error)),
    };
    let envelopes = match answers {
        Ok(answers) => Envelopes::new(Some(answers), None, json, limits),
        Err(error) => Envelopes::new(None, Some(to_status(&error)), json, limits),
    };
    let mut response = http::Response::new(Body::new(StreamBody::new(envelopes)));
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(CONNECT_JSON));
    headers.insert(crate::http::X_REQUEST_ID, request_id);
    response
}

/// Answers a Connect call with JSON messages to a client or bidirectional
/// streaming method: kit reads streams of requests in protobuf only.
pub(super) fn unsupported(
    path: &'static str,
    request: &http::Request<Body>,
) -> http::Response<Body> {
    let error = Error::unimplemented(format!(
        "{path} takes a stream of requests, which kit reads in protobuf only: \
         call it over Connect with application/connect+proto, or over gRPC"
    ));
    error_response(&error, request_id_from(request.headers()))
}

/// Answers a Connect call to a method the service does not have.
pub(super) fn no_method(request: &http::Request<Body>) -> http::Response<Body> {
    let error = Error::new(
        Code::Unimplemented,
        format!("no method {} on this server", request.uri().path()),
    );
    let mut response = error_response(&error, request_id_from(request.headers()));
    *response.status_mut() = StatusCode::NOT_FOUND;
    response
}

/// Why a request was not read: an HTTP answer of its own (a wrong method
/// or content type), or an error in Connect's terms.
enum Refused {
    Response(http::Response<Body>),
    Error(Error),
}

impl From<Error> for Refused {
    fn from(error: Error) -> Self {
        Refused::Error(error)
    }
}

/// The header that lists the content types a `POST` may have.
const ACCEPT_POST: HeaderName = HeaderName::from_static("accept-post");

/// Reads a unary `POST`: its codec from the content type, and its body.
async fn read_post(
    headers: &HeaderMap,
    body: Body,
    limits: Limits,
) -> Result<(Codec, Bytes), Refused> {
    let Some(codec) = codec_after(headers, "application/") else {
        return Err(Refused::Response(refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ACCEPT_POST,
            "application/json, application/proto",
        )));
    };
    check_protocol_version(headers)?;
    if let Some(encoding) = headers.get(CONTENT_ENCODING)
        && encoding != "identity"
    {
        return Err(unsupported_compression(encoding.to_str().unwrap_or("?")).into());
    }
    Ok((
        codec,
        read_body(body, limits.max_decoding_message_size).await?,
    ))
}

/// The query of a unary `GET`.
#[derive(serde::Deserialize)]
struct GetQuery {
    connect: Option<String>,
    encoding: String,
    base64: Option<String>,
    compression: Option<String>,
}

/// Reads a unary `GET`: its codec and message from the query.
fn read_get(uri: &http::Uri, limits: Limits) -> Result<(Codec, Bytes), Error> {
    let query: GetQuery = serde_urlencoded::from_str(uri.query().unwrap_or(""))
        .map_err(|error| Error::invalid_argument(format!("invalid Connect GET query: {error}")))?;
    if let Some(version) = &query.connect
        && version != "v1"
    {
        return Err(Error::invalid_argument(format!(
            "connect={version} names a Connect protocol version this server does not speak; expected v1"
        )));
    }
    let Some(codec) = Codec::named(&query.encoding) else {
        return Err(Error::invalid_argument(format!(
            "encoding={} is neither json nor proto",
            query.encoding
        )));
    };
    if let Some(compression) = query.compression.as_deref()
        && compression != "identity"
    {
        return Err(unsupported_compression(compression));
    }
    // Read as bytes, not through the struct: a protobuf message may be
    // percent-encoded binary, which is no string.
    let message = raw_param(uri.query().unwrap_or(""), "message").unwrap_or_default();
    let bytes = if query.base64.as_deref() == Some("1") {
        use base64::Engine;
        use base64::engine::{DecodePaddingMode, GeneralPurpose, GeneralPurposeConfig};
        // base64url, with or without padding, as Connect allows.
        const URL_SAFE: GeneralPurpose = GeneralPurpose::new(
            &base64::alphabet::URL_SAFE,
            GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
        );
        URL_SAFE.decode(&message).map_err(|error| {
            Error::invalid_argument(format!("the message is not base64url: {error}"))
        })?
    } else {
        message
    };
    if bytes.len() > limits.max_decoding_message_size {
        return Err(too_large(limits));
    }
    Ok((codec, Bytes::from(bytes)))
}

/// The value of `name` in a query string, percent-decoded to bytes (`+`
/// is a space, as forms write it).
fn raw_param(query: &str, name: &str) -> Option<Vec<u8>> {
    query.split('&').find_map(|pair| {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        (key == name)
            .then(|| percent_encoding::percent_decode_str(&value.replace('+', " ")).collect())
    })
}

/// The body, refused with `resource_exhausted` past `limit` bytes.
async fn read_body(body: Body, limit: usize) -> Result<Bytes, Error> {
    match Limited::new(body, limit).collect().await {
        Ok(collected) => Ok(collected.to_bytes()),
        Err(error) if error.is::<LengthLimitError>() => Err(Error::resource_exhausted(format!(
            "the request is larger than the limit of {limit} bytes"
        ))),
        Err(error) => Err(Error::new(
            Code::Cancelled,
            format!("cannot read the request: {error}"),
        )),
    }
}

fn too_large(limits: Limits) -> Error {
    Error::resource_exhausted(format!(
        "the request message is larger than the limit of {} bytes",
        limits.max_decoding_message_size
    ))
}

fn unsupported_compression(name: &str) -> Error {
    Error::unimplemented(format!(
        "compression {name} is not supported; send messages uncompressed (identity)"
    ))
}

/// Refuses a `Connect-Protocol-Version` other than 1. A request without
/// one is served: curl need not send it.
fn check_protocol_version(headers: &HeaderMap) -> Result<(), Error> {
    match headers.get(CONNECT_PROTOCOL_VERSION) {
        Some(version) if version != "1" => Err(Error::invalid_argument(format!(
            "Connect-Protocol-Version {} is not one this server speaks; expected 1",
            version.to_str().unwrap_or("?")
        ))),
        _ => Ok(()),
    }
}

/// The one message of a streaming request's body.
fn open_envelope(bytes: &[u8]) -> Result<Bytes, Error> {
    let malformed = || Error::invalid_argument("the request is not one enveloped Connect message");
    let (header, rest) = bytes
        .split_at_checked(ENVELOPE_HEADER)
        .ok_or_else(malformed)?;
    let length = u32::from_be_bytes([header[1], header[2], header[3], header[4]]) as usize;
    if header[0] & COMPRESSED != 0 {
        return Err(unsupported_compression("in an envelope"));
    }
    if header[0] & END_STREAM != 0 || rest.len() != length {
        return Err(malformed());
    }
    Ok(Bytes::copy_from_slice(rest))
}

/// The context of a call from its headers, with `Connect-Timeout-Ms` as
/// the timeout that [`server_call::serve`] turns into the deadline.
fn call_context(mut headers: HeaderMap, extensions: &http::Extensions) -> Result<Context, Error> {
    headers.remove(GRPC_TIMEOUT);
    if let Some(value) = headers.remove(CONNECT_TIMEOUT_MS) {
        let grpc = grpc_timeout(&value).ok_or_else(|| {
            Error::invalid_argument("invalid Connect-Timeout-Ms: expected 1 to 10 digits")
        })?;
        headers.insert(GRPC_TIMEOUT, grpc);
    }
    Ok(Context::from_headers(
        headers,
        crate::serve::peer_of(extensions),
    ))
}

/// A `Connect-Timeout-Ms` value (one to ten digits) as gRPC's timeout,
/// which has eight digits and a unit.
pub(super) fn grpc_timeout(millis: &HeaderValue) -> Option<HeaderValue> {
    let text = millis.to_str().ok()?;
    if !(1..=10).contains(&text.len()) || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let millis: u64 = text.parse().ok()?;
    let encoded = crate::context::timeout::encode(std::time::Duration::from_millis(millis));
    HeaderValue::try_from(encoded).ok()
}

/// An HTTP refusal with one header that says what would be accepted.
fn refusal(status: StatusCode, header: HeaderName, accepted: &'static str) -> http::Response<Body> {
    let mut response = http::Response::new(Body::empty());
    *response.status_mut() = status;
    response
        .headers_mut()
        .insert(header, HeaderValue::from_static(accepted));
    response
}

/// Connect's name of a code: `not_found`; `canceled` with one L.
fn code_name(code: Code) -> String {
    match code {
        Code::Cancelled => "canceled".to_owned(),
        code => code.as_str().to_ascii_lowercase(),
    }
}

/// Connect's error JSON.
#[derive(Serialize)]
struct WireError<'a> {
    code: String,
    #[serde(skip_serializing_if = "str::is_empty")]
    message: &'a str,
}

impl<'a> WireError<'a> {
    fn of(status: &'a tonic::Status) -> Self {
        WireError {
            code: code_name(Code::from_i32(status.code() as i32)),
            message: status.message(),
        }
    }
}

/// A unary call's error: the code's HTTP status, Connect's error JSON, and
/// the error's metadata (its variant and details, when it has them) as
/// headers.
fn error_response(error: &Error, request_id: HeaderValue) -> http::Response<Body> {
    let status = to_status(error);
    let body = serde_json::to_vec(&WireError::of(&status)).unwrap_or_default();
    let mut response = http::Response::new(Body::new(Full::new(Bytes::from(body))));
    *response.status_mut() = error.code().http_status();
    let headers = response.headers_mut();
    headers.extend(status.metadata().clone().into_headers());
    headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    headers.insert(crate::http::X_REQUEST_ID, request_id);
    response
}

/// A stream's last message: its error, if any, and its trailers.
#[derive(Serialize)]
struct EndStream<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<WireError<'a>>,
    #[serde(skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    metadata: std::collections::BTreeMap<&'a str, Vec<&'a str>>,
}

/// The end-of-stream envelope for a stream that ended with `status`
/// (`None`, or `OK`, for success): its error and its metadata.
pub(super) fn end_stream(status: Option<&tonic::Status>) -> Bytes {
    let mut metadata = std::collections::BTreeMap::new();
    if let Some(status) = status {
        for (name, value) in status.metadata().as_ref() {
            if let Ok(value) = value.to_str() {
                metadata
                    .entry(name.as_str())
                    .or_insert_with(Vec::new)
                    .push(value);
            }
        }
    }
    let end = EndStream {
        error: status
            .filter(|status| status.code() != tonic::Code::Ok)
            .map(WireError::of),
        metadata,
    };
    envelope(END_STREAM, &serde_json::to_vec(&end).unwrap_or_default())
}

fn envelope(flags: u8, message: &[u8]) -> Bytes {
    let mut bytes = BytesMut::with_capacity(ENVELOPE_HEADER + message.len());
    bytes.put_u8(flags);
    bytes.put_u32(message.len() as u32);
    bytes.put_slice(message);
    bytes.freeze()
}

/// A server stream's answers as Connect envelopes of JSON, then the
/// end-of-stream message, with the stream's error if it failed (before it
/// started, too).
struct Envelopes<Resp> {
    answers: Option<Answers<Resp>>,
    failure: Option<tonic::Status>,
    json: MethodJson,
    limits: Limits,
    ended: bool,
}

impl<Resp> Envelopes<Resp> {
    fn new(
        answers: Option<Answers<Resp>>,
        failure: Option<tonic::Status>,
        json: MethodJson,
        limits: Limits,
    ) -> Self {
        Envelopes {
            answers,
            failure,
            json,
            limits,
            ended: false,
        }
    }
}

impl<Resp: GrpcMessage> Stream for Envelopes<Resp> {
    type Item = Result<hyper::body::Frame<Bytes>, Infallible>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.ended {
            return Poll::Ready(None);
        }
        let next = match this.answers.as_mut() {
            Some(answers) => ready!(Pin::new(answers).poll_next(cx)),
            None => None,
        };
        let bytes = match next {
            Some(Ok(message)) => match Codec::Json.encode(&message, &this.json, this.limits) {
                Ok(bytes) => envelope(0, &bytes),
                Err(error) => {
                    this.ended = true;
                    end_stream(Some(&to_status(&error)))
                }
            },
            Some(Err(status)) => {
                this.ended = true;
                end_stream(Some(&status))
            }
            None => {
                this.ended = true;
                end_stream(this.failure.as_ref())
            }
        };
        Poll::Ready(Some(Ok(hyper::body::Frame::data(bytes))))
    }
}
