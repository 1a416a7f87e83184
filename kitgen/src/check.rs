//! The check pass: validates a [`Service`] as a whole, after a frontend has
//! built it and before any generator reads it, whichever frontend that was.
//! Errors go where the model says each node came from: a span of the trait,
//! or a `file:line:col` of the `.proto`.

use std::collections::HashMap;

use syn::Type;
use syn::visit::Visit;

use crate::diagnostics::Diagnostics;
use crate::model::{
    HttpMethod, Messages, Method, Origin, PathTemplate, RuleBody, Segment, Service, names,
};

/// Reports every problem that spans methods or bindings: bindings that name
/// missing parameters, routes that clash, and names that clash with
/// generated ones.
pub fn check(cx: &Diagnostics, service: &Service) {
    for method in &service.methods {
        check_binding(cx, method);
    }
    check_routes(cx, service);
    check_names(cx, service);
}

/// A method that takes a stream receives it as the request body, one
/// message a line: each of its routes has a body, nothing in the path,
/// and no body field.
fn check_streamed_binding(cx: &Diagnostics, method: &Method) {
    let name = method.written_name();
    let whole_body_field = method
        .rules
        .iter()
        .any(|rule| matches!(rule.body, RuleBody::Field(_)));
    for (verb, path, origin) in method.routes() {
        let at = match &origin {
            Origin::Span(_) => Origin::Span(path.span),
            Origin::File(_) => origin,
        };
        if !verb.has_body() {
            cx.error(
                &at,
                format!(
                    "`{name}` takes a stream, which travels as the request body: bind it to \
                     POST, PUT or PATCH, not {}",
                    verb.as_str()
                ),
            );
        } else if let Some(param) = path.params().next() {
            cx.error(
                &at,
                format!(
                    "`{name}` takes a stream, whose messages travel in the request body: the \
                     path cannot hold `{{{param}}}`"
                ),
            );
        }
    }
    if whole_body_field {
        cx.error(
            &method.origin,
            format!("`{name}` takes a stream, which is the whole request body: use `body: \"*\"`"),
        );
    }
    if let Some(body) = &method.http.body {
        cx.error_spanned_by(
            body,
            "a stream is the whole request body already: leave out `body`",
        );
    }
}

/// A method's binding must name its own parameters, each once. (A `.proto`
/// rule names fields of the request message, which the frontend checks
/// against the message's descriptor as it reads the rule.)
fn check_binding(cx: &Diagnostics, method: &Method) {
    if method.streams.requests {
        check_streamed_binding(cx, method);
        return;
    }
    if matches!(method.messages, Messages::Existing { .. }) {
        return;
    }
    let http = &method.http;
    let mut seen: Vec<&str> = Vec::new();
    for name in http.path.params() {
        if seen.contains(&name) {
            cx.error_at(http.path.span, format!("the path names `{{{name}}}` twice"));
            continue;
        }
        seen.push(name);
        if method.param(name).is_none() {
            let hint = if method.context.as_ref().is_some_and(|ctx| ctx.name == name) {
                " (the context cannot travel in the path)".to_owned()
            } else {
                let params: Vec<String> = method
                    .params
                    .iter()
                    .map(|p| format!("`{}`", p.name))
                    .collect();
                if params.is_empty() {
                    " (it has none)".to_owned()
                } else {
                    format!("; it has {}", params.join(", "))
                }
            };
            cx.error_at(
                http.path.span,
                format!(
                    "the path parameter `{{{name}}}` is not a parameter of `{}`{hint}",
                    method.name
                ),
            );
        }
    }
    if let Some(body) = &http.body {
        let name = body.value();
        if !http.method.has_body() {
            cx.error_spanned_by(
                body,
                format!(
                    "a {} request has no body here; its parameters travel in the path and the query",
                    http.method.as_str()
                ),
            );
        } else if method.param(&name).is_none() {
            cx.error_spanned_by(
                body,
                format!(
                    "`body` names `{name}`, which is not a parameter of `{}`",
                    method.name
                ),
            );
        } else if seen.contains(&name.as_str()) {
            cx.error_spanned_by(
                body,
                format!("`{name}` is already a path parameter, so it cannot be the body too"),
            );
        }
    }
}

