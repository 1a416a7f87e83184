//! The service model: what frontends build and generators read.
//!
//! Every node keeps where it came from (the `syn` tokens of a trait, or a
//! `file:line:col` of a `.proto`), so that errors found later, by the
//! check pass or by rustc in generated code, point at the user's source.

mod api;
mod error;
mod message;
pub(crate) mod names;
mod path;

use proc_macro2::Span;
use syn::{Ident, LitStr, Type, Visibility};

pub use api::{ApiParam, ApiRoute};
pub use error::{BusinessVariant, CODES, ErrorEnum};
pub use message::{
    Encoding, EnumValue, MAX_TAG, MessageField, MessageKind, MessageType, RESERVED_TAGS,
};
pub use path::{PathTemplate, Segment};

/// Where a node of the model was written.
#[derive(Clone, Debug)]
pub enum Origin {
    /// In Rust source: the tokens' span.
    Span(Span),
    /// In a `.proto` file.
    File(FilePosition),
}

impl From<Span> for Origin {
    fn from(span: Span) -> Self {
        Origin::Span(span)
    }
}

/// A place in a file that is not Rust.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FilePosition {
    /// The file, as it was imported (`orders.proto`), if known.
    pub file: Option<String>,
    /// 1-based line, or 0 when unknown.
    pub line: usize,
    /// 1-based column, or 0 when unknown.
    pub column: usize,
}

impl FilePosition {
    /// Nowhere in particular.
    pub fn unknown() -> Self {
        FilePosition {
            file: None,
            line: 0,
            column: 0,
        }
    }

    /// Whether it names at least a file.
    pub fn is_known(&self) -> bool {
        self.file.is_some()
    }
}

impl std::fmt::Display for FilePosition {
    /// `orders.proto:12:3`, `orders.proto` when the line is unknown.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let file = self.file.as_deref().unwrap_or("<unknown>");
        if self.line > 0 {
            write!(f, "{file}:{}:{}", self.line, self.column)
        } else {
            f.write_str(file)
        }
    }
}

/// A service: a named set of methods.
#[derive(Clone, Debug)]
pub struct Service {
    /// The trait's name: `OrderService`.
    pub name: Ident,
    /// Where the service was declared: the trait's name, or the `service`
    /// of a `.proto`.
    pub origin: Origin,
    /// The visibility of the trait, which the generated module shares.
    pub vis: Visibility,
    /// The protobuf package of its gRPC form: `ordersvc`.
    pub package: String,
    /// Doc comment lines, without the `///`.
    pub docs: Vec<String>,
    /// The methods, in declaration order.
    pub methods: Vec<Method>,
    /// For a service from a `.proto`: where generated code finds the
    /// encoded descriptor set it was compiled from, for reflection. A trait
    /// describes itself from its types instead.
    pub descriptors: Option<EmbeddedDescriptors>,
}

/// An encoded `FileDescriptorSet` written next to the generated code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EmbeddedDescriptors {
    /// The file's name: `ordersvc.fds.bin`.
    pub file_name: String,
    /// Whether it lives in `OUT_DIR` (a build script) rather than beside the
    /// generated source (`kitgen generate`).
    pub in_out_dir: bool,
}

/// One method of a service.
#[derive(Clone, Debug)]
pub struct Method {
    /// The Rust name: `get_by_id`.
    pub name: Ident,
    /// Where the method was declared: its name in the trait, or its `rpc`
    /// in a `.proto`.
    pub origin: Origin,
    /// The gRPC name: `GetById`.
    pub rpc_name: String,
    /// Doc comment lines, without the `///`.
    pub docs: Vec<String>,
    /// Whether the request and response messages are generated from the
    /// signature or exist already.
    pub messages: Messages,
    /// The `ctx: &kit::Context` parameter, if the method takes one.
    pub context: Option<ContextParam>,
    /// The parameters after `&self` and the context, in order.
    pub params: Vec<Param>,
    /// The return type as written: `Result<Order, OrderError>`.
    pub output: Type,
    /// `T` of `Result<T, E>`; for a server streaming method, `T` of its
    /// `kit::Stream<T, E>`, the type of each message.
    pub ok: Type,
    /// `E` of `Result<T, E>`.
    pub error: Type,
    /// How the method is served over HTTP: its one route. For a `.proto`
    /// method this is the first of [`Method::rules`], for listings; the
    /// rules say how messages travel.
    pub http: HttpBinding,
    /// A `.proto` method's HTTP rules (`google.api.http` and its additional
    /// bindings); empty for a trait method.
    pub rules: Vec<HttpRule>,
    /// What calling it more than once does: a `.proto` method's
    /// `idempotency_level`, or `#[kit(idempotent)]` (a read when its route
    /// is a `GET`).
    pub idempotency: Idempotency,
    /// Which of its messages are streams.
    pub streams: Streams,
}

