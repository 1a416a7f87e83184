//! `kitgen new` end to end: the scaffolded crates pass their own tests, the
//! binary serves HTTP, gRPC and metrics on real sockets and stops on
//! SIGTERM, and after a new method and `kitgen sync` they build again.
//!
//! The crates build in one target directory, `target/scaffold`, with this
//! workspace's Cargo.lock, so that the dependencies compile once.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Mutex;
use std::time::Duration;

use kitgen_tests::RawConnection;
use ordersvc::{Order, OrderError, OrderService, order_service};
use tokio::io::AsyncBufReadExt;

/// One cargo at a time in the shared target directory.
static CARGO: Mutex<()> = Mutex::new(());

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

/// A fresh directory for a scaffold, removed on drop.
struct Scaffold(PathBuf);

impl Scaffold {
    /// Runs `kitgen new <name> <args>` in a fresh directory.
    fn new(name: &str, args: &[&str]) -> Scaffold {
        let parent =
            std::env::temp_dir().join(format!("kitgen-scaffold-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&parent);
        std::fs::create_dir_all(&parent).unwrap();
        let dir = parent.join(name);
        let mut words = vec!["kitgen".to_owned(), "-q".to_owned(), "new".to_owned()];
        words.push(dir.display().to_string());
        words.extend(args.iter().map(|arg| (*arg).to_owned()));
        kitgen(&words);
        std::fs::copy(repo().join("Cargo.lock"), dir.join("Cargo.lock")).unwrap();
        Scaffold(dir)
    }

    /// Runs cargo in the crate, and fails with its output if cargo fails.
    fn cargo(&self, args: &[&str]) {
        let _one = CARGO
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let output = Command::new(env!("CARGO"))
            .arg("--offline")
            .args(args)
            .current_dir(&self.0)
            .env("CARGO_TARGET_DIR", target_dir())
            // The scaffolds live outside this repository, so they do not
            // see its `.cargo/config.toml`; keep their builds as small.
            .env("CARGO_PROFILE_DEV_DEBUG", "false")
            .env("CARGO_INCREMENTAL", "0")
            .env_remove("RUSTFLAGS")
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "cargo {args:?} in {}:\n{}\n{}",
            self.0.display(),
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }

    fn edit(&self, file: &str, edit: impl FnOnce(String) -> String) {
        let path = self.0.join(file);
        let text = std::fs::read_to_string(&path).unwrap();
        std::fs::write(&path, edit(text)).unwrap();
    }

    fn sync(&self) -> String {
        let words = [
            "kitgen".to_owned(),
            "sync".to_owned(),
            self.0.display().to_string(),
        ];
        kitgen(&words)
    }
}

impl Drop for Scaffold {
    fn drop(&mut self) {
        if let Some(parent) = self.0.parent() {
            let _ = std::fs::remove_dir_all(parent);
        }
    }
}

/// Runs the kitgen command line in this process; its output.
fn kitgen(words: &[String]) -> String {
    let cli = <kitgen::cli::Cli as clap::Parser>::parse_from(words);
    let mut out = Vec::new();
    kitgen::cli::run(&cli, &mut out)
        .unwrap_or_else(|report| panic!("{words:?}: {}", report.render(false)));
    String::from_utf8(out).unwrap()
}

fn target_dir() -> PathBuf {
    Path::new(env!("CARGO_TARGET_TMPDIR")).join("../scaffold")
}

/// The addresses the binary logged it serves on.
struct Addresses {
    http: String,
    grpc: String,
    debug: String,
}

/// Reads the binary's JSON logs until it has said where it serves.
async fn addresses(stdout: tokio::process::ChildStdout) -> Addresses {
    let mut lines = tokio::io::BufReader::new(stdout).lines();
    let (mut http, mut grpc, mut debug) = (None, None, None);
    while http.is_none() || grpc.is_none() || debug.is_none() {
        let line = lines
            .next_line()
            .await
            .unwrap()
            .expect("the service logged where it serves");
        let event: serde_json::Value =
            serde_json::from_str(&line).unwrap_or_else(|error| panic!("{error}: {line}"));
        let fields = &event["fields"];
        let addr = fields["addr"].as_str().map(str::to_owned);
        match fields["message"].as_str() {
            Some("serving HTTP") => http = addr,
            Some("serving gRPC") => grpc = addr,
            Some("serving metrics and probes") => debug = addr,
            _ => {}
        }
    }
    tokio::spawn(async move { while let Ok(Some(_)) = lines.next_line().await {} });
    Addresses {
        http: http.unwrap(),
        grpc: grpc.unwrap(),
        debug: debug.unwrap(),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordersvc_builds_passes_its_tests_serves_and_grows_a_method() {
    let scaffold = Scaffold::new("ordersvc", &[]);
    scaffold.cargo(&["test"]);
    scaffold.cargo(&["fmt", "--check"]);

    // The binary, on ephemeral ports, called by the clients of this
    // workspace's ordersvc: the same service, compiled apart.
    let mut child = tokio::process::Command::new(target_dir().join("debug/ordersvc"))
        .args([
            "--http-addr",
            "127.0.0.1:0",
            "--grpc-addr",
            "127.0.0.1:0",
            "--debug-addr",
            "127.0.0.1:0",
        ])
        .env("ORDERSVC_LOG_FORMAT", "json")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let addrs = tokio::time::timeout(
        Duration::from_secs(30),
        addresses(child.stdout.take().unwrap()),
    )
    .await
    .expect("the service started");
    let ctx = kit::Context::new();
    let http = order_service::HttpClient::new(&format!("http://{}", addrs.http)).unwrap();
    let grpc = order_service::GrpcClient::new(&format!("http://{}", addrs.grpc)).unwrap();
    let order = Order {
        id: String::new(),
        customer_id: "c-1".to_owned(),
        status: String::new(),
        created_on: 1_700_000_000,
        restaurant_id: "r-1".to_owned(),
        order_items: vec![],
    };
    let id = http.create(&ctx, order).await.unwrap();
    assert_eq!(grpc.get_by_id(&ctx, id).await.unwrap().status, "Pending");
    assert!(matches!(
        grpc.get_by_id(&ctx, "nope".to_owned()).await,
        Err(OrderError::NotFound)
    ));

    let mut debug = RawConnection::open(addrs.debug.parse().unwrap()).await;
    let metrics = debug.send(http::Method::GET, "/metrics", &[], "").await;
    let text = String::from_utf8_lossy(&metrics.body);
    assert!(
        text.contains(
            r#"requests_total{service="ordersvc.OrderService",method="GetById",code="NOT_FOUND"} 1"#
        ),
        "{text}"
    );
    assert_eq!(
        debug
            .send(http::Method::GET, "/healthz", &[], "")
            .await
            .status,
        200
    );

    // SIGTERM: a graceful stop, and a clean exit.
    let pid = child.id().unwrap().to_string();
    assert!(
        Command::new("kill")
            .args(["-TERM", &pid])
            .status()
            .unwrap()
            .success()
    );
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the service stopped on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");

    // Text logs into a pipe carry no colour codes, so grep finds fields.
    let mut child = tokio::process::Command::new(target_dir().join("debug/ordersvc"))
        .args(["--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0"])
        .args(["--debug-addr", "127.0.0.1:0"])
        .env("ORDERSVC_LOG_FORMAT", "text")
        .stdout(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .unwrap();
    let mut lines = tokio::io::BufReader::new(child.stdout.take().unwrap()).lines();
    let first = tokio::time::timeout(Duration::from_secs(30), lines.next_line())
        .await
        .expect("the service logged")
        .unwrap()
        .expect("a log line");
    assert!(
        first.contains("INFO") && !first.contains('\u{1b}'),
        "{first:?}"
    );
    child.kill().await.unwrap();

    // A new method: `kitgen sync` adds its stub, and the crate builds.
    scaffold.edit("src/lib.rs", |lib| {
        lib.replace(
            "    ) -> Result<(), OrderError>;\n}",
            "    ) -> Result<(), OrderError>;\n\n    /// Cancels an order.\n    async fn cancel(&self, ctx: &kit::Context, id: String, reason: Reason) -> Result<Order, OrderError>;\n}\n\n/// Why an order was cancelled.\n#[derive(Clone, Debug, PartialEq, kit::Message)]\npub struct Reason {\n    /// In words.\n    pub text: String,\n}",
        )
    });
    let said = scaffold.sync();
    assert!(said.contains("added `cancel`"), "{said}");
    scaffold.cargo(&["build", "--all-targets"]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proto_scaffold_passes_its_tests_and_grows_a_method() {
    let proto = repo().join("fixtures/order.proto").display().to_string();
    let scaffold = Scaffold::new("orders-from-proto", &["--proto", &proto]);
    scaffold.cargo(&["test"]);

    scaffold.edit("proto/order.proto", |text| {
        text.replace(
            "service OrderService {",
            "service OrderService {\n  // Cancels an order.\n  rpc Cancel(CancelRequest) returns (Order);\n",
        ) + "\nmessage CancelRequest {\n  string id = 1;\n}\n"
    });
    let said = scaffold.sync();
    assert!(
        said.contains("wrote") && said.contains("added `cancel`"),
        "{said}"
    );
    scaffold.cargo(&["build", "--all-targets"]);
}
