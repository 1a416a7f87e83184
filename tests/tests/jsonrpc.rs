//! JSON-RPC 2.0 on 127.0.0.1: the exact bytes of each case the
//! specification names, sent with curl, and a client no one here wrote
//! (Python's jsonrpcclient). What the generated client sees is in
//! `clients.rs`, with the other transports.

use std::sync::Arc;

use kitgen_tests::{base_url, run_python_client, serve};
use ordersvc::{InMemoryOrderService, order_service};
use ordersvc::{OrderError, OrderService};
use serde_json::{Value, json};

async fn orders() -> String {
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let router = order_service::http_router(endpoints.clone()).merge(
        order_service::jsonrpc_methods(endpoints)
            .into_router()
            .unwrap(),
    );
    format!("http://{}/rpc", serve(router).await)
}

/// What curl received: the status, the `X-Request-ID` and the body.
struct Answer {
    status: u16,
    request_id: String,
    body: String,
}

impl Answer {
    fn json(&self) -> Value {
        serde_json::from_str(&self.body)
            .unwrap_or_else(|error| panic!("not JSON ({error}): {:?}", self.body))
    }
}

/// POSTs `body` to `url` with curl, as JSON.
async fn curl(url: &str, body: &str) -> Answer {
    let output = tokio::process::Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "10"])
        .args(["--header", "Content-Type: application/json"])
        .args(["--header", "X-Request-ID: curl-1"])
        .args(["--dump-header", "-", "--data-binary", body, url])
        .output()
        .await
        .expect("run curl (Debian's curl, which .ci/run installs)");
    assert!(
        output.status.success(),
        "curl failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    let text = String::from_utf8(output.stdout).unwrap();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head.split(' ').nth(1).unwrap().parse().unwrap();
    let request_id = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("x-request-id")
                .then(|| value.trim().to_owned())
        })
        .unwrap_or_default();
    Answer {
        status,
        request_id,
        body: body.to_owned(),
    }
}

const CREATE: &str = r#"{"jsonrpc":"2.0","method":"OrderService.create","params":{"order":{"id":"o-1","customer_id":"c-1"}},"id":1}"#;

