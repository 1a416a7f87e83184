//! Streams of messages over HTTP/1.1 and HTTP/2, as a server streaming
//! method answers them, chosen by the request's `Accept` header:
//!
//! * `text/event-stream`: Server-Sent Events, which browsers read with
//!   `EventSource`. Each message is an event whose `data` is its JSON; an
//!   error ends the stream as an event named `error` whose `data` is the
//!   JSON error body.
//! * otherwise newline-delimited JSON (`application/x-ndjson`), as
//!   grpc-gateway sends it: `{"result": …}` per message, and an error as
//!   a last line `{"error": {"code": …, "message": …}}`.
//!
//! An error the method returns instead of a stream is an ordinary JSON
//! error response, with its HTTP status.

use std::convert::Infallible;

use axum::body::Body;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use bytes::{Bytes, BytesMut};
use http::HeaderValue;
use http::header::{ACCEPT, CONTENT_TYPE};
use http_body_util::BodyExt;
use hyper::body::Incoming;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::ErrorBody;
use crate::{Context, Error, Streaming};

/// The media type of newline-delimited JSON.
pub(crate) const NDJSON: &str = "application/x-ndjson";

/// The media type of Server-Sent Events.
const EVENT_STREAM: &str = "text/event-stream";

/// One line of a stream of JSON lines.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum Line<T, E> {
    /// A message.
    Result(T),
    /// The error that ends the stream.
    Error(E),
}

/// How a stream of messages is sent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Format {
    /// Server-Sent Events.
    Events,
    /// JSON lines.
    JsonLines,
}

impl Format {
    /// The format the request's `Accept` asks for.
    pub(crate) fn asked_by(ctx: &Context) -> Format {
        let events = super::header(ctx.metadata(), &ACCEPT)
            .and_then(|accept| accept.to_str().ok())
            .is_some_and(|accept| accept.contains(EVENT_STREAM));
        if events {
            Format::Events
        } else {
            Format::JsonLines
        }
    }
}

/// `stream` as a response in `format`.
pub(crate) fn response<T: Serialize + Send + 'static>(
    stream: Streaming<T>,
    format: Format,
) -> Response {
    if format == Format::Events {
        let events = Framed {
            inner: stream,
            frame: event,
            ended: false,
        };
        return Sse::new(events)
            .keep_alive(KeepAlive::default())
            .into_response();
    }
    let lines = Framed {
        inner: stream,
        frame: line,
        ended: false,
    };
    let mut response = Response::new(Body::from_stream(lines));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static(NDJSON));
    response
}

/// A stream of answers as the frames of a body: each item framed by
/// `frame`, which also says whether it is the last (an error, or a message
/// that cannot be encoded). Nothing is read after the last, and a panic of
/// the producer is an `INTERNAL` error frame.
struct Framed<T, F> {
    inner: Streaming<T>,
    frame: fn(Result<T, Error>) -> (F, bool),
    ended: bool,
}

impl<T, F> futures_util::Stream for Framed<T, F> {
    type Item = Result<F, Infallible>;

    fn poll_next(
        mut self: std::pin::Pin<&mut Self>,
        cx: &mut std::task::Context<'_>,
    ) -> std::task::Poll<Option<Self::Item>> {
        let this = &mut *self;
        if this.ended {
            return std::task::Poll::Ready(None);
        }
        let item = std::task::ready!(crate::stream::poll_guarded(&mut this.inner, cx));
        std::task::Poll::Ready(item.map(|item| {
            let (frame, last) = (this.frame)(item);
            this.ended = last;
            Ok(frame)
        }))
    }
}

/// An item as a Server-Sent Event, and whether it is the last.
fn event<T: Serialize>(item: Result<T, Error>) -> (Event, bool) {
    match item.map(|message| Event::default().json_data(&message)) {
        Ok(Ok(event)) => (event, false),
        Ok(Err(error)) => (error_event(&encode_failed(&error)), true),
        Err(error) => (error_event(&error), true),
    }
}

/// An item as a JSON line, and whether it is the last.
fn line<T: Serialize>(item: Result<T, Error>) -> (Bytes, bool) {
    let (mut line, last) =
        match item.map(|message| serde_json::to_vec(&Line::<_, ()>::Result(&message))) {
            Ok(Ok(line)) => (line, false),
            Ok(Err(error)) => (error_line(&encode_failed(&error)), true),
            Err(error) => (error_line(&error), true),
        };
    line.push(b'\n');
    (Bytes::from(line), last)
}

fn encode_failed(error: &dyn std::fmt::Display) -> Error {
    Error::internal(format!("cannot encode a response message: {error}"))
}

