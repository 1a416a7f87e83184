//! `kitgen new`: a service crate that builds, runs and passes its tests as
//! it is.
//!
//! Every file is rendered in memory first (askama templates from
//! `templates/new/`, the generated code of a `--proto` scaffold, the
//! copied .proto files), then formatted with rustfmt when it is installed,
//! and only then written.

mod name;
mod templates;
mod vendor;

use std::io::Write;
use std::path::{Path, PathBuf};

use heck::{ToSnakeCase, ToUpperCamelCase};

use self::templates::{Kind, Scaffold, ScaffoldMethod, ScaffoldService};
use super::{Cli, Report};
use crate::generate::{self, OutputMode, emit};
use crate::model::{EmbeddedDescriptors, HttpMethod, HttpRule, Service};

/// The arguments of `kitgen new`.
#[derive(Debug, Clone, clap::Args, PartialEq, Eq)]
pub struct NewArgs {
    /// Where to create the crate; its last component names the crate
    /// unless --name says otherwise.
    pub path: PathBuf,
    /// The crate's name.
    #[arg(long)]
    pub name: Option<String>,
    /// Start from a one-method service instead of the Order service.
    #[arg(long, conflicts_with = "proto")]
    pub blank: bool,
    /// Start from the services of a .proto instead of a Rust trait. The
    /// .proto (and what it imports) is copied into proto/.
    #[arg(long, value_name = "FILE")]
    pub proto: Option<PathBuf>,
    /// Where the .proto's imports are found (repeatable); its own directory
    /// is always searched.
    #[arg(short = 'I', long = "include", value_name = "DIR", requires = "proto")]
    pub includes: Vec<PathBuf>,
    /// Depend on the kit runtime at this path [default: the runtime of the
    /// kitgen checkout this binary was built from; for a kitgen installed
    /// from the registry, the runtime of the same version from there].
    #[arg(long, value_name = "DIR", conflicts_with = "kit_version")]
    pub kit_path: Option<PathBuf>,
    /// Depend on this version of the kit runtime (`kitgen-runtime`) from
    /// the registry.
    #[arg(long, value_name = "VERSION")]
    pub kit_version: Option<String>,
    /// Package the kit runtime (and the kitgen crates it needs) from the
    /// kitgen checkout this binary was built from into vendor/, and depend
    /// on it there: the crate then builds from its own directory alone, as
    /// its Dockerfile does. Needs cargo.
    #[arg(long, conflicts_with_all = ["kit_path", "kit_version"])]
    pub vendor_kit: bool,
    /// Where the Order service keeps its orders [default: sqlite]. Either
    /// database works with either choice, as `DATABASE_URL` says at
    /// start-up; this picks the default and the deployment files.
    #[arg(long, value_enum, conflicts_with_all = ["blank", "proto"])]
    pub database: Option<Database>,
    /// Write into a directory that is not empty, replacing the files the
    /// scaffold has and keeping the others.
    #[arg(long)]
    pub force: bool,
}

/// Where the Order service keeps its orders: `kitgen new --database`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Database {
    /// SQLite in a file next to the service, made at start-up: serves with
    /// no set-up.
    Sqlite,
    /// Postgres (or CockroachDB), at `DATABASE_URL`, which it needs.
    Postgres,
    /// In memory, gone when the process stops; no database code.
    None,
}

impl Database {
    fn name(self) -> &'static str {
        match self {
            Database::Sqlite => "sqlite",
            Database::Postgres => "postgres",
            Database::None => "",
        }
    }
}

