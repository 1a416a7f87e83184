//! The service model: what frontends build and generators read.
//!
//! Every node keeps the `syn` tokens it came from, so that errors found
//! later (by the check pass, or by rustc in generated code) point at the
//! user's source.

mod message;
mod path;

use proc_macro2::Span;
use syn::{Ident, LitStr, Type, Visibility};

pub use message::{
    Encoding, EnumValue, MAX_TAG, MessageField, MessageKind, MessageType, RESERVED_TAGS,
};
pub use path::{PathTemplate, Segment};

/// A service: a named set of methods.
#[derive(Clone, Debug)]
pub struct Service {
    /// The trait's name: `OrderService`.
    pub name: Ident,
    /// The visibility of the trait, which the generated module shares.
    pub vis: Visibility,
    /// The protobuf package of its gRPC form: `ordersvc`.
    pub package: String,
    /// Doc comment lines, without the `///`.
    pub docs: Vec<String>,
    /// The methods, in declaration order.
    pub methods: Vec<Method>,
}

/// One method of a service.
#[derive(Clone, Debug)]
pub struct Method {
    /// The Rust name: `get_by_id`.
    pub name: Ident,
    /// Doc comment lines, without the `///`.
    pub docs: Vec<String>,
    /// The `ctx: &kit::Context` parameter, if the method takes one.
    pub context: Option<ContextParam>,
    /// The parameters after `&self` and the context, in order.
    pub params: Vec<Param>,
    /// The return type as written: `Result<Order, OrderError>`.
    pub output: Type,
    /// `T` of `Result<T, E>`.
    pub ok: Type,
    /// `E` of `Result<T, E>`.
    pub error: Type,
    /// How the method is served over HTTP.
    pub http: HttpBinding,
}

impl Method {
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
    /// Where the binding was written: the `http(…)` attribute, or the method
    /// name for the default binding.
    pub span: Span,
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