/// Routes must differ, and axum's router needs the same parameter name at
/// the same place of paths that share a prefix. A `.proto` method has a
/// route per HTTP rule, and its rules are checked against each other too.
fn check_routes(cx: &Diagnostics, service: &Service) {
    let mut bound: HashMap<(HttpMethod, String), &Method> = HashMap::new();
    let mut earlier: Vec<(&PathTemplate, &Method)> = Vec::new();
    for method in &service.methods {
        for (verb, path, origin) in method.routes() {
            let key = (verb, path.shape());
            if let Some(first) = bound.get(&key) {
                cx.error(
                    &origin,
                    format!(
                        "`{} {}` is already bound to `{}`",
                        verb.as_str(),
                        path.text,
                        first.written_name()
                    ),
                );
                continue;
            }
            bound.insert(key, method);
            let clash = earlier.iter().find_map(|(other, owner)| {
                param_name_clash(&other.segments, &path.segments).map(|names| (other, owner, names))
            });
            if let Some((other, owner, (theirs, ours))) = clash {
                cx.error(
                    &origin,
                    format!(
                        "the path `{}` names `{{{ours}}}` where `{}` of `{}` names `{{{theirs}}}`; \
                         paths that share a prefix must use the same parameter name",
                        path.text,
                        other.text,
                        owner.written_name()
                    ),
                );
            }
            earlier.push((path, method));
        }
    }
}

/// The first place where two paths with the same prefix put parameters of
/// different names.
fn param_name_clash<'a>(first: &'a [Segment], second: &'a [Segment]) -> Option<(&'a str, &'a str)> {
    for (a, b) in first.iter().zip(second) {
        match (a, b) {
            (Segment::Param(a), Segment::Param(b)) if a != b => return Some((a, b)),
            (Segment::Param(_), Segment::Param(_)) => {}
            (Segment::Literal(a), Segment::Literal(b)) if a == b => {}
            _ => return None,
        }
    }
    None
}

/// Method names must not clash with generated items, and the user's types
/// must not be shadowed by the generated module's types.
fn check_names(cx: &Diagnostics, service: &Service) {
    let mut generated_names: HashMap<String, &Method> = HashMap::new();
    for method in &service.methods {
        if names::RESERVED_METHODS.contains(&method.name.to_string().as_str()) {
            cx.error(
                &method.origin,
                format!(
                    "`{}` collides with the `{}` method of the generated types; rename the method",
                    method.written_name(),
                    method.name
                ),
            );
        }
        // Generated messages are named in camel case; a `.proto`'s rpcs
        // become methods named in snake case.
        let (name, what) = match &method.messages {
            Messages::Generated => {
                let name = names::method_camel(method);
                let what = format!("`{name}Request`");
                (name, what)
            }
            Messages::Existing { .. } => (
                method.name.to_string(),
                format!("the Rust method `{}`", method.name),
            ),
        };
        if let Some(first) = generated_names.get(&name) {
            cx.error(
                &method.origin,
                format!(
                    "`{}` and `{}` would both generate {what}; rename one of them",
                    first.written_name(),
                    method.written_name()
                ),
            );
        } else {
            generated_names.insert(name, method);
        }
    }

    let module_name = names::module_name(service);
    if names::CANNOT_BE_RAW.contains(&module_name.as_str()) {
        cx.error(
            &service.origin,
            format!("the generated module would be named `{module_name}`, a reserved word; rename the trait"),
        );
    }
    let generated = names::module_types(service);
    let module = names::module(service);
    for method in &service.methods {
        let mut shadowed = ShadowedTypes {
            cx,
            generated: &generated,
            module: &module,
            method: &method.origin,
        };
        for param in &method.params {
            shadowed.visit_type(&param.ty);
        }
        shadowed.visit_type(&method.ok);
        shadowed.visit_type(&method.error);
    }
}

/// Finds single-segment type paths that name a generated type, which would
/// resolve to the generated type inside the generated module.
struct ShadowedTypes<'a> {
    cx: &'a Diagnostics,
    generated: &'a [String],
    module: &'a syn::Ident,
    /// Where the method is: a type in a `.proto` method has no span of its
    /// own.
    method: &'a Origin,
}

impl<'ast> Visit<'ast> for ShadowedTypes<'_> {
    fn visit_type(&mut self, ty: &'ast Type) {
        if let Type::Path(path) = ty
            && path.qself.is_none()
            && path.path.leading_colon.is_none()
            && path.path.segments.len() == 1
        {
            let name = path.path.segments[0].ident.to_string();
            if self.generated.contains(&name) {
                let message = format!(
                    "`{name}` is also the name of a type generated in `{}`; \
                     rename your type, or name it by its path, such as `crate::{name}`",
                    self.module
                );
                match self.method {
                    Origin::Span(_) => self.cx.error_spanned_by(ty, message),
                    Origin::File(_) => self.cx.error(self.method, message),
                }
            }
        }
        syn::visit::visit_type(self, ty);
    }
}
