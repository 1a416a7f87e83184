//! How long the `kitgen` binary takes, process start to exit: `kitgen new`,
//! and `kitgen generate` on a 50-method service, from a Rust trait and from
//! a .proto. The budget for each is 1 s; the ratio printed is the median
//! against it (below 1 is within budget).
//!
//! `cargo bench -p kitgen --bench cli`; `cargo test --benches` runs each
//! case once as a smoke test.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

const BUDGET: Duration = Duration::from_secs(1);
const METHODS: usize = 50;

fn main() {
    let smoke = !std::env::args().any(|arg| arg == "--bench");
    let runs = if smoke { 1 } else { 15 };
    let dir = std::env::temp_dir().join(format!("kitgen-bench-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("svc.rs"), rust_service()).unwrap();
    std::fs::write(dir.join("svc.proto"), proto_service()).unwrap();

    println!(
        "{:<44} {:>9} {:>9} {:>13}",
        "command", "median", "max", "median/budget"
    );
    let cases: [(&str, &[&str]); 4] = [
        (
            "kitgen new ordersvc",
            &["new", "ordersvc", "--kit-version", "0.1"],
        ),
        (
            "kitgen new --proto (50 methods)",
            &[
                "new",
                "protosvc",
                "--kit-version",
                "0.1",
                "--proto",
                "svc.proto",
            ],
        ),
        (
            "kitgen generate svc.rs (50 methods)",
            &["generate", "svc.rs", "-o", "out-rs"],
        ),
        (
            "kitgen generate svc.proto (50 methods)",
            &["generate", "svc.proto", "-o", "out-proto"],
        ),
    ];
    for (name, args) in cases {
        let mut times: Vec<Duration> = (0..runs)
            .map(|_| {
                clean(&dir);
                time(&dir, args)
            })
            .collect();
        times.sort();
        let median = times[times.len() / 2];
        let max = times[times.len() - 1];
        println!(
            "{name:<44} {:>7.0}ms {:>7.0}ms {:>13.3}",
            median.as_secs_f64() * 1000.0,
            max.as_secs_f64() * 1000.0,
            median.as_secs_f64() / BUDGET.as_secs_f64()
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Removes what the previous run wrote, so that every run writes in full.
fn clean(dir: &Path) {
    for output in ["ordersvc", "protosvc", "out-rs", "out-proto"] {
        let _ = std::fs::remove_dir_all(dir.join(output));
    }
}

fn time(dir: &Path, args: &[&str]) -> Duration {
    let started = Instant::now();
    let output = Command::new(binary())
        .args(["-q"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    let elapsed = started.elapsed();
    assert!(
        output.status.success(),
        "kitgen {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    elapsed
}

fn binary() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_kitgen"))
}

/// A `#[kit::service]` trait of 50 methods over a few messages, with HTTP
/// bindings on some.
fn rust_service() -> String {
    let mut text = String::from(
        "/// An item.\n#[derive(Clone, Debug, PartialEq, kit::Message)]\npub struct Item {\n    /// Its id.\n    pub id: String,\n    /// Its tags.\n    pub tags: Vec<String>,\n    /// How many.\n    pub count: i64,\n}\n\n/// A service of many methods.\n#[kit::service(package = \"big\")]\npub trait Big: Send + Sync + 'static {\n",
    );
    for index in 0..METHODS {
        let binding = if index % 3 == 0 {
            format!("    #[kit(http(get = \"/items{index}/{{id}}\"))]\n")
        } else {
            String::new()
        };
        text.push_str(&format!(
            "    /// Method {index}.\n{binding}    async fn method_{index}(&self, ctx: &kit::Context, id: String, item: Item, limit: u32) -> Result<Vec<Item>, kit::Error>;\n"
        ));
    }
    text.push_str("}\n");
    text
}

/// The same service as a .proto.
fn proto_service() -> String {
    let mut text = String::from(
        "syntax = \"proto3\";\npackage big;\nimport \"google/api/annotations.proto\";\n\nmessage Item {\n  string id = 1;\n  repeated string tags = 2;\n  int64 count = 3;\n}\n\nservice Big {\n",
    );
    for index in 0..METHODS {
        let binding = if index % 3 == 0 {
            format!(
                " {{\n    option (google.api.http) = {{ get: \"/items{index}/{{id}}\" }};\n  }}"
            )
        } else {
            ";".to_owned()
        };
        text.push_str(&format!(
            "  // Method {index}.\n  rpc Method{index}(Method{index}Request) returns (Method{index}Response){binding}\n"
        ));
    }
    text.push_str("}\n");
    for index in 0..METHODS {
        text.push_str(&format!(
            "\nmessage Method{index}Request {{\n  string id = 1;\n  Item item = 2;\n  uint32 limit = 3;\n}}\n\nmessage Method{index}Response {{\n  repeated Item items = 1;\n}}\n"
        ));
    }
    text
}
