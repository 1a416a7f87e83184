//! The Rust frontend: a `#[kit::service]` trait becomes a [`Service`].
//!
//! It reports every problem with a method's shape at the token that causes
//! it; cross-method checks (routes, names) are the check pass's job.

mod attr;
mod error;
mod message;
pub(crate) mod recognise;

use heck::{ToKebabCase, ToSnakeCase, ToUpperCamelCase};
use proc_macro2::TokenStream;
use quote::ToTokens;
use syn::ext::IdentExt;
use syn::visit::Visit;
use syn::{FnArg, GenericArgument, ItemTrait, Pat, PathArguments, ReturnType, TraitItem, Type};

pub(crate) use attr::is_kit;
pub use error::parse_error;
pub use message::parse_message;

use crate::diagnostics::Diagnostics;
use crate::model::{
    ContextParam, HttpBinding, HttpMethod, Idempotency, Messages, Method, Origin, Param,
    PathTemplate, Service, Streams,
};

/// Builds the model of a `#[kit::service]` trait. `args` are the
/// attribute's own arguments, of which there are none yet.
///
/// Methods with errors are left out of the model; `cx` holds why.
pub fn parse_service(cx: &Diagnostics, args: TokenStream, item: &ItemTrait) -> Service {
    let args = attr::service_args(cx, args);
    for attr in item.attrs.iter().filter(|attr| is_kit(attr)) {
        cx.error_spanned_by(
            attr,
            "kit attributes go on the trait's methods; service options go in `#[kit::service(…)]`",
        );
    }
    if let Some(unsafety) = &item.unsafety {
        cx.error_spanned_by(unsafety, "a service trait cannot be `unsafe`");
    }
    if !item.generics.params.is_empty() || item.generics.where_clause.is_some() {
        cx.error_spanned_by(
            &item.generics,
            "a service trait cannot be generic: its messages and transports are concrete types",
        );
    }
    let mut methods = Vec::new();
    for trait_item in &item.items {
        match trait_item {
            TraitItem::Fn(method) => methods.extend(parse_method(cx, method)),
            other => cx.error_spanned_by(
                other,
                "a service trait holds only methods; move this item out of the trait",
            ),
        }
    }
    if item.items.is_empty() {
        cx.error_spanned_by(&item.ident, "a service needs at least one method");
    }
    let package = args
        .package
        .map(|package| package.value())
        .unwrap_or_else(|| item.ident.unraw().to_string().to_snake_case());
    Service {
        name: item.ident.clone(),
        origin: Origin::Span(item.ident.span()),
        vis: item.vis.clone(),
        package,
        docs: attr::docs(&item.attrs),
        methods,
        descriptors: None,
    }
}