/// Renders the crate, then writes it.
pub(super) fn run(cli: &Cli, args: &NewArgs, out: &mut dyn Write) -> Result<(), Report> {
    let name = crate_name(args)?;
    if args.path.is_file() {
        return Err(Report::message(format!(
            "{} is a file, not a directory",
            args.path.display()
        )));
    }
    let kit = kit_dependency(args, &checkout_runtime())?;
    let files: Vec<(PathBuf, Vec<u8>)> = render(&name, kit, args)?
        .into_iter()
        .map(|(path, contents)| (args.path.join(path), contents))
        .collect();
    if !args.force && is_non_empty_dir(&args.path) {
        let replaced: Vec<String> = emit::replaced(&files)
            .iter()
            .map(|path| path.display().to_string())
            .collect();
        let what = if replaced.is_empty() {
            "it would replace no file".to_owned()
        } else {
            format!("it would replace {}", super::list(&replaced))
        };
        return Err(Report::message(format!(
            "{} exists and is not empty",
            args.path.display()
        ))
        .with_hint(format!(
            "pick a new directory, or pass --force to write into it: {what}, and keep every other file"
        )));
    }
    let packaged = if args.vendor_kit {
        if !cli.quiet {
            let _ = writeln!(out, "packaging the kit runtime for vendor/ ...");
        }
        Some(vendor::package(&checkout_runtime())?)
    } else {
        None
    };
    emit::write_all(&files).map_err(|error| Report::message(error.to_string()))?;
    if let Some(packaged) = packaged {
        packaged.unpack_into(&args.path)?;
    }
    if !cli.quiet {
        let color = super::report::use_color_on_stdout();
        if let Some(workspace) = enclosing_workspace(&args.path) {
            let _ = writeln!(
                out,
                "note: {} is inside the cargo workspace at {}; the new crate is a workspace of its own (see its Cargo.toml)",
                args.path.display(),
                workspace.display()
            );
        }
        let (bold, reset) = if color {
            ("\x1b[1m", "\x1b[0m")
        } else {
            ("", "")
        };
        let _ = writeln!(
            out,
            "{bold}created{reset} `{name}` in {}",
            args.path.display()
        );
        for (path, _) in &files {
            let relative = path.strip_prefix(&args.path).unwrap_or(path);
            let _ = writeln!(out, "  {}", relative.display());
        }
        let _ = writeln!(
            out,
            "\nNext:\n  cd {}\n  cargo run     # HTTP on 127.0.0.1:8080, gRPC on 127.0.0.1:9090, metrics on 127.0.0.1:9100\n  cargo test",
            shell_word(&args.path.display().to_string()),
        );
    }
    Ok(())
}

/// The crate's name, checked.
fn crate_name(args: &NewArgs) -> Result<String, Report> {
    let name = match &args.name {
        Some(name) => name.clone(),
        None => args
            .path
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .ok_or_else(|| {
                Report::message(format!("{} does not end in a name", args.path.display()))
                    .with_hint("name the crate with --name")
            })?,
    };
    name::check(&name).map_err(|(problem, suggestion)| {
        let report = Report::message(problem);
        match suggestion {
            Some(fixed) if args.name.is_some() => report.with_hint(format!("try --name {fixed}")),
            Some(fixed) => report.with_hint(format!(
                "try `kitgen new {}`, or keep the directory and pass --name {fixed}",
                args.path.with_file_name(&fixed).display()
            )),
            None => report
                .with_hint("a crate name is letters, digits, `-` and `_`, starting with a letter"),
        }
    })?;
    Ok(name)
}

fn is_non_empty_dir(path: &Path) -> bool {
    std::fs::read_dir(path).is_ok_and(|mut entries| entries.next().is_some())
}