/// Whether a method may be called more than once for one request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Idempotency {
    /// Not known to be safe: called once.
    #[default]
    Unknown,
    /// A read: clients may retry it, and Connect's may call it with `GET`.
    NoSideEffects,
    /// A write that may be repeated: clients may retry it.
    Idempotent,
}

impl Idempotency {
    /// Whether clients may retry it.
    pub fn may_retry(self) -> bool {
        self != Idempotency::Unknown
    }
}

/// Which of a method's messages are streams: gRPC's four kinds of method.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Streams {
    /// The caller sends a stream of requests.
    pub requests: bool,
    /// The method answers with a stream of responses: it returns
    /// `Result<kit::Stream<T, E>, E>`.
    pub responses: bool,
}

/// Where a method's request and response messages come from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Messages {
    /// `{Method}Request` and `{Method}Response`, generated from the
    /// parameters and the return type (a `#[kit::service]` trait).
    Generated,
    /// Existing message types: the one parameter is the request message and
    /// `ok` the response message (a `.proto` service).
    Existing {
        /// The request message's full protobuf name: `acme.v1.GetRequest`.
        request: String,
        /// The response message's full protobuf name.
        response: String,
    },
}

/// One `google.api.http` rule of a `.proto` method.
#[derive(Clone, Debug)]
pub struct HttpRule {
    /// The HTTP method.
    pub method: HttpMethod,
    /// The route in axum's syntax; parameters are named after their field
    /// paths (`{order_id}` for `{order.id}`), or after the parameter an
    /// earlier rule of the service put at the same place.
    pub path: PathTemplate,
    /// The path parameters, in order.
    pub params: Vec<RuleParam>,
    /// What the body holds.
    pub body: RuleBody,
    /// The request's fields, by JSON name.
    pub fields: Vec<String>,
    /// The field paths a query parameter can set (scalars, enums, lists of
    /// those, well-known types), as JSON names, nested messages' fields
    /// included.
    pub queryable: Vec<Vec<String>>,
    /// Field paths (dotted, JSON and proto names both) that are `bool`.
    pub booleans: Vec<String>,
    /// Field paths (dotted, JSON and proto names both) that are repeated.
    pub repeated: Vec<String>,
}

/// A path parameter of an HTTP rule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleParam {
    /// The axum parameter name.
    pub name: String,
    /// The field path, in JSON names.
    pub field: Vec<String>,
}

/// What the body of an HTTP rule holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleBody {
    /// No body.
    None,
    /// `*`: every field not in the path.
    All,
    /// One field, by JSON name.
    Field(String),
}

impl Method {
    /// Every route the method is served on, with where each was written:
    /// a trait method's one binding, or a `.proto` method's rules.
    pub fn routes(&self) -> Vec<(HttpMethod, &PathTemplate, Origin)> {
        if self.rules.is_empty() {
            let origin = if self.http.explicit {
                Origin::Span(self.http.path.span)
            } else {
                self.origin.clone()
            };
            return vec![(self.http.method, &self.http.path, origin)];
        }
        self.rules
            .iter()
            .map(|rule| (rule.method, &rule.path, self.origin.clone()))
            .collect()
    }

    /// The method's name as its author wrote it, for messages: the trait's
    /// `get_by_id`, the `.proto`'s `GetById`.
    pub fn written_name(&self) -> String {
        match self.origin {
            Origin::Span(_) => self.name.to_string(),
            Origin::File(_) => self.rpc_name.clone(),
        }
    }

    /// The parameter named `name`.
    pub fn param(&self, name: &str) -> Option<&Param> {
        self.params.iter().find(|param| param.name == name)
    }

