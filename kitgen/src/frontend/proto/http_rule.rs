//! `google.api.http` rules: HTTP methods, path templates with field paths,
//! bodies and additional bindings, as grpc-gateway reads them.
//!
//! Supported: `get`, `post`, `put`, `patch`, `delete`; variables `{field}`,
//! `{field.path}` and `{field=*}` spanning one segment; `body: "*"`, a
//! single field, or none. Multi-segment variables (`{name=shelves/*}`,
//! `**`), custom verbs (`:cancel`), `custom` patterns and `response_body`
//! are reported as unsupported.

use std::borrow::Cow;
use std::collections::HashMap;

use protox::prost_reflect::{
    DescriptorPool, DynamicMessage, Kind, MessageDescriptor, MethodDescriptor, Value,
};

use crate::model::{HttpMethod, HttpRule, PathTemplate, RuleBody, RuleParam};

/// How deep the field kinds of a request are listed for query strings.
const MAX_DEPTH: usize = 4;

/// The names of a service's path parameters, by place. axum's router
/// refuses two routes that put differently named parameters at the same
/// place after the same prefix, as `GET /v1/shelves/{shelf}/books/{id}`
/// and `PATCH /v1/shelves/{shelf}/books/{book.id}` do, and a `.proto`'s
/// author cannot rename a field path. So the first rule to reach a place
/// names its parameter, and later rules reuse that name; each parameter
/// keeps its own field path, which is what decoding reads.
#[derive(Debug, Default)]
pub(super) struct RouteNames {
    /// The name at each place, keyed by the route up to it with
    /// parameters as `{}`: `/v1/shelves/{}/books/`.
    by_place: HashMap<String, String>,
}

impl RouteNames {
    /// The name of the parameter after `prefix`: the one given before, or
    /// `wanted` (made unique among `taken`).
    fn name(&mut self, prefix: &str, wanted: String, taken: &[RuleParam]) -> String {
        if let Some(name) = self.by_place.get(prefix) {
            return name.clone();
        }
        let mut name = wanted;
        while taken.iter().any(|param| param.name == name) {
            name.push('_');
        }
        self.by_place.insert(prefix.to_owned(), name.clone());
        name
    }
}

/// The method's rules: its `google.api.http` rule and additional bindings,
/// or `POST /{package}.{Service}/{Method}` with the whole message as the
/// body when it has none.
pub(super) fn rules(
    pool: &DescriptorPool,
    method: &MethodDescriptor,
    names: &mut RouteNames,
) -> Result<Vec<HttpRule>, String> {
    let input = method.input();
    let annotation = pool
        .get_extension_by_name("google.api.http")
        .map(|extension| (method.options(), extension))
        .filter(|(options, extension)| options.has_extension(extension));
    let Some((options, extension)) = annotation else {
        let path = format!("/{}/{}", method.parent_service().full_name(), method.name());
        return Ok(vec![rule(&input, HttpMethod::Post, &path, "*", names)?]);
    };
    let Value::Message(annotation) = options.get_extension(&extension).into_owned() else {
        return Err("the google.api.http option is not a message".to_owned());
    };
    let mut rules = vec![from_annotation(&input, &annotation, names)?];
    if let Some(Value::List(more)) = annotation
        .get_field_by_name("additional_bindings")
        .map(Cow::into_owned)
    {
        for binding in more {
            let Value::Message(binding) = binding else {
                continue;
            };
            if matches!(binding.get_field_by_name("additional_bindings").as_deref(), Some(Value::List(inner)) if !inner.is_empty())
            {
                return Err(
                    "additional bindings cannot have additional bindings of their own".to_owned(),
                );
            }
            rules.push(from_annotation(&input, &binding, names)?);
        }
    }
    Ok(rules)
}

fn from_annotation(
    input: &MessageDescriptor,
    annotation: &DynamicMessage,
    names: &mut RouteNames,
) -> Result<HttpRule, String> {
    let text = |name: &str| match annotation.get_field_by_name(name).as_deref() {
        Some(Value::String(text)) => text.clone(),
        _ => String::new(),
    };
    if annotation.has_field_by_name("custom") {
        return Err(
            "custom HTTP patterns are not supported; use get, post, put, patch or delete"
                .to_owned(),
        );
    }
    if !text("response_body").is_empty() {
        return Err(
            "`response_body` is not supported: the response is always the whole message".to_owned(),
        );
    }
    let found = HttpMethod::ALL
        .into_iter()
        .map(|(method, key)| (method, text(key)))
        .find(|(_, path)| !path.is_empty());
    let Some((method, path)) = found else {
        return Err(
            "the google.api.http rule names no method and path, such as `get: \"/v1/orders/{id}\"`"
                .to_owned(),
        );
    };
    rule(input, method, &path, &text("body"), names)
}

