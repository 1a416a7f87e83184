//! The `#[kit(…)]` attributes of a service trait's methods.
//!
//! ```text
//! #[kit(http(get = "/orders/{id}"))]
//! #[kit(http(post = "/orders", body = "order"))]
//! ```

use syn::{Attribute, LitStr};

use crate::diagnostics::Diagnostics;
use crate::model::{HttpMethod, PathTemplate};

/// The attribute path of every kit helper attribute.
pub(crate) const KIT: &str = "kit";
/// `#[kit(http(…))]`: the method's HTTP binding.
const HTTP: &str = "http";
/// `http(body = "param")`: the parameter sent as the whole body.
const BODY: &str = "body";

/// `#[kit::service(package = "…")]`: the protobuf package.
const PACKAGE: &str = "package";

/// What `#[kit::service(…)]` says.
#[derive(Default)]
pub(crate) struct ServiceArgs {
    pub(crate) package: Option<LitStr>,
}

/// Reads the arguments of `#[kit::service(…)]`.
pub(crate) fn service_args(cx: &Diagnostics, args: proc_macro2::TokenStream) -> ServiceArgs {
    let mut parsed = ServiceArgs::default();
    let parser = syn::meta::parser(|meta| {
        if meta.path.is_ident(PACKAGE) {
            let package: LitStr = meta.value()?.parse()?;
            if parsed.package.is_some() {
                cx.error_spanned_by(&meta.path, "duplicate argument `package`");
            } else if !is_package_name(&package.value()) {
                cx.error_spanned_by(
                    &package,
                    "a protobuf package is identifiers joined by dots, such as `acme.orders.v1`",
                );
            } else {
                parsed.package = Some(package);
            }
            Ok(())
        } else {
            Err(meta.error(format!(
                "unknown argument `{}`; expected `{PACKAGE}`",
                path_text(&meta.path)
            )))
        }
    });
    if let Err(error) = syn::parse::Parser::parse2(parser, args) {
        cx.push(error);
    }
    parsed
}

fn is_package_name(package: &str) -> bool {
    package.split('.').all(|part| {
        let mut chars = part.chars();
        chars
            .next()
            .is_some_and(|first| first.is_ascii_alphabetic() || first == '_')
            && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
    })
}

/// `#[kit(idempotent)]`: the method may be retried.
const IDEMPOTENT: &str = "idempotent";
/// `#[kit(redact)]` on a parameter: a secret, kept out of logs.
const REDACT: &str = "redact";
/// `#[kit(required)]` on a parameter or a message field: JSON must have it.
pub(crate) const REQUIRED: &str = "required";

/// What a method's `#[kit(…)]` attributes say.
#[derive(Default)]
pub(crate) struct MethodAttrs {
    pub(crate) http: Option<HttpAttr>,
    pub(crate) idempotent: bool,
}

/// `#[kit(http(…))]`.
pub(crate) struct HttpAttr {
    pub(crate) method: HttpMethod,
    pub(crate) path: PathTemplate,
    pub(crate) body: Option<LitStr>,
}

/// Whether `attr` is a kit helper attribute, which the macro consumes.
pub(crate) fn is_kit(attr: &Attribute) -> bool {
    attr.path().is_ident(KIT)
}

/// Reads the `#[kit(…)]` attributes of one method, reporting every problem.
pub(crate) fn method_attrs(cx: &Diagnostics, attrs: &[Attribute]) -> MethodAttrs {
    let mut parsed = MethodAttrs::default();
    for attr in attrs.iter().filter(|attr| is_kit(attr)) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(HTTP) {
                let http = http_attr(cx, &meta)?;
                if parsed.http.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate kit attribute `http`");
                } else {
                    parsed.http = http;
                }
                Ok(())
            } else if meta.path.is_ident(IDEMPOTENT) {
                if parsed.idempotent {
                    cx.error_spanned_by(&meta.path, "duplicate kit attribute `idempotent`");
                }
                parsed.idempotent = true;
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown kit attribute `{}`; expected `{HTTP}` or `{IDEMPOTENT}`",
                    path_text(&meta.path)
                )))
            }
        });
        if let Err(error) = result {
            cx.push(error);
        }
    }
    parsed
}

