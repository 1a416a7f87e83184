//! The `kitgen` command line.

mod check;
mod generate;
mod new;
mod report;
mod sync;

use std::ffi::OsString;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use syn::ext::IdentExt;

use crate::generate::emit;

pub use new::{Database, NewArgs};
pub use report::{Report, render_errors};

/// Go kit for Rust: endpoints, transports and clients from a service trait.
#[derive(Debug, Parser)]
#[command(name = "kitgen", version, about, long_about = None, after_help = EXAMPLES)]
pub struct Cli {
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Say more about what happens.
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// The command.
    #[command(subcommand)]
    pub command: Command,
}

const EXAMPLES: &str = "\
Examples:
  kitgen new ordersvc                      scaffold the Order service, ready to run
  kitgen new billing --proto billing.proto scaffold the services of a .proto
  kitgen sync                              after changing the interface: regenerate, add stubs
  kitgen generate proto/orders.proto       write src/generated/ from a .proto
  kitgen generate src/api.rs -o src/gen    write the expansion of a #[kit::service] file
  kitgen check                             fail, with a diff, if generated files are stale
  kitgen proto src/lib.rs                  print the .proto of the service in src/lib.rs";

/// What `kitgen` can do.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a service crate that builds, runs and passes its tests as it
    /// is.
    ///
    /// The crate serves its service over HTTP/JSON and gRPC, with
    /// structured logs, Prometheus metrics and health probes on a debug
    /// address, and a graceful shutdown. It has unit tests, an end-to-end
    /// test through both generated clients, a README, a Dockerfile and a
    /// Kubernetes Deployment and Service. By default the service is the
    /// Order service of the Go kit introduction, keeping its orders in
    /// SQLite, or in Postgres when `DATABASE_URL` says so.
    #[command(after_help = "\
Examples:
  kitgen new ordersvc                          the Order service, in ./ordersvc
  kitgen new ordersvc --database postgres      the same, deployed with Postgres
  kitgen new ordersvc --database none          orders in memory, no database code
  kitgen new services/greeter --blank          one method to grow from
  kitgen new catalog --proto api/catalog.proto -I api/vendor
  kitgen new ordersvc --kit-version 0.1        kit from the registry, not this checkout")]
    New(NewArgs),
    /// After the interface changed: regenerate, and add a stub for each new
    /// method to your impls.
    ///
    /// Runs again every `kitgen generate` recorded under the crate, then
    /// finds the service traits under src/ (#[kit::service] traits, and
    /// those generated from a .proto) and every impl of them. An impl that
    /// lacks a method gets a stub that fails with Unimplemented, added at
    /// its end; nothing else in the file changes. Methods an impl has and
    /// its trait no longer does are reported, and with --prune removed,
    /// with the tests that call them.
    #[command(after_help = "\
Examples:
  kitgen sync
  kitgen sync services/ordersvc
  kitgen sync --prune                          also remove methods the trait lost")]
    Sync {
        /// The crate's directory.
        #[arg(default_value = ".")]
        dir: PathBuf,
        /// Remove what the trait lost: each impl method it no longer has,
        /// and each test or test helper (in #[cfg(test)] modules and under
        /// tests/) that calls one. Every removal is listed; nothing else
        /// changes.
        #[arg(long)]
        prune: bool,
    },
    /// Print a shell completion script.
    #[command(after_help = "\
Examples:
  kitgen completions bash > ~/.local/share/bash-completion/completions/kitgen
  kitgen completions zsh > ~/.zfunc/_kitgen
  kitgen completions fish > ~/.config/fish/completions/kitgen.fish")]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Write generated code for a .proto or a Rust file into a directory.
    ///
    /// From a .proto: one file per protobuf package (messages, proto3 JSON,
    /// the service trait, endpoints, HTTP and gRPC servers and clients),
    /// mod.rs to include them, and the descriptor set for reflection. From a
    /// Rust file: the expansion of its #[kit::service] traits and kit
    /// derives, to check in instead of expanding at compile time.
    ///
    /// Every file starts with an @generated line naming the command, which
    /// `kitgen check` runs again. Only files that change are rewritten, and
    /// a file in the way that kitgen did not write is kept unless --force.
    #[command(after_help = "\
