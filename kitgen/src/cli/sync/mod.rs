//! `kitgen sync`: after the interface changed, regenerate what kitgen
//! generates and add a stub for every new method to the impls of the
//! service traits, leaving the rest of the user's code as it is.

mod prune;
pub(crate) mod stubs;

use std::collections::HashMap;
use std::io::Write;
use std::path::{Path, PathBuf};

use clap::Parser;
use syn::visit::Visit;

use self::stubs::KnownTrait;
use super::{Cli, Command, Report};
use crate::generate::{self, emit};

/// Regenerates, then adds stubs; with `prune`, removes what the traits
/// lost.
pub(super) fn run(cli: &Cli, dir: &Path, prune: bool, out: &mut dyn Write) -> Result<(), Report> {
    // `src`, not `./src`, in what the command prints.
    let src = if dir == Path::new(".") {
        PathBuf::from("src")
    } else {
        dir.join("src")
    };
    if !src.is_dir() {
        return Err(Report::message(format!("{} has no src/ directory", dir.display()))
            .with_hint("run `kitgen sync` in the service crate's directory, or name it: `kitgen sync path/to/crate`"));
    }
    regenerate(cli, dir, out)?;

    let sources = super::rust_files(&src);
    let mut parsed = Vec::new();
    for path in &sources {
        let text = std::fs::read_to_string(path)
            .map_err(|error| Report::message(format!("cannot read {}: {error}", path.display())))?;
        let file = syn::parse_file(&text).map_err(|error| Report::from_syn(path, &text, error))?;
        let generated = text
            .lines()
            .next()
            .and_then(generate::recorded_command)
            .is_some();
        parsed.push((path.clone(), text, file, generated));
    }
    let included = included_modules(&src, &parsed);
    let mut traits: Vec<KnownTrait> = Vec::new();
    for (path, _, file, generated) in &parsed {
        let module = included
            .get(path)
            .cloned()
            .unwrap_or_else(|| module_of(&src, path));
        traits.extend(stubs::traits_in(file, &module, *generated));
    }
    if traits.is_empty() {
        return Err(Report::message(format!(
            "no service trait under {}",
            src.display()
        ))
        .with_hint("put #[kit::service] on the trait, or generate one from a .proto with `kitgen generate`"));
    }

    let mut added = 0;
    let mut implemented: Vec<String> = Vec::new();
    let mut gone: Vec<(String, String)> = Vec::new();
    for (path, text, _, generated) in &parsed {
        if *generated {
            continue;
        }
        let synced =
            stubs::sync_file(text, &traits).map_err(|error| Report::from_syn(path, text, error))?;
        implemented.extend(synced.implemented);
        for extra in &synced.extra {
            if !prune {
                let _ = writeln!(
                    out,
                    "warning: {}:{}: `{}` is not a method of `{}`; delete it, move it to an impl of its own, \
                     or run `kitgen sync --prune`",
                    path.display(),
                    extra.line,
                    extra.method,
                    extra.trait_name
                );
            }
            gone.push((extra.trait_name.clone(), extra.method.clone()));
        }
        let Some(new_source) = synced.new_source else {
            continue;
        };
        emit::write_all(&[(path.clone(), new_source)])
            .map_err(|error| Report::message(error.to_string()))?;
        for stub in &synced.added {
            added += 1;
            if !cli.quiet {
                let _ = writeln!(
                    out,
                    "added `{}` to `impl {} for {}` at {}:{}; it fails with Unimplemented until you write it",
                    stub.method,
                    stub.trait_name,
                    stub.self_type,
                    path.display(),
                    stub.line
                );
            }
        }
    }
    for known in &traits {
        if !implemented.contains(&known.name) && !cli.quiet {
            let _ = writeln!(
                out,
                "note: nothing under {} implements `{}`",
                src.display(),
                known.name
            );
        }
    }
    if added == 0 && !cli.quiet {
        let _ = writeln!(out, "every impl has every method of its trait");
    }
    if prune && !gone.is_empty() {
        prune_crate(cli, dir, &src, &gone, out)?;
    }
    Ok(())
}

