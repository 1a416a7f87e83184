//! `kitgen new` end to end: the scaffolded crates pass their own tests, the
//! binary serves HTTP, JSON-RPC, gRPC, NATS and metrics on real sockets, stops on SIGTERM,
//! registers in a real etcd for balanced clients, and keeps its orders in
//! SQLite and in a real Postgres, through Postgres restarting; after a new
//! method and `kitgen sync` the crates build again.
//!
//! The crates build in one target directory, `target/scaffold`, with this
//! workspace's Cargo.lock, so that the dependencies compile once.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kit::sd::Instancer;
use kit::sd::etcd::Etcd;
use kitgen_tests::RawConnection;
use kitgen_tests::etcd_server::EtcdServer;
use kitgen_tests::nats_server::NatsServer;
use kitgen_tests::postgres_server::PostgresServer;
use ordersvc::{Order, OrderError, OrderService, order_service};
use tokio::io::AsyncBufReadExt;
use tokio::process::Child;

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

/// The addresses the binary logged it serves on, and what it logs.
struct Addresses {
    http: String,
    grpc: String,
    debug: String,
    /// Every line it has logged since, as JSON.
    logs: Arc<Mutex<Vec<String>>>,
}

impl Addresses {
    /// The lines logged so far that contain every one of `words`.
    fn logged(&self, words: &[&str]) -> Vec<String> {
        let logs = self.logs.lock().unwrap();
        logs.iter()
            .filter(|line| words.iter().all(|word| line.contains(word)))
            .cloned()
            .collect()
    }
}

/// Reads the binary's JSON logs until it has said where it serves, then
/// keeps the rest.
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
    let logs = Arc::new(Mutex::new(Vec::new()));
    let kept = logs.clone();
    tokio::spawn(async move {
        while let Ok(Some(line)) = lines.next_line().await {
            kept.lock().unwrap().push(line);
        }
    });
    Addresses {
        http: http.unwrap(),
        grpc: grpc.unwrap(),
        debug: debug.unwrap(),
        logs,
    }
}

/// The scaffolded `ordersvc` binary on ephemeral ports of 127.0.0.1, with
/// JSON logs, SQLite in memory and `extra` flags, once it has said where it
/// serves.
async fn start_ordersvc(extra: &[&str]) -> (Child, Addresses) {
    start_ordersvc_with(extra, &[]).await
}

/// [`start_ordersvc`] with the environment variables `env` as well.
async fn start_ordersvc_with(extra: &[&str], env: &[(&str, &str)]) -> (Child, Addresses) {
    let mut child = tokio::process::Command::new(target_dir().join("debug/ordersvc"))
        .args(["--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0"])
        .args(["--debug-addr", "127.0.0.1:0"])
        .args(extra)
        .env("DATABASE_URL", "sqlite::memory:")
        .envs(env.iter().copied())
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
    (child, addrs)
}

/// Sends `signal` to `child` by PID.
fn signal(child: &Child, signal: &str) {
    let pid = child.id().unwrap().to_string();
    assert!(
        Command::new("kill")
            .args([signal, &pid])
            .status()
            .unwrap()
            .success()
    );
}

