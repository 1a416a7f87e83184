//! A client no one here wrote: Python grpcio, with stubs that grpcio-tools
//! generates from the `.proto` kitgen exports, calls the Rust Order server.

use std::process::Command;
use std::sync::Arc;

use kitgen_tests::{python, serve_grpc};
use ordersvc::{InMemoryOrderService, order_service};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_grpcio_calls_the_order_service() {
    let python = python();
    let dir = std::env::temp_dir().join(format!("kitgen-python-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // The .proto exactly as `kitgen proto fixtures/order.rs` prints it.
    let cli =
        <kitgen::cli::Cli as clap::Parser>::parse_from(["kitgen", "proto", "../fixtures/order.rs"]);
    let mut exported = Vec::new();
    kitgen::cli::run(&cli, &mut exported)
        .unwrap_or_else(|report| panic!("{}", report.render(false)));
    let schema = order_service::proto_schema().unwrap();
    std::fs::write(dir.join(schema.file_name()), exported).unwrap();

    let protoc = Command::new(&python)
        .args(["-m", "grpc_tools.protoc", "-I"])
        .arg(&dir)
        .arg(format!("--python_out={}", dir.display()))
        .arg(format!("--grpc_python_out={}", dir.display()))
        .arg(dir.join(schema.file_name()))
        .output()
        .unwrap();
    assert!(
        protoc.status.success(),
        "protoc: {}",
        String::from_utf8_lossy(&protoc.stderr)
    );

    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let addr =
        serve_grpc(kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints)))
            .await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/order_client.py");
    let client = tokio::process::Command::new(&python)
        .arg(script)
        .arg(addr.to_string())
        .env("PYTHONPATH", &dir)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&client.stdout);
    let stderr = String::from_utf8_lossy(&client.stderr);
    assert!(
        client.status.success(),
        "the Python client failed:\n{stdout}\n{stderr}"
    );
    for check in [
        "ok get_by_id finds the order",
        "ok a missing order is NOT_FOUND",
        "ok the variant travels in a trailer",
        "ok the request id comes back",
    ] {
        assert!(stdout.contains(check), "missing {check:?} in:\n{stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_grpcio_calls_the_service_generated_from_the_proto() {
    use kitgen_tests::from_proto::{Orders, ordersvc};

    let python = python();
    let dir = std::env::temp_dir().join(format!("kitgen-python-proto-{}", std::process::id()));
    // The fixture, and the google/api files it imports, which kitgen bundles
    // and grpcio-tools does not.
    std::fs::create_dir_all(dir.join("google/api")).unwrap();
    std::fs::copy(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../fixtures/order.proto"),
        dir.join("order.proto"),
    )
    .unwrap();
    for (name, source) in kitgen::frontend::proto::BUNDLED_FILES {
        std::fs::write(dir.join(name), source).unwrap();
    }
    let protoc = Command::new(&python)
        .args(["-m", "grpc_tools.protoc", "-I"])
        .arg(&dir)
        .arg(format!("--python_out={}", dir.display()))
        .arg(format!("--grpc_python_out={}", dir.display()))
        .args([
            "order.proto",
            "google/api/annotations.proto",
            "google/api/http.proto",
        ])
        .current_dir(&dir)
        .output()
        .unwrap();
    assert!(
        protoc.status.success(),
        "protoc: {}",
        String::from_utf8_lossy(&protoc.stderr)
    );
    // The script imports `ordersvc_pb2`; protoc names modules after files.
    std::fs::copy(dir.join("order_pb2.py"), dir.join("ordersvc_pb2.py")).unwrap();
    let grpc_stubs = std::fs::read_to_string(dir.join("order_pb2_grpc.py")).unwrap();
    std::fs::write(
        dir.join("ordersvc_pb2_grpc.py"),
        grpc_stubs.replace("import order_pb2", "import ordersvc_pb2"),
    )
    .unwrap();

    let endpoints = ordersvc::order_service::Endpoints::new(Arc::new(Orders::default()));
    let routes =
        kit::grpc::Routes::new().add_service(ordersvc::order_service::GrpcServer::new(endpoints));
    let addr = serve_grpc(routes).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/order_client.py");
    let client = tokio::process::Command::new(&python)
        .arg(script)
        .arg(addr.to_string())
        .arg("--plain-errors")
        .env("PYTHONPATH", &dir)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&client.stdout);
    let stderr = String::from_utf8_lossy(&client.stderr);
    assert!(
        client.status.success(),
        "the Python client failed:\n{stdout}\n{stderr}"
    );
    for check in [
        "ok get_by_id finds the order",
        "ok a missing order is NOT_FOUND",
        "ok the request id comes back",
    ] {
        assert!(stdout.contains(check), "missing {check:?} in:\n{stdout}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_grpcio_calls_every_kind_of_streaming_method() {
    use kitgen_tests::feed::{Ticker, feed};

    let python = python();
    let dir = std::env::temp_dir().join(format!("kitgen-python-feed-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let cli =
        <kitgen::cli::Cli as clap::Parser>::parse_from(["kitgen", "proto", "../fixtures/feed.rs"]);
    let mut exported = Vec::new();
    kitgen::cli::run(&cli, &mut exported)
        .unwrap_or_else(|report| panic!("{}", report.render(false)));
    std::fs::write(dir.join("feed.proto"), exported).unwrap();
    let protoc = Command::new(&python)
        .args(["-m", "grpc_tools.protoc", "-I"])
        .arg(&dir)
        .arg(format!("--python_out={}", dir.display()))
        .arg(format!("--grpc_python_out={}", dir.display()))
        .arg(dir.join("feed.proto"))
        .output()
        .unwrap();
    assert!(
        protoc.status.success(),
        "protoc: {}",
        String::from_utf8_lossy(&protoc.stderr)
    );

    let (ticker, mut probe) = Ticker::new();
    let endpoints = feed::Endpoints::new(Arc::new(ticker));
    let addr =
        serve_grpc(kit::grpc::Routes::new().add_service(feed::GrpcServer::new(endpoints))).await;
    let script = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("python/feed_client.py");
    let client = tokio::process::Command::new(&python)
        .arg(script)
        .arg(addr.to_string())
        .env("PYTHONPATH", &dir)
        .output()
        .await
        .unwrap();
    let stdout = String::from_utf8_lossy(&client.stdout);
    let stderr = String::from_utf8_lossy(&client.stderr);
    assert!(
        client.status.success(),
        "the Python client failed:\n{stdout}\n{stderr}"
    );
    for check in [
        "ok server streaming sends every message in order",
        "ok the messages before the error arrive",
        "ok the variant travels in a trailer",
        "ok client streaming reads the whole stream",
        "ok a business error answers a client stream",
        "ok bidirectional streaming answers each message",
        "ok an endless stream streams until cancelled",
    ] {
        assert!(stdout.contains(check), "missing {check:?} in:\n{stdout}");
    }
    // The echo's stream, then the endless one Python cancelled, are dropped
    // on the server.
    for _ in 0..2 {
        probe
            .next_drop(std::time::Duration::from_secs(5))
            .await
            .expect("the server drops the stream");
    }
    let _ = std::fs::remove_dir_all(&dir);
}
