//! `kitgen sync`: after the interface changes, generated code follows and
//! the user's impls get stubs for new methods, with nothing else in their
//! files touched. That the result builds is `tests/tests/scaffold.rs`'s job.

mod support;

use predicates::prelude::*;
use support::{Scratch, repo};

const NEW_METHOD: &str = "
    /// Cancels an order.
    #[kit(http(post = \"/orders/{id}/cancel\"))]
    async fn cancel(&self, ctx: &kit::Context, id: String, reason: Reason) -> Result<Order, OrderError>;
}

/// Why an order was cancelled.
#[derive(Clone, Debug, PartialEq, kit::Message)]
pub struct Reason {
    /// In words.
    pub text: String,
}
";

fn add_cancel(scratch: &Scratch) {
    let lib = scratch.read("svc/src/lib.rs");
    let end = lib.rfind('}').unwrap();
    scratch.write(
        "svc/src/lib.rs",
        &format!("{}{}", &lib[..end], NEW_METHOD.trim_start_matches('\n')),
    );
}

#[test]
fn a_new_trait_method_gets_a_stub_and_nothing_else_changes() {
    let scratch = Scratch::new("sync-trait");
    scratch
        .kitgen()
        .args(["new", "svc", "--kit-version", "0.1"])
        .assert()
        .success();
    let before = scratch.read("svc/src/service.rs");
    add_cancel(&scratch);

    scratch
        .kitgen()
        .current_dir(scratch.path().join("svc"))
        .arg("sync")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "added `cancel` to `impl OrderService for BasicOrderService<R>` at src/service.rs:",
        ))
        .stdout(predicate::str::contains("fails with Unimplemented"));
    let after = scratch.read("svc/src/service.rs");
    // The stub goes last in the trait's impl, before its closing brace.
    let impl_start = before
        .find("impl<R: Repository> OrderService for BasicOrderService<R>")
        .unwrap();
    let impl_end = impl_start + before[impl_start..].find("\n}\n").unwrap() + 1;
    assert!(after.starts_with(&before[..impl_end]), "{after}");
    assert!(after.ends_with(&before[impl_end..]), "{after}");
    let stub = &after[impl_end..after.len() - (before.len() - impl_end)];
    assert!(stub.contains("async fn cancel("), "{stub}");
    // `Reason` is not imported in service.rs, so the stub names its path.
    assert!(stub.contains("_reason: crate::Reason"), "{stub}");
    assert!(
        stub.contains("`OrderService::cancel` is not implemented yet"),
        "{stub}"
    );

    // Run again: nothing to do.
    scratch
        .kitgen()
        .args(["sync", "svc"])
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "every impl has every method of its trait",
        ));
    assert_eq!(scratch.read("svc/src/service.rs"), after);
}

#[test]
fn a_proto_change_regenerates_then_adds_stubs() {
    let scratch = Scratch::new("sync-proto");
    scratch
        .kitgen()
        .args(["new", "svc", "--kit-version", "0.1", "--proto"])
        .arg(repo().join("fixtures/order.proto"))
        .assert()
        .success();
    let proto = scratch.read("svc/proto/order.proto").replace(
        "service OrderService {",
        "service OrderService {\n  // Cancels an order.\n  rpc Cancel(CancelRequest) returns (Order);\n",
    ) + "\nmessage CancelRequest {\n  string id = 1;\n}\n";
    scratch.write("svc/proto/order.proto", &proto);
    let crate_dir = scratch.path().join("svc");
    scratch
        .kitgen()
        .current_dir(&crate_dir)
        .arg("check")
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "src/generated/ordersvc.rs is stale",
        ));

    scratch
        .kitgen()
        .current_dir(&crate_dir)
        .arg("sync")
        .assert()
        .success()
        .stdout(predicate::str::contains("wrote src/generated/ordersvc.rs"))
        .stdout(predicate::str::contains(
            "added `cancel` to `impl OrderService for BasicOrderService` at src/service.rs:",
        ));
    let service = scratch.read("svc/src/service.rs");
    assert!(
        service.contains("_request: CancelRequest,\n    ) -> Result<Order, kit::Error> {"),
        "{service}"
    );
    scratch
        .kitgen()
        .current_dir(&crate_dir)
        .arg("check")
        .assert()
        .success();
}

/// A blank scaffold, `svc`, whose trait's `hello` the user renamed `greet`.
fn rename_hello(scratch: &Scratch) {
    scratch
        .kitgen()
        .args(["new", "svc", "--blank", "--kit-version", "0.1"])
        .assert()
        .success();
    let lib = scratch
        .read("svc/src/lib.rs")
        .replace("async fn hello", "async fn greet");
    scratch.write("svc/src/lib.rs", &lib);
}

#[test]
fn methods_the_trait_lost_are_reported() {
    let scratch = Scratch::new("sync-extra");
    rename_hello(&scratch);
    scratch
        .kitgen()
        .args(["sync", "svc"])
        .assert()
        .success()
        .stdout(predicate::str::contains("added `greet`"))
        .stdout(predicate::str::contains(
            "warning: svc/src/service.rs:17: `hello` is not a method of `SvcService`",
        ))
        .stdout(predicate::str::contains("kitgen sync --prune"));
    // Reported, not removed.
    assert!(
        scratch
            .read("svc/src/service.rs")
            .contains("async fn hello")
    );
}

#[test]
fn prune_removes_what_the_trait_lost_and_its_tests_and_says_so() {
    let scratch = Scratch::new("sync-prune");
    rename_hello(&scratch);
    let before_lib = scratch.read("svc/src/lib.rs");
    let output = scratch
        .kitgen()
        .args(["sync", "--prune", "svc"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let said = String::from_utf8(output).unwrap();
    let removals: Vec<&str> = said
        .lines()
        .filter(|line| line.starts_with("removed"))
        .collect();
    assert_eq!(
        removals,
        [
            "removed `hello` from `impl SvcService for BasicSvcService` at svc/src/service.rs:17",
            "removed the test `hello_greets_by_name` (it calls `hello`) at svc/src/service.rs:33",
            "removed the test helper `exercise` (it calls `hello`) at svc/tests/e2e.rs:51",
            "removed the test `hello_over_http_grpc_and_jsonrpc` (it calls `exercise`) at svc/tests/e2e.rs:61",
        ],
        "{said}"
    );
    let service = scratch.read("svc/src/service.rs");
    assert!(!service.contains("hello"), "{service}");
    assert!(service.contains("async fn greet"), "{service}");
    assert!(!scratch.read("svc/tests/e2e.rs").contains("hello"));
    // Nothing else: the trait's file is as the user left it.
    assert_eq!(scratch.read("svc/src/lib.rs"), before_lib);
}

#[test]
fn problems_are_explained() {
    let scratch = Scratch::new("sync-errors");
    scratch
        .kitgen()
        .arg("sync")
        .assert()
        .failure()
        .stderr(predicate::str::contains(". has no src/ directory"))
        .stderr(predicate::str::contains(
            "hint: run `kitgen sync` in the service crate's directory",
        ));

    scratch.write("src/lib.rs", "pub struct Nothing;\n");
    scratch
        .kitgen()
        .arg("sync")
        .assert()
        .failure()
        .stderr(predicate::str::contains("no service trait under src"))
        .stderr(predicate::str::contains("#[kit::service]"));

    scratch.write("src/broken.rs", "fn broken( {\n");
    scratch
        .kitgen()
        .arg("sync")
        .assert()
        .failure()
        .stderr(predicate::str::contains("src/broken.rs:1:"));
}
