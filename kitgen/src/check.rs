//! The check pass: validates a [`Service`] as a whole, after a frontend has
//! built it and before any generator reads it.

use std::collections::HashMap;

use proc_macro2::Span;
use syn::Type;
use syn::visit::Visit;

use crate::codegen::names;
use crate::diagnostics::Diagnostics;
use crate::model::{HttpMethod, Method, Segment, Service};

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

/// A method's binding must name its own parameters, each once.
fn check_binding(cx: &Diagnostics, method: &Method) {
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
/// the same place of paths that share a prefix.
fn check_routes(cx: &Diagnostics, service: &Service) {
    let mut bound: HashMap<(HttpMethod, String), &Method> = HashMap::new();
    for (index, method) in service.methods.iter().enumerate() {
        let http = &method.http;
        let key = (http.method, http.path.shape());
        if let Some(first) = bound.get(&key) {
            cx.error_at(
                route_span(method),
                format!(
                    "`{} {}` is already bound to `{}`",
                    http.method.as_str(),
                    http.path.text,
                    first.name
                ),
            );
            continue;
        }
        bound.insert(key, method);
        let earlier = service.methods[..index].iter().find_map(|other| {
            param_name_clash(&other.http.path.segments, &http.path.segments)
                .map(|clash| (other, clash))
        });
        if let Some((other, (theirs, ours))) = earlier {
            cx.error_at(
                route_span(method),
                format!(
                    "the path `{}` names `{{{ours}}}` where `{}` of `{}` names `{{{theirs}}}`; \
                     paths that share a prefix must use the same parameter name",
                    http.path.text, other.http.path.text, other.name
                ),
            );
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

fn route_span(method: &Method) -> Span {
    if method.http.explicit {
        method.http.path.span
    } else {
        method.name.span()
    }
}

/// Method names must not clash with generated items, and the user's types
/// must not be shadowed by the generated module's types.
fn check_names(cx: &Diagnostics, service: &Service) {
    let mut camel: HashMap<String, &Method> = HashMap::new();
    for method in &service.methods {
        if names::RESERVED_METHODS.contains(&method.name.to_string().as_str()) {
            cx.error_spanned_by(
                &method.name,
                format!(
                    "`{}` collides with the `{}` method of the generated types; rename the method",
                    method.name, method.name
                ),
            );
        }
        let name = names::method_camel(method);
        if let Some(first) = camel.get(&name) {
            cx.error_spanned_by(
                &method.name,
                format!(
                    "`{}` and `{}` would both generate `{name}Request`; rename one of them",
                    first.name, method.name
                ),
            );
        } else {
            camel.insert(name, method);
        }
    }

    let module_name = names::module_name(service);
    if names::CANNOT_BE_RAW.contains(&module_name.as_str()) {
        cx.error_spanned_by(
            &service.name,
            format!("the generated module would be named `{module_name}`, a reserved word; rename the trait"),
        );
    }
    let generated = names::module_types(service);
    let module = names::module(service);
    let mut shadowed = ShadowedTypes {
        cx,
        generated: &generated,
        module: &module,
    };
    for method in &service.methods {
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
                self.cx.error_spanned_by(
                    ty,
                    format!(
                        "`{name}` is also the name of a type generated in `{}`; \
                         rename your type, or name it by its path, such as `crate::{name}`",
                        self.module
                    ),
                );
            }
        }
        syn::visit::visit_type(self, ty);
    }
}
