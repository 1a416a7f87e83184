//! A real browser calls a kitgen service: headless Chromium loads a page
//! whose script uses `@connectrpc/connect-web` (from npm, bundled by
//! esbuild) to call the order and feed services, on another origin, over
//! Connect (JSON, binary, and GET) and over gRPC-Web. The page reads the
//! services' schemas from the descriptor set their reflection serves.

use std::sync::Arc;
use std::time::Duration;

use kit::grpc::GrpcService as _;
use kitgen_tests::browser::{Chromium, Page};
use kitgen_tests::feed::{Ticker, feed};
use ordersvc::{InMemoryOrderService, order_service};
use prost::Message as _;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connect_web_calls_over_connect_and_grpc_web() {
    let mut descriptors = order_service::GrpcServer::file_descriptor_set().unwrap();
    descriptors
        .file
        .extend(feed::GrpcServer::file_descriptor_set().unwrap().file);
    let mut page = Page::serve(vec![("/descriptors.bin", descriptors.encode_to_vec())]).await;

    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let service = listener.local_addr().unwrap();
    let (ticker, _probe) = Ticker::new();
    let routes = kit::grpc::Routes::new()
        .add_service(order_service::GrpcServer::new(
            order_service::Endpoints::new(Arc::new(InMemoryOrderService::new())),
        ))
        .add_service(feed::GrpcServer::new(feed::Endpoints::new(Arc::new(
            ticker,
        ))));
    let origin = http::HeaderValue::try_from(page.origin()).unwrap();
    tokio::spawn(
        kit::Server::new()
            .grpc(listener, routes)
            .cors(kit::cors::browsers(origin))
            .run_until(std::future::pending()),
    );

    let _chromium = Chromium::open(&format!("{}/?service=http://{service}", page.origin()));
    let results = page.results(Duration::from_secs(60)).await;
    assert!(
        results.get("page").is_none(),
        "the page failed: {results:#}"
    );

    for transport in ["connect_json", "connect_binary", "connect_get", "grpc_web"] {
        let result = &results[transport];
        assert!(
            result.get("failed").is_none(),
            "{transport} failed: {result:#}"
        );
        let id = format!("{transport}-1");
        assert_eq!(result["created"], id, "{transport}");
        assert_eq!(
            result["order"],
            serde_json::json!({
                "id": id,
                "customerId": "c-7",
                "status": "Pending",
                "createdOn": "1700000000",
                "items": ["2 x margherita at 9.5"],
            }),
            "{transport}"
        );
        assert_eq!(
            result["missing"],
            serde_json::json!({
                "code": "NotFound",
                "message": "order not found",
                "variant": "NotFound",
            }),
            "{transport}"
        );
        assert_eq!(
            result["seqs"],
            serde_json::json!(["3", "4", "5"]),
            "{transport}"
        );
        assert_eq!(
            result["unlucky"],
            serde_json::json!({
                "before": ["0", "1"],
                "code": "FailedPrecondition",
                "message": "tick 2 is unlucky",
                "variant": "Unlucky",
            }),
            "{transport}"
        );
    }
}
