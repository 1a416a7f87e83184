//! `kitgen check --breaking`: one test per kind of change that breaks
//! callers, each reported at its line, and changes that only add pass; for
//! a `#[kit::service]` trait and for a `.proto`.

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

/// A `.proto` baseline: a service with HTTP rules, an import beside it
/// (`shared.proto`) and an enum.
const BASE_PROTO: &str = r#"syntax = "proto3";

package shop.v1;

import "google/api/annotations.proto";
import "shared.proto";

service Shop {
  rpc GetItem(GetItemRequest) returns (Item) {
    option (google.api.http) = { get: "/v1/items/{id}" };
  }
  rpc ListItems(ListItemsRequest) returns (ListItemsResponse);
}

message GetItemRequest {
  string id = 1;
}

message Item {
  string id = 1;
  int64 price_cents = 2;
  State state = 3;
  shared.Money price = 4;
}

enum State {
  STATE_UNSPECIFIED = 0;
  STATE_ON_SALE = 1;
  STATE_SOLD_OUT = 2;
}

message ListItemsRequest {
  int32 page_size = 1;
}

message ListItemsResponse {
  repeated Item items = 1;
}
"#;

const SHARED_PROTO: &str = r#"syntax = "proto3";

package shared;

message Money {
  string currency = 1;
  int64 units = 2;
}
"#;

