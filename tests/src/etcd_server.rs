//! A real etcd (Debian's `etcd-server`, which `.ci/run` installs) on
//! 127.0.0.1, on ports of its own, with a data directory of its own,
//! stopped by PID when dropped.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

/// One etcd member.
pub struct EtcdServer {
    child: Option<Child>,
    data_dir: PathBuf,
    client_port: u16,
    peer_port: u16,
}

impl EtcdServer {
    /// Starts etcd and waits until it serves.
    pub async fn start() -> EtcdServer {
        // In memory where there is /dev/shm: etcd syncs every write, and a
        // slow disk under a loaded CI machine would delay lease renewals.
        let shm = std::path::Path::new("/dev/shm");
        let base = if shm.is_dir() {
            shm.to_path_buf()
        } else {
            std::env::temp_dir()
        };
        let data_dir = base.join(format!("kit-etcd-{}-{}", std::process::id(), free_port()));
        let mut server = EtcdServer {
            child: None,
            data_dir,
            client_port: free_port(),
            peer_port: free_port(),
        };
        server.run().await;
        server
    }

    /// The client URL: `http://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.client_port)
    }

    /// Stops etcd, by PID, and waits until it has exited.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again, on the same ports and data: a restart.
    pub async fn restart(&mut self) {
        self.stop();
        self.run().await;
    }

    async fn run(&mut self) {
        let client = self.url();
        let peer = format!("http://127.0.0.1:{}", self.peer_port);
        let child = Command::new("etcd")
            .args(["--name", "kit-test"])
            .arg("--data-dir")
            .arg(&self.data_dir)
            .args(["--listen-client-urls", &client])
            .args(["--advertise-client-urls", &client])
            .args(["--listen-peer-urls", &peer])
            .args(["--initial-advertise-peer-urls", &peer])
            .args(["--initial-cluster", &format!("kit-test={peer}")])
            .args(["--log-level", "error"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start etcd ({error}): install Debian's etcd-server, \
                     as .ci/run does"
                )
            });
        self.child = Some(child);
        for _ in 0..300 {
            if self.healthy().await {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("etcd did not become healthy on {}", self.url());
    }

    /// Whether etcd answers `GET /health` with `"health":"true"`.
    async fn healthy(&self) -> bool {
        let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", self.client_port)).await
        else {
            return false;
        };
        let request = b"GET /health HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n";
        if stream.write_all(request).await.is_err() {
            return false;
        }
        let mut response = String::new();
        let read =
            tokio::time::timeout(Duration::from_secs(2), stream.read_to_string(&mut response));
        matches!(read.await, Ok(Ok(_))) && response.contains(r#""health":"true""#)
    }
}

impl Drop for EtcdServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.data_dir);
    }
}

/// A port nothing listens on now: bound, then let go.
pub(crate) fn free_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
    listener.local_addr().expect("local address").port()
}
