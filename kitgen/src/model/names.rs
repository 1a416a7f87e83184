//! The one naming scheme of generated items.
//!
//! Everything a service generates lives in one module named after the trait
//! in snake case, so generated names cannot collide with the user's own
//! items, only shadow them inside that module (which the check pass
//! rejects).

use heck::{ToSnakeCase, ToUpperCamelCase};
use proc_macro2::Ident;
use quote::format_ident;
use syn::ext::IdentExt;

use super::{Messages, Method, Service};

/// The struct of every method's endpoints; implements the trait.
pub(crate) const ENDPOINTS: &str = "Endpoints";
/// The HTTP client; implements the trait.
pub(crate) const HTTP_CLIENT: &str = "HttpClient";
/// The gRPC server.
pub(crate) const GRPC_SERVER: &str = "GrpcServer";
/// The gRPC client; implements the trait.
pub(crate) const GRPC_CLIENT: &str = "GrpcClient";
/// The JSON-RPC client; implements the trait.
pub(crate) const JSONRPC_CLIENT: &str = "JsonRpcClient";
/// The function that names the endpoints as JSON-RPC methods.
pub(crate) const JSONRPC_METHODS: &str = "jsonrpc_methods";
/// The NATS client; implements the trait.
pub(crate) const NATS_CLIENT: &str = "NatsClient";
/// The function that puts the endpoints on NATS subjects.
pub(crate) const NATS_METHODS: &str = "nats_methods";
/// The function that returns the protobuf schema.
pub(crate) const PROTO_SCHEMA: &str = "proto_schema";
/// The function that builds the axum router.
pub(crate) const HTTP_ROUTER: &str = "http_router";
/// The function that collects the routes, to merge with other services'.
pub(crate) const HTTP_ROUTES: &str = "http_routes";
/// The service middleware that logs calls; implements the trait.
pub(crate) const LOGGING_MIDDLEWARE: &str = "LoggingMiddleware";
/// The service middleware that records metrics; implements the trait.
pub(crate) const INSTRUMENTING_MIDDLEWARE: &str = "InstrumentingMiddleware";

/// Structs local to `Binding` impls, holding the parameters that travel in
/// the path, the query and the body.
pub(crate) const PATH_PARAMS: &str = "PathParams";
/// See [`PATH_PARAMS`].
pub(crate) const QUERY_PARAMS: &str = "QueryParams";
/// See [`PATH_PARAMS`].
pub(crate) const BODY_FIELDS: &str = "BodyFields";

/// Method names that clash with methods of the generated types:
/// `Endpoints::layer` takes `self`, and `clone` would be ambiguous with the
/// `Clone` impl of `Endpoints` and `HttpClient`, so such a trait method could
/// only be called through the trait's path.
pub(crate) const RESERVED_METHODS: [&str; 2] = ["layer", "clone"];

/// The module of generated items: `OrderService` → `order_service`. A
/// keyword becomes a raw identifier (`Type` → `r#type`); the check pass
/// rejects the few that cannot be (`self`, `super`, `crate`).
pub(crate) fn module(service: &Service) -> Ident {
    let name = module_name(service);
    let span = service.name.span();
    if syn::parse_str::<Ident>(&name).is_ok() {
        Ident::new(&name, span)
    } else if CANNOT_BE_RAW.contains(&name.as_str()) {
        format_ident!("{name}_", span = span)
    } else {
        Ident::new_raw(&name, span)
    }
}

/// Keywords that have no raw form.
pub(crate) const CANNOT_BE_RAW: [&str; 4] = ["self", "super", "crate", "_"];

/// The module's name as text: the trait's name in snake case.
pub(crate) fn module_name(service: &Service) -> String {
    service.name.unraw().to_string().to_snake_case()
}

/// `get_by_id` → `GetById`.
pub(crate) fn method_camel(method: &Method) -> String {
    method.name.unraw().to_string().to_upper_camel_case()
}

/// A method's JSON-RPC name: `OrderService.get_by_id`.
pub(crate) fn jsonrpc_method(service: &Service, method: &Method) -> String {
    format!("{}.{}", service.name.unraw(), method.name.unraw())
}

/// `get_by_id` → `GetByIdRequest`.
pub(crate) fn request_struct(method: &Method) -> Ident {
    format_ident!("{}Request", method_camel(method))
}

/// `get_by_id` → `GetByIdResponse`.
pub(crate) fn response_struct(method: &Method) -> Ident {
    format_ident!("{}Response", method_camel(method))
}

/// Every type name the service's module defines (a `.proto` service's
/// messages exist already, outside it).
pub(crate) fn module_types(service: &Service) -> Vec<String> {
    let mut names: Vec<String> = [
        ENDPOINTS,
        HTTP_CLIENT,
        GRPC_SERVER,
        GRPC_CLIENT,
        JSONRPC_CLIENT,
        NATS_CLIENT,
        LOGGING_MIDDLEWARE,
        INSTRUMENTING_MIDDLEWARE,
        PATH_PARAMS,
        QUERY_PARAMS,
        BODY_FIELDS,
    ]
    .map(str::to_owned)
    .to_vec();
    let generated = service
        .methods
        .iter()
        .filter(|method| method.messages == Messages::Generated);
    for method in generated {
        names.push(request_struct(method).to_string());
        names.push(response_struct(method).to_string());
    }
    names
}

/// A field's proto3 JSON name, as protoc writes `json_name`: `orderItems`
/// for `order_items`. Other languages' clients send it (browsers' Connect
/// clients always do).
pub(crate) fn json_name(field: &Ident) -> String {
    let mut name = String::new();
    let mut upper = false;
    for c in field.unraw().to_string().chars() {
        if c == '_' {
            upper = true;
        } else if upper {
            name.extend(c.to_uppercase());
            upper = false;
        } else {
            name.push(c);
        }
    }
    name
}

/// `#[serde(alias = "orderItems")]` for a field whose proto3 JSON name is
/// not its own, so that JSON in either spelling is read.
pub(crate) fn json_alias(field: &Ident) -> Option<proc_macro2::TokenStream> {
    let json = json_name(field);
    (field.unraw() != json).then(|| quote::quote!(#[serde(alias = #json)]))
}
