//! A real NATS server (Debian's `nats-server`, which `.ci/run` installs) on
//! 127.0.0.1, on a port of its own, stopped by PID when dropped.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::etcd_server::free_port;

/// One NATS server.
pub struct NatsServer {
    child: Option<Child>,
    port: u16,
}

impl NatsServer {
    /// Starts a NATS server and waits until it accepts connections.
    pub async fn start() -> NatsServer {
        let mut server = NatsServer {
            child: None,
            port: free_port(),
        };
        server.run().await;
        server
    }

    /// Its address, as async-nats and nats-py take it:
    /// `nats://127.0.0.1:PORT`.
    pub fn url(&self) -> String {
        format!("nats://127.0.0.1:{}", self.port)
    }

    /// A connection to it that keeps trying to reconnect for as long as
    /// it lives, as a service's would.
    pub async fn connect(&self) -> async_nats::Client {
        async_nats::ConnectOptions::new()
            .retry_on_initial_connect()
            .connect(self.url())
            .await
            .expect("connect to NATS")
    }

    /// Serves `methods` through it with [`kit::Server`], in the
    /// background, on a connection of their own; they answer once this
    /// returns.
    pub async fn serve(&self, methods: kit::nats::Methods) {
        let subscriptions = methods
            .subscribe(&self.connect().await)
            .await
            .expect("subscribe");
        tokio::spawn(async move {
            kit::Server::new()
                .nats(subscriptions)
                .run_until(std::future::pending())
                .await
                .expect("serve NATS");
        });
    }

    /// Stops it, by PID, and waits until it has exited.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port: a restart.
    pub async fn restart(&mut self) {
        self.stop();
        self.run().await;
    }

    async fn run(&mut self) {
        // Debian installs it in /usr/sbin, which a user's PATH may lack.
        let program = ["/usr/sbin/nats-server", "/usr/bin/nats-server"]
            .into_iter()
            .find(|path| std::path::Path::new(path).exists())
            .unwrap_or("nats-server");
        let child = Command::new(program)
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "cannot start nats-server ({error}): install Debian's nats-server, \
                     as .ci/run does"
                )
            });
        self.child = Some(child);
        for _ in 0..200 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port))
                .await
                .is_ok()
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("nats-server did not listen on {}", self.url());
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.stop();
    }
}
