//! A trait service's HTTP routes as its OpenAPI document describes them:
//! plain data, from which the generated `openapi()` (at run time, with the
//! messages' schemas from the compiled types) and `kitgen openapi` (from
//! source) build the same document.

use syn::ext::IdentExt;

use super::{Location, Messages, Service, names};

/// One route.
#[derive(Clone, Debug)]
pub struct ApiRoute<'a> {
    /// The method's gRPC name, the operation's id: `GetById`.
    pub method: String,
    /// Its doc comment lines.
    pub docs: &'a [String],
    /// `GET`.
    pub verb: &'static str,
    /// The path in OpenAPI's syntax: `/files/{path}` for axum's
    /// `/files/{*path}`.
    pub path: String,
    /// The request message's name.
    pub request: String,
    /// Each parameter's JSON name, where it travels, and whether it is
    /// required.
    pub params: Vec<(String, Location, bool)>,
    /// The response message's name.
    pub response: String,
    /// Whether the answer is the response message's `value` alone: what
    /// the method returns, unless that is `()`.
    pub response_is_value: bool,
    /// Whether the method answers with a stream.
    pub server_streaming: bool,
    /// The method's error type, whose variants it may answer with.
    pub error: &'a syn::Type,
}

impl Service {
    /// The routes of a trait's methods; none for a `.proto` service, whose
    /// rules its document would need to read.
    pub fn api_routes(&self) -> Vec<ApiRoute<'_>> {
        self.methods
            .iter()
            .filter(|method| method.messages == Messages::Generated)
            .map(|method| ApiRoute {
                method: method.rpc_name.clone(),
                docs: &method.docs,
                verb: method.http.method.as_str(),
                path: method.http.path.text.replace("{*", "{"),
                request: names::request_struct(method).to_string(),
                params: method
                    .params
                    .iter()
                    .map(|param| {
                        let location = method.http.location_of(param);
                        (param.name.unraw().to_string(), location, param.required)
                    })
                    .collect(),
                response: names::response_struct(method).to_string(),
                response_is_value: !matches!(
                    &method.ok,
                    syn::Type::Tuple(tuple) if tuple.elems.is_empty()
                ),
                server_streaming: method.streams.responses,
                error: &method.error,
            })
            .collect()
    }
}
