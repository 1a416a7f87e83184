//! Helpers for kitgen's end-to-end tests: serve a router on an ephemeral
//! loopback port, and speak raw HTTP/1.1 to it over one connection.

pub mod browser;
pub mod etcd_server;
pub mod feed;
pub mod from_proto;
pub mod inventory;
pub mod nats_server;
pub mod pki;
pub mod postgres_server;
pub mod replicas;
pub mod zoo;

use std::net::SocketAddr;

use bytes::Bytes;
use http::{HeaderMap, Method, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper_util::rt::TokioIo;

/// Serves `router` on 127.0.0.1 at an ephemeral port, in the background.
pub async fn serve(router: axum::Router) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        axum::serve(listener, router).await.expect("serve");
    });
    addr
}

/// Serves gRPC `routes` (with health and reflection) on 127.0.0.1 at an
/// ephemeral port, in the background, through [`kit::Server`].
pub async fn serve_grpc(routes: kit::grpc::Routes) -> SocketAddr {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind 127.0.0.1:0");
    let addr = listener.local_addr().expect("local address");
    tokio::spawn(async move {
        kit::Server::new()
            .grpc(listener, routes)
            .run_until(std::future::pending())
            .await
            .expect("serve gRPC");
    });
    addr
}

/// One HTTP/2 connection for hand-made gRPC requests: bodies that no
/// client would send.
pub struct RawGrpcConnection {
    sender: hyper::client::conn::http2::SendRequest<Full<Bytes>>,
}

/// The outcome of a raw gRPC call.
#[derive(Debug)]
pub struct RawGrpcStatus {
    /// `grpc-status`.
    pub code: i32,
    /// `grpc-message`, percent-decoded as far as a test needs.
    pub message: String,
    /// The response's headers.
    pub headers: http::HeaderMap,
    /// The response's body: its message frames.
    pub body: Bytes,
}

impl RawGrpcConnection {
    /// Opens an HTTP/2 connection to `addr`.
    pub async fn open(addr: SocketAddr) -> RawGrpcConnection {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (sender, connection) = hyper::client::conn::http2::handshake(
            hyper_util::rt::TokioExecutor::new(),
            TokioIo::new(stream),
        )
        .await
        .expect("HTTP/2 handshake");
        tokio::spawn(connection);
        RawGrpcConnection { sender }
    }

    /// Sends `body` (already framed, or not) to `path` and returns the
    /// gRPC status, from the trailers or a trailers-only response.
    pub async fn call(&mut self, path: &str, body: impl Into<Bytes>) -> RawGrpcStatus {
        self.call_with(path, &[], body).await
    }