fn parse_method(cx: &Diagnostics, method: &syn::TraitItemFn) -> Option<Method> {
    let sig = &method.sig;
    let errors_before = cx.error_count();
    let fail = |at: &dyn quote::ToTokens, message: &str| cx.error_spanned_by(at, message);
    if sig.asyncness.is_none() {
        fail(&sig.fn_token, "a service method must be `async fn`");
    }
    if let Some(constness) = &sig.constness {
        fail(constness, "a service method cannot be `const`");
    }
    if let Some(unsafety) = &sig.unsafety {
        fail(unsafety, "a service method cannot be `unsafe`");
    }
    if let Some(abi) = &sig.abi {
        fail(abi, "a service method cannot have an ABI");
    }
    if !sig.generics.params.is_empty() || sig.generics.where_clause.is_some() {
        fail(
            &sig.generics,
            "a service method cannot be generic: each method gets concrete message types",
        );
    }

    let mut inputs = sig.inputs.iter().peekable();
    match inputs.peek() {
        Some(FnArg::Receiver(receiver)) => {
            inputs.next();
            if receiver.colon_token.is_some() {
                fail(
                    receiver,
                    "a service method takes `&self`, not a typed `self`",
                );
            } else if receiver.reference.is_none() {
                fail(
                    receiver,
                    "a service method takes `&self`, not `self`: endpoints share one service",
                );
            } else if let Some(mutability) = &receiver.mutability {
                fail(
                    mutability,
                    "a service method takes `&self`, not `&mut self`: endpoints share one service \
                     between concurrent requests; keep mutable state behind a lock",
                );
            }
        }
        _ => fail(
            &sig.ident,
            "a service method takes `&self` as its first parameter",
        ),
    }

    let mut context = None;
    let mut params = Vec::new();
    let mut streamed: Option<&Type> = None;
    for (index, input) in inputs.enumerate() {
        let FnArg::Typed(typed) = input else { continue };
        let attrs = attr::param_attrs(cx, &typed.attrs);
        let Pat::Ident(pat) = &*typed.pat else {
            fail(
                &typed.pat,
                "a parameter needs a plain name, which becomes its field name",
            );
            continue;
        };
        if pat.by_ref.is_some() || pat.mutability.is_some() || pat.subpat.is_some() {
            fail(
                &typed.pat,
                "a parameter needs a plain name, which becomes its field name",
            );
            continue;
        }
        if let Some(is_mut) = context_reference(&typed.ty) {
            if index > 0 {
                fail(
                    &typed.ty,
                    "the context must be the first parameter after `&self`",
                );
            } else if is_mut {
                fail(
                    &typed.ty,
                    "the context is shared: take it as `&kit::Context`",
                );
            } else {
                context = Some(ContextParam {
                    name: pat.ident.clone(),
                    ty: (*typed.ty).clone(),
                });
            }
            continue;
        }
        if !owned_type(cx, &typed.ty) {
            continue;
        }
        let ty = match streaming_item(&typed.ty) {
            Some(item) => {
                streamed = Some(&typed.ty);
                item
            }
            None => (*typed.ty).clone(),
        };
        params.push(Param {
            name: pat.ident.clone(),
            ty,
            redact: attrs.redact,
            required: attrs.required,
        });
    }
    let mut streams = Streams::default();
    if let Some(streamed) = streamed {
        streams.requests = true;
        if params.len() > 1 {
            fail(
                streamed,
                "a method that takes a stream takes nothing else beside the context: each \
                 message of the stream is the request; put what else it needs in the \
                 stream's message type",
            );
        }
    }

    let result = match &sig.output {
        ReturnType::Type(_, ty) => result_types(ty).map(|(ok, error)| ((**ty).clone(), ok, error)),
        ReturnType::Default => None,
    };
    let Some((output, ok_type, error)) = result else {
        let at: &dyn quote::ToTokens = match &sig.output {
            ReturnType::Type(_, ty) => ty,
            ReturnType::Default => &sig.ident,
        };
        fail(
            at,
            "a service method returns `Result<T, E>`, where `E` implements `kit::ServiceError`",
        );
        return None;
    };
    let ok_type = match stream_types(&ok_type) {
        Some((item, Some(item_error))) => {
            streams.responses = true;
            if !same_type(&item_error, &error) {
                cx.error_spanned_by(
                    &item_error,
                    format!(
                        "a stream's items fail with the method's error type: write `{}` here",
                        error.to_token_stream()
                    ),
                );
            }
            item
        }
        Some((item, None)) => {
            cx.error_spanned_by(
                &ok_type,
                format!(
                    "name the error type of the stream's items, the method's: \
                     `kit::Stream<{}, {}>`",
                    item.to_token_stream(),
                    error.to_token_stream()
                ),
            );
            item
        }
        None => ok_type,
    };
    owned_type(cx, &ok_type);
    owned_type(cx, &error);

    let attrs = attr::method_attrs(cx, &method.attrs);
    let http = match attrs.http {
        Some(http) => HttpBinding {
            method: http.method,
            path: http.path,
            body: http.body,
            explicit: true,
        },
        None => match default_binding(&sig.ident) {
            Ok(binding) => binding,
            Err(message) => {
                cx.error_spanned_by(
                    &sig.ident,
                    format!("{message}; name the route with `#[kit(http(post = \"/…\"))]`"),
                );
                return None;
            }
        },
    };
    (cx.error_count() == errors_before).then(|| Method {
        name: sig.ident.clone(),
        origin: Origin::Span(sig.ident.span()),
        rpc_name: sig.ident.unraw().to_string().to_upper_camel_case(),
        docs: attr::docs(&method.attrs),
        messages: Messages::Generated,
        rules: Vec::new(),
        idempotency: match (attrs.idempotent, http.method) {
            (false, _) => Idempotency::Unknown,
            (true, HttpMethod::Get) => Idempotency::NoSideEffects,
            (true, _) => Idempotency::Idempotent,
        },
        streams,
        context,
        params,
        output,
        ok: ok_type,
        error,
        http,
    })
}