/// What a parameter's `#[kit(…)]` attributes say.
#[derive(Default)]
pub(crate) struct ParamAttrs {
    /// `#[kit(redact)]`.
    pub(crate) redact: bool,
    /// `#[kit(required)]`.
    pub(crate) required: bool,
}

/// Reads the `#[kit(…)]` attributes of one parameter.
pub(crate) fn param_attrs(cx: &Diagnostics, attrs: &[Attribute]) -> ParamAttrs {
    let mut parsed = ParamAttrs::default();
    for attr in attrs.iter().filter(|attr| is_kit(attr)) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(REDACT) {
                parsed.redact = true;
                Ok(())
            } else if meta.path.is_ident(REQUIRED) {
                parsed.required = true;
                Ok(())
            } else {
                Err(meta.error(format!(
                    "unknown kit attribute `{}` on a parameter; expected `{REDACT}` or `{REQUIRED}`",
                    path_text(&meta.path)
                )))
            }
        });
        if let Err(error) = result {
            cx.push(error);
        }
    }
    parsed
}

fn http_attr(
    cx: &Diagnostics,
    meta: &syn::meta::ParseNestedMeta<'_>,
) -> syn::Result<Option<HttpAttr>> {
    let mut route: Option<(HttpMethod, LitStr)> = None;
    let mut body: Option<LitStr> = None;
    meta.parse_nested_meta(|inner| {
        let method = HttpMethod::ALL
            .into_iter()
            .find(|(_, key)| inner.path.is_ident(key))
            .map(|(method, _)| method);
        if let Some(method) = method {
            let path: LitStr = inner.value()?.parse()?;
            if let Some((first, _)) = &route {
                cx.error_spanned_by(
                    &inner.path,
                    format!(
                        "a method has one HTTP binding, and this one is already `{}`",
                        first.as_str().to_ascii_lowercase()
                    ),
                );
            } else {
                route = Some((method, path));
            }
            Ok(())
        } else if inner.path.is_ident(BODY) {
            let param: LitStr = inner.value()?.parse()?;
            if body.is_some() {
                cx.error_spanned_by(&inner.path, "duplicate http attribute `body`");
            } else {
                body = Some(param);
            }
            Ok(())
        } else {
            Err(inner.error(format!(
                "unknown http attribute `{}`; expected `get`, `post`, `put`, `patch`, `delete` or `{BODY}`",
                path_text(&inner.path)
            )))
        }
    })?;
    let Some((method, path)) = route else {
        cx.error_spanned_by(
            &meta.path,
            "name the HTTP method and path, such as `http(get = \"/orders/{id}\")`",
        );
        return Ok(None);
    };
    let template = match PathTemplate::parse(&path.value(), path.span()) {
        Ok(template) => template,
        Err(message) => {
            cx.error_spanned_by(&path, message);
            return Ok(None);
        }
    };
    Ok(Some(HttpAttr {
        method,
        path: template,
        body,
    }))
}

fn path_text(path: &syn::Path) -> String {
    quote::quote!(#path).to_string().replace(' ', "")
}

/// The doc comment lines of `attrs`, without the `///`.
pub(crate) fn docs(attrs: &[Attribute]) -> Vec<String> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("doc"))
        .filter_map(|attr| match &attr.meta {
            syn::Meta::NameValue(syn::MetaNameValue {
                value:
                    syn::Expr::Lit(syn::ExprLit {
                        lit: syn::Lit::Str(text),
                        ..
                    }),
                ..
            }) => Some(text.value()),
            _ => None,
        })
        .collect()
}