Examples:
  kitgen generate proto/orders.proto                 into src/generated/
  kitgen generate proto/orders.proto -I proto/vendor -o src/pb
  kitgen generate src/api.rs -o src/generated")]
    Generate(GenerateArgs),
    /// Exit non-zero, with a diff, when generated files are stale; or,
    /// with --breaking, when a service changed in a way that breaks its
    /// callers.
    ///
    /// Finds every file under the given directories (the current one by
    /// default) whose first line records a `kitgen generate` command, runs
    /// those commands in memory, and compares. Run it from the directory
    /// where `kitgen generate` ran, as CI does.
    ///
    /// With --breaking BASE, compares each named service file with its
    /// baseline (the same path at a git revision, or a saved copy) and
    /// prints one file:line per change that breaks callers: a removed
    /// method, field or error variant; a renumbered field, a renamed one,
    /// or one whose type changed; a changed route or verb; a parameter that
    /// moved or was made required. Additions pass.
    #[command(after_help = "\
Examples:
  kitgen check
  kitgen check src/generated
  kitgen check --breaking origin/main src/lib.rs
  kitgen check --breaking v1-api.rs src/lib.rs    against a saved copy
  kitgen check --breaking origin/main proto/orders.proto -I proto/vendor")]
    Check {
        /// Directories to search for generated files; with --breaking, the
        /// service files (.rs or .proto) to compare.
        #[arg(default_value = ".")]
        dirs: Vec<PathBuf>,
        /// Compare the service files with BASE: a git revision or a saved
        /// copy of the file.
        #[arg(long, value_name = "BASE")]
        breaking: Option<String>,
        /// With --breaking, where .proto imports are found (repeatable);
        /// the file's own directory is always searched.
        #[arg(
            short = 'I',
            long = "include",
            value_name = "DIR",
            requires = "breaking"
        )]
        includes: Vec<PathBuf>,
    },
    /// Print the .proto of the #[kit::service] traits in a Rust file.
    ///
    /// The .proto is what other languages compile to call the service over
    /// gRPC. It is read from the source: the messages the methods use must
    /// be defined in the same file with #[derive(kit::Message)].
    #[command(after_help = "\
Examples:
  kitgen proto fixtures/order.rs
  kitgen proto src/lib.rs --service OrderService
  kitgen proto src/lib.rs -o proto/")]
    Proto {
        /// The Rust file that declares the services.
        file: PathBuf,
        /// Only this service (the trait's name), when the file has several.
        #[arg(long)]
        service: Option<String>,
        /// Write `<package>.proto` files into this directory instead of
        /// printing (one file per package).
        #[arg(short, long, value_name = "DIR")]
        out_dir: Option<PathBuf>,
        /// With -o, replace files that already exist.
        #[arg(long, requires = "out_dir")]
        force: bool,
    },
    /// Print a service's HTTP/JSON API as an OpenAPI 3.1 document.
    ///
    /// The same document the generated router serves at /openapi.json:
    /// every route with its method, path and query parameters, request and
    /// response schemas, each business error variant (of error enums
    /// declared in the file) as a response with its status, and the doc
    /// comments as descriptions. From a Rust file, the schemas are its
    /// kit::Message types as serde writes them; from a .proto, its messages
    /// in protobuf's JSON mapping, routed by their google.api.http rules.
    /// Feed it to an OpenAPI client generator.
    #[command(after_help = "\
Examples:
  kitgen openapi src/lib.rs > openapi.json
  kitgen openapi src/lib.rs --service OrderService --api-version 2.1.0
  kitgen openapi proto/orders.proto -I proto/vendor
  kitgen openapi src/lib.rs | npx openapi-typescript > api.d.ts")]
    Openapi {
        /// The Rust file or .proto that declares the service.
        file: PathBuf,
        /// Only this service (its name), when the file has several.
        #[arg(long)]
        service: Option<String>,
        /// Where .proto imports are found (repeatable); the file's own
        /// directory is always searched.
        #[arg(short = 'I', long = "include", value_name = "DIR")]
        includes: Vec<PathBuf>,
        /// The document's `info.version`; by default the version of the
        /// crate the file is in, as the served document says.
        #[arg(long, value_name = "VERSION")]
        api_version: Option<String>,
    },
}