/// Removes the methods `gone` from the impls under `src`, and the test code
/// that calls them there and under `tests/`, saying what went.
fn prune_crate(
    cli: &Cli,
    dir: &Path,
    src: &Path,
    gone: &[(String, String)],
    out: &mut dyn Write,
) -> Result<(), Report> {
    let mut files: Vec<(PathBuf, prune::FileKind)> = super::rust_files(src)
        .into_iter()
        .map(|path| (path, prune::FileKind::Source))
        .collect();
    // `tests`, not `./tests`, in what the command prints, as for `src`.
    let tests = if dir == Path::new(".") {
        PathBuf::from("tests")
    } else {
        dir.join("tests")
    };
    files.extend(
        super::rust_files(&tests)
            .into_iter()
            .map(|path| (path, prune::FileKind::Test)),
    );
    for (path, kind) in files {
        let text = std::fs::read_to_string(&path)
            .map_err(|error| Report::message(format!("cannot read {}: {error}", path.display())))?;
        if text
            .lines()
            .next()
            .and_then(generate::recorded_command)
            .is_some()
        {
            continue;
        }
        let pruned = prune::prune_file(&text, gone, kind)
            .map_err(|error| Report::from_syn(&path, &text, error))?;
        let Some(new_source) = pruned.new_source else {
            continue;
        };
        emit::write_all(&[(path.clone(), new_source)])
            .map_err(|error| Report::message(error.to_string()))?;
        if !cli.quiet {
            for removed in &pruned.removed {
                let _ = writeln!(
                    out,
                    "removed {} at {}:{}",
                    removed.what,
                    path.display(),
                    removed.line
                );
            }
        }
    }
    Ok(())
}

/// A type as its author would write it, for messages and to compare impls:
/// `BasicOrderService<R>` rather than the tokens' `BasicOrderService < R >`.
fn type_name(ty: &syn::Type) -> String {
    use quote::ToTokens;
    ty.to_token_stream()
        .to_string()
        .replace(" < ", "<")
        .replace("< ", "<")
        .replace(" <", "<")
        .replace(" >", ">")
        .replace(" ,", ",")
        .replace(" :: ", "::")
        .replace(":: ", "::")
        .replace("& ", "&")
}

/// Runs again every `kitgen generate` recorded under `dir`, with its paths
/// taken from `dir`.
fn regenerate(cli: &Cli, dir: &Path, out: &mut dyn Write) -> Result<(), Report> {
    for command in super::check::recorded_commands(dir) {
        let words = shlex::split(&command).unwrap_or_default();
        let Ok(Command::Generate(mut args)) =
            Cli::try_parse_from(&words).map(|parsed| parsed.command)
        else {
            return Err(Report::message(format!(
                "cannot read the recorded command `{command}`"
            )));
        };
        let rebase = |path: &mut PathBuf| {
            if path.is_relative() && dir != Path::new(".") {
                *path = dir.join(&*path);
            }
        };
        rebase(&mut args.file);
        rebase(&mut args.out_dir);
        args.includes.iter_mut().for_each(rebase);
        if cli.verbose {
            let _ = writeln!(out, "running `{command}`");
        }
        super::generate::write(cli, &args, &command, out)?;
    }
    Ok(())
}

/// The module a file is, from its place under `src`: `crate`,
/// `crate::service`, `crate::generated`.
fn module_of(src: &Path, path: &Path) -> String {
    let relative = path.strip_prefix(src).unwrap_or(path);
    let mut parts = vec!["crate".to_owned()];
    let components: Vec<String> = relative
        .components()
        .map(|component| component.as_os_str().to_string_lossy().into_owned())
        .collect();
    for (index, component) in components.iter().enumerate() {
        let last = index + 1 == components.len();
        if !last {
            parts.push(component.clone());
        } else if !(matches!(component.as_str(), "mod.rs")
            || (index == 0 && matches!(component.as_str(), "lib.rs" | "main.rs")))
        {
            parts.push(component.trim_end_matches(".rs").to_owned());
        }
    }
    parts.join("::")
}

/// The modules of files that others `include!`, as the generated `mod.rs`
/// does: `src/generated/ordersvc.rs` is `crate::generated::ordersvc`.
fn included_modules(
    src: &Path,
    parsed: &[(PathBuf, String, syn::File, bool)],
) -> HashMap<PathBuf, String> {
    struct Includes<'a> {
        dir: &'a Path,
        module: Vec<String>,
        found: &'a mut HashMap<PathBuf, String>,
    }
    impl<'ast> Visit<'ast> for Includes<'_> {
        fn visit_item_mod(&mut self, item: &'ast syn::ItemMod) {
            self.module.push(item.ident.to_string());
            syn::visit::visit_item_mod(self, item);
            self.module.pop();
        }

        fn visit_macro(&mut self, mac: &'ast syn::Macro) {
            if mac.path.is_ident("include")
                && let Ok(file) = mac.parse_body::<syn::LitStr>()
            {
                self.found
                    .insert(self.dir.join(file.value()), self.module.join("::"));
            }
        }
    }
    let mut found = HashMap::new();
    for (path, _, file, _) in parsed {
        let dir = path.parent().unwrap_or(src);
        let mut includes = Includes {
            dir,
            module: vec![module_of(src, path)],
            found: &mut found,
        };
        includes.visit_file(file);
    }
    found
}