/// `POST /{kebab-case-name}`, with every parameter in the body. Fails for
/// a name that is not ASCII, which has no plain path.
fn default_binding(name: &syn::Ident) -> Result<HttpBinding, String> {
    let text = format!("/{}", name.unraw().to_string().to_kebab_case());
    let path = PathTemplate::parse(&text, name.span())?;
    Ok(HttpBinding {
        method: HttpMethod::Post,
        path,
        body: None,
        explicit: false,
    })
}

/// `Some(is_mut)` if `ty` is a reference to a type named `Context`: the
/// request context, which is passed apart from the message.
fn context_reference(ty: &Type) -> Option<bool> {
    let Type::Reference(reference) = ty else {
        return None;
    };
    let Type::Path(path) = &*reference.elem else {
        return None;
    };
    let last = path.path.segments.last()?;
    (last.ident == "Context" && last.arguments.is_none()).then_some(reference.mutability.is_some())
}

/// `(T, E)` if `ty` is `Result<T, E>` (by any path).
fn result_types(ty: &Type) -> Option<(Type, Type)> {
    match type_args(ty, "Result")?.as_slice() {
        [ok, error] => Some((ok.clone(), error.clone())),
        _ => None,
    }
}

/// `(T, Some(E))` if `ty` is `Stream<T, E>` (by any path, `kit::Stream` as
/// written): what a server streaming method returns; `(T, None)` for
/// `Stream<T>`, whose error type is left to its default.
fn stream_types(ty: &Type) -> Option<(Type, Option<Type>)> {
    match type_args(ty, "Stream")?.as_slice() {
        [item] => Some((item.clone(), None)),
        [item, error] => Some((item.clone(), Some(error.clone()))),
        _ => None,
    }
}

/// `T` if `ty` is `Streaming<T>` (by any path, `kit::Streaming` as
/// written): what a client streaming method takes.
fn streaming_item(ty: &Type) -> Option<Type> {
    match type_args(ty, "Streaming")?.as_slice() {
        [item] => Some(item.clone()),
        _ => None,
    }
}

/// The type arguments of `ty` if it is `{name}<…>`, by any path, and has
/// only type arguments.
fn type_args(ty: &Type, name: &str) -> Option<Vec<Type>> {
    let Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != name {
        return None;
    }
    let PathArguments::AngleBracketed(args) = &last.arguments else {
        return None;
    };
    args.args
        .iter()
        .map(|arg| match arg {
            GenericArgument::Type(ty) => Some(ty.clone()),
            _ => None,
        })
        .collect()
}

/// Whether two types are written alike, or name the same path's last
/// segment alike (`OrderError` and `crate::OrderError`).
fn same_type(a: &Type, b: &Type) -> bool {
    let text = |ty: &Type| ty.to_token_stream().to_string();
    if text(a) == text(b) {
        return true;
    }
    match (a, b) {
        (Type::Path(a), Type::Path(b)) if a.qself.is_none() && b.qself.is_none() => {
            let last = |path: &syn::TypePath| {
                path.path
                    .segments
                    .last()
                    .map(|segment| segment.to_token_stream().to_string())
            };
            last(a) == last(b)
        }
        _ => false,
    }
}

/// Checks that a type can live in an owned message: no references, no
/// `impl Trait`, no `_`. Reports each offender and returns whether there
/// were none.
fn owned_type(cx: &Diagnostics, ty: &Type) -> bool {
    struct Borrows<'cx> {
        cx: &'cx Diagnostics,
        clean: bool,
    }
    impl<'ast> Visit<'ast> for Borrows<'_> {
        fn visit_type_reference(&mut self, reference: &'ast syn::TypeReference) {
            self.cx.error_spanned_by(
                reference,
                "a message owns its data, so this cannot be a reference: \
                 use `String` for `&str`, `Vec<T>` for `&[T]`",
            );
            self.clean = false;
        }
        fn visit_type_impl_trait(&mut self, impl_trait: &'ast syn::TypeImplTrait) {
            self.cx.error_spanned_by(
                impl_trait,
                "a message field needs a concrete type, not `impl Trait`",
            );
            self.clean = false;
        }
        fn visit_type_infer(&mut self, infer: &'ast syn::TypeInfer) {
            self.cx
                .error_spanned_by(infer, "a message field needs a concrete type, not `_`");
            self.clean = false;
        }
    }
    let mut borrows = Borrows { cx, clean: true };
    borrows.visit_type(ty);
    borrows.clean
}
