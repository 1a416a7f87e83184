//! `kit::Server` over TLS and mutual TLS, with certificates made at run
//! time: the generated clients, curl and Python grpcio call it; a client
//! without the required certificate is refused in the handshake; handlers
//! see the client certificate's subject; certificates reload on change and
//! on SIGHUP.

use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kit::tls::{ClientTls, ServerTls};
use kit::{Code, Context};
use kitgen_tests::pki::{Pki, served_certificate};
use kitgen_tests::run_python_client;
use tokio::net::TcpListener;

/// A service that says who called it.
mod caller {
    /// Who is calling, as the handler sees it.
    #[kit::service]
    pub(crate) trait Caller: Send + Sync + 'static {
        /// `{identity}|{certificate subject}`, each empty when unknown.
        #[kit(idempotent)]
        async fn who(&self, ctx: &kit::Context) -> Result<String, kit::Error>;
    }

    /// The one implementation.
    pub(crate) struct Echo;

    impl Caller for Echo {
        async fn who(&self, ctx: &kit::Context) -> Result<String, kit::Error> {
            let identity = ctx.caller().map(|caller| caller.name().to_owned());
            let subject = ctx
                .client_certificate()
                .map(|cert| cert.subject().to_owned());
            Ok(format!(
                "{}|{}",
                identity.unwrap_or_default(),
                subject.unwrap_or_default()
            ))
        }
    }
}

use caller::caller as generated;
use caller::{Caller, Echo};

/// The addresses of a server over TLS.
struct Serving {
    http: SocketAddr,
    grpc: SocketAddr,
    debug: SocketAddr,
}

/// The Caller service over HTTP, gRPC and the debug listener, all with
/// `tls`, behind `auth` when given.
async fn serve(tls: ServerTls, auth: Option<kit::middleware::AuthLayer>) -> Serving {
    let bind = || TcpListener::bind("127.0.0.1:0");
    let (http, grpc, debug) = (
        bind().await.unwrap(),
        bind().await.unwrap(),
        bind().await.unwrap(),
    );
    let serving = Serving {
        http: http.local_addr().unwrap(),
        grpc: grpc.local_addr().unwrap(),
        debug: debug.local_addr().unwrap(),
    };
    let mut endpoints = generated::Endpoints::new(Arc::new(Echo));
    if let Some(auth) = auth {
        endpoints = endpoints.layer(auth);
    }
    let routes =
        kit::grpc::Routes::new().add_service(generated::GrpcServer::new(endpoints.clone()));
    tokio::spawn(
        kit::Server::new()
            .tls(tls)
            .http(http, generated::http_router(endpoints))
            .grpc(grpc, routes)
            .debug(debug, kit::middleware::Metrics::new())
            .run_until(std::future::pending()),
    );
    serving
}

