//! The scaffold's container build is self-contained: every `COPY` of its
//! Dockerfile's build stage takes a file of the crate's own directory that
//! `.dockerignore` lets through, and the crate's dependency on the kit
//! runtime resolves from that context alone, whether the runtime comes from
//! the registry or, made from a checkout, from `vendor/`.

mod support;

use std::path::Path;

use support::Scratch;

/// The sources of the Dockerfile's `COPY`s from the build context (not
/// from another stage).
fn copied_sources(dockerfile: &str) -> Vec<String> {
    dockerfile
        .lines()
        .filter_map(|line| line.strip_prefix("COPY "))
        .filter(|args| !args.starts_with("--from"))
        .flat_map(|args| {
            let words: Vec<&str> = args.split_whitespace().collect();
            words[..words.len() - 1]
                .iter()
                .map(|word| (*word).to_owned())
                .collect::<Vec<_>>()
        })
        .collect()
}

/// Checks the crate at `dir`: each `COPY` source exists (a glob may match
/// nothing, as `Cargo.lock*` before the first build) and `.dockerignore`
/// lets it through. Returns the sources.
fn check_context(dir: &Path) -> Vec<String> {
    let dockerfile = std::fs::read_to_string(dir.join("Dockerfile")).unwrap();
    let ignore = std::fs::read_to_string(dir.join(".dockerignore")).unwrap();
    let sources = copied_sources(&dockerfile);
    assert!(!sources.is_empty(), "{dockerfile}");
    for source in &sources {
        let (name, glob) = match source.strip_suffix('*') {
            Some(name) => (name, true),
            None => (source.as_str(), false),
        };
        assert!(
            glob || dir.join(name).exists(),
            "COPY {source}: no such file in the context"
        );
        assert!(
            ignore.lines().any(|line| line == format!("!{name}")),
            ".dockerignore leaves out {name}:\n{ignore}"
        );
    }
    // The build stage has the toolchain; the image runs as a user.
    assert!(dockerfile.contains("FROM rust:"), "{dockerfile}");
    assert!(dockerfile.contains("USER 65534"), "{dockerfile}");
    assert!(dockerfile.contains("COPY --from=build "), "{dockerfile}");
    sources
}

/// Copies what the Dockerfile copies from `dir` into a new directory
/// `into`, as a build context would.
fn copy_context(dir: &Path, sources: &[String], into: &Path) {
    std::fs::create_dir_all(into).unwrap();
    for source in sources {
        let name = source.trim_end_matches('*');
        let from = dir.join(name);
        if !from.exists() {
            continue;
        }
        let status = std::process::Command::new("cp")
            .arg("-R")
            .arg(&from)
            .arg(into.join(name))
            .status()
            .unwrap();
        assert!(status.success());
    }
}

/// Runs cargo with `args` in `dir`, offline (every dependency is in this
/// machine's cache, from building kitgen itself), and returns what it
/// printed.
fn cargo(dir: &Path, args: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO"))
        .current_dir(dir)
        .args(args)
        .arg("--offline")
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "cargo {args:?} in {}: {}",
        dir.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[test]
fn with_the_registrys_runtime_the_context_is_the_crate() {
    let scratch = Scratch::new("container-registry");
    scratch
        .kitgen()
        .args(["new", "ordersvc", "--kit-version", "0.1.0"])
        .assert()
        .success();
    let dir = scratch.path().join("ordersvc");
    let sources = check_context(&dir);
    assert!(!sources.iter().any(|source| source == "vendor"));
    let manifest: toml::Table = scratch.read("ordersvc/Cargo.toml").parse().unwrap();
    let kit = &manifest["dependencies"]["kit"];
    assert_eq!(kit["package"].as_str(), Some("kitgen-runtime"));
    assert_eq!(kit["version"].as_str(), Some("0.1.0"));
    assert!(kit.get("path").is_none() && manifest.get("patch").is_none());
}

#[test]
fn from_a_checkout_the_dockerfile_says_to_vendor_the_runtime() {
    let scratch = Scratch::new("container-checkout");
    scratch
        .kitgen()
        .args(["new", "ordersvc"])
        .assert()
        .success();
    check_context(&scratch.path().join("ordersvc"));
    let dockerfile = scratch.read("ordersvc/Dockerfile");
    assert!(
        dockerfile.contains("kitgen new --vendor-kit --force ."),
        "{dockerfile}"
    );
}

#[test]
fn a_vendored_runtime_resolves_from_the_context_alone() {
    let scratch = Scratch::new("container-vendored");
    scratch
        .kitgen()
        .args(["new", "ordersvc", "--vendor-kit"])
        .assert()
        .success()
        .stdout(predicates::str::contains("packaging the kit runtime"));
    let dir = scratch.path().join("ordersvc");
    let sources = check_context(&dir);
    assert!(sources.iter().any(|source| source == "vendor"));

    // Only what the build stage copies, somewhere else: nothing else can
    // be reached.
    let context = scratch.path().join("context");
    copy_context(&dir, &sources, &context);
    // Resolving is enough: downloading is the registry's part.
    cargo(&context, &["generate-lockfile"]);
    let vendor = std::fs::canonicalize(&context).unwrap().join("vendor");
    for name in ["kitgen-runtime", "kitgen-macros", "kitgen", "kitgen-schema"] {
        let id = cargo(&context, &["pkgid", name]);
        let expected = format!("path+file://{}/{name}-", vendor.display());
        assert!(id.starts_with(&expected), "{name} is {id}");
    }

    // Vendoring again replaces what is there.
    scratch
        .kitgen()
        .args(["new", "ordersvc", "--vendor-kit", "--force"])
        .assert()
        .success();
}
