//! Fuzzing targets: each takes arbitrary bytes, and must neither panic nor
//! hang whatever they are. The binaries in `src/bin` run them under AFL++
//! (`cargo afl`, see `fuzz/README.md`); `tests/corpus.rs` runs every file of
//! the committed corpus through them on every `cargo test`.
//!
//! | target | what the bytes become | what it reaches |
//! |---|---|---|
//! | [`http_request`] | a request line, headers and a body | the Order service's HTTP/JSON router: routing, path, query and body decoding of the generated request types, error bodies |
//! | [`grpc_request`] | a content type, a method and a body | its gRPC server: framing, compression flags, protobuf decoding, Connect's unary calls (JSON and protobuf), size limits; not the gRPC-Web translation in front of it, which only `kit::Server` applies |
//! | [`message`] | a protobuf message | `kit::Message` decoding of the domain and request types, and that what decodes encodes back to the same value |
//! | [`call_metadata`] | header values | `grpc-timeout`, `X-Request-Timeout`, `Connect-Timeout-Ms`, `traceparent` and `X-Request-ID`, over both transports |
//! | [`proto_file`] | a `.proto` file | kitgen's `.proto` frontend, check pass and code generation, whose output must parse |

use std::future::Future;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderName, HeaderValue, Method, Request, StatusCode, Uri};
use http_body_util::BodyExt;
use ordersvc::{InMemoryOrderService, order_service};
use prost::Message;
use tower::ServiceExt;

/// How long a request may take to be answered (its headers) before the
/// target calls it a hang: no call here waits for anything.
const ANSWER_WITHIN: Duration = Duration::from_secs(2);
/// How much of a response body is read: a stream of updates need not end.
const READ_AT_MOST: usize = 64 << 10;
/// How long a response body is read for, at most.
const READ_FOR: Duration = Duration::from_millis(100);

/// Runs `future` on this thread's runtime: one for every input, as
/// building one per input would cost more than most inputs.
fn block_on<F: Future>(future: F) -> F::Output {
    thread_local! {
        static RUNTIME: tokio::runtime::Runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a current-thread runtime builds");
    }
    RUNTIME.with(|runtime| runtime.block_on(future))
}

/// A fresh Order service's endpoints: nothing carries over from one input
/// to the next, so a crash reproduces from its input alone.
fn endpoints() -> order_service::Endpoints {
    order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()))
}

/// Sends `request` to `service`, and reads some of the answer. Panics
/// when no answer comes within [`ANSWER_WITHIN`].
async fn exchange<S, B, R>(service: S, request: Request<B>) -> (http::response::Parts, Bytes)
where
    S: tower::Service<Request<B>, Response = http::Response<R>>,
    S::Error: std::fmt::Debug,
    R: axum::body::HttpBody<Data = Bytes> + Unpin,
{
    let response = tokio::time::timeout(ANSWER_WITHIN, service.oneshot(request))
        .await
        .expect("the server answered in time")
        .expect("the server's services are infallible");
    let (parts, mut body) = response.into_parts();
    let mut read = Vec::new();
    let _ = tokio::time::timeout(READ_FOR, async {
        while read.len() < READ_AT_MOST {
            match body.frame().await {
                Some(Ok(frame)) => {
                    if let Ok(data) = frame.into_data() {
                        read.extend_from_slice(&data);
                    }
                }
                Some(Err(_)) | None => break,
            }
        }
    })
    .await;
    (parts, read.into())
}

/// `METHOD TARGET`, header lines `name: value`, an empty line and a body,
/// as a request; lines end with `\n`. Headers that do not parse are left
/// out; `None` when the method or target does not parse.
fn raw_request(data: &[u8]) -> Option<Request<axum::body::Body>> {
    let (head, body) = match data.windows(2).position(|pair| pair == b"\n\n") {
        Some(at) => (&data[..at], &data[at + 2..]),
        None => (data, &[][..]),
    };
    let mut lines = head.split(|&byte| byte == b'\n');
    let first = lines.next()?;
    let (method, target) = match first.iter().position(|&byte| byte == b' ') {
        Some(at) => (&first[..at], &first[at + 1..]),
        None => (&b"GET"[..], first),
    };
    let method = Method::from_bytes(method).ok()?;
    let uri = Uri::try_from(target).ok()?;
    let mut builder = Request::builder().method(method).uri(uri);
    for line in lines {
        let Some(colon) = line.iter().position(|&byte| byte == b':') else {
            continue;
        };
        let name = HeaderName::from_bytes(&line[..colon]);
        let value = HeaderValue::from_bytes(line[colon + 1..].trim_ascii());
        if let (Ok(name), Ok(value)) = (name, value) {
            builder = builder.header(name, value);
        }
    }
    builder.body(axum::body::Body::from(body.to_vec())).ok()
}

/// The Order service's HTTP/JSON router given `data` as a request (see
/// [`raw_request`]'s format). Nothing the caller sends may make it fail
/// with `500`: the in-memory service has no failure of its own.
pub fn http_request(data: &[u8]) {
    let Some(request) = raw_request(data) else {
        return;
    };
    let router = order_service::http_router(endpoints());
    let (parts, body) = block_on(exchange(router, request));
    assert_ne!(
        parts.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        String::from_utf8_lossy(&body)
    );
}

/// What [`grpc_request`]'s first byte chooses from.
const CONTENT_TYPES: [&str; 8] = [
    "application/grpc",
    "application/grpc+proto",
    "application/grpc-web",
    "application/grpc-web-text",
    "application/proto",
    "application/json",
    "application/connect+proto",
    "application/connect+json",
];