    /// [`RawGrpcConnection::call`] with extra headers, such as
    /// `grpc-timeout`.
    pub async fn call_with(
        &mut self,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> RawGrpcStatus {
        let extra = headers;
        let mut request = http::Request::new(Full::new(body.into()));
        *request.method_mut() = Method::POST;
        *request.uri_mut() = format!("http://127.0.0.1{path}").parse().expect("uri");
        let headers = request.headers_mut();
        headers.insert(
            http::header::CONTENT_TYPE,
            "application/grpc".parse().expect("value"),
        );
        headers.insert(http::header::TE, "trailers".parse().expect("value"));
        for (name, value) in extra {
            headers.insert(
                http::HeaderName::try_from(*name).expect("header name"),
                value.parse().expect("header value"),
            );
        }
        self.sender
            .ready()
            .await
            .expect("the connection is still open");
        let response = self.sender.send_request(request).await.expect("a response");
        let (parts, body) = response.into_parts();
        let collected = body.collect().await.expect("the whole body");
        let trailers = collected.trailers().cloned().unwrap_or_default();
        let body = collected.to_bytes();
        let status = |name: &str| {
            trailers
                .get(name)
                .or_else(|| parts.headers.get(name))
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        RawGrpcStatus {
            code: status("grpc-status")
                .and_then(|code| code.parse().ok())
                .expect("grpc-status"),
            message: status("grpc-message")
                .unwrap_or_default()
                .replace("%20", " "),
            headers: parts.headers.clone(),
            body,
        }
    }
}

/// A gRPC message frame: no compression, a big-endian length, the bytes.
pub fn grpc_frame(message: &[u8]) -> Bytes {
    let mut frame = Vec::with_capacity(message.len() + 5);
    frame.push(0);
    frame.extend_from_slice(&u32::try_from(message.len()).expect("length").to_be_bytes());
    frame.extend_from_slice(message);
    frame.into()
}

/// The Python interpreter of the interop tests' virtual environment, with
/// grpcio and grpcio-tools installed (by `.ci/run`, or here on first use
/// through `tests/python/setup.sh`).
pub fn python() -> std::path::PathBuf {
    static READY: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let venv = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/tmp/python-venv");
    let python = venv.join("bin/python");
    let mut ready = READY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !*ready {
        let imports = std::process::Command::new(&python)
            .args(["-c", "import grpc, grpc_tools, openapi_spec_validator, jsonschema, openapi_python_client, jsonrpcclient, nats"])
            .status()
            .is_ok_and(|status| status.success());
        if !imports {
            let setup = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/setup.sh");
            let status = std::process::Command::new(setup)
                .arg(&venv)
                .status()
                .expect("run tests/python/setup.sh");
            assert!(status.success(), "tests/python/setup.sh failed: {status}");
        }
        *ready = true;
    }
    python
}

/// Runs `tests/python/{script}` with `args` in the tests' Python, and
/// checks that it succeeded and printed every line of `checks`.
pub async fn run_python_client(script: &str, args: &[&str], checks: &[&str]) {
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("python")
        .join(script);
    let client = tokio::process::Command::new(python())
        .arg(&script)
        .args(args)
        .output()
        .await
        .expect("run the Python client");
    let stdout = String::from_utf8_lossy(&client.stdout);
    assert!(
        client.status.success(),
        "{} failed:\n{stdout}\n{}",
        script.display(),
        String::from_utf8_lossy(&client.stderr)
    );
    for check in checks {
        assert!(stdout.contains(check), "missing {check:?} in:\n{stdout}");
    }
}

/// The directory where `tests/npm/setup.sh` installed the tests' clients
/// from npm (`node_modules/.bin/buf`) and bundled the browser page's script
/// (`bundle.js`): `target/tmp/npm`, set up once per test run.
pub fn npm_clients() -> std::path::PathBuf {
    static READY: std::sync::Mutex<bool> = std::sync::Mutex::new(false);
    let manifest = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let out = manifest.join("../target/tmp/npm");
    let mut ready = READY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if !*ready {
        let status = std::process::Command::new(manifest.join("npm/setup.sh"))
            .arg(&out)
            .status()
            .expect("run tests/npm/setup.sh (it needs node and npm)");
        assert!(status.success(), "tests/npm/setup.sh failed: {status}");
        *ready = true;
    }
    out
}

/// The `http://` base URL of a served address.
pub fn base_url(addr: SocketAddr) -> String {
    format!("http://{addr}")
}

/// One HTTP/1.1 connection on which a test sends requests as it likes.
pub struct RawConnection {
    sender: SendRequest<Full<Bytes>>,
}

/// A response, read in full.
#[derive(Debug)]
pub struct RawResponse {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl RawResponse {
    /// The body as JSON; panics with the body text if it is not JSON.
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|error| panic!("{error}: {}", String::from_utf8_lossy(&self.body)))
    }
}

impl RawConnection {
    /// Opens a connection to `addr`.
    pub async fn open(addr: SocketAddr) -> RawConnection {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        RawConnection { sender }
    }

    /// Sends a request with the given headers and body, and reads the whole
    /// response. Panics if the connection fails, so a test sees a dropped
    /// connection as a failure.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> RawResponse {
        let mut request = http::Request::new(Full::new(body.into()));
        *request.method_mut() = method;
        *request.uri_mut() = path.parse().expect("path");
        request
            .headers_mut()
            .insert(http::header::HOST, "127.0.0.1".parse().expect("host"));
        for (name, value) in headers {
            request.headers_mut().append(
                http::HeaderName::try_from(*name).expect("header name"),
                value.parse().expect("header value"),
            );
        }
        self.sender
            .ready()
            .await
            .expect("the connection is still open");
        let response = self.sender.send_request(request).await.expect("a response");
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("the whole body").to_bytes();
        RawResponse {
            status: parts.status,
            headers: parts.headers,
            body,
        }
    }

    /// Sends JSON with `Content-Type: application/json`.
    pub async fn send_json(&mut self, method: Method, path: &str, json: &str) -> RawResponse {
        self.send(
            method,
            path,
            &[("content-type", "application/json")],
            json.to_owned(),
        )
        .await
    }
}
