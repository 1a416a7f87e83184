//! A real browser for the tests: Debian's headless Chromium (which
//! `.ci/run` installs), started on a page that a small server here serves,
//! with a profile of its own, stopped by PID when dropped. The page posts
//! what it found to `/results`, which [`Page::results`] waits for.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use axum::routing::{get, post};
use bytes::Bytes;
use tokio::sync::mpsc;

/// Where Debian puts Chromium.
const CHROMIUM: &str = "/usr/bin/chromium";

/// A page's server: `index.html`, the bundle, and any other files, on an
/// origin of its own; and what the page posts to `/results`.
pub struct Page {
    addr: SocketAddr,
    results: mpsc::Receiver<Bytes>,
}

impl Page {
    /// Serves `tests/npm/page/index.html` at `/`, its script bundled at
    /// `/bundle.js`, and each of `files` at its path.
    pub async fn serve(files: Vec<(&'static str, Vec<u8>)>) -> Page {
        let manifest = Path::new(env!("CARGO_MANIFEST_DIR"));
        let index = std::fs::read_to_string(manifest.join("npm/page/index.html")).unwrap();
        let bundle = std::fs::read(crate::npm_clients().join("bundle.js")).unwrap();
        let (sender, results) = mpsc::channel(4);
        let mut router =
            axum::Router::new()
                .route("/", get(move || async move { axum::response::Html(index) }))
                .route(
                    "/bundle.js",
                    get(move || async move {
                        ([(http::header::CONTENT_TYPE, "text/javascript")], bundle)
                    }),
                )
                .route(
                    "/results",
                    post(move |body: Bytes| async move {
                        let _ = sender.send(body).await;
                    }),
                );
        for (path, bytes) in files {
            router = router.route(path, get(move || async move { bytes }));
        }
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, router).await });
        Page { addr, results }
    }

    /// The page's origin: `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// What the page posted to `/results`, as JSON; panics after `timeout`.
    pub async fn results(&mut self, timeout: Duration) -> serde_json::Value {
        let body = tokio::time::timeout(timeout, self.results.recv())
            .await
            .expect("the page posted its results in time")
            .expect("the page's server runs");
        serde_json::from_slice(&body).expect("the page posts JSON")
    }
}

/// Headless Chromium showing one page.
pub struct Chromium {
    child: Child,
    profile: PathBuf,
}

impl Chromium {
    /// Opens `url` in a new headless Chromium with an empty profile.
    pub fn open(url: &str) -> Chromium {
        assert!(
            Path::new(CHROMIUM).exists(),
            "{CHROMIUM} is missing: install Debian's chromium package (.ci/run does)"
        );
        let profile = std::env::temp_dir().join(format!(
            "kitgen-chromium-{}-{}",
            std::process::id(),
            port_of(url)
        ));
        let child = Command::new(CHROMIUM)
            .args([
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-quic",
                "--no-first-run",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-dev-shm-usage",
            ])
            .arg(format!("--user-data-dir={}", profile.display()))
            .arg(url)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromium");
        Chromium { child, profile }
    }
}

/// The port in a URL, to name a profile after.
fn port_of(url: &str) -> String {
    url.rsplit(':')
        .next()
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect()
}

impl Drop for Chromium {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}
