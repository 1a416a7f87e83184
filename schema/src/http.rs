//! What a service serves over HTTP/JSON, beside its protobuf [`File`]:
//! each method's route and where its fields travel, and the errors it can
//! answer. [`Api::to_openapi`] renders it as an OpenAPI 3.1 document.
//!
//! [`File`]: crate::File

/// A service's HTTP/JSON API.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Api {
    /// The service's full name, the document's title:
    /// `ordersvc.OrderService`.
    pub title: String,
    /// Comment lines, the document's description.
    pub docs: Vec<String>,
    /// How messages are written as JSON.
    pub json: JsonStyle,
    /// Its routes, in the service's order.
    pub routes: Vec<Route>,
}

/// How a service's messages are written as JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum JsonStyle {
    /// serde's derive on Rust types (a `#[kit::service]` trait): fields
    /// under their declared names, every integer a JSON number, an enum
    /// value by its Rust name.
    Serde,
    /// protobuf's JSON mapping (a `.proto` service): fields under their
    /// lowerCamelCase names, 64-bit integers as strings.
    Proto3,
}

/// One method's route.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Route {
    /// The method's name: `GetById`, the operation's id.
    pub method: String,
    /// Comment lines.
    pub docs: Vec<String>,
    /// The HTTP method, upper case: `GET`.
    pub verb: String,
    /// The path, with its parameters in braces: `/orders/{id}`.
    pub path: String,
    /// The request message, whose fields the path, the query and the body
    /// carry.
    pub request: String,
    /// Where each of the request's fields travels, by its JSON name.
    pub params: Vec<Param>,
    /// The response message.
    pub response: String,
    /// Whether the answer is the response message's one field alone
    /// (`value`: what a trait method returns), rather than the message.
    pub response_is_value: bool,
    /// Whether the method answers a stream (served as server-sent events
    /// or JSON lines).
    pub server_streaming: bool,
    /// The business errors it may answer with.
    pub errors: Vec<ErrorVariant>,
}

/// Where one field of a route's request travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Param {
    /// Its name where it travels: the path's `{name}`, the query's key or
    /// the body's property: `customer_id`, `order.id`.
    pub name: String,
    /// The request field it sets, as the JSON names of the fields that
    /// lead to it: `["customer_id"]`, `["order", "id"]`.
    pub field: Vec<String>,
    /// Where it travels.
    pub location: Location,
    /// Whether a request without it is refused (`#[kit(required)]`);
    /// otherwise absent means its default.
    pub required: bool,
}

/// Where a request field travels.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Location {
    /// A `{name}` of the path.
    Path,
    /// The query string.
    Query,
    /// A property of the JSON body object.
    BodyField,
    /// The whole JSON body.
    Body,
}

/// One business error variant, as the JSON error body carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ErrorVariant {
    /// Its name: `NotFound`.
    pub name: String,
    /// Comment lines.
    pub docs: Vec<String>,
    /// Its code's wire name: `NOT_FOUND`.
    pub code: String,
    /// The HTTP status it answers with.
    pub status: u16,
    /// The names of the fields its `details` carry.
    pub details: Vec<String>,
}

/// The HTTP status a code answers with unless its variant says otherwise:
/// `google.rpc.Code`'s mapping, which `kit::Code::http_status` follows too.
pub fn default_status(code: &str) -> u16 {
    match code {
        "OK" => 200,
        "CANCELLED" => 499,
        "INVALID_ARGUMENT" | "FAILED_PRECONDITION" | "OUT_OF_RANGE" => 400,
        "DEADLINE_EXCEEDED" => 504,
        "NOT_FOUND" => 404,
        "ALREADY_EXISTS" | "ABORTED" => 409,
        "PERMISSION_DENIED" => 403,
        "RESOURCE_EXHAUSTED" => 429,
        "UNIMPLEMENTED" => 501,
        "UNAVAILABLE" => 503,
        "UNAUTHENTICATED" => 401,
        _ => 500,
    }
}