/// The directory of the cargo workspace `path` would be inside without
/// being one of its members, if any: such a crate fails to build, so the
/// new crate becomes a workspace of its own. A member is listed by its path
/// or by a `dir/*` glob, or left out by `exclude`.
fn enclosing_workspace(path: &Path) -> Option<PathBuf> {
    let absolute = std::path::absolute(path).ok()?;
    let (dir, workspace) = absolute.ancestors().skip(1).find_map(|dir| {
        let workspace = manifest(dir)?.remove("workspace")?;
        Some((dir, workspace))
    })?;
    let relative = absolute
        .strip_prefix(dir)
        .ok()?
        .to_string_lossy()
        .replace('\\', "/");
    let parent_glob = relative
        .rsplit_once('/')
        .map_or_else(|| "*".to_owned(), |(parent, _)| format!("{parent}/*"));
    let names = |key: &str| -> Vec<String> {
        workspace
            .get(key)
            .and_then(toml::Value::as_array)
            .map(|names| {
                names
                    .iter()
                    .filter_map(|name| name.as_str())
                    .map(|name| name.trim_end_matches('/').to_owned())
                    .collect()
            })
            .unwrap_or_default()
    };
    let members = names("members");
    let listed = members
        .iter()
        .any(|member| *member == relative || *member == parent_glob)
        || names("exclude").contains(&relative);
    (!listed).then(|| dir.to_path_buf())
}

/// The `Cargo.toml` in `dir`, parsed, if there is one that parses.
fn manifest(dir: &Path) -> Option<toml::Table> {
    std::fs::read_to_string(dir.join("Cargo.toml"))
        .ok()?
        .parse()
        .ok()
}

/// Where the runtime is when this kitgen was built from a checkout.
fn checkout_runtime() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../runtime")
}

/// Where the new crate's `kit` dependency comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct KitDependency {
    /// The value of `kit = ...` in Cargo.toml.
    pub toml: String,
    /// How it is reached.
    pub source: KitSource,
}

/// How a new crate reaches the kit runtime.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum KitSource {
    /// A version from the registry.
    Registry,
    /// A directory outside the crate.
    Path,
    /// Packaged into the crate's vendor/.
    Vendored,
}

/// The new crate's `kit` dependency: `--kit-version`, `--kit-path`,
/// `--vendor-kit`, or by default the runtime next to `checkout_runtime` if
/// this kitgen was built from a checkout, and otherwise (installed from the
/// registry) the runtime of kitgen's own version.
fn kit_dependency(args: &NewArgs, checkout_runtime: &Path) -> Result<KitDependency, Report> {
    let by_version = |version: &str, source| KitDependency {
        toml: format!(
            "{{ package = \"kitgen-runtime\", version = {} }}",
            toml_string(version)
        ),
        source,
    };
    if let Some(version) = &args.kit_version {
        return Ok(by_version(version, KitSource::Registry));
    }
    if args.vendor_kit {
        if !is_runtime(checkout_runtime) {
            return Err(Report::message(
                "--vendor-kit packages the runtime of a kitgen checkout, and this kitgen was not built from one",
            )
            .with_hint(format!(
                "depend on the registry's runtime instead: --kit-version {}",
                env!("CARGO_PKG_VERSION")
            )));
        }
        let exact = format!("={}", env!("CARGO_PKG_VERSION"));
        return Ok(by_version(&exact, KitSource::Vendored));
    }
    let path = match &args.kit_path {
        Some(path) => path.clone(),
        None if !is_runtime(checkout_runtime) => {
            return Ok(by_version(env!("CARGO_PKG_VERSION"), KitSource::Registry));
        }
        None => checkout_runtime.to_path_buf(),
    };
    if !is_runtime(&path) {
        return Err(Report::message(format!(
            "{} is not the kit runtime (no Cargo.toml of kitgen-runtime there)",
            path.display()
        ))
        .with_hint("check the path given to --kit-path"));
    }
    let path = std::fs::canonicalize(&path)
        .map_err(|error| Report::message(format!("cannot resolve {}: {error}", path.display())))?;
    Ok(KitDependency {
        toml: format!(
            "{{ package = \"kitgen-runtime\", path = {} }}",
            toml_string(&path.display().to_string())
        ),
        source: KitSource::Path,
    })
}

/// Whether `dir` holds the kit runtime's manifest.
fn is_runtime(dir: &Path) -> bool {
    manifest(dir)
        .and_then(|manifest| {
            let name = manifest.get("package")?.get("name")?.as_str()?.to_owned();
            Some(name == "kitgen-runtime")
        })
        .unwrap_or(false)
}

