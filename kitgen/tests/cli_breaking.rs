//! `kitgen check --breaking`: one test per kind of change that breaks
//! callers, each reported at its line, and changes that only add pass.

use assert_cmd::Command;
use predicates::prelude::*;

/// The baseline: a small service with a message, an error and routes.
const BASE: &str = r#"
/// A thing.
#[derive(Clone, Debug, PartialEq, kit::Message)]
pub struct Thing {
    pub id: String,
    pub size: u32,
    pub tags: Vec<String>,
}

#[derive(Debug, thiserror::Error, kit::Error)]
pub enum ThingError {
    #[error("no such thing")]
    #[kit(code = NotFound)]
    NotFound,
    #[error("taken")]
    #[kit(code = AlreadyExists)]
    Taken,
    #[error(transparent)]
    #[kit(transport)]
    Transport(kit::Error),
}

#[kit::service(package = "things")]
pub trait Things: Send + Sync + 'static {
    #[kit(http(get = "/things/{id}"))]
    async fn get(&self, ctx: &kit::Context, id: String) -> Result<Thing, ThingError>;

    #[kit(http(post = "/things"))]
    async fn put(&self, ctx: &kit::Context, thing: Thing, note: String) -> Result<(), ThingError>;

    #[kit(http(get = "/things"))]
    async fn list(&self, ctx: &kit::Context, prefix: String) -> Result<Vec<Thing>, ThingError>;
}
"#;

/// Runs `kitgen check --breaking base.rs now.rs` on `BASE` and `BASE` with
/// `from` replaced by `to`.
fn check(name: &str, from: &str, to: &str) -> assert_cmd::assert::Assert {
    assert!(BASE.contains(from), "{from}");
    let dir = std::env::temp_dir().join(format!("kitgen-breaking-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("base.rs"), BASE).unwrap();
    std::fs::write(dir.join("now.rs"), BASE.replacen(from, to, 1)).unwrap();
    let assert = Command::cargo_bin("kitgen")
        .unwrap()
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .args(["check", "--breaking", "base.rs", "now.rs"])
        .assert();
    let _ = std::fs::remove_dir_all(&dir);
    assert
}

fn breaks(name: &str, from: &str, to: &str, line: &str) {
    check(name, from, to)
        .failure()
        .stderr(predicate::str::contains(line))
        .stderr(predicate::str::contains(
            "1 change breaks callers since base.rs",
        ));
}

#[test]
fn a_removed_method_breaks() {
    breaks(
        "method",
        "    #[kit(http(get = \"/things\"))]\n    async fn list(&self, ctx: &kit::Context, prefix: String) -> Result<Vec<Thing>, ThingError>;\n",
        "",
        "base.rs:32: method Things.List was removed",
    );
}

#[test]
fn a_removed_field_breaks() {
    breaks(
        "field",
        "    pub tags: Vec<String>,\n",
        "",
        "base.rs:7: field Thing.tags (number 3) was removed",
    );
}

#[test]
fn a_renumbered_field_breaks() {
    // Parameters are numbered in order: swapping two renumbers both.
    let findings = check(
        "renumbered",
        "thing: Thing, note: String",
        "note: String, thing: Thing",
    )
    .failure();
    findings
        .stderr(predicate::str::contains(
            "now.rs:29: field PutRequest.thing was renumbered from 1 to 2",
        ))
        .stderr(predicate::str::contains(
            "field PutRequest.note was renumbered from 2 to 1",
        ));
}

#[test]
fn a_changed_field_type_breaks() {
    breaks(
        "type",
        "pub size: u32,",
        "pub size: String,",
        "now.rs:6: field Thing.size changed type from uint32 to string",
    );
}

#[test]
fn a_changed_route_breaks() {
    breaks(
        "route",
        "get = \"/things/{id}\"",
        "get = \"/v2/things/{id}\"",
        "now.rs:26: route of Get changed from GET /things/{id} to GET /v2/things/{id}",
    );
}

#[test]
fn a_changed_verb_breaks() {
    breaks(
        "verb",
        "post = \"/things\"",
        "put = \"/things\"",
        "now.rs:29: route of Put changed from POST /things to PUT /things",
    );
}

#[test]
fn a_removed_error_variant_breaks() {
    let findings = check(
        "variant",
        "    #[error(\"taken\")]\n    #[kit(code = AlreadyExists)]\n    Taken,\n",
        "",
    )
    .failure();
    findings.stderr(predicate::str::contains(
        "base.rs:17: error variant Taken (of Get, Put, List) was removed (callers match on it)",
    ));
}

#[test]
fn a_parameter_made_required_breaks() {
    breaks(
        "required",
        "thing: Thing, note: String",
        "thing: Thing, #[kit(required)] note: String",
        "now.rs:29: parameter note of Put was made required",
    );
}

#[test]
fn a_changed_package_breaks() {
    breaks(
        "package",
        "package = \"things\"",
        "package = \"things.v2\"",
        "package things changed to things.v2",
    );
}

#[test]
fn additions_pass() {
    let added = "    #[kit(http(get = \"/things\"))]\n    async fn list(&self, ctx: &kit::Context, prefix: String) -> Result<Vec<Thing>, ThingError>;\n\n    #[kit(http(delete = \"/things/{id}\"))]\n    async fn remove(&self, ctx: &kit::Context, id: String, hard: bool) -> Result<(), ThingError>;\n";
    check(
        "additive",
        "    #[kit(http(get = \"/things\"))]\n    async fn list(&self, ctx: &kit::Context, prefix: String) -> Result<Vec<Thing>, ThingError>;\n",
        added,
    )
    .success()
    .stdout(predicate::str::contains(
        "no changes that break callers since base.rs",
    ));
    check(
        "additive-field",
        "    pub tags: Vec<String>,\n",
        "    pub tags: Vec<String>,\n    pub colour: Option<String>,\n",
    )
    .success();
}

#[test]
fn the_baseline_can_be_a_git_revision() {
    let dir = std::env::temp_dir().join(format!("kitgen-breaking-git-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("src")).unwrap();
    let git = |args: &[&str]| {
        let status = std::process::Command::new("git")
            .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
            .args(args)
            .current_dir(&dir)
            .output()
            .unwrap();
        assert!(status.status.success(), "git {args:?}: {status:?}");
    };
    git(&["init", "-q"]);
    std::fs::write(dir.join("src/lib.rs"), BASE).unwrap();
    git(&["add", "."]);
    git(&["commit", "-q", "-m", "base"]);
    std::fs::write(dir.join("src/lib.rs"), BASE.replace("pub size: u32,", "")).unwrap();
    Command::cargo_bin("kitgen")
        .unwrap()
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .args(["check", "--breaking", "HEAD", "src/lib.rs"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "HEAD:src/lib.rs:6: field Thing.size (number 2) was removed",
        ));
    Command::cargo_bin("kitgen")
        .unwrap()
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .args(["check", "--breaking", "no-such-rev", "src/lib.rs"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "cannot read src/lib.rs at no-such-rev",
        ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_proto_is_refused_with_what_to_use() {
    Command::cargo_bin("kitgen")
        .unwrap()
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .env("NO_COLOR", "1")
        .args(["check", "--breaking", "HEAD", "fixtures/addsvc.proto"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is a .proto"))
        .stderr(predicate::str::contains("buf breaking"));
}