/// The binary with `--tls-cert`, `--tls-key` and the client CA from
/// `ORDERSVC_TLS_CLIENT_CA`: clients with a certificate call it, curl
/// without one is refused, and SIGHUP serves a new certificate without
/// stopping it.
async fn serves_over_mutual_tls() {
    use kitgen_tests::pki::{Pki, served_certificate};
    let pki = Pki::new("scaffold");
    let (first, second) = (pki.server("first"), pki.server("second"));
    let (cert, key) = (pki.dir().join("live.pem"), pki.dir().join("live.key"));
    std::fs::copy(&first.cert, &cert).unwrap();
    std::fs::copy(&first.key, &key).unwrap();
    let client = pki.client("web");
    let (mut child, addrs) = start_ordersvc_with(
        &[
            "--tls-cert",
            cert.to_str().unwrap(),
            "--tls-key",
            key.to_str().unwrap(),
        ],
        &[("ORDERSVC_TLS_CLIENT_CA", pki.ca().to_str().unwrap())],
    )
    .await;
    let tls = kit::tls::ClientTls::trusting_pem_file(pki.ca())
        .unwrap()
        .with_certificate_pem_files(&client.cert, &client.key)
        .unwrap();
    let ctx = kit::Context::new();
    let http = kit::http::Client::new(&format!("https://{}", addrs.http)).unwrap();
    let http = order_service::HttpClient::with_transport(http.with_tls(&tls));
    not_found(&http, &ctx).await;
    let grpc = kit::grpc::Client::new(&format!("https://{}", addrs.grpc)).unwrap();
    let grpc = order_service::GrpcClient::with_transport(grpc.with_tls(&tls));
    not_found(&grpc, &ctx).await;
    let ca = pki.ca();
    let curl = |url: String| {
        Command::new("curl")
            .args(["--silent", "--max-time", "10", "--cacert"])
            .arg(&ca)
            .arg(url)
            .status()
            .unwrap()
    };
    let refused = curl(format!("https://{}/healthz", addrs.http));
    assert!(!refused.success(), "no client certificate, yet {refused}");
    // Probes have none, and need none on the debug address.
    let probed = curl(format!("https://{}/healthz", addrs.debug));
    assert!(probed.success(), "{probed}");

    std::fs::copy(&second.key, &key).unwrap();
    std::fs::copy(&second.cert, &cert).unwrap();
    signal(&child, "-HUP");
    let second_der = {
        use rustls::pki_types::{CertificateDer, pem::PemObject};
        CertificateDer::from_pem_file(&second.cert)
            .unwrap()
            .to_vec()
    };
    let started = std::time::Instant::now();
    let http_addr = addrs.http.parse().unwrap();
    loop {
        // The client certificate is not needed to see the server's.
        let served = served_certificate(http_addr, &pki.ca()).await;
        if served == second_der {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "still the first certificate after SIGHUP"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(child.try_wait().unwrap().is_none(), "SIGHUP stopped it");
    child.kill().await.unwrap();
}

/// An order with two items, for the database scenarios.
fn two_pizzas() -> Order {
    Order {
        id: String::new(),
        customer_id: "c-1".to_owned(),
        status: String::new(),
        created_on: 0,
        restaurant_id: "r-1".to_owned(),
        order_items: ["margherita", "diavola"]
            .into_iter()
            .map(|name| ordersvc::OrderItem {
                product_code: format!("p-{name}"),
                name: name.to_owned(),
                unit_price: 9.5,
                quantity: 2,
            })
            .collect(),
    }
}

/// Waits until the readiness of the instance with debug address `debug`
/// answers `status`; how long that took.
async fn until_ready_says(debug: &str, status: u16) -> Duration {
    let started = std::time::Instant::now();
    loop {
        let mut connection = RawConnection::open(debug.parse().unwrap()).await;
        let answer = connection
            .send(http::Method::GET, "/healthz", &[], "")
            .await;
        if answer.status == status {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < Duration::from_secs(15),
            "readiness still answers {} rather than {status}",
            answer.status
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Stops `child` with SIGTERM, and checks that it exits cleanly.
async fn terminate(mut child: Child) {
    signal(&child, "-TERM");
    let status = tokio::time::timeout(Duration::from_secs(30), child.wait())
        .await
        .expect("the service stopped on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");
}

/// The default database, a SQLite file made at start-up: an order placed
/// before a restart is there after it.
async fn keeps_orders_in_a_sqlite_file_across_restarts() {
    let dir = std::env::temp_dir().join(format!("kitgen-scaffold-sqlite-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let url = format!("sqlite://{}/orders.db?mode=rwc", dir.display());
    let ctx = kit::Context::new();
    let (child, addrs) = start_ordersvc_with(&[], &[("DATABASE_URL", &url)]).await;
    let grpc = order_service::GrpcClient::new(&format!("http://{}", addrs.grpc)).unwrap();
    let id = grpc.create(&ctx, two_pizzas()).await.unwrap();
    terminate(child).await;

    let (child, addrs) = start_ordersvc_with(&[], &[("DATABASE_URL", &url)]).await;
    let http = order_service::HttpClient::new(&format!("http://{}", addrs.http)).unwrap();
    let found = http.get_by_id(&ctx, id.clone()).await.unwrap();
    assert_eq!(found.order_items, two_pizzas().order_items);
    terminate(child).await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The binary on a real Postgres: it refuses to start on a database that
/// lacks its migrations unless told to apply them; orders go in and come
/// out over both transports; while Postgres is down, calls fail with
/// `UNAVAILABLE` and a plain message, the database's own error is logged
/// with the request id, and readiness fails; after Postgres restarts, both
/// recover with every order still there.
async fn serves_from_postgres_through_its_restart() {
    let mut postgres = PostgresServer::start().await;
    let url = postgres.url();
    let binary = target_dir().join("debug/ordersvc");
    let refused = tokio::time::timeout(
        Duration::from_secs(30),
        tokio::process::Command::new(&binary)
            .args(["--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0"])
            .args(["--debug-addr", "127.0.0.1:0"])
            .env("DATABASE_URL", &url)
            .env("ORDERSVC_LOG_FORMAT", "json")
            .output(),
    )
    .await
    .expect("the service stopped")
    .unwrap();
    let said = String::from_utf8_lossy(&refused.stdout);
    assert!(!refused.status.success(), "{said}");
    assert!(
        said.contains("lacks migrations 1 (create orders)"),
        "{said}"
    );

    let (child, addrs) = start_ordersvc_with(&["--migrate=true"], &[("DATABASE_URL", &url)]).await;
    let http = order_service::HttpClient::new(&format!("http://{}", addrs.http)).unwrap();
    let grpc = order_service::GrpcClient::new(&format!("http://{}", addrs.grpc)).unwrap();
    let ctx = kit::Context::new();
    let id = http.create(&ctx, two_pizzas()).await.unwrap();
    assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
    let found = grpc.get_by_id(&ctx, id.clone()).await.unwrap();
    assert_eq!(
        (found.status.as_str(), &found.order_items),
        ("Pending", &two_pizzas().order_items)
    );
    assert!(found.created_on > 1_700_000_000, "{}", found.created_on);
    grpc.change_status(&ctx, id.clone(), "Preparing".to_owned())
        .await
        .unwrap();
    not_found(&http, &ctx).await;
    let taken = grpc
        .create(
            &ctx,
            Order {
                id: id.clone(),
                ..two_pizzas()
            },
        )
        .await;
    assert!(
        matches!(&taken, Err(OrderError::AlreadyExists { id: taken }) if *taken == id),
        "{taken:?}"
    );
    // In Postgres itself: the row, and the migration sqlx recorded.
    let pool = sqlx::PgPool::connect(&url).await.unwrap();
    let (status,): (String,) = sqlx::query_as("SELECT status FROM orders WHERE id = $1")
        .bind(&id)
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(status, "Preparing");
    let (migrations,): (i64,) = sqlx::query_as("SELECT count(*) FROM _sqlx_migrations")
        .fetch_one(&pool)
        .await
        .unwrap();
    assert_eq!(migrations, 1);
    pool.close().await;

    postgres.stop();
    let down = kit::Context::new().with_request_id("while-postgres-is-down");
    for result in [
        http.get_by_id(&down, id.clone()).await,
        grpc.get_by_id(&down, id.clone()).await,
    ] {
        match result {
            Err(OrderError::Transport(error)) => {
                assert_eq!(error.code(), kit::Code::Unavailable, "{error}");
                assert_eq!(error.message(), "the order store is unavailable");
            }
            other => panic!("{other:?}"),
        }
    }
    let logged = addrs.logged(&["the repository is unavailable", "while-postgres-is-down"]);
    assert!(
        !logged.is_empty(),
        "no log of the failure with its request id"
    );
    let not_ready = until_ready_says(&addrs.debug, 503).await;

    postgres.restart().await;
    let ready = until_ready_says(&addrs.debug, 200).await;
    let found = http.get_by_id(&ctx, id.clone()).await.unwrap();
    assert_eq!(
        (found.status.as_str(), &found.order_items),
        ("Preparing", &two_pizzas().order_items)
    );
    let nothing = Order {
        order_items: vec![],
        ..two_pizzas()
    };
    let id = grpc.create(&ctx, nothing).await.unwrap();
    assert_eq!(http.get_by_id(&ctx, id).await.unwrap().order_items, []);

    // Connections were made again after the restart, every call above
    // waited for one, and each goes back to the pool (in a task of its own,
    // so soon after the call rather than at once).
    let started = std::time::Instant::now();
    loop {
        let mut debug = RawConnection::open(addrs.debug.parse().unwrap()).await;
        let metrics = debug.send(http::Method::GET, "/metrics", &[], "").await;
        let text = String::from_utf8_lossy(&metrics.body).into_owned();
        let value = |series: &str| -> f64 {
            let line = text.lines().find(|line| line.starts_with(series));
            line.and_then(|line| line.split(' ').nth(1)?.parse().ok())
                .unwrap_or_else(|| panic!("{series} missing from {text}"))
        };
        assert!(value("db_pool_connections ") >= 1.0, "{text}");
        assert!(value("db_pool_acquire_seconds_count ") >= 10.0, "{text}");
        if value("db_pool_connections_in_use ") == 0.0 {
            break;
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{text}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    terminate(child).await;
    eprintln!("Postgres down: not ready after {not_ready:?}; back: ready after {ready:?}");
}

/// How many `GetById` calls answered `NOT_FOUND` the replica whose debug
/// address is `debug` counted, over both transports.
async fn not_found_count(debug: &str) -> u64 {
    let mut connection = RawConnection::open(debug.parse().unwrap()).await;
    let metrics = connection
        .send(http::Method::GET, "/metrics", &[], "")
        .await;
    let text = String::from_utf8_lossy(&metrics.body);
    let series =
        r#"requests_total{service="ordersvc.OrderService",method="GetById",code="NOT_FOUND"} "#;
    text.lines()
        .find_map(|line| line.strip_prefix(series))
        .map_or(0, |count| count.parse().unwrap())
}

/// Waits until `instancer` lists exactly `addresses`; how long it took.
async fn until_listing(instancer: &Instancer, addresses: &[&str], within: Duration) -> Duration {
    let started = std::time::Instant::now();
    loop {
        let mut listed: Vec<String> = instancer
            .instances()
            .iter()
            .map(|instance| instance.address().to_owned())
            .collect();
        listed.sort();
        let mut expected: Vec<String> = addresses.iter().map(|a| (*a).to_owned()).collect();
        expected.sort();
        if listed == expected {
            return started.elapsed();
        }
        assert!(
            started.elapsed() < within,
            "{instancer:?} lists {listed:?}, not {expected:?}, after {within:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

/// Two replicas of the scaffold registered in a real etcd: balanced
/// clients over both transports spread their calls over the two; SIGTERM
/// deregisters one at once; after SIGKILL, the other's lease expires.
async fn replicas_register_in_etcd() {
    const TTL: Duration = Duration::from_secs(2);
    let etcd_server = EtcdServer::start().await;
    let url = etcd_server.url();

    // Listening on every interface, a replica must be told what to
    // register; it says so before it binds anything.
    let refused = Command::new(target_dir().join("debug/ordersvc"))
        .args(["--http-addr", "0.0.0.0:0", "--etcd", &url])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&refused.stdout);
    assert!(
        !refused.status.success() && said.contains("--advertise-host"),
        "{said}"
    );

    let flags = ["--etcd", url.as_str(), "--etcd-ttl", "2"];
    let (a, a_addrs) = start_ordersvc(&flags).await;
    let (b, b_addrs) = start_ordersvc(&flags).await;
    let etcd = Etcd::connect(&url).unwrap();
    let http = etcd.instancer("ordersvc-http").unwrap();
    let grpc = etcd.instancer("ordersvc-grpc").unwrap();
    let registered = Duration::from_secs(10);
    until_listing(&http, &[&a_addrs.http, &b_addrs.http], registered).await;
    until_listing(&grpc, &[&a_addrs.grpc, &b_addrs.grpc], registered).await;

    let ctx = kit::Context::new();
    let http_client = order_service::HttpClient::discover(http.clone());
    let grpc_client = order_service::GrpcClient::discover(grpc.clone());
    for _ in 0..40 {
        not_found(&http_client, &ctx).await;
        not_found(&grpc_client, &ctx).await;
    }
    // 80 calls, each replica chosen at random: fewer than 10 on one has a
    // chance below one in 10^12.
    let (on_a, on_b) = (
        not_found_count(&a_addrs.debug).await,
        not_found_count(&b_addrs.debug).await,
    );
    assert_eq!(on_a + on_b, 80);
    assert!(on_a >= 10 && on_b >= 10, "a answered {on_a}, b {on_b}");

    // SIGTERM: out of etcd before it stops, and no call fails meanwhile.
    signal(&a, "-TERM");
    let left = until_listing(&http, &[&b_addrs.http], Duration::from_secs(5)).await;
    until_listing(&grpc, &[&b_addrs.grpc], Duration::from_secs(5)).await;
    not_found(&http_client, &ctx).await;
    not_found(&grpc_client, &ctx).await;
    let mut a = a;
    let status = tokio::time::timeout(Duration::from_secs(30), a.wait())
        .await
        .expect("a stopped on SIGTERM")
        .unwrap();
    assert!(status.success(), "{status}");

    // SIGKILL: no deregistration; the lease, no longer renewed, expires.
    signal(&b, "-KILL");
    let killed = std::time::Instant::now();
    let expired = until_listing(&http, &[], TTL * 4).await;
    until_listing(&grpc, &[], TTL * 4).await;
    // A deregistration takes milliseconds; a lease renewed every third of
    // its time to live has well over a quarter of it left.
    assert!(
        killed.elapsed() >= TTL / 4,
        "b dropped out after {expired:?}: not by its lease"
    );

    // Nobody left: UNAVAILABLE at once, naming the registry.
    for error in [
        unavailable(&http_client, &ctx).await,
        unavailable(&grpc_client, &ctx).await,
    ] {
        assert!(error.message().contains("etcd"), "{error}");
    }
    eprintln!(
        "160 balanced calls (a {on_a} and b {on_b} of the first 80), none failed; \
         a left etcd {left:?} after SIGTERM; b's lease expired {expired:?} after SIGKILL"
    );
}

/// Calls `get_by_id` for an order that no replica has.
async fn not_found(client: &impl OrderService, ctx: &kit::Context) {
    let result = client.get_by_id(ctx, "nope".to_owned()).await;
    assert!(matches!(result, Err(OrderError::NotFound)), "{result:?}");
}

/// Calls with no instance to call: `UNAVAILABLE`, at once; the error.
async fn unavailable(client: &impl OrderService, ctx: &kit::Context) -> kit::Error {
    let started = std::time::Instant::now();
    match client.get_by_id(ctx, "nope".to_owned()).await {
        Err(OrderError::Transport(error)) if error.code() == kit::Code::Unavailable => {
            assert!(started.elapsed() < Duration::from_secs(1), "{error}");
            error
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ordersvc_builds_passes_its_tests_serves_and_grows_a_method() {
    let scaffold = Scaffold::new("ordersvc", &[]);
    scaffold.cargo(&["test"]);
    scaffold.cargo(&["fmt", "--check"]);

    // The binary, on ephemeral ports and a NATS server of its own, called
    // by the clients of this workspace's ordersvc: the same service,
    // compiled apart.
    let nats = NatsServer::start().await;
    let (child, addrs) = start_ordersvc(&["--nats", &nats.url()]).await;
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
    assert_eq!(
        grpc.get_by_id(&ctx, id.clone()).await.unwrap().status,
        "Pending"
    );
    // JSON-RPC on the HTTP port, and NATS.
    let jsonrpc = order_service::JsonRpcClient::new(&format!("http://{}", addrs.http)).unwrap();
    assert_eq!(jsonrpc.get_by_id(&ctx, id.clone()).await.unwrap().id, id);
    let over_nats = order_service::NatsClient::new(nats.connect().await);
    assert_eq!(over_nats.get_by_id(&ctx, id.clone()).await.unwrap().id, id);

    // `watch` as Server-Sent Events, read by curl, until the order is
    // delivered and the stream ends.
    let events = tokio::process::Command::new("curl")
        .args(["--silent", "--no-buffer", "--max-time", "20"])
        .args(["-H", "Accept: text/event-stream"])
        .arg(format!("http://{}/orders/{id}/changes", addrs.http))
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let mut events_read = tokio::io::BufReader::new(events.stdout.unwrap()).lines();
    let first = events_read.next_line().await.unwrap().unwrap_or_default();
    assert!(first.contains("\"status\":\"Pending\""), "{first}");
    for status in ["Preparing", "Delivered"] {
        grpc.change_status(&ctx, id.clone(), status.to_owned())
            .await
            .unwrap();
    }
    let mut rest = Vec::new();
    while let Some(line) = events_read.next_line().await.unwrap() {
        rest.push(line);
    }
    let statuses: Vec<&str> = rest
        .iter()
        .filter_map(|line| line.strip_prefix("data: "))
        .filter_map(|data| data.split("\"status\":\"").nth(1)?.split('"').next())
        .collect();
    assert_eq!(statuses, ["Preparing", "Delivered"], "{rest:?}");
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
    terminate(child).await;

    // Text logs into a pipe carry no colour codes, so grep finds fields.
    let mut child = tokio::process::Command::new(target_dir().join("debug/ordersvc"))
        .args(["--http-addr", "127.0.0.1:0", "--grpc-addr", "127.0.0.1:0"])
        .args(["--debug-addr", "127.0.0.1:0"])
        .env("ORDERSVC_LOG_FORMAT", "text")
        .env("DATABASE_URL", "sqlite::memory:")
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

    replicas_register_in_etcd().await;
    serves_over_mutual_tls().await;
    keeps_orders_in_a_sqlite_file_across_restarts().await;
    serves_from_postgres_through_its_restart().await;

    // A new method: `kitgen sync` adds its stub, and the crate builds.
    scaffold.edit("src/lib.rs", |lib| {
        assert!(lib.contains("OrderError>, OrderError>;\n}"), "the trait's end moved");
        lib.replace(
            "    ) -> Result<kit::Stream<Order, OrderError>, OrderError>;\n}",
            "    ) -> Result<kit::Stream<Order, OrderError>, OrderError>;\n\n    /// Cancels an order.\n    async fn cancel(&self, ctx: &kit::Context, id: String, reason: Reason) -> Result<Order, OrderError>;\n\n    /// Places orders as they arrive.\n    async fn import(&self, ctx: &kit::Context, orders: kit::Streaming<Order>) -> Result<kit::Stream<String, OrderError>, OrderError>;\n}\n\n/// Why an order was cancelled.\n#[derive(Clone, Debug, PartialEq, kit::Message)]\npub struct Reason {\n    /// In words.\n    pub text: String,\n}",
        )
    });
    let said = scaffold.sync();
    assert!(said.contains("added `cancel`"), "{said}");
    assert!(said.contains("added `import`"), "{said}");
    scaffold.cargo(&["build", "--all-targets"]);
}

/// `--database none` keeps orders in memory and passes its tests;
/// `--database postgres` builds, and will not start without a database.
#[test]
fn the_order_service_without_a_database_and_on_postgres() {
    // Names of their own: the binaries share the target directory with
    // the other tests' `ordersvc`.
    let in_memory = Scaffold::new("orders_in_memory", &["--database", "none"]);
    in_memory.cargo(&["test"]);
    drop(in_memory);

    let postgres = Scaffold::new("orders_on_postgres", &["--database", "postgres"]);
    postgres.cargo(&["build"]);
    let output = Command::new(target_dir().join("debug/orders_on_postgres"))
        .env_remove("DATABASE_URL")
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "{said}");
    assert!(said.contains("--database-url <URL>"), "{said}");
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

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_blank_scaffold_whose_method_is_renamed_prunes_and_builds() {
    let scaffold = Scaffold::new("greeter", &["--blank"]);
    scaffold.edit("src/lib.rs", |lib| {
        lib.replace("async fn hello", "async fn greet")
    });
    let words = [
        "kitgen".to_owned(),
        "sync".to_owned(),
        "--prune".to_owned(),
        scaffold.0.display().to_string(),
    ];
    let said = kitgen(&words);
    assert!(
        said.contains("added `greet`") && said.contains("removed `hello`"),
        "{said}"
    );
    scaffold.cargo(&["test"]);
}

/// Two services of one `.proto` in one crate, one router: the templates'
/// branch for many services, with routes at the same path.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_proto_with_two_services_serves_both_from_one_router() {
    let dir = std::env::temp_dir().join(format!("kitgen-two-services-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let proto = dir.join("two.proto");
    std::fs::write(
        &proto,
        r#"syntax = "proto3";
package two.v1;
import "google/api/annotations.proto";
service Alpha {
  rpc Get(GetRequest) returns (Thing) { option (google.api.http) = { get: "/v1/things/{id}" }; }
}
service Beta {
  rpc Put(Thing) returns (Thing) { option (google.api.http) = { put: "/v1/things/{id}" body: "*" }; }
}
message GetRequest { string id = 1; }
message Thing { string id = 1; string name = 2; }
"#,
    )
    .unwrap();
    let scaffold = Scaffold::new("two-services", &["--proto", &proto.display().to_string()]);
    scaffold.cargo(&["test"]);
    let _ = std::fs::remove_dir_all(&dir);
}
