//! `kitgen new`: what it writes for each kind of service, and every way it
//! refuses. That the crates it writes build, run and pass their tests is
//! `tests/tests/scaffold.rs`'s job.

mod support;

use predicates::prelude::*;
use support::{Scratch, repo};

/// Every file of a new crate, except the generated ones, as one text.
fn crate_text(scratch: &Scratch, dir: &str) -> String {
    scratch
        .files(dir)
        .iter()
        .filter(|file| !file.starts_with("src/generated/"))
        .map(|file| format!("===== {file}\n{}", scratch.read(&format!("{dir}/{file}"))))
        .collect::<Vec<_>>()
        .join("\n")
}

/// What every kind of service has.
const SERVICE_FILES: [&str; 11] = [
    ".dockerignore",
    ".github/workflows/ci.yml",
    ".gitignore",
    "Cargo.toml",
    "Dockerfile",
    "README.md",
    "deploy/kubernetes.yaml",
    "src/lib.rs",
    "src/main.rs",
    "src/service.rs",
    "tests/e2e.rs",
];

/// What the Order service on a database has: [`SERVICE_FILES`] and its
/// schema, its SQL and the build script that watches the schema.
fn order_files() -> Vec<&'static str> {
    let mut files = SERVICE_FILES.to_vec();
    files.extend([
        "build.rs",
        "migrations/0001_create_orders.sql",
        "src/database.rs",
        "src/repository.rs",
    ]);
    files.sort_unstable();
    files
}

