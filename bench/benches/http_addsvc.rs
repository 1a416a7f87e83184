//! addsvc over the generated HTTP transport against the same API
//! hand-written on axum, loaded side by side on loopback in one run.
//!
//! ```text
//! cargo bench -p kitgen-bench --bench http_addsvc
//! ```

use std::net::SocketAddr;
use std::sync::Arc;

use addsvc::{AddError, AddService, BasicAddService, add_service};
use axum::Json;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use kitgen_bench::{LoadClient, LoadConfig, is_smoke_run, report, runtimes, side_by_side};
use serde::Deserialize;
use tokio::net::TcpListener;

#[derive(Deserialize)]
struct SumRequest {
    a: i64,
    b: i64,
}

#[derive(Deserialize)]
struct ConcatRequest {
    a: String,
    b: String,
}

/// The addsvc API written by hand on axum, with the same JSON shapes as the
/// generated one: the value as the body, errors as `{code, message}`.
fn hand_written() -> axum::Router {
    fn error(error: AddError) -> Response {
        let body = serde_json::json!({"code": "INVALID_ARGUMENT", "message": error.to_string()});
        (StatusCode::BAD_REQUEST, Json(body)).into_response()
    }
    async fn sum(Json(request): Json<SumRequest>) -> Response {
        let ctx = kit::Context::new();
        match BasicAddService.sum(&ctx, request.a, request.b).await {
            Ok(value) => Json(value).into_response(),
            Err(failure) => error(failure),
        }
    }
    async fn concat(Json(request): Json<ConcatRequest>) -> Response {
        let ctx = kit::Context::new();
        match BasicAddService.concat(&ctx, request.a, request.b).await {
            Ok(value) => Json(value).into_response(),
            Err(failure) => error(failure),
        }
    }
    axum::Router::new()
        .route("/sum", axum::routing::post(sum))
        .route("/concat", axum::routing::post(concat))
}

/// Both servers are served the same way, by axum on a tokio listener.
async fn serve(router: axum::Router) -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("address");
    tokio::spawn(async move { axum::serve(listener, router).await.expect("serve") });
    addr
}

/// One keep-alive HTTP/1.1 connection posting `{"a": 21, "b": 21}` to `/sum`.
struct HttpSum {
    sender: hyper::client::conn::http1::SendRequest<Full<Bytes>>,
    uri: http::Uri,
}

impl LoadClient for HttpSum {
    async fn call(&mut self) -> bool {
        let mut request =
            http::Request::new(Full::new(Bytes::from_static(br#"{"a": 21, "b": 21}"#)));
        *request.method_mut() = http::Method::POST;
        *request.uri_mut() = self.uri.clone();
        let headers = request.headers_mut();
        headers.insert(
            http::header::HOST,
            http::HeaderValue::from_static("127.0.0.1"),
        );
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/json"),
        );
        if self.sender.ready().await.is_err() {
            return false;
        }
        match self.sender.send_request(request).await {
            Ok(response) => {
                response.status() == http::StatusCode::OK
                    && response.into_body().collect().await.is_ok()
            }
            Err(_) => false,
        }
    }
}

async fn connect(addr: SocketAddr, clients: usize) -> Vec<HttpSum> {
    let mut connected = Vec::with_capacity(clients);
    for _ in 0..clients {
        let stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .expect("handshake");
        tokio::spawn(connection);
        let uri = format!("http://{addr}/sum").parse().expect("uri");
        connected.push(HttpSum { sender, uri });
    }
    connected
}

fn main() {
    let config = LoadConfig::from_env(is_smoke_run());
    let (servers, load) = runtimes();
    let generated =
        add_service::http_router(add_service::Endpoints::new(Arc::new(BasicAddService)));
    let ours = servers.block_on(serve(generated));
    let theirs = servers.block_on(serve(hand_written()));
    let (mut kitgen, mut baseline) = load.block_on(side_by_side(&config, ours, theirs, connect));
    report(
        "addsvc POST /sum, HTTP/1.1 on loopback",
        &config,
        &mut kitgen,
        &mut baseline,
    );
}
