//! `buf curl` (Buf's client, from npm) calls a kitgen server over Connect,
//! gRPC and gRPC-Web, learning the services' schemas from the server's
//! reflection, as a developer at a terminal would.

use std::sync::Arc;

use kitgen_tests::feed::{Ticker, feed};
use kitgen_tests::{npm_clients, serve_grpc};
use ordersvc::{InMemoryOrderService, order_service};

async fn server() -> String {
    let (ticker, _probe) = Ticker::new();
    let routes = kit::grpc::Routes::new()
        .add_service(order_service::GrpcServer::new(
            order_service::Endpoints::new(Arc::new(InMemoryOrderService::new())),
        ))
        .add_service(feed::GrpcServer::new(feed::Endpoints::new(Arc::new(
            ticker,
        ))));
    format!("http://{}", serve_grpc(routes).await)
}

/// What `buf curl` printed: each message as JSON, or its error; and whether
/// it succeeded.
struct Answer {
    success: bool,
    messages: Vec<serde_json::Value>,
    stderr: String,
}

async fn buf_curl(args: &[&str]) -> Answer {
    let buf = npm_clients().join("node_modules/.bin/buf");
    let output = tokio::process::Command::new(buf)
        .args(["curl", "--http2-prior-knowledge"])
        .args(args)
        .output()
        .await
        .expect("run buf curl");
    let stdout = String::from_utf8(output.stdout).unwrap();
    let messages = serde_json::Deserializer::from_str(&stdout)
        .into_iter()
        .collect::<Result<_, _>>()
        .unwrap_or_else(|error| panic!("buf curl printed {stdout:?}: {error}"));
    Answer {
        success: output.status.success(),
        messages,
        stderr: String::from_utf8(output.stderr).unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reflection_lists_every_method() {
    let url = server().await;
    let buf = npm_clients().join("node_modules/.bin/buf");
    let output = tokio::process::Command::new(buf)
        .args(["curl", "--http2-prior-knowledge", "--list-methods", &url])
        .output()
        .await
        .unwrap();
    let listed = String::from_utf8(output.stdout).unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{listed}{stderr}");
    for method in [
        "ordersvc.OrderService/Create",
        "ordersvc.OrderService/GetById",
        "feed.Feed/Ticks",
        "feed.Feed/Echo",
    ] {
        assert!(listed.contains(method), "{method} in {listed}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn buf_curl_calls_over_connect_grpc_and_grpc_web() {
    let url = server().await;
    for protocol in ["connect", "grpc", "grpcweb"] {
        let id = format!("{protocol}-1");
        let order = serde_json::json!({"order": {"id": id, "customerId": "c-7", "createdOn": "5"}});
        let created = buf_curl(&[
            "--protocol",
            protocol,
            "-d",
            &order.to_string(),
            &format!("{url}/ordersvc.OrderService/Create"),
        ])
        .await;
        assert!(created.success, "{protocol}: {}", created.stderr);
        assert_eq!(created.messages, [serde_json::json!({"value": id})]);

        let fetched = buf_curl(&[
            "--protocol",
            protocol,
            "-d",
            &serde_json::json!({"id": id}).to_string(),
            &format!("{url}/ordersvc.OrderService/GetById"),
        ])
        .await;
        assert!(fetched.success, "{protocol}: {}", fetched.stderr);
        let order = &fetched.messages[0]["value"];
        assert_eq!(order["customerId"], "c-7", "{protocol}");
        assert_eq!(order["createdOn"], "5", "{protocol}");
        assert_eq!(order["status"], "Pending", "{protocol}");

        let missing = buf_curl(&[
            "--protocol",
            protocol,
            "-d",
            r#"{"id": "nope"}"#,
            &format!("{url}/ordersvc.OrderService/GetById"),
        ])
        .await;
        assert!(!missing.success, "{protocol}");
        assert!(
            missing.stderr.contains(r#""code": "not_found""#),
            "{protocol}: {}",
            missing.stderr
        );
        assert!(
            missing.stderr.contains("order not found"),
            "{protocol}: {}",
            missing.stderr
        );

        let ticks = buf_curl(&[
            "--protocol",
            protocol,
            "-d",
            r#"{"from": "3", "count": "3", "noteBytes": 1}"#,
            &format!("{url}/feed.Feed/Ticks"),
        ])
        .await;
        assert!(ticks.success, "{protocol}: {}", ticks.stderr);
        let seqs: Vec<&str> = ticks
            .messages
            .iter()
            .map(|tick| tick["value"]["seq"].as_str().unwrap())
            .collect();
        assert_eq!(seqs, ["3", "4", "5"], "{protocol}");
    }
}