    /// The parameters that travel in `location`, in declaration order.
    pub fn params_in(&self, location: Location) -> impl Iterator<Item = &Param> {
        self.params
            .iter()
            .filter(move |param| self.http.location_of(param) == location)
    }
}

/// The context parameter, kept as written so that generated impls repeat it.
#[derive(Clone, Debug)]
pub struct ContextParam {
    /// Its name: `ctx`.
    pub name: Ident,
    /// Its type: `&kit::Context`.
    pub ty: Type,
}

/// A method parameter; its name is also its JSON field name.
#[derive(Clone, Debug)]
pub struct Param {
    /// The name: `customer_id`.
    pub name: Ident,
    /// The type as written.
    pub ty: Type,
    /// `#[kit(redact)]`: a secret, which `Debug` output and logs show as
    /// `<redacted>`.
    pub redact: bool,
    /// `#[kit(required)]`: a request over HTTP/JSON without it is refused,
    /// where otherwise an absent parameter is its type's default, as in
    /// proto3.
    pub required: bool,
}

/// Where a parameter travels in an HTTP request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// A `{param}` of the path.
    Path,
    /// The query string.
    Query,
    /// A field of the JSON body object.
    BodyField,
    /// The whole JSON body (`body = "param"`).
    Body,
}

/// How a method is served over HTTP.
#[derive(Clone, Debug)]
pub struct HttpBinding {
    /// The HTTP method.
    pub method: HttpMethod,
    /// The path template.
    pub path: PathTemplate,
    /// The parameter sent as the whole body, from `body = "param"`.
    pub body: Option<LitStr>,
    /// Whether the binding came from an attribute rather than the default.
    pub explicit: bool,
}

impl HttpBinding {
    /// Where `param` travels.
    pub fn location_of(&self, param: &Param) -> Location {
        if self.path.params().any(|name| param.name == name) {
            Location::Path
        } else if self
            .body
            .as_ref()
            .is_some_and(|body| param.name == body.value())
        {
            Location::Body
        } else if self.method.has_body() && self.body.is_none() {
            Location::BodyField
        } else {
            Location::Query
        }
    }

    /// Whether requests carry a JSON body.
    pub fn has_body(&self, method: &Method) -> bool {
        self.body.is_some() || method.params_in(Location::BodyField).next().is_some()
    }
}

impl Streams {
    /// Whether neither side streams.
    pub fn is_unary(self) -> bool {
        !self.requests && !self.responses
    }

    /// gRPC's name for the kind of method, in snake case: `unary`,
    /// `server_streaming`, `client_streaming` or `bidi_streaming`. The
    /// runtime's servers and clients name their methods for each kind
    /// after it.
    pub fn kind(self) -> &'static str {
        match (self.requests, self.responses) {
            (false, false) => "unary",
            (false, true) => "server_streaming",
            (true, false) => "client_streaming",
            (true, true) => "bidi_streaming",
        }
    }
}

/// The HTTP methods a binding can use.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum HttpMethod {
    /// `GET`: parameters in the path and the query.
    Get,
    /// `POST`: parameters in the path and the body.
    Post,
    /// `PUT`: parameters in the path and the body.
    Put,
    /// `PATCH`: parameters in the path and the body.
    Patch,
    /// `DELETE`: parameters in the path and the query.
    Delete,
}

impl HttpMethod {
    /// Every method, with the attribute key that names it.
    pub const ALL: [(HttpMethod, &'static str); 5] = [
        (HttpMethod::Get, "get"),
        (HttpMethod::Post, "post"),
        (HttpMethod::Put, "put"),
        (HttpMethod::Patch, "patch"),
        (HttpMethod::Delete, "delete"),
    ];

    /// The method's name on the wire: `GET`.
    pub fn as_str(self) -> &'static str {
        match self {
            HttpMethod::Get => "GET",
            HttpMethod::Post => "POST",
            HttpMethod::Put => "PUT",
            HttpMethod::Patch => "PATCH",
            HttpMethod::Delete => "DELETE",
        }
    }

    /// Whether parameters that are not in the path go in a body (or else in
    /// the query string).
    pub fn has_body(self) -> bool {
        matches!(self, HttpMethod::Post | HttpMethod::Put | HttpMethod::Patch)
    }
}