/// One rule, its template checked against the request message.
fn rule(
    input: &MessageDescriptor,
    method: HttpMethod,
    template: &str,
    body: &str,
    names: &mut RouteNames,
) -> Result<HttpRule, String> {
    let mut path = String::new();
    let mut params: Vec<RuleParam> = Vec::new();
    // The route so far with parameters as `{}`: where each one sits.
    let mut place = String::new();
    for segment in segments(template).into_iter().skip(1) {
        path.push('/');
        place.push('/');
        let Some(variable) = segment
            .strip_prefix('{')
            .and_then(|rest| rest.strip_suffix('}'))
        else {
            if segment.contains(['{', '}']) {
                return Err(format!(
                    "the path `{template}` has `{segment}`: kitgen supports variables that are \
                     whole segments, without custom verbs"
                ));
            }
            path.push_str(segment);
            place.push_str(segment);
            continue;
        };
        let (field_path, pattern) = variable.split_once('=').unwrap_or((variable, "*"));
        if pattern != "*" {
            return Err(format!(
                "the path variable `{{{variable}}}` spans segments (`{pattern}`); kitgen supports single-segment variables"
            ));
        }
        let field = json_path(input, field_path)?;
        let name = names.name(&place, field_path.replace('.', "_"), &params);
        place.push_str("{}");
        path.push('{');
        path.push_str(&name);
        path.push('}');
        params.push(RuleParam { name, field });
    }
    if !template.starts_with('/') {
        return Err(format!("the path `{template}` must start with `/`"));
    }
    let path = PathTemplate::parse(&path, proc_macro2::Span::call_site())?;
    let body = match body {
        "" => RuleBody::None,
        "*" => RuleBody::All,
        field => {
            let descriptor = input.get_field_by_name(field).ok_or_else(|| {
                format!(
                    "`body: \"{field}\"` names no field of `{}`",
                    input.full_name()
                )
            })?;
            RuleBody::Field(descriptor.json_name().to_owned())
        }
    };
    let mut kinds = Kinds::default();
    kinds.list(input, &mut Vec::new(), &mut Vec::new(), 0);
    Ok(HttpRule {
        method,
        path,
        params,
        body,
        fields: input
            .fields()
            .map(|field| field.json_name().to_owned())
            .collect(),
        queryable: kinds.queryable,
        booleans: kinds.booleans,
        repeated: kinds.repeated,
    })
}

/// The template split at the `/`s outside variables, so that
/// `{name=shelves/*}` stays one piece.
fn segments(template: &str) -> Vec<&str> {
    let mut pieces = Vec::new();
    let (mut depth, mut start) = (0_usize, 0);
    for (index, character) in template.char_indices() {
        match character {
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            '/' if depth == 0 => {
                pieces.push(&template[start..index]);
                start = index + 1;
            }
            _ => {}
        }
    }
    pieces.push(&template[start..]);
    pieces
}

/// The JSON names of a dotted field path, checked: every step a field, the
/// last one a singular non-message field.
fn json_path(input: &MessageDescriptor, field_path: &str) -> Result<Vec<String>, String> {
    let mut message = input.clone();
    let mut names = Vec::new();
    let steps: Vec<&str> = field_path.split('.').collect();
    for (index, step) in steps.iter().enumerate() {
        let field = message.get_field_by_name(step).ok_or_else(|| {
            format!(
                "the path variable `{{{field_path}}}` names `{step}`, which is not a field of `{}`",
                message.full_name()
            )
        })?;
        names.push(field.json_name().to_owned());
        if index + 1 == steps.len() {
            if field.is_list() || field.is_map() {
                return Err(format!(
                    "the path variable `{{{field_path}}}` must be a single value, not a list or map"
                ));
            }
            if matches!(field.kind(), Kind::Message(_)) {
                return Err(format!(
                    "the path variable `{{{field_path}}}` must be a scalar, not a message"
                ));
            }
        } else {
            match field.kind() {
                Kind::Message(inner) if !field.is_list() && !field.is_map() => message = inner,
                _ => {
                    return Err(format!(
                        "the path variable `{{{field_path}}}` goes through `{step}`, which is not a message"
                    ));
                }
            }
        }
    }
    Ok(names)
}

/// What a query string may set in a request, by field path.
#[derive(Default)]
struct Kinds {
    /// Paths that are `bool`, under JSON and proto names.
    booleans: Vec<String>,
    /// Paths that are repeated, under JSON and proto names.
    repeated: Vec<String>,
    /// Paths a query parameter can hold (scalars, enums, lists of those,
    /// well-known types), as JSON names.
    queryable: Vec<Vec<String>>,
}

impl Kinds {
    /// Lists the field paths of `message`, under `json` and `proto`.
    fn list(
        &mut self,
        message: &MessageDescriptor,
        json: &mut Vec<String>,
        proto: &mut Vec<String>,
        depth: usize,
    ) {
        if depth >= MAX_DEPTH {
            return;
        }
        for field in message.fields() {
            if field.is_map() {
                continue;
            }
            json.push(field.json_name().to_owned());
            proto.push(field.name().to_owned());
            let names = [json.join("."), proto.join(".")];
            if field.is_list() {
                add(&mut self.repeated, &names);
            }
            match field.kind() {
                Kind::Bool => add(&mut self.booleans, &names),
                Kind::Message(inner) if inner.full_name().starts_with("google.protobuf.") => {
                    self.queryable.push(json.clone());
                }
                Kind::Message(inner)
                    if !field.is_list() && inner.full_name() != message.full_name() =>
                {
                    self.list(&inner, json, proto, depth + 1);
                }
                _ => {}
            }
            if !matches!(field.kind(), Kind::Message(_)) {
                self.queryable.push(json.clone());
            }
            json.pop();
            proto.pop();
        }
    }
}

/// Adds each of `names` to `list` that it does not hold yet.
fn add(list: &mut Vec<String>, names: &[String]) {
    for name in names {
        if !list.contains(name) {
            list.push(name.clone());
        }
    }
}