/// A TOML basic string.
fn toml_string(text: &str) -> String {
    let mut quoted = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => quoted.push_str("\\\""),
            '\\' => quoted.push_str("\\\\"),
            c if c.is_control() => quoted.push_str(&format!("\\u{:04x}", c as u32)),
            c => quoted.push(c),
        }
    }
    quoted.push('"');
    quoted
}

fn shell_word(text: &str) -> String {
    shlex::try_quote(text).map_or_else(|_| text.to_owned(), |quoted| quoted.into_owned())
}

/// Every file of the crate, in memory, relative to its directory.
fn render(
    name: &str,
    kit: KitDependency,
    args: &NewArgs,
) -> Result<Vec<(PathBuf, Vec<u8>)>, Report> {
    let lib = name.replace('-', "_");
    let mut scaffold = Scaffold {
        name: name.to_owned(),
        env: lib.to_uppercase(),
        dns_name: name.to_lowercase().replace('_', "-"),
        package: lib.clone(),
        lib_path: lib.clone(),
        lib,
        description: String::new(),
        kit_dependency: kit.toml,
        kit_from_path: kit.source == KitSource::Path,
        kit_vendored: kit.source == KitSource::Vendored,
        stem: String::new(),
        services: Vec::new(),
        proto_file: String::new(),
        packages: Vec::new(),
        curl_example: String::new(),
        jsonrpc_example: String::new(),
        kitgen_version: env!("CARGO_PKG_VERSION").to_owned(),
        interface: "src/lib.rs".to_owned(),
        interface_args: "src/lib.rs".to_owned(),
        order: false,
        database: String::new(),
        repository: String::new(),
        enclosing_workspace: enclosing_workspace(&args.path)
            .map(|dir| dir.display().to_string())
            .unwrap_or_default(),
    };
    let mut extra: Vec<(PathBuf, Vec<u8>)> = Vec::new();
    let kind = if let Some(proto) = &args.proto {
        extra = from_proto(&mut scaffold, proto, &args.includes)?;
        Kind::Proto
    } else if args.blank {
        blank(&mut scaffold);
        Kind::Blank
    } else {
        order(&mut scaffold, args.database.unwrap_or(Database::Sqlite));
        Kind::Order
    };
    if scaffold
        .services
        .iter()
        .any(|service| service.module == scaffold.lib)
    {
        scaffold.lib_path = format!("::{}", scaffold.lib);
    }
    let rendered = templates::render(&scaffold, kind)
        .map_err(|error| Report::message(format!("cannot render the templates: {error}")))?;
    let mut files: Vec<(PathBuf, Vec<u8>)> = rendered
        .into_iter()
        .map(|(path, text)| {
            let text = if path.ends_with(".rs") {
                super::rustfmt(&text).unwrap_or(text)
            } else {
                text
            };
            (PathBuf::from(path), text.into_bytes())
        })
        .collect();
    files.extend(extra);
    files.sort_by(|a, b| a.0.cmp(&b.0));
    Ok(files)
}

fn order(s: &mut Scaffold, database: Database) {
    s.description =
        "The Order service of the Go kit introduction: place, fetch and update orders.".to_owned();
    s.order = true;
    let constructor = match database {
        Database::None => {
            s.repository = "InMemoryRepository".to_owned();
            "BasicOrderService::new(InMemoryRepository::new())"
        }
        Database::Sqlite | Database::Postgres => {
            s.database = database.name().to_owned();
            s.repository = "SqlRepository".to_owned();
            "BasicOrderService::new(repository.clone())"
        }
    };
    s.services.push(ScaffoldService {
        trait_name: "OrderService".to_owned(),
        module: "order_service".to_owned(),
        impl_name: "BasicOrderService".to_owned(),
        constructor: constructor.to_owned(),
        var: "endpoints".to_owned(),
        methods: Vec::new(),
    });
    s.curl_example = [
        "id=$(curl -s localhost:8080/orders -H 'content-type: application/json' \\",
        "  -d '{\"id\":\"\",\"customer_id\":\"c-1\",\"status\":\"\",\"created_on\":0,\"restaurant_id\":\"r-1\",\"order_items\":[{\"product_code\":\"p-1\",\"name\":\"Pizza\",\"unit_price\":9.5,\"quantity\":2}]}' | tr -d '\"')",
        "curl -s localhost:8080/orders/$id",
        "curl -s -X PUT localhost:8080/orders/$id/status -H 'content-type: application/json' -d '{\"status\":\"Preparing\"}'",
        "curl -sN localhost:8080/orders/$id/changes -H 'accept: text/event-stream'   # streams until Delivered or Cancelled",
    ]
    .join("\n");
    s.jsonrpc_example =
        r#"{"jsonrpc":"2.0","method":"OrderService.get_by_id","params":{"id":"'"$id"'"},"id":1}"#
            .to_owned();
}