/// Runs `kitgen check --breaking base.proto now.proto` on `BASE_PROTO` and
/// `BASE_PROTO` with `from` replaced by `to`, `shared.proto` beside both.
fn check_proto(name: &str, from: &str, to: &str) -> assert_cmd::assert::Assert {
    assert!(BASE_PROTO.contains(from), "{from}");
    let dir = std::env::temp_dir().join(format!(
        "kitgen-breaking-proto-{name}-{}",
        std::process::id()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("shared.proto"), SHARED_PROTO).unwrap();
    std::fs::write(dir.join("base.proto"), BASE_PROTO).unwrap();
    std::fs::write(dir.join("now.proto"), BASE_PROTO.replacen(from, to, 1)).unwrap();
    let assert = Command::cargo_bin("kitgen")
        .unwrap()
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .args(["check", "--breaking", "base.proto", "now.proto"])
        .assert();
    let _ = std::fs::remove_dir_all(&dir);
    assert
}

#[test]
fn a_proto_removed_rpc_breaks() {
    check_proto(
        "rpc",
        "  rpc ListItems(ListItemsRequest) returns (ListItemsResponse);\n",
        "",
    )
    .failure()
    .stderr(predicate::str::contains(
        "base.proto:12: method Shop.ListItems was removed",
    ))
    .stderr(predicate::str::contains("1 change breaks callers"));
}

#[test]
fn a_proto_renumbered_or_retyped_field_breaks() {
    check_proto(
        "renumbered",
        "int64 price_cents = 2;",
        "int64 price_cents = 5;",
    )
    .failure()
    .stderr(predicate::str::contains(
        "now.proto:21: field shop.v1.Item.price_cents was renumbered from 2 to 5",
    ));
    check_proto(
        "retyped",
        "int64 price_cents = 2;",
        "double price_cents = 2;",
    )
    .failure()
    .stderr(predicate::str::contains(
        "now.proto:21: field shop.v1.Item.price_cents changed type from int64 to double",
    ));
    // A field of an imported message that the service uses breaks too.
    check_proto("imported", "shared.Money price = 4;", "string price = 4;")
        .failure()
        .stderr(predicate::str::contains(
            "field shop.v1.Item.price changed type from shared.Money to string",
        ));
}

#[test]
fn a_proto_renamed_field_or_removed_enum_value_breaks() {
    check_proto("renamed", "int64 price_cents = 2;", "int64 cents = 2;")
        .failure()
        .stderr(predicate::str::contains(
            "now.proto:21: field shop.v1.Item.price_cents was renamed to cents",
        ));
    check_proto("enum", "  STATE_SOLD_OUT = 2;\n", "")
        .failure()
        .stderr(predicate::str::contains(
            "base.proto:29: enum value shop.v1.State.STATE_SOLD_OUT was removed",
        ));
}

#[test]
fn a_proto_changed_http_rule_breaks() {
    check_proto(
        "rule",
        "get: \"/v1/items/{id}\"",
        "post: \"/v1/items/{id}\"",
    )
    .failure()
    .stderr(predicate::str::contains(
        "now.proto:9: route of GetItem changed from GET /v1/items/{id} to POST \
             /v1/items/{id}",
    ));
}

#[test]
fn a_proto_with_only_additions_passes() {
    check_proto(
        "additive",
        "  int32 page_size = 1;\n",
        "  int32 page_size = 1;\n  string page_token = 2;\n",
    )
    .success()
    .stdout(predicate::str::contains(
        "no changes that break callers since base.proto",
    ));
    check_proto(
        "additive-rpc",
        "  rpc ListItems(ListItemsRequest) returns (ListItemsResponse);\n",
        "  rpc ListItems(ListItemsRequest) returns (ListItemsResponse);\n  rpc CountItems(ListItemsRequest) returns (ListItemsResponse);\n",
    )
    .success();
}

#[test]
fn a_proto_baseline_that_does_not_compile_says_so() {
    let dir =
        std::env::temp_dir().join(format!("kitgen-breaking-proto-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("shared.proto"), SHARED_PROTO).unwrap();
    std::fs::write(
        dir.join("base.proto"),
        BASE_PROTO.replace("message Item {", "message Item"),
    )
    .unwrap();
    std::fs::write(dir.join("now.proto"), BASE_PROTO).unwrap();
    Command::cargo_bin("kitgen")
        .unwrap()
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .args(["check", "--breaking", "base.proto", "now.proto"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "the baseline base.proto does not compile",
        ));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_variant_removed_from_one_methods_error_type_breaks_that_method() {
    // Two error types with a `NotFound` each: removing one is a break for
    // its method, though the other method still has its own.
    let base = r#"
#[derive(Debug, thiserror::Error, kit::Error)]
pub enum ReadError {
    #[error("missing")]
    #[kit(code = NotFound)]
    NotFound,
    #[error(transparent)]
    #[kit(transport)]
    Transport(kit::Error),
}

#[derive(Debug, thiserror::Error, kit::Error)]
pub enum WriteError {
    #[error("missing")]
    #[kit(code = NotFound)]
    NotFound,
    #[error(transparent)]
    #[kit(transport)]
    Transport(kit::Error),
}

#[kit::service(package = "files")]
pub trait Files: Send + Sync + 'static {
    #[kit(http(get = "/files/{name}"))]
    async fn read(&self, ctx: &kit::Context, name: String) -> Result<String, ReadError>;

    #[kit(http(put = "/files/{name}"))]
    async fn write(&self, ctx: &kit::Context, name: String, text: String) -> Result<(), WriteError>;
}
"#;
    let now = base.replacen(
        "pub enum WriteError {\n    #[error(\"missing\")]\n    #[kit(code = NotFound)]\n    NotFound,\n",
        "pub enum WriteError {\n",
        1,
    );
    assert_ne!(now, base);
    let dir = std::env::temp_dir().join(format!("kitgen-breaking-variant-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("base.rs"), base).unwrap();
    std::fs::write(dir.join("now.rs"), now).unwrap();
    let assert = Command::cargo_bin("kitgen")
        .unwrap()
        .current_dir(&dir)
        .env("NO_COLOR", "1")
        .args(["check", "--breaking", "base.rs", "now.rs"])
        .assert();
    let _ = std::fs::remove_dir_all(&dir);
    assert
        .failure()
        .stderr(predicate::str::contains(
            "error variant NotFound (of Write) was removed",
        ))
        .stderr(predicate::str::contains("1 change breaks callers"));
}