fn error_event(error: &Error) -> Event {
    Event::default()
        .event("error")
        .json_data(error.to_body())
        .unwrap_or_else(|_| Event::default().event("error").data("{}"))
}

fn error_line(error: &Error) -> Vec<u8> {
    serde_json::to_vec(&Line::<(), _>::Error(error.to_body()))
        .unwrap_or_else(|_| br#"{"error":{"code":"INTERNAL","message":""}}"#.to_vec())
}

/// The messages of a response body of JSON lines, as they arrive, each of
/// at most `max_line` bytes (the client's response limit); an `error`
/// line, a line that is not a message, or a body cut short ends it with an
/// error.
pub(crate) fn read_json_lines<T: DeserializeOwned + Send + 'static>(
    body: Incoming,
    max_line: usize,
) -> Streaming<T> {
    lines(body, max_line, parse_line)
}

/// The messages of a request body of JSON lines, one message each, of at
/// most `limit` bytes.
pub(crate) fn read_request_lines<T: DeserializeOwned + Send + 'static>(
    body: Body,
    limit: usize,
) -> Streaming<T> {
    lines(body, limit, |line| {
        serde_json::from_slice(line).map_err(|error| {
            Error::invalid_argument(format!("cannot decode a streamed request: {error}"))
        })
    })
}

/// Whether a `Content-Type` is newline-delimited JSON, by any of its names.
pub(crate) fn is_json_lines(content_type: Option<&HeaderValue>) -> bool {
    let Some(essence) = content_type
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
    else {
        return false;
    };
    let essence = essence.trim();
    [
        NDJSON,
        "application/jsonl",
        "application/json-seq",
        "application/jsonlines",
    ]
    .iter()
    .any(|name| essence.eq_ignore_ascii_case(name))
}

/// The lines of `body` as they arrive, each parsed by `parse`; a line over
/// `max_line` bytes, a body that breaks off or ends mid-line, or a line
/// that `parse` refuses ends the stream with an error.
fn lines<B, T>(body: B, max_line: usize, parse: fn(&[u8]) -> Result<T, Error>) -> Streaming<T>
where
    B: hyper::body::Body<Data = Bytes> + Send + Unpin + 'static,
    B::Error: std::fmt::Display,
    T: Send + 'static,
{
    struct Reader<B> {
        body: B,
        buffer: BytesMut,
        /// How much of `buffer` is known to hold no newline.
        scanned: usize,
        done: bool,
    }
    let reader = Reader {
        body,
        buffer: BytesMut::new(),
        scanned: 0,
        done: false,
    };
    Streaming::new(futures_util::stream::unfold(
        reader,
        move |mut reader| async move {
            loop {
                if reader.done {
                    return None;
                }
                let end = reader.buffer[reader.scanned..]
                    .iter()
                    .position(|&byte| byte == b'\n')
                    .map(|at| reader.scanned + at);
                reader.scanned = end.unwrap_or(reader.buffer.len());
                if end.unwrap_or(reader.buffer.len()) > max_line {
                    reader.done = true;
                    let error = Error::new(
                        crate::Code::ResourceExhausted,
                        format!("a streamed message is larger than the limit of {max_line} bytes"),
                    );
                    return Some((Err(error), reader));
                }
                if let Some(end) = end {
                    let line = reader.buffer.split_to(end + 1);
                    reader.scanned = 0;
                    let line = line.trim_ascii();
                    if line.is_empty() {
                        continue;
                    }
                    let item = parse(line);
                    reader.done = item.is_err();
                    return Some((item, reader));
                }
                match reader.body.frame().await {
                    Some(Ok(frame)) => {
                        if let Some(data) = frame.data_ref() {
                            reader.buffer.extend_from_slice(data);
                        }
                    }
                    Some(Err(error)) => {
                        reader.done = true;
                        let error = Error::new(
                            crate::Code::Cancelled,
                            format!("the stream broke off: {error}"),
                        );
                        return Some((Err(error), reader));
                    }
                    None if reader.buffer.trim_ascii().is_empty() => return None,
                    None => {
                        // A last message without its newline.
                        reader.done = true;
                        let line = std::mem::take(&mut reader.buffer);
                        return Some((parse(line.trim_ascii()), reader));
                    }
                }
            }
        },
    ))
}

fn parse_line<T: DeserializeOwned>(line: &[u8]) -> Result<T, Error> {
    match serde_json::from_slice::<Line<T, ErrorBody<'_>>>(line) {
        Ok(Line::Result(message)) => Ok(message),
        Ok(Line::Error(body)) => {
            let status = body.code.http_status();
            Err(Error::from_body(body, status))
        }
        Err(error) => Err(Error::internal(format!(
            "cannot decode a streamed response: {error}"
        ))),
    }
}