fn blank(s: &mut Scaffold) {
    let lib = s.lib.as_str();
    let stem = ["_service", "service", "_svc", "svc"]
        .iter()
        .find_map(|suffix| lib.strip_suffix(suffix).filter(|stem| !stem.is_empty()))
        .unwrap_or(lib)
        .to_upper_camel_case();
    let trait_name = format!("{stem}Service");
    s.description = format!("The {stem} service.");
    s.services.push(ScaffoldService {
        module: trait_name.to_snake_case(),
        impl_name: format!("Basic{trait_name}"),
        constructor: format!("Basic{trait_name}::new()"),
        trait_name,
        var: "endpoints".to_owned(),
        methods: Vec::new(),
    });
    s.jsonrpc_example = format!(
        r#"{{"jsonrpc":"2.0","method":"{trait_name}.hello","params":{{"name":"Ada"}},"id":1}}"#,
        trait_name = s.services[0].trait_name
    );
    s.stem = stem;
    s.curl_example =
        "curl -s localhost:8080/hello -H 'content-type: application/json' -d '{\"name\":\"Ada\"}'"
            .to_owned();
}

/// Reads the services of `proto`, and renders what `kitgen generate` would
/// write for it and the copies of the .proto files.
fn from_proto(
    s: &mut Scaffold,
    proto: &Path,
    includes: &[PathBuf],
) -> Result<Vec<(PathBuf, Vec<u8>)>, Report> {
    let search = super::generate::proto_search_path(proto, includes);
    let embedded = EmbeddedDescriptors {
        file_name: String::new(),
        in_out_dir: false,
    };
    let (compiled, services) = generate::read_services(&[proto.to_path_buf()], &search, &embedded)
        .map_err(Report::from_errors)?;
    let main_name = compiled.files.first().cloned().unwrap_or_default();
    s.proto_file = format!("proto/{main_name}");
    s.interface.clone_from(&s.proto_file);
    s.interface_args = format!("{} -I proto", s.proto_file);

    // The .proto and what it imports, at the same names under proto/.
    let mut files = Vec::new();
    for file in &compiled.descriptors.file {
        let name = file.name();
        if name.starts_with("google/") {
            continue;
        }
        let Some(source) = search
            .iter()
            .map(|dir| dir.join(name))
            .find(|path| path.is_file())
        else {
            continue;
        };
        let text = std::fs::read(&source).map_err(|error| {
            Report::message(format!("cannot read {}: {error}", source.display()))
        })?;
        files.push((Path::new("proto").join(name), text));
    }

    // What `kitgen generate` makes, recorded with the command that remakes
    // it from the copies.
    let command = format!("kitgen generate {} -I proto -o src/generated", s.proto_file);
    let generated = generate::from_proto(
        &[proto.to_path_buf()],
        &search,
        OutputMode::Source,
        &generate::header(&command),
    )
    .map_err(Report::from_errors)?;
    for file in generated {
        files.push((Path::new("src/generated").join(file.path), file.contents));
    }

    let many = services.len() > 1;
    for service in &services {
        let package = generate::package_module(&service.package);
        if !s.packages.contains(&package) {
            s.packages.push(package);
        }
        s.services.push(scaffold_service(service, many));
    }
    let names: Vec<String> = services
        .iter()
        .map(|service| service.name.to_string())
        .collect();
    s.description = format!("{} from {}.", names.join(", "), s.proto_file);
    s.curl_example = curl_example(&services);
    s.jsonrpc_example = jsonrpc_example(&s.services);
    Ok(files)
}