#[test]
fn the_order_service_by_default() {
    let scratch = Scratch::new("new-order");
    let mut assert = scratch
        .kitgen()
        .args(["new", "ordersvc", "--kit-version", "0.1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("created `ordersvc` in ordersvc"))
        .stdout(predicate::str::contains("cd ordersvc"))
        .stdout(predicate::str::contains("cargo run"));
    for file in order_files() {
        assert = assert.stdout(predicate::str::contains(format!("  {file}\n")));
    }
    assert_eq!(scratch.files("ordersvc"), order_files());
    insta::assert_snapshot!("order", crate_text(&scratch, "ordersvc"));
}

/// `--database postgres` has the same code as SQLite's; what differs is
/// what it needs at start-up and how it is deployed.
#[test]
fn the_order_service_on_postgres() {
    let scratch = Scratch::new("new-order-postgres");
    for (dir, database) in [("sqlite", "sqlite"), ("postgres", "postgres")] {
        scratch
            .kitgen()
            .args(["new", dir, "--name", "ordersvc", "--kit-version", "0.1"])
            .args(["--database", database])
            .assert()
            .success();
    }
    assert_eq!(scratch.files("postgres"), order_files());
    let mut differ = Vec::new();
    for file in order_files() {
        let postgres = scratch.read(&format!("postgres/{file}"));
        if postgres != scratch.read(&format!("sqlite/{file}")) {
            differ.push(format!("===== {file}\n{postgres}"));
        }
    }
    insta::assert_snapshot!("order_postgres", differ.join("\n"));
}

/// `--database none` keeps orders in memory, with no SQL anywhere.
#[test]
fn the_order_service_in_memory() {
    let scratch = Scratch::new("new-order-memory");
    scratch
        .kitgen()
        .args([
            "new",
            "ordersvc",
            "--kit-version",
            "0.1",
            "--database",
            "none",
        ])
        .assert()
        .success();
    let mut files = SERVICE_FILES.to_vec();
    files.insert(9, "src/repository.rs");
    assert_eq!(scratch.files("ordersvc"), files);
    let text = crate_text(&scratch, "ordersvc");
    assert!(!text.contains("sqlx") && !text.contains("DATABASE_URL"));
    insta::assert_snapshot!("order_in_memory", text);
}

#[test]
fn only_the_order_service_has_a_database() {
    let scratch = Scratch::new("new-database-blank");
    for kind in ["--blank", "--proto=order.proto"] {
        scratch
            .kitgen()
            .args(["new", "svc", kind, "--database", "postgres"])
            .assert()
            .failure()
            .stderr(predicate::str::contains("cannot be used with"));
    }
    assert!(!scratch.path().join("svc").exists());
}

/// `echo 'dep = "1"' >> Cargo.toml` must not join two lines.
#[test]
fn every_file_of_every_kind_ends_with_a_newline() {
    let scratch = Scratch::new("new-newlines");
    let proto = repo().join("fixtures/order.proto");
    let proto = proto.to_str().unwrap();
    for (dir, kind) in [("a", None), ("b", Some("--blank")), ("c", Some("--proto"))] {
        let mut args = vec!["new", dir, "--kit-version", "0.1"];
        args.extend(kind);
        if kind == Some("--proto") {
            args.push(proto);
        }
        scratch.kitgen().args(&args).assert().success();
        for file in scratch.files(dir) {
            if file.ends_with(".bin") {
                continue;
            }
            let text = scratch.read(&format!("{dir}/{file}"));
            assert!(text.ends_with('\n'), "{dir}/{file} ends without a newline");
        }
    }
}

#[test]
fn a_blank_service_is_named_after_the_crate() {
    let scratch = Scratch::new("new-blank");
    scratch
        .kitgen()
        .args([
            "new",
            "services/greeter-svc",
            "--blank",
            "--kit-version",
            "0.1",
        ])
        .assert()
        .success();
    assert_eq!(scratch.files("services/greeter-svc"), SERVICE_FILES);
    let lib = scratch.read("services/greeter-svc/src/lib.rs");
    assert!(lib.contains("pub trait GreeterService"), "{lib}");
    insta::assert_snapshot!("blank", crate_text(&scratch, "services/greeter-svc"));
}

#[test]
fn a_proto_service_copies_the_proto_and_its_imports_and_generates_from_them() {
    let scratch = Scratch::new("new-proto");
    let protos = repo().join("tests/proto");
    scratch
        .kitgen()
        .args(["new", "catalog", "--kit-version", "0.1", "--proto"])
        .arg(protos.join("acme/catalog/v1/catalog.proto"))
        .arg("-I")
        .arg(&protos)
        .assert()
        .success()
        .stdout(predicate::str::contains("src/generated/acme.catalog.v1.rs"));
    let files = scratch.files("catalog");
    for file in [
        "proto/catalog.proto",
        "proto/acme/common/v1/money.proto",
        "src/generated/mod.rs",
        "src/generated/acme.catalog.v1.rs",
        "src/generated/file_descriptor_set.bin",
    ] {
        assert!(files.iter().any(|known| known == file), "{file}: {files:?}");
    }
    assert!(scratch.read("catalog/src/generated/mod.rs").starts_with(
        "// @generated by `kitgen generate proto/catalog.proto -I proto -o src/generated`"
    ));
    // What was generated is what its recorded command generates.
    scratch
        .kitgen()
        .current_dir(scratch.path().join("catalog"))
        .arg("check")
        .assert()
        .success();
    insta::assert_snapshot!("proto", crate_text(&scratch, "catalog"));
}

#[test]
fn kit_comes_from_this_checkout_unless_told_otherwise() {
    let scratch = Scratch::new("new-kit");
    scratch.kitgen().args(["new", "a"]).assert().success();
    let runtime = std::fs::canonicalize(repo().join("runtime")).unwrap();
    let manifest = scratch.read("a/Cargo.toml");
    assert!(
        manifest.contains(&format!(
            "kit = {{ package = \"kitgen-runtime\", path = \"{}\" }}",
            runtime.display()
        )),
        "{manifest}"
    );

    scratch
        .kitgen()
        .args(["new", "b", "--kit-path"])
        .arg(repo().join("runtime"))
        .assert()
        .success();
    assert!(
        scratch
            .read("b/Cargo.toml")
            .contains(&runtime.display().to_string())
    );

    scratch
        .kitgen()
        .args(["new", "c", "--kit-path", "."])
        .assert()
        .failure()
        .stderr(predicate::str::contains("is not the kit runtime"))
        .stderr(predicate::str::contains(
            "hint: check the path given to --kit-path",
        ));
    assert!(!scratch.path().join("c").exists());

    scratch
        .kitgen()
        .args(["new", "d", "--kit-path", ".", "--kit-version", "1"])
        .assert()
        .code(2);
}

#[test]
fn bad_names_are_refused_with_a_fix() {
    let scratch = Scratch::new("new-names");
    scratch
        .kitgen()
        .args(["new", "Order Service"])
        .assert()
        .failure()
        .stderr(predicate::str::contains(
            "`Order Service` is not a valid crate name",
        ))
        .stderr(predicate::str::contains(
            "hint: try `kitgen new order-service`",
        ));
    scratch
        .kitgen()
        .args(["new", "here", "--name", "fn"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("reserved"))
        .stderr(predicate::str::contains("hint: try --name fnsvc"));
    scratch
        .kitgen()
        .args(["new", "2fast"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("must start with a letter"))
        .stderr(predicate::str::contains("try `kitgen new fast`"));
    assert!(scratch.files(".").is_empty());
}

#[test]
fn a_directory_with_files_needs_force_and_keeps_the_others() {
    let scratch = Scratch::new("new-force");
    scratch.write("ordersvc/NOTES.md", "mine\n");
    scratch.write("ordersvc/src/lib.rs", "// mine\n");
    scratch
        .kitgen()
        .args(["new", "ordersvc", "--kit-version", "0.1"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("ordersvc exists and is not empty"))
        .stderr(predicate::str::contains(
            "pass --force to write into it: it would replace `ordersvc/src/lib.rs`, and keep every other file",
        ));
    assert_eq!(scratch.files("ordersvc"), ["NOTES.md", "src/lib.rs"]);

    scratch
        .kitgen()
        .args(["new", "ordersvc", "--kit-version", "0.1", "--force"])
        .assert()
        .success();
    assert_eq!(scratch.read("ordersvc/NOTES.md"), "mine\n");
    assert!(
        scratch
            .read("ordersvc/src/lib.rs")
            .contains("pub trait OrderService")
    );

    scratch.write("file", "");
    scratch
        .kitgen()
        .args(["new", "file", "--force"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("file is a file, not a directory"));
}

#[test]
fn a_broken_proto_writes_nothing() {
    let scratch = Scratch::new("new-bad-proto");
    scratch.write("bad.proto", "syntax = \"proto3\";\nmessage {\n");
    scratch
        .kitgen()
        .args(["new", "svc", "--proto", "bad.proto"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("bad.proto:2:"));
    scratch.write("none.proto", "syntax = \"proto3\";\nmessage M {}\n");
    scratch
        .kitgen()
        .args(["new", "svc", "--proto", "none.proto"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("defines no service"));
    scratch
        .kitgen()
        .args(["new", "svc", "--proto", "missing.proto"])
        .assert()
        .failure()
        .stderr(predicate::str::contains("missing.proto"));
    assert!(!scratch.path().join("svc").exists());
    scratch
        .kitgen()
        .args(["new", "svc", "--blank", "--proto", "none.proto"])
        .assert()
        .code(2);
}

#[test]
fn quiet_prints_nothing() {
    let scratch = Scratch::new("new-quiet");
    scratch
        .kitgen()
        .args(["-q", "new", "svc", "--kit-version", "0.1"])
        .assert()
        .success()
        .stdout("");
}

#[test]
fn every_command_has_examples_in_its_help() {
    let scratch = Scratch::new("help");
    for command in ["new", "sync", "generate", "check", "proto", "completions"] {
        scratch
            .kitgen()
            .args([command, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Examples:\n  kitgen "));
    }
}

#[test]
fn completions_cover_every_command() {
    let scratch = Scratch::new("completions");
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let output = scratch
            .kitgen()
            .args(["completions", shell])
            .output()
            .unwrap();
        assert!(output.status.success(), "{shell}");
        let script = String::from_utf8(output.stdout).unwrap();
        for command in ["new", "sync", "generate", "check"] {
            assert!(script.contains(command), "{shell} lacks {command}");
        }
    }
    scratch
        .kitgen()
        .args(["completions", "tcsh"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("possible values"));
}

#[test]
fn inside_a_workspace_that_does_not_list_it_the_crate_stands_alone() {
    let scratch = Scratch::new("new-workspace");
    scratch.write(
        "Cargo.toml",
        "[workspace]\nmembers = [\"listed\", \"services/*\"]\n",
    );
    scratch
        .kitgen()
        .args(["new", "alone", "--kit-version", "0.1"])
        .assert()
        .success()
        .stdout(predicate::str::contains("is inside the cargo workspace at"));
    assert!(scratch.read("alone/Cargo.toml").contains("\n[workspace]\n"));
    for member in ["listed", "services/member"] {
        scratch
            .kitgen()
            .args(["new", member, "--kit-version", "0.1"])
            .assert()
            .success()
            .stdout(predicate::str::contains("workspace").not());
        assert!(
            !scratch
                .read(&format!("{member}/Cargo.toml"))
                .contains("[workspace]")
        );
    }
}

/// The body of the CI workflow's step named `step`: its `run: |` lines,
/// unindented.
fn workflow_step(workflow: &str, step: &str) -> String {
    let mut lines = workflow
        .lines()
        .skip_while(|line| !line.ends_with(&format!("name: {step}")))
        .skip_while(|line| !line.trim_start().starts_with("run: |"));
    let run = lines.next().unwrap_or_else(|| panic!("no step {step}"));
    let indent = run.len() - run.trim_start().len();
    lines
        .take_while(|line| line.len() - line.trim_start().len() > indent)
        .map(|line| line.trim_start())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Runs the scaffold's CI step "No change breaks callers" in `dir`, a git
/// repository whose `origin/main` is its first commit, as a pull request
/// against main.
fn pull_request_check(dir: &std::path::Path) -> std::process::Output {
    let workflow = std::fs::read_to_string(dir.join(".github/workflows/ci.yml")).unwrap();
    let script = workflow_step(&workflow, "No change breaks callers");
    assert!(script.contains("kitgen check --breaking"), "{script}");
    let kitgen = assert_cmd::cargo::cargo_bin("kitgen");
    let path = format!(
        "{}:{}",
        kitgen.parent().unwrap().display(),
        std::env::var("PATH").unwrap_or_default()
    );
    std::process::Command::new("bash")
        .args(["-euc", &script])
        .current_dir(dir)
        .env("PATH", path)
        .env("GITHUB_BASE_REF", "main")
        .env("NO_COLOR", "1")
        .output()
        .unwrap()
}

fn git(dir: &std::path::Path, args: &[&str]) {
    let output = std::process::Command::new("git")
        .args(["-c", "user.name=t", "-c", "user.email=t@example.com"])
        .args(args)
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(output.status.success(), "git {args:?}: {output:?}");
}

#[test]
fn the_ci_workflow_fails_a_pull_request_that_breaks_callers() {
    let scratch = Scratch::new("new-ci");
    let proto = repo().join("fixtures/order.proto");
    scratch
        .kitgen()
        .args(["new", "traitsvc", "--kit-version", "0.1"])
        .assert()
        .success();
    scratch
        .kitgen()
        .args(["new", "protosvc", "--kit-version", "0.1", "--proto"])
        .arg(&proto)
        .assert()
        .success();
    for (name, interface, from, to, finding) in [
        (
            "traitsvc",
            "src/lib.rs",
            "    pub restaurant_id: String,\n",
            "",
            "field Order.restaurant_id (number 5) was removed",
        ),
        (
            "protosvc",
            "proto/order.proto",
            "string restaurant_id = 5;",
            "string restaurant_id = 7;",
            "field ordersvc.Order.restaurant_id was renumbered from 5 to 7",
        ),
    ] {
        let dir = scratch.path().join(name);
        git(&dir, &["init", "-q", "-b", "main"]);
        git(&dir, &["add", "."]);
        git(&dir, &["commit", "-q", "-m", "scaffold"]);
        git(&dir, &["update-ref", "refs/remotes/origin/main", "HEAD"]);
        let passed = pull_request_check(&dir);
        assert!(passed.status.success(), "{name}: {passed:?}");
        let file = dir.join(interface);
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(text.contains(from), "{name}: {from}");
        std::fs::write(&file, text.replacen(from, to, 1)).unwrap();
        let failed = pull_request_check(&dir);
        let stderr = String::from_utf8_lossy(&failed.stderr);
        assert!(!failed.status.success(), "{name} passed:\n{stderr}");
        assert!(stderr.contains(finding), "{name}: {finding} in:\n{stderr}");
    }
}