/// Runs the command line with `args` (the program name first), printing
/// results to stdout and problems to stderr.
pub fn main(args: impl IntoIterator<Item = OsString>) -> ExitCode {
    let cli = match Cli::try_parse_from(args) {
        Ok(cli) => cli,
        Err(error) => {
            let _ = error.print();
            return if error.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    let mut stdout = std::io::stdout().lock();
    match run(&cli, &mut stdout) {
        Ok(()) => ExitCode::SUCCESS,
        Err(report) => {
            let _ = stdout.flush();
            eprint!("{}", report.render(report::use_color()));
            ExitCode::FAILURE
        }
    }
}

/// The arguments of `kitgen generate`.
#[derive(Debug, Clone, clap::Args, PartialEq, Eq)]
pub struct GenerateArgs {
    /// The .proto or .rs file to generate from.
    pub file: PathBuf,
    /// Where to write.
    #[arg(short, long, value_name = "DIR", default_value = "src/generated")]
    pub out_dir: PathBuf,
    /// Where .proto imports are found (repeatable); the file's own
    /// directory is always searched.
    #[arg(short = 'I', long = "include", value_name = "DIR")]
    pub includes: Vec<PathBuf>,
    /// Replace files in the way that kitgen did not write.
    #[arg(long)]
    pub force: bool,
}

/// Runs a parsed command, writing its output to `out`.
pub fn run(cli: &Cli, out: &mut dyn Write) -> Result<(), Report> {
    match &cli.command {
        Command::New(args) => new::run(cli, args, out),
        Command::Sync { dir, prune } => sync::run(cli, dir, *prune, out),
        Command::Completions { shell } => {
            use clap::CommandFactory;
            clap_complete::generate(*shell, &mut Cli::command(), "kitgen", out);
            Ok(())
        }
        Command::Generate(args) => generate::run(cli, args, out),
        Command::Check {
            dirs,
            breaking: Some(base),
            includes,
        } => check::breaking(cli, base, dirs, includes, out),
        Command::Check {
            dirs,
            breaking: None,
            ..
        } => check::run(cli, dirs, out),
        Command::Proto {
            file,
            service,
            out_dir,
            force,
        } => proto(
            cli,
            file,
            service.as_deref(),
            out_dir.as_deref(),
            *force,
            out,
        ),
        Command::Openapi {
            file,
            service,
            includes,
            api_version,
        } => openapi(
            file,
            includes,
            service.as_deref(),
            api_version.as_deref(),
            out,
        ),
    }
}

fn openapi(
    path: &Path,
    includes: &[PathBuf],
    only: Option<&str>,
    version: Option<&str>,
    out: &mut dyn Write,
) -> Result<(), Report> {
    let apis = read_apis(path, includes)?.apis;
    let names: Vec<String> = apis.iter().map(|(file, _)| service_name(file)).collect();
    let mut chosen = apis
        .iter()
        .filter(|(file, _)| only.is_none_or(|only| service_name(file) == only));
    let (schema, api) = match (chosen.next(), chosen.next()) {
        (Some(found), None) => found,
        (None, _) if names.is_empty() => {
            return Err(Report::message(format!(
                "{} declares no #[kit::service] trait",
                path.display()
            ))
            .with_hint("put #[kit::service] on the trait that defines the service"));
        }
        (None, _) => {
            return Err(Report::message(format!(
                "{} has no service named `{}`; it has {}",
                path.display(),
                only.unwrap_or_default(),
                list(&names)
            )));
        }
        (Some(_), Some(_)) => {
            return Err(Report::message(format!(
                "{} declares {} services: {}",
                path.display(),
                names.len(),
                list(&names)
            ))
            .with_hint("pick one with --service NAME"));
        }
    };
    schema
        .validate()
        .map_err(|error| Report::message(format!("{}: {error}", path.display())))?;
    let version = match version {
        Some(version) => version.to_owned(),
        None => crate_version(path).unwrap_or_else(|| "0.0.0".to_owned()),
    };
    let json = api
        .to_openapi(schema, &version)
        .to_pretty_json()
        .map_err(|error| Report::message(format!("cannot write the document: {error}")))?;
    writeln!(out, "{json}")
        .map_err(|error| Report::message(format!("cannot write the output: {error}")))
}

/// The services of a Rust file or a `.proto`, each with its HTTP/JSON API.
pub(super) struct Apis {
    /// Each service's schema (holding just that service) and API.
    pub apis: Vec<(kitgen_schema::File, kitgen_schema::http::Api)>,
    /// The file's text, to point into.
    pub source: String,
}

/// Reads the services of `path`: a Rust file's `#[kit::service]` traits,
/// or a `.proto`'s services (its imports found beside it and in
/// `includes`), with their messages in protobuf's JSON mapping.
pub(super) fn read_apis(path: &Path, includes: &[PathBuf]) -> Result<Apis, Report> {
    if path
        .extension()
        .is_none_or(|extension| extension != "proto")
    {
        let (source, file) = read_rust_file(path)?;
        let apis = crate::proto_export::apis(&file)
            .map_err(|error| Report::from_syn(path, &source, error))?;
        return Ok(Apis { apis, source });
    }
    let source = std::fs::read_to_string(path)
        .map_err(|error| Report::message(format!("cannot read {}: {error}", path.display())))?;
    let search = generate::proto_search_path(path, includes);
    let embedded = crate::model::EmbeddedDescriptors {
        file_name: String::new(),
        in_out_dir: false,
    };
    let (compiled, services) =
        crate::generate::read_services(&[path.to_path_buf()], &search, &embedded)
            .map_err(Report::from_errors)?;
    let bytes = prost::Message::encode_to_vec(&compiled.descriptors);
    let file = kitgen_schema::File::from_descriptor_set(&bytes)
        .map_err(|error| Report::message(format!("{}: {error}", path.display())))?;
    let apis = services
        .iter()
        .map(|service| {
            let mut only = file.clone();
            only.package.clone_from(&service.package);
            only.services
                .retain(|schema| service.name.unraw() == schema.name);
            (only, crate::proto_export::http_api(service, |_| Vec::new()))
        })
        .collect();
    Ok(Apis { apis, source })
}

/// The version of the crate `path` is in: its `Cargo.toml`'s
/// `package.version`, or its workspace's when it says `version.workspace =
/// true`.
fn crate_version(path: &Path) -> Option<String> {
    let mut inherits = false;
    for dir in std::fs::canonicalize(path).ok()?.ancestors().skip(1) {
        let Ok(text) = std::fs::read_to_string(dir.join("Cargo.toml")) else {
            continue;
        };
        let manifest: toml::Table = text.parse().ok()?;
        let version = if inherits {
            manifest
                .get("workspace")
                .and_then(|workspace| workspace.get("package"))
        } else {
            manifest.get("package")
        }
        .and_then(|package| package.get("version"));
        match version {
            Some(toml::Value::String(version)) => return Some(version.clone()),
            Some(toml::Value::Table(version)) if version.get("workspace").is_some() => {
                inherits = true;
            }
            _ if inherits => {}
            _ => return None,
        }
    }
    None
}

pub(super) fn read_rust_file(path: &Path) -> Result<(String, syn::File), Report> {
    let source = std::fs::read_to_string(path)
        .map_err(|error| Report::message(format!("cannot read {}: {error}", path.display())))?;
    let file = syn::parse_file(&source).map_err(|error| Report::from_syn(path, &source, error))?;
    Ok((source, file))
}

fn proto(
    cli: &Cli,
    path: &Path,
    only: Option<&str>,
    out_dir: Option<&Path>,
    force: bool,
    out: &mut dyn Write,
) -> Result<(), Report> {
    let (source, file) = read_rust_file(path)?;
    let mut files = crate::proto_export::schemas(&file)
        .map_err(|error| Report::from_syn(path, &source, error))?;
    if let Some(only) = only {
        let names: Vec<String> = files.iter().map(service_name).collect();
        files.retain(|file| service_name(file) == only);
        if files.is_empty() {
            return Err(Report::message(format!(
                "{} has no service named `{only}`; it has {}",
                path.display(),
                list(&names)
            )));
        }
    }
    match files.len() {
        0 => {
            return Err(Report::message(format!(
                "{} declares no #[kit::service] trait",
                path.display()
            ))
            .with_hint("put #[kit::service] on the trait that defines the service"));
        }
        1 => {}
        _ if out_dir.is_none() => {
            let names: Vec<String> = files.iter().map(service_name).collect();
            return Err(Report::message(format!(
                "{} declares {} services: {}",
                path.display(),
                files.len(),
                list(&names)
            ))
            .with_hint("pick one with --service NAME, or write them all with -o DIR"));
        }
        _ => {}
    }
    // One file per package, rendered in full before anything is written.
    let mut packages: Vec<kitgen_schema::File> = Vec::new();
    for file in files {
        match packages
            .iter_mut()
            .find(|known| known.package == file.package)
        {
            Some(known) => known
                .merge(file)
                .map_err(|error| Report::message(format!("{}: {error}", path.display())))?,
            None => packages.push(file),
        }
    }
    for file in &packages {
        file.validate()
            .map_err(|error| Report::message(format!("{}: {error}", path.display())))?;
    }
    let Some(out_dir) = out_dir else {
        return out
            .write_all(packages[0].to_proto().as_bytes())
            .map_err(|error| Report::message(format!("cannot write the output: {error}")));
    };
    let rendered: Vec<(PathBuf, String)> = packages
        .iter()
        .map(|file| (out_dir.join(file.file_name()), file.to_proto()))
        .collect();
    write_all(cli, &rendered, force, out)
}

/// Writes rendered files: refuses to replace a file with other contents
/// unless `force`, and skips files that are already up to date.
fn write_all(
    cli: &Cli,
    rendered: &[(PathBuf, String)],
    force: bool,
    out: &mut dyn Write,
) -> Result<(), Report> {
    let replaced = emit::replaced(rendered);
    if !replaced.is_empty() && !force {
        let names: Vec<String> = replaced
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        return Err(Report::message(format!(
            "{} already exists with other contents",
            list(&names)
        ))
        .with_hint("pass --force to replace it"));
    }
    let written = emit::write_all(rendered).map_err(|error| Report::message(error.to_string()))?;
    for (target, written) in written {
        match written {
            emit::Written::Changed if !cli.quiet => {
                let _ = writeln!(out, "wrote {}", target.display());
            }
            emit::Written::Unchanged if cli.verbose => {
                let _ = writeln!(out, "unchanged {}", target.display());
            }
            _ => {}
        }
    }
    Ok(())
}

pub(super) fn service_name(file: &kitgen_schema::File) -> String {
    file.services
        .first()
        .map(|service| service.name.clone())
        .unwrap_or_default()
}

fn list(names: &[String]) -> String {
    let quoted: Vec<String> = names.iter().map(|name| format!("`{name}`")).collect();
    if quoted.is_empty() {
        "none".to_owned()
    } else {
        quoted.join(", ")
    }
}

/// The `.rs` files under `dir`, sorted, leaving out hidden directories,
/// `target` and `node_modules`.
pub(crate) fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(dir) = pending.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.filter_map(Result::ok).map(|entry| entry.path()) {
            let name = path
                .file_name()
                .and_then(|name| name.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                if !name.starts_with('.') && name != "target" && name != "node_modules" {
                    pending.push(path);
                }
            } else if path.extension().is_some_and(|extension| extension == "rs") {
                files.push(path);
            }
        }
    }
    files.sort();
    files
}

/// `text` formatted by rustfmt, if it is installed and the text parses.
pub(crate) fn rustfmt(text: &str) -> Option<String> {
    use std::process::{Command, Stdio};
    let mut child = Command::new(std::env::var_os("RUSTFMT").unwrap_or_else(|| "rustfmt".into()))
        .args(["--edition", "2024", "--emit", "stdout", "--quiet"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .ok()?;
    child.stdin.take()?.write_all(text.as_bytes()).ok()?;
    let output = child.wait_with_output().ok()?;
    (output.status.success() && !output.stdout.is_empty())
        .then(|| String::from_utf8(output.stdout).ok())
        .flatten()
}
