//! A real Postgres (Debian's `postgresql`, which `.ci/run` installs) on
//! 127.0.0.1, on a port of its own, with a data directory made by `initdb`
//! in a temporary directory, stopped by PID when dropped. Postgres refuses
//! to run as root: as root, it runs as `nobody`.

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use crate::etcd_server::free_port;

/// The user and group Postgres runs as when the tests run as root:
/// `nobody` and `nogroup`.
const NOBODY: u32 = 65534;

/// One Postgres server, with its data.
pub struct PostgresServer {
    child: Option<Child>,
    /// Holds `data/` and the server's socket.
    dir: PathBuf,
    port: u16,
    bin: PathBuf,
}

impl PostgresServer {
    /// Makes a database cluster with `initdb`, starts Postgres on it, and
    /// waits until it accepts connections.
    pub async fn start() -> PostgresServer {
        let bin = bin_dir();
        // Not /dev/shm, which a container may keep small: the writes are
        // not synced (`fsync=off`), so a disk costs little.
        let dir = std::env::temp_dir().join(format!(
            "kit-postgres-{}-{}",
            std::process::id(),
            free_port()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        if as_root() {
            std::os::unix::fs::chown(&dir, Some(NOBODY), Some(NOBODY)).unwrap();
        }
        let initdb = unprivileged(&bin.join("initdb"))
            .args([
                "--auth=trust",
                "--username=postgres",
                "--encoding=UTF8",
                "--locale=C",
            ])
            .arg("--pgdata")
            .arg(dir.join("data"))
            .current_dir(&dir)
            .output()
            .unwrap_or_else(|error| {
                panic!("cannot run initdb ({error}): install Debian's postgresql, as .ci/run does")
            });
        assert!(
            initdb.status.success(),
            "initdb failed:\n{}{}",
            String::from_utf8_lossy(&initdb.stdout),
            String::from_utf8_lossy(&initdb.stderr)
        );
        let mut server = PostgresServer {
            child: None,
            dir,
            port: free_port(),
            bin,
        };
        server.run().await;
        server
    }

    /// The URL of its `postgres` database, as sqlx takes it.
    pub fn url(&self) -> String {
        format!("postgres://postgres@127.0.0.1:{}/postgres", self.port)
    }

    /// Stops it, by PID, with a fast shutdown (SIGINT: connections are
    /// closed, transactions rolled back), and waits until it has exited.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = Command::new("kill")
                .args(["-INT", &child.id().to_string()])
                .status();
            let _ = child.wait();
        }
    }

    /// Starts it again on the same port and data: a restart.
    pub async fn restart(&mut self) {
        self.stop();
        self.run().await;
    }

    async fn run(&mut self) {
        let log = std::fs::File::create(self.dir.join("log")).unwrap();
        let child = unprivileged(&self.bin.join("postgres"))
            .arg("-D")
            .arg(self.dir.join("data"))
            .args(["-h", "127.0.0.1", "-p", &self.port.to_string()])
            .arg("-k")
            .arg(&self.dir)
            // Durability is not what these tests are about.
            .args(["-c", "fsync=off", "-c", "full_page_writes=off"])
            .current_dir(&self.dir)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start postgres");
        self.child = Some(child);
        for _ in 0..400 {
            if let Some(exited) = self
                .child
                .as_mut()
                .and_then(|child| child.try_wait().unwrap())
            {
                panic!("postgres exited ({exited}): {}", self.log());
            }
            let ready = Command::new(self.bin.join("pg_isready"))
                .args([
                    "-h",
                    "127.0.0.1",
                    "-p",
                    &self.port.to_string(),
                    "-U",
                    "postgres",
                ])
                .stdout(Stdio::null())
                .status()
                .is_ok_and(|status| status.success());
            if ready {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!(
            "postgres did not accept connections at {}: {}",
            self.url(),
            self.log()
        );
    }

    /// What it has logged.
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.join("log")).unwrap_or_default()
    }
}

impl Drop for PostgresServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// Where Debian keeps the server's programs: `/usr/lib/postgresql/15/bin`,
/// the newest version there.
fn bin_dir() -> PathBuf {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|entry| {
            let version = entry.file_name().to_str()?.parse().ok()?;
            Some((version, entry.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("postgres").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin).expect(
        "no /usr/lib/postgresql/*/bin/postgres: install Debian's postgresql, as .ci/run does",
    )
}

fn as_root() -> bool {
    std::fs::metadata("/proc/self").is_ok_and(|process| process.uid() == 0)
}

/// `program`, run as `nobody` when this process is root.
fn unprivileged(program: &Path) -> Command {
    if as_root() {
        let mut command = Command::new("setpriv");
        command
            .args([
                "--reuid",
                &NOBODY.to_string(),
                "--regid",
                &NOBODY.to_string(),
            ])
            .arg("--clear-groups")
            .arg(program);
        command
    } else {
        Command::new(program)
    }
}