fn scaffold_service(service: &Service, many: bool) -> ScaffoldService {
    let trait_name = service.name.to_string();
    let module = trait_name.to_snake_case();
    let methods = service
        .methods
        .iter()
        .map(|method| ScaffoldMethod {
            name: method.name.to_string(),
            request: method
                .params
                .first()
                .map(|param| type_text(&param.ty))
                .unwrap_or_default(),
            response: type_text(&method.ok),
            request_json: method
                .rules
                .first()
                .map_or_else(|| "{}".to_owned(), request_json),
            unary: method.streams.is_unary(),
        })
        .collect();
    ScaffoldService {
        var: if many {
            format!("{module}_endpoints")
        } else {
            "endpoints".to_owned()
        },
        impl_name: format!("Basic{trait_name}"),
        constructor: format!("Basic{trait_name}::new()"),
        trait_name,
        module,
        methods,
    }
}

/// A type as the user would write it: `kit::proto::wkt::Empty`, `Order`.
fn type_text(ty: &syn::Type) -> String {
    let text = quote::quote!(#ty).to_string().replace(' ', "");
    text.strip_prefix("::").map(str::to_owned).unwrap_or(text)
}

/// What the scaffold fills a path variable with: `1`, or `true` for a
/// `bool`, which proto3 JSON takes for any scalar field.
fn path_value(rule: &HttpRule, field: &[String]) -> serde_json::Value {
    if rule.booleans.contains(&field.join(".")) {
        serde_json::Value::Bool(true)
    } else {
        serde_json::Value::String("1".to_owned())
    }
}

/// The proto3 JSON of a request whose every path variable of `rule` is
/// set (`{"key":{"shop":"1"}}` for `{key.shop}`), which the HTTP client
/// needs to fill the path; `{}` for a route without variables.
fn request_json(rule: &HttpRule) -> String {
    fn set(
        object: &mut serde_json::Map<String, serde_json::Value>,
        field: &[String],
        value: serde_json::Value,
    ) {
        match field {
            [] => {}
            [last] => {
                object.insert(last.clone(), value);
            }
            [first, rest @ ..] => {
                let inner = object
                    .entry(first.clone())
                    .or_insert_with(|| serde_json::Value::Object(serde_json::Map::new()));
                if let serde_json::Value::Object(inner) = inner {
                    set(inner, rest, value);
                }
            }
        }
    }
    let mut json = serde_json::Map::new();
    for param in &rule.params {
        set(&mut json, &param.field, path_value(rule, &param.field));
    }
    serde_json::Value::Object(json).to_string()
}

/// A `curl` call of every method, its path variables filled in.
/// A JSON-RPC request object for the first unary method of a .proto
/// scaffold's services, with the parameters its `curl` example sends.
fn jsonrpc_example(services: &[ScaffoldService]) -> String {
    let called = services.iter().find_map(|service| {
        let method = service.methods.iter().find(|method| method.unary)?;
        Some((service, method))
    });
    match called {
        Some((service, method)) => format!(
            r#"{{"jsonrpc":"2.0","method":"{}.{}","params":{},"id":1}}"#,
            service.trait_name, method.name, method.request_json
        ),
        None => String::new(),
    }
}

fn curl_example(services: &[Service]) -> String {
    let calls: Vec<(String, String)> = services
        .iter()
        .flat_map(|service| &service.methods)
        .filter_map(|method| Some((method, method.rules.first()?)))
        .map(|(method, rule)| {
            let mut path = rule.path.text.clone();
            for param in &rule.params {
                let value = match path_value(rule, &param.field) {
                    serde_json::Value::String(text) => text,
                    other => other.to_string(),
                };
                path = path.replace(&format!("{{{}}}", param.name), &value);
            }
            let call = match rule.method {
                HttpMethod::Get => format!("curl -s localhost:8080{path}"),
                HttpMethod::Delete => format!("curl -s -X DELETE localhost:8080{path}"),
                verb => format!(
                    "curl -s -X {} localhost:8080{path} -H 'content-type: application/json' -d '{{}}'",
                    verb.as_str()
                ),
            };
            (call, method.rpc_name.clone())
        })
        .collect();
    let width = calls.iter().map(|(call, _)| call.len()).max().unwrap_or(0);
    let lines: Vec<String> = calls
        .iter()
        .map(|(call, rpc)| format!("{call:<width$}  # {rpc}"))
        .collect();
    if lines.is_empty() {
        "curl -s localhost:8080/healthz".to_owned()
    } else {
        lines.join("\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(words: &[&str]) -> NewArgs {
        use clap::Parser;
        let cli = Cli::parse_from(["kitgen", "new", "svc"].iter().chain(words));
        match cli.command {
            crate::cli::Command::New(args) => args,
            _ => unreachable!("kitgen new parses as new"),
        }
    }

    #[test]
    fn a_crate_outside_the_members_of_an_enclosing_workspace_is_noticed() {
        let root = std::env::temp_dir().join(format!("kitgen-workspace-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&root);
        std::fs::create_dir_all(&root).unwrap();
        let with_workspace = |table: &str| {
            std::fs::write(root.join("Cargo.toml"), format!("[workspace]\n{table}\n")).unwrap();
        };
        with_workspace(r#"members = ["crates/*", "tools/gen"]"#);
        assert_eq!(enclosing_workspace(&root.join("crates/svc")), None);
        assert_eq!(enclosing_workspace(&root.join("tools/gen")), None);
        assert_eq!(enclosing_workspace(&root.join("svc")), Some(root.clone()));
        // A name inside a comment or a string of another key is no member.
        with_workspace("members = [] # \"svc\"\nresolver = \"3\"");
        assert_eq!(enclosing_workspace(&root.join("svc")), Some(root.clone()));
        with_workspace(r#"exclude = ["svc"]"#);
        assert_eq!(enclosing_workspace(&root.join("svc")), None);
        std::fs::remove_dir_all(&root).unwrap();
    }

    #[test]
    fn a_checkout_depends_on_its_runtime_by_path() {
        let dependency = kit_dependency(&args(&[]), &checkout_runtime()).unwrap();
        assert_eq!(dependency.source, KitSource::Path);
        let runtime = std::fs::canonicalize(checkout_runtime()).unwrap();
        assert_eq!(
            dependency.toml,
            format!(
                "{{ package = \"kitgen-runtime\", path = {} }}",
                toml_string(&runtime.display().to_string())
            )
        );
    }

    #[test]
    fn an_installed_kitgen_depends_on_the_runtime_of_its_own_version() {
        // Installed from the registry, kitgen's sources have no runtime
        // beside them.
        let nowhere = std::env::temp_dir().join("kitgen-no-runtime-here");
        assert_eq!(
            kit_dependency(&args(&[]), &nowhere).unwrap().toml,
            format!(
                "{{ package = \"kitgen-runtime\", version = \"{}\" }}",
                env!("CARGO_PKG_VERSION")
            )
        );
        assert_eq!(
            kit_dependency(&args(&["--kit-version", "0.9"]), &nowhere)
                .unwrap()
                .toml,
            "{ package = \"kitgen-runtime\", version = \"0.9\" }"
        );
        let error = kit_dependency(&args(&["--vendor-kit"]), &nowhere).unwrap_err();
        assert!(error.first_message().contains("--vendor-kit"));
    }
}