/// What [`grpc_request`]'s second byte chooses from.
const GRPC_PATHS: [&str; 6] = [
    "/ordersvc.OrderService/Create",
    "/ordersvc.OrderService/GetById",
    "/ordersvc.OrderService/ChangeStatus",
    "/ordersvc.OrderService/Watch",
    "/ordersvc.OrderService/Nope",
    "/grpc.health.v1.Health/Check",
];

/// The Order service's gRPC server (which answers Connect too) given a
/// request: the first byte chooses its content type, the second its
/// method, and the rest is its body, framing and all. gRPC-Web's content
/// types reach the server untranslated, as `kit::Server`'s translation
/// would not leave them.
pub fn grpc_request(data: &[u8]) {
    let [content_type, path, body @ ..] = data else {
        return;
    };
    let content_type = CONTENT_TYPES[usize::from(*content_type) % CONTENT_TYPES.len()];
    let path = GRPC_PATHS[usize::from(*path) % GRPC_PATHS.len()];
    let request = Request::post(path)
        .version(http::Version::HTTP_2)
        .header(http::header::CONTENT_TYPE, content_type)
        .header(http::header::TE, "trailers")
        .body(tonic::body::Body::new(http_body_util::Full::new(
            Bytes::copy_from_slice(body),
        )))
        .expect("a request of valid parts builds");
    let server = order_service::GrpcServer::new(endpoints());
    block_on(exchange(server, request));
}

/// `data` decoded as each of the Order service's messages (the first byte
/// chooses which): what decodes must encode to bytes that decode to a value
/// that encodes the same.
pub fn message(data: &[u8]) {
    let [which, bytes @ ..] = data else {
        return;
    };
    match which % 4 {
        0 => round_trip::<ordersvc::Order>(bytes),
        1 => round_trip::<order_service::CreateRequest>(bytes),
        2 => round_trip::<order_service::ChangeStatusRequest>(bytes),
        _ => round_trip::<order_service::GetByIdResponse>(bytes),
    }
}

fn round_trip<M: Message + Default>(bytes: &[u8]) {
    let Ok(decoded) = M::decode(bytes) else {
        return;
    };
    // Encodings, not values, are compared: NaN is unequal to itself.
    let encoded = decoded.encode_to_vec();
    let again = M::decode(encoded.as_slice()).expect("what was encoded decodes");
    assert_eq!(again.encode_to_vec(), encoded);
}

/// A call with the lines of `data` as the values of the headers that
/// carry a call's deadline, trace and id, over HTTP/JSON, gRPC and
/// Connect: whatever they hold, the call is answered, and over HTTP/JSON
/// never with `500`.
pub fn call_metadata(data: &[u8]) {
    let mut values = data.split(|&byte| byte == b'\n');
    let mut next = || {
        values
            .next()
            .and_then(|value| HeaderValue::from_bytes(value).ok())
    };
    let (timeout, trace, id, grpc_timeout, connect_timeout) =
        (next(), next(), next(), next(), next());
    let with = |mut builder: http::request::Builder| {
        for (name, value) in [
            ("x-request-timeout", &timeout),
            ("traceparent", &trace),
            ("x-request-id", &id),
            ("grpc-timeout", &grpc_timeout),
            ("connect-timeout-ms", &connect_timeout),
        ] {
            if let Some(value) = value {
                builder = builder.header(name, value);
            }
        }
        builder
    };
    let http = with(Request::get("/orders/ord-1"))
        .body(axum::body::Body::empty())
        .expect("a request of valid parts builds");
    let (parts, body) = block_on(exchange(order_service::http_router(endpoints()), http));
    assert_ne!(
        parts.status,
        StatusCode::INTERNAL_SERVER_ERROR,
        "{}",
        String::from_utf8_lossy(&body)
    );
    for content_type in ["application/grpc", "application/json"] {
        // GetById with `id: "ord-1"`, framed for gRPC; Connect's JSON as is.
        let body: &[u8] = if content_type == "application/json" {
            br#"{"id":"ord-1"}"#
        } else {
            b"\0\0\0\0\x07\x0a\x05ord-1"
        };
        let request = with(Request::post("/ordersvc.OrderService/GetById"))
            .version(http::Version::HTTP_2)
            .header(http::header::CONTENT_TYPE, content_type)
            .body(tonic::body::Body::new(http_body_util::Full::new(
                Bytes::from_static(body),
            )))
            .expect("a request of valid parts builds");
        block_on(exchange(
            order_service::GrpcServer::new(endpoints()),
            request,
        ));
    }
}

/// `data` as a `.proto` file, through kitgen's frontend, check pass and
/// code generation (kitgen's own: prost's is prost's): errors are
/// reported, never panics, and the code of what passes parses.
pub fn proto_file(data: &[u8]) {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kitgen-fuzz-proto-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("create a directory in the temporary directory");
        dir
    });
    let file = dir.join("fuzz.proto");
    std::fs::write(&file, data).expect("write the input");
    let embedded = kitgen::model::EmbeddedDescriptors {
        file_name: "fuzz.fds.bin".to_owned(),
        in_out_dir: false,
    };
    let Ok((_, services)) =
        kitgen::generate::read_services(&[file], std::slice::from_ref(dir), &embedded)
    else {
        return;
    };
    for service in &services {
        let service_trait = kitgen::codegen::service_trait(service);
        let module = kitgen::codegen::service_module(service);
        let code = quote::quote!(#service_trait #module);
        if let Err(error) = syn::parse2::<syn::File>(code) {
            panic!("kitgen's code for {} does not parse: {error}", service.name);
        }
    }
}