#[tokio::test]
async fn a_call_answers_its_result_with_its_id() {
    let url = orders().await;
    let answer = curl(&url, CREATE).await;
    assert_eq!(answer.status, 200);
    assert_eq!(answer.request_id, "curl-1");
    assert_eq!(answer.body, r#"{"jsonrpc":"2.0","result":"o-1","id":1}"#);

    // Named params, positional params, and a string id.
    let by_name = curl(
        &url,
        r#"{"jsonrpc":"2.0","method":"OrderService.get_by_id","params":{"id":"o-1"},"id":"a"}"#,
    )
    .await
    .json();
    assert_eq!(by_name["id"], "a");
    assert_eq!(by_name["result"]["customer_id"], "c-1");
    assert_eq!(by_name["result"]["status"], "Pending");
    let by_position = curl(
        &url,
        r#"{"jsonrpc":"2.0","method":"OrderService.get_by_id","params":["o-1"],"id":null}"#,
    )
    .await
    .json();
    assert_eq!(by_position["id"], Value::Null);
    assert_eq!(by_position["result"]["id"], "o-1");

    // A method that returns nothing answers an empty object.
    let changed = curl(
        &url,
        r#"{"jsonrpc":"2.0","method":"OrderService.change_status","params":{"id":"o-1","status":"Delivered"},"id":2}"#,
    )
    .await;
    assert_eq!(changed.body, r#"{"jsonrpc":"2.0","result":{},"id":2}"#);
}

#[tokio::test]
async fn a_batch_answers_each_call_in_order_and_no_notification() {
    let url = orders().await;
    let batch = format!(
        r#"[{CREATE},
            {{"jsonrpc":"2.0","method":"OrderService.change_status","params":{{"id":"o-1","status":"Confirmed"}}}},
            {{"jsonrpc":"2.0","method":"OrderService.cancel","id":3}},
            {{"jsonrpc":"2.0","method":"OrderService.get_by_id","params":{{"id":"missing"}},"id":4}}]"#
    );
    let answer = curl(&url, &batch).await;
    assert_eq!(answer.status, 200);
    let answers = answer.json();
    let ids: Vec<&Value> = answers
        .as_array()
        .unwrap()
        .iter()
        .map(|one| &one["id"])
        .collect();
    assert_eq!(ids, [&json!(1), &json!(3), &json!(4)], "{answers:#}");
    assert_eq!(answers[0]["result"], "o-1");
    assert_eq!(answers[1]["error"]["code"], -32601);
    assert_eq!(answers[2]["error"]["code"], -32005);

    // The notification ran: the order is confirmed.
    let found = curl(
        &url,
        r#"{"jsonrpc":"2.0","method":"OrderService.get_by_id","params":{"id":"o-1"},"id":5}"#,
    )
    .await
    .json();
    assert_eq!(found["result"]["status"], "Confirmed");

    // Notifications alone are answered with nothing.
    let notification = r#"{"jsonrpc":"2.0","method":"OrderService.change_status","params":{"id":"o-1","status":"Delivered"}}"#;
    let answer = curl(&url, notification).await;
    assert_eq!((answer.status, answer.body.as_str()), (204, ""));
    let answer = curl(&url, &format!("[{notification},{notification}]")).await;
    assert_eq!((answer.status, answer.body.as_str()), (204, ""));
}

#[tokio::test]
async fn each_error_has_the_specifications_code_and_kits_body() {
    let url = orders().await;
    curl(&url, CREATE).await;
    let error = |answer: Answer| {
        assert_eq!(answer.status, 200, "{}", answer.body);
        let answer = answer.json();
        assert_eq!(answer["jsonrpc"], "2.0");
        (answer["error"].clone(), answer["id"].clone())
    };

    let (parse, id) = error(curl(&url, r#"{"jsonrpc":"2.0","method""#).await);
    assert_eq!((parse["code"].clone(), id), (json!(-32700), Value::Null));

    for invalid in [
        r#"{"jsonrpc":"1.0","method":"OrderService.create","id":1}"#,
        r#"{"jsonrpc":"2.0","method":7,"id":1}"#,
        r#"{"jsonrpc":"2.0","method":"OrderService.create","id":{"no":1}}"#,
        r#""a string""#,
        "[]",
    ] {
        let (invalid_request, _) = error(curl(&url, invalid).await);
        assert_eq!(invalid_request["code"], -32600, "{invalid}");
    }
    // Each element of a batch of non-objects is invalid on its own.
    let answers = curl(&url, "[1,2]").await.json();
    assert_eq!(answers[0]["error"]["code"], -32600);
    assert_eq!(answers[1]["error"]["code"], -32600);

    let (not_found, id) = error(
        curl(
            &url,
            r#"{"jsonrpc":"2.0","method":"OrderService.cancel","id":9}"#,
        )
        .await,
    );
    assert_eq!((not_found["code"].clone(), id), (json!(-32601), json!(9)));

    let (params, _) = error(
        curl(
            &url,
            r#"{"jsonrpc":"2.0","method":"OrderService.get_by_id","params":{"id":7},"id":1}"#,
        )
        .await,
    );
    assert_eq!(params["code"], -32602);
    assert_eq!(params["data"]["code"], "INVALID_ARGUMENT");
    assert!(
        params["message"].as_str().unwrap().contains("`id`"),
        "{params}"
    );

    // Business errors: kit's code, message, variant and details in `data`.
    let (exists, _) = error(curl(&url, CREATE).await);
    assert_eq!(exists["code"], -32006);
    assert_eq!(exists["message"], "order o-1 already exists");
    assert_eq!(
        exists["data"],
        json!({
            "code": "ALREADY_EXISTS",
            "message": "order o-1 already exists",
            "variant": "AlreadyExists",
            "details": {"id": "o-1"},
        })
    );

    // Not JSON at all, by content type.
    let output = tokio::process::Command::new("curl")
        .args([
            "--silent",
            "--write-out",
            "%{http_code}",
            "--output",
            "/dev/null",
        ])
        .args(["--header", "Content-Type: text/plain", "--data", "{}", &url])
        .output()
        .await
        .unwrap();
    assert_eq!(String::from_utf8_lossy(&output.stdout), "415");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn jsonrpcclient_from_pypi_calls_the_service() {
    let url = orders().await;
    run_python_client(
        "jsonrpc_client.py",
        &[&url],
        &[
            "ok create answers the id",
            "ok the request id comes back",
            "ok its data names the variant",
            "ok a batch answers each call",
        ],
    )
    .await;
}

#[tokio::test]
async fn the_path_is_the_servers_choice_and_a_name_serves_one_method() {
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let twice = order_service::jsonrpc_methods(endpoints.clone())
        .merge(order_service::jsonrpc_methods(endpoints.clone()))
        .into_router()
        .unwrap_err();
    assert!(
        twice
            .message()
            .starts_with("the JSON-RPC method OrderService.")
            && twice.message().ends_with(" is added twice"),
        "{twice}"
    );

    let router = order_service::jsonrpc_methods(endpoints)
        .into_router_at("/api/v1/rpc")
        .unwrap();
    let url = base_url(serve(router).await);
    let ctx = kit::Context::new();
    let at = kit::jsonrpc::Client::new(&url).unwrap().at("/api/v1/rpc");
    let client = order_service::JsonRpcClient::with_transport(at);
    let order = ordersvc::Order {
        id: "o-9".to_owned(),
        ..Default::default()
    };
    assert_eq!(client.create(&ctx, order).await.unwrap(), "o-9");
    // Not at the default path: a transport failure, not a business error.
    let elsewhere = order_service::JsonRpcClient::new(&url).unwrap();
    let error = elsewhere
        .get_by_id(&ctx, "o-9".to_owned())
        .await
        .unwrap_err();
    assert!(
        matches!(&error, OrderError::Transport(error) if error.code() == kit::Code::NotFound),
        "{error:?}"
    );
}