/// Runs curl with `args` and returns whether it succeeded, and its output.
async fn curl(args: &[&str]) -> (bool, String) {
    let output = tokio::process::Command::new("curl")
        .args(["--silent", "--show-error", "--max-time", "10"])
        .args(args)
        .output()
        .await
        .expect("run curl (installed by .ci/run)");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    (output.status.success(), text)
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

#[tokio::test]
async fn generated_clients_and_curl_call_over_tls() {
    let pki = Pki::new("tls");
    let server = pki.server("server");
    let serving = serve(
        ServerTls::from_pem_files(&server.cert, &server.key).unwrap(),
        None,
    )
    .await;
    let tls = ClientTls::trusting_pem_file(pki.ca()).unwrap();

    let http = kit::http::Client::new(&format!("https://{}", serving.http)).unwrap();
    let http = generated::HttpClient::with_transport(http.with_tls(&tls));
    assert_eq!(http.who(&Context::new()).await.unwrap(), "|");
    let grpc = kit::grpc::Client::new(&format!("https://{}", serving.grpc)).unwrap();
    let grpc = generated::GrpcClient::with_transport(grpc.with_tls(&tls));
    assert_eq!(grpc.who(&Context::new()).await.unwrap(), "|");
    // `with_tls` on an http:// URL speaks TLS all the same.
    let plain_url = kit::http::Client::new(&format!("http://{}", serving.http)).unwrap();
    let http = generated::HttpClient::with_transport(plain_url.with_tls(&tls));
    assert_eq!(http.who(&Context::new()).await.unwrap(), "|");

    for addr in [serving.http, serving.debug] {
        let url = format!("https://localhost:{}/healthz", addr.port());
        let (ok, answer) = curl(&["--cacert", path(&pki.ca()), &url]).await;
        assert!(ok, "{answer}");
        assert!(answer.contains("SERVING"), "{answer}");
    }
    let metrics = format!("https://127.0.0.1:{}/metrics", serving.debug.port());
    let (ok, answer) = curl(&["--cacert", path(&pki.ca()), &metrics]).await;
    assert!(ok && answer.contains("# EOF"), "{answer}");
    // HTTP/2 over TLS, by ALPN, as browsers and gRPC clients negotiate it.
    let who = format!("https://127.0.0.1:{}/who", serving.http.port());
    let (ok, answer) = curl(&[
        "--http2",
        "--json",
        "{}",
        "-w",
        " %{http_version}",
        "--cacert",
        path(&pki.ca()),
        &who,
    ])
    .await;
    assert_eq!((ok, answer.as_str()), (true, "\"|\" 2"));

    // Plain text to a TLS port gets no answer.
    let plain = format!("http://127.0.0.1:{}/healthz", serving.http.port());
    let (ok, answer) = curl(&[&plain]).await;
    assert!(!ok, "{answer}");
}

#[tokio::test]
async fn a_server_the_client_does_not_trust_is_unavailable() {
    let pki = Pki::new("untrusted");
    let server = pki.server("server");
    let serving = serve(
        ServerTls::from_pem_files(&server.cert, &server.key).unwrap(),
        None,
    )
    .await;

    // The system's roots do not include the test CA.
    let http = generated::HttpClient::new(&format!("https://{}", serving.http)).unwrap();
    let error = http.who(&Context::new()).await.unwrap_err();
    assert_eq!(error.code(), Code::Unavailable, "{error}");
    let other = Pki::new("other");
    let grpc = kit::grpc::Client::new(&format!("https://{}", serving.grpc)).unwrap();
    let grpc = generated::GrpcClient::with_transport(
        grpc.with_tls(&ClientTls::trusting_pem_file(other.ca()).unwrap()),
    );
    let error = grpc.who(&Context::new()).await.unwrap_err();
    assert_eq!(error.code(), Code::Unavailable, "{error}");
    let (ok, answer) = curl(&[&format!("https://127.0.0.1:{}/who", serving.http.port())]).await;
    assert!(!ok, "{answer}");
}

#[tokio::test]
async fn mutual_tls_refuses_clients_without_a_certificate_and_names_those_with_one() {
    let pki = Pki::new("mtls");
    let server = pki.server("server");
    let alice = pki.client("alice");
    let stranger = Pki::new("stranger").client("mallory");
    let tls = ServerTls::from_pem_files(&server.cert, &server.key)
        .unwrap()
        .require_client_certificates(pki.ca())
        .unwrap();
    let auth = kit::middleware::AuthLayer::client_certificate();
    let serving = serve(tls, Some(auth)).await;
    let trusting = ClientTls::trusting_pem_file(pki.ca()).unwrap();
    let as_alice = trusting
        .clone()
        .with_certificate_pem_files(&alice.cert, &alice.key)
        .unwrap();
    let subject = "CN=alice, O=kitgen tests";
    let expected = format!("{subject}|{subject}");

    let http = |tls: &ClientTls| {
        let client = kit::http::Client::new(&format!("https://{}", serving.http)).unwrap();
        generated::HttpClient::with_transport(client.with_tls(tls))
    };
    let grpc = |tls: &ClientTls| {
        let client = kit::grpc::Client::new(&format!("https://{}", serving.grpc)).unwrap();
        generated::GrpcClient::with_transport(client.with_tls(tls))
    };
    assert_eq!(
        http(&as_alice).who(&Context::new()).await.unwrap(),
        expected
    );
    assert_eq!(
        grpc(&as_alice).who(&Context::new()).await.unwrap(),
        expected
    );
    for error in [
        http(&trusting).who(&Context::new()).await.unwrap_err(),
        grpc(&trusting).who(&Context::new()).await.unwrap_err(),
    ] {
        assert_eq!(error.code(), Code::Unavailable, "{error}");
    }

    let who = format!("https://127.0.0.1:{}/who", serving.http.port());
    let ca_file = pki.ca();
    let ca = path(&ca_file);
    let (ok, answer) = curl(&[
        "--cacert",
        ca,
        "--cert",
        path(&alice.cert),
        "--key",
        path(&alice.key),
        "--json",
        "{}",
        &who,
    ])
    .await;
    assert!(ok && answer.contains(&expected), "{answer}");
    let (ok, answer) = curl(&["--cacert", ca, "--json", "{}", &who]).await;
    assert!(!ok, "no certificate, yet: {answer}");
    // The debug listener asks for none: probes and scrapers have none.
    let health = format!("https://127.0.0.1:{}/healthz", serving.debug.port());
    let (ok, answer) = curl(&["--cacert", ca, &health]).await;
    assert!(ok && answer.contains("SERVING"), "{answer}");
    let (ok, answer) = curl(&[
        "--cacert",
        ca,
        "--cert",
        path(&stranger.cert),
        "--key",
        path(&stranger.key),
        "--json",
        "{}",
        &who,
    ])
    .await;
    assert!(!ok, "a certificate of another CA, yet: {answer}");

    let grpc_addr = serving.grpc.to_string();
    let service = <generated::GrpcServer as tonic::server::NamedService>::NAME;
    let method = &format!("/{service}/Who");
    run_python_client(
        "tls_client.py",
        &[&grpc_addr, ca, method, path(&alice.cert), path(&alice.key)],
        &["ok health over TLS", &format!("answer: {expected}")],
    )
    .await;
    run_python_client(
        "tls_client.py",
        &[&grpc_addr, ca, method, "--refused"],
        &["ok the server refuses the connection"],
    )
    .await;
}

#[tokio::test]
async fn a_server_reached_by_address_is_verified_against_the_name_given() {
    let pki = Pki::new("named");
    let server = pki.server_for("orders", &["orders.internal"]);
    let serving = serve(
        ServerTls::from_pem_files(&server.cert, &server.key).unwrap(),
        None,
    )
    .await;
    let tls = ClientTls::trusting_pem_file(pki.ca()).unwrap();
    let client = |tls: &ClientTls| {
        let grpc = kit::grpc::Client::new(&format!("https://{}", serving.grpc)).unwrap();
        generated::GrpcClient::with_transport(grpc.with_tls(tls))
    };
    // Its certificate does not name 127.0.0.1.
    let error = client(&tls).who(&Context::new()).await.unwrap_err();
    assert_eq!(error.code(), Code::Unavailable, "{error}");
    let named = tls.with_server_name("orders.internal").unwrap();
    assert_eq!(client(&named).who(&Context::new()).await.unwrap(), "|");
    let http = kit::http::Client::new(&format!("https://{}", serving.http)).unwrap();
    let http = generated::HttpClient::with_transport(http.with_tls(&named));
    assert_eq!(http.who(&Context::new()).await.unwrap(), "|");
    assert!(
        ClientTls::system_roots()
            .with_server_name("not a name")
            .is_err()
    );
}

#[tokio::test]
async fn without_a_certificate_the_client_certificate_layer_says_unauthenticated() {
    let pki = Pki::new("optional");
    let server = pki.server("server");
    let tls = ServerTls::from_pem_files(&server.cert, &server.key)
        .unwrap()
        .allow_client_certificates(pki.ca())
        .unwrap();
    let auth = kit::middleware::AuthLayer::client_certificate();
    let serving = serve(tls, Some(auth)).await;
    let client = kit::http::Client::new(&format!("https://{}", serving.http)).unwrap();
    let http = generated::HttpClient::with_transport(
        client.with_tls(&ClientTls::trusting_pem_file(pki.ca()).unwrap()),
    );
    let error = http.who(&Context::new()).await.unwrap_err();
    assert_eq!(error.code(), Code::Unauthenticated, "{error}");
}

/// Waits until the server at `addr` presents `expected`, for at most 10 s.
async fn presents(addr: SocketAddr, ca: &Path, expected: &[u8]) -> bool {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(10) {
        if served_certificate(addr, ca).await == expected {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    false
}

/// The DER of the PEM certificate at `path`.
fn der(path: &Path) -> Vec<u8> {
    use rustls::pki_types::CertificateDer;
    use rustls::pki_types::pem::PemObject;
    CertificateDer::from_pem_file(path).unwrap().to_vec()
}

#[tokio::test]
async fn a_changed_certificate_is_served_to_new_connections_and_a_broken_one_is_not() {
    let pki = Pki::new("reload");
    let first = pki.server("first");
    let live = pki.dir().join("live.pem");
    let live_key = pki.dir().join("live.key");
    std::fs::copy(&first.cert, &live).unwrap();
    std::fs::copy(&first.key, &live_key).unwrap();
    let tls = ServerTls::from_pem_files(&live, &live_key)
        .unwrap()
        .reload_every(Duration::from_millis(100));
    let serving = serve(tls.clone(), None).await;
    assert_eq!(
        served_certificate(serving.http, &pki.ca()).await,
        der(&first.cert)
    );

    // A half-written certificate does not load, and is not served: the
    // previous one is.
    std::fs::write(&live, "-----BEGIN CERTIFICATE-----\nMIIB").unwrap();
    let error = tls.reload().unwrap_err();
    assert!(error.message().contains("live.pem"), "{error}");
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(
        served_certificate(serving.http, &pki.ca()).await,
        der(&first.cert)
    );

    let second = pki.server("second");
    std::fs::copy(&second.key, &live_key).unwrap();
    std::fs::copy(&second.cert, &live).unwrap();
    assert!(presents(serving.http, &pki.ca(), &der(&second.cert)).await);
    assert!(presents(serving.grpc, &pki.ca(), &der(&second.cert)).await);
}

#[tokio::test]
async fn sighup_reloads_the_certificate_at_once() {
    let pki = Pki::new("sighup");
    let first = pki.server("first");
    let live = pki.dir().join("live.pem");
    let live_key = pki.dir().join("live.key");
    std::fs::copy(&first.cert, &live).unwrap();
    std::fs::copy(&first.key, &live_key).unwrap();
    // Files are looked at hourly: only the signal can reload them here.
    let tls = ServerTls::from_pem_files(&live, &live_key)
        .unwrap()
        .reload_every(Duration::from_secs(3600));
    let serving = serve(tls, None).await;
    assert_eq!(
        served_certificate(serving.http, &pki.ca()).await,
        der(&first.cert)
    );

    let second = pki.server("second");
    std::fs::copy(&second.key, &live_key).unwrap();
    std::fs::copy(&second.cert, &live).unwrap();
    // The handler is in place once the server serves: it was installed
    // before the listeners started.
    let status = std::process::Command::new("kill")
        .args(["-HUP", &std::process::id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    assert!(presents(serving.http, &pki.ca(), &der(&second.cert)).await);
}

#[test]
fn bad_files_are_clear_errors() {
    let pki = Pki::new("bad");
    let server = pki.server("server");
    let other = pki.server("other");
    let missing = pki.dir().join("missing.pem");

    let error = ServerTls::from_pem_files(&missing, &server.key).unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    assert!(error.message().contains("missing.pem"), "{error}");

    let error = ServerTls::from_pem_files(&server.key, &server.key).unwrap_err();
    assert!(error.message().contains("no certificate in"), "{error}");

    let error = ServerTls::from_pem_files(&server.cert, &other.key).unwrap_err();
    assert!(
        error.message().contains("cannot serve the certificate"),
        "{error}"
    );

    let error = ClientTls::trusting_pem_file(&missing).unwrap_err();
    assert!(error.message().contains("missing.pem"), "{error}");
}
