//! A service's HTTP routes as its OpenAPI document describes them: plain
//! data, from which the generated `openapi()` (at run time, with the
//! messages' schemas from the compiled types or the embedded descriptors)
//! and `kitgen openapi` (from source) build the same document.

use syn::ext::IdentExt;

use super::{HttpRule, Location, Messages, Method, RuleBody, Service, names};

/// One route.
#[derive(Clone, Debug)]
pub struct ApiRoute<'a> {
    /// The operation's id: the method's gRPC name (`GetById`), with the
    /// rule's number after it for a `.proto` method's additional bindings
    /// (`GetById2`).
    pub method: String,
    /// Its doc comment lines.
    pub docs: &'a [String],
    /// `GET`.
    pub verb: &'static str,
    /// The path in OpenAPI's syntax: `/files/{path}` for axum's
    /// `/files/{*path}`.
    pub path: String,
    /// The request message's name (in full for a `.proto` message).
    pub request: String,
    /// Where the request's fields travel.
    pub params: Vec<ApiParam>,
    /// The response message's name.
    pub response: String,
    /// Whether the answer is the response message's `value` alone: what
    /// a trait method returns, unless that is `()`.
    pub response_is_value: bool,
    /// Whether the method answers with a stream.
    pub server_streaming: bool,
    /// The trait method's error type, whose variants it may answer with;
    /// none for a `.proto` method, which answers `kit::Error`.
    pub error: Option<&'a syn::Type>,
}

/// Where one request field travels.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiParam {
    /// Its name there: the path's `{name}`, the query's key, the body's
    /// property.
    pub name: String,
    /// The field it sets, as JSON names from the request message.
    pub field: Vec<String>,
    /// Where it travels.
    pub location: Location,
    /// Whether a request without it is refused.
    pub required: bool,
}

impl Service {
    /// The routes of every method: a trait method's one binding, a
    /// `.proto` method's rules.
    pub fn api_routes(&self) -> Vec<ApiRoute<'_>> {
        self.methods
            .iter()
            .flat_map(|method| match &method.messages {
                Messages::Generated => vec![trait_route(method)],
                Messages::Existing { request, response } => method
                    .rules
                    .iter()
                    .enumerate()
                    .map(|(index, rule)| ApiRoute {
                        method: match index {
                            0 => method.rpc_name.clone(),
                            _ => format!("{}{}", method.rpc_name, index + 1),
                        },
                        docs: &method.docs,
                        verb: rule.method.as_str(),
                        path: rule.path.text.clone(),
                        request: request.clone(),
                        params: rule_params(rule),
                        response: response.clone(),
                        response_is_value: false,
                        server_streaming: method.streams.responses,
                        error: None,
                    })
                    .collect(),
            })
            .collect()
    }
}

fn trait_route(method: &Method) -> ApiRoute<'_> {
    ApiRoute {
        method: method.rpc_name.clone(),
        docs: &method.docs,
        verb: method.http.method.as_str(),
        path: method.http.path.text.replace("{*", "{"),
        request: names::request_struct(method).to_string(),
        params: method
            .params
            .iter()
            .map(|param| {
                let name = param.name.unraw().to_string();
                ApiParam {
                    field: vec![name.clone()],
                    name,
                    location: method.http.location_of(param),
                    required: param.required,
                }
            })
            .collect(),
        response: names::response_struct(method).to_string(),
        response_is_value: !matches!(
            &method.ok,
            syn::Type::Tuple(tuple) if tuple.elems.is_empty()
        ),
        server_streaming: method.streams.responses,
        error: Some(&method.error),
    }
}

/// Where a `google.api.http` rule puts the request's fields, as
/// grpc-gateway reads them: the path's variables; the body (`*`: every
/// field the path does not set; one field); the query, every other field
/// a query parameter can hold, dotted (`order.id`).
fn rule_params(rule: &HttpRule) -> Vec<ApiParam> {
    let param = |name: String, field: Vec<String>, location| ApiParam {
        name,
        field,
        location,
        required: false,
    };
    let mut params: Vec<ApiParam> = rule
        .params
        .iter()
        .map(|path| ApiParam {
            required: true,
            ..param(path.name.clone(), path.field.clone(), Location::Path)
        })
        .collect();
    let in_path = |field: &[String]| rule.params.iter().any(|path| path.field == field);
    match &rule.body {
        RuleBody::All => params.extend(
            rule.fields
                .iter()
                .filter(|name| !in_path(std::slice::from_ref(*name)))
                .map(|name| param(name.clone(), vec![name.clone()], Location::BodyField)),
        ),
        RuleBody::Field(name) => {
            params.push(param(name.clone(), vec![name.clone()], Location::Body))
        }
        RuleBody::None => {}
    }
    if rule.body != RuleBody::All {
        let in_body = |field: &[String]| matches!(&rule.body, RuleBody::Field(body) if field.first() == Some(body));
        params.extend(
            rule.queryable
                .iter()
                .filter(|field| !in_path(field) && !in_body(field))
                .map(|field| param(field.join("."), field.clone(), Location::Query)),
        );
    }
    params
}
