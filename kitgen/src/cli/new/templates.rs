//! The files of a new service, as askama templates in `kitgen/templates/new/`
//! (compiled into kitgen), and the data they read.

use askama::Template;

/// What every template reads.
#[derive(Debug)]
pub(super) struct Scaffold {
    /// The crate's name: `ordersvc`.
    pub name: String,
    /// The crate's name as a Rust path: `order_svc` for `order-svc`.
    pub lib: String,
    /// How `main.rs` and tests name the library: `lib`, or `::lib` when a
    /// module of the same name would shadow it.
    pub lib_path: String,
    /// The name of its image and Kubernetes objects: lowercase, with `-`
    /// for `_`, as DNS labels and image names need.
    pub dns_name: String,
    /// The prefix of its environment variables: `ORDERSVC`.
    pub env: String,
    /// The protobuf package of a service from a trait.
    pub package: String,
    /// What the service is, in one sentence.
    pub description: String,
    /// The value of the `kit` dependency in Cargo.toml.
    pub kit_dependency: String,
    /// Whether that is a path outside the crate (made from a checkout).
    pub kit_from_path: bool,
    /// Whether the kit crates are in vendor/ (`--vendor-kit`).
    pub kit_vendored: bool,
    /// The stem of the blank service's names: `Greeter`.
    pub stem: String,
    /// The services, in the order the interface declares them.
    pub services: Vec<ScaffoldService>,
    /// For a .proto scaffold: the .proto, relative to the crate
    /// (`proto/order.proto`); empty otherwise.
    pub proto_file: String,
    /// For a .proto scaffold: the Rust paths of the services' packages
    /// under `generated`.
    pub packages: Vec<String>,
    /// A `curl` command that calls the service.
    pub curl_example: String,
    /// A JSON-RPC request object that calls the service.
    pub jsonrpc_example: String,
    /// The version of kitgen that made the crate, which its CI installs.
    pub kitgen_version: String,
    /// The file that declares the interface, which `kitgen check
    /// --breaking` compares: `src/lib.rs` or the .proto.
    pub interface: String,
    /// What `kitgen check --breaking BASE` is given: the interface, and
    /// for a .proto where its imports are.
    pub interface_args: String,
    /// Whether it is the Order service.
    pub order: bool,
    /// The Order service's database, `sqlite` or `postgres`; empty when it
    /// has none (in memory, or another service).
    pub database: String,
    /// The Order service's repository type: `SqlRepository`; empty for
    /// other services.
    pub repository: String,
    /// The directory of a cargo workspace the crate is created in, which
    /// makes the crate a workspace of its own; empty when there is none.
    pub enclosing_workspace: String,
}

/// One service of the new crate.
#[derive(Debug)]
pub(super) struct ScaffoldService {
    /// The trait: `OrderService`.
    pub trait_name: String,
    /// The generated module: `order_service`.
    pub module: String,
    /// The struct that implements the trait: `BasicOrderService`.
    pub impl_name: String,
    /// The expression that makes one: `BasicOrderService::new(repository.clone())`.
    pub constructor: String,
    /// The variable its endpoints live in: `order_endpoints`.
    pub var: String,
    /// For a .proto service: its methods.
    pub methods: Vec<ScaffoldMethod>,
}

/// One method of a .proto service.
#[derive(Debug)]
pub(super) struct ScaffoldMethod {
    /// The Rust name: `get_by_id`.
    pub name: String,
    /// The request message's Rust type.
    pub request: String,
    /// The response message's Rust type.
    pub response: String,
    /// The proto3 JSON of a request with every variable of its HTTP
    /// route's path set: `{}` when there are none.
    pub request_json: String,
    /// Whether it is unary, which JSON-RPC and NATS carry.
    pub unary: bool,
}

/// Declares a template struct per file, each reading a [`Scaffold`].
macro_rules! templates {
    ($($name:ident: $source:literal,)*) => {
        $(
            #[derive(Template)]
            #[template(path = $source, escape = "none")]
            struct $name<'a> {
                s: &'a Scaffold,
            }
        )*
    };
}

templates! {
    CargoToml: "new/Cargo.toml.in",
    Readme: "new/README.md",
    Gitignore: "new/gitignore",
    Dockerignore: "new/dockerignore",
    Dockerfile: "new/Dockerfile",
    CiWorkflow: "new/github/ci.yml",
    Kubernetes: "new/deploy/kubernetes.yaml",
    Main: "new/main.rs",
    OrderLib: "new/order/lib.rs",
    OrderService: "new/order/service.rs",
    OrderTest: "new/order/e2e.rs",
    OrderRepository: "new/order/repository.rs",
    OrderDatabase: "new/order/database.rs",
    BlankLib: "new/blank/lib.rs",
    BlankService: "new/blank/service.rs",
    BlankTest: "new/blank/e2e.rs",
    ProtoLib: "new/proto/lib.rs",
    ProtoService: "new/proto/service.rs",
    ProtoTest: "new/proto/e2e.rs",
}

/// Which interface the new service starts from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Kind {
    /// The Order service of the Go kit introduction.
    Order,
    /// One method to grow from.
    Blank,
    /// The services of a .proto.
    Proto,
}

/// Every file of the new crate that a template makes, as (path, text).
pub(super) fn render(
    s: &Scaffold,
    kind: Kind,
) -> Result<Vec<(&'static str, String)>, askama::Error> {
    let mut files = vec![
        ("Cargo.toml", CargoToml { s }.render()?),
        ("README.md", Readme { s }.render()?),
        (".gitignore", Gitignore { s }.render()?),
        (".dockerignore", Dockerignore { s }.render()?),
        ("Dockerfile", Dockerfile { s }.render()?),
        (".github/workflows/ci.yml", CiWorkflow { s }.render()?),
        ("deploy/kubernetes.yaml", Kubernetes { s }.render()?),
        ("src/main.rs", Main { s }.render()?),
    ];
    let (lib, service, test) = match kind {
        Kind::Order => (
            OrderLib { s }.render()?,
            OrderService { s }.render()?,
            OrderTest { s }.render()?,
        ),
        Kind::Blank => (
            BlankLib { s }.render()?,
            BlankService { s }.render()?,
            BlankTest { s }.render()?,
        ),
        Kind::Proto => (
            ProtoLib { s }.render()?,
            ProtoService { s }.render()?,
            ProtoTest { s }.render()?,
        ),
    };
    files.extend([
        ("src/lib.rs", lib),
        ("src/service.rs", service),
        ("tests/e2e.rs", test),
    ]);
    if kind == Kind::Order {
        files.push(("src/repository.rs", OrderRepository { s }.render()?));
        if !s.database.is_empty() {
            files.extend([
                ("src/database.rs", OrderDatabase { s }.render()?),
                (
                    "build.rs",
                    include_str!("../../../templates/new/order/build.rs").to_owned(),
                ),
                (
                    "migrations/0001_create_orders.sql",
                    include_str!("../../../templates/new/order/migrations/create_orders.sql")
                        .to_owned(),
                ),
            ]);
        }
    }
    // askama drops a template's last newline; a text file ends with one, or
    // `echo 'dep = "1"' >> Cargo.toml` joins two lines.
    for (_, text) in &mut files {
        if !text.ends_with('\n') {
            text.push('\n');
        }
    }
    Ok(files)
}
