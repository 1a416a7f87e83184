//! The service trait and its methods' signatures, said once: the trait as
//! the macro re-emits it, the trait a `.proto` service generates, and the
//! signature every generated impl of the trait writes.

use proc_macro2::TokenStream;
use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{ItemTrait, ReturnType, TraitItem, parse_quote_spanned};

use crate::frontend::rust::is_kit;
use crate::model::{Method, Service};

/// How a method's signature is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Signature {
    /// In the trait: `fn name(…) -> impl Future<Output = …> + Send`.
    Declaration,
    /// In an impl of the trait: `async fn name(…) -> …`.
    Impl,
}

/// `fn sum(&self, ctx: &kit::Context, a: i64, b: i64) -> …`, with the
/// context and parameters as the user wrote them (a stream of requests as
/// `::kit::Streaming` of its messages).
pub(crate) fn signature(method: &Method, form: Signature) -> TokenStream {
    let name = &method.name;
    let ctx = method.context.as_ref().map(|ctx| {
        let (name, ty) = (&ctx.name, &ctx.ty);
        quote!(#name: #ty,)
    });
    let params = method.params.iter().map(|param| {
        let (name, ty) = (&param.name, &param.ty);
        if method.streams.requests {
            quote!(#name: ::kit::Streaming<#ty>)
        } else {
            quote!(#name: #ty)
        }
    });
    let output = &method.output;
    match form {
        Signature::Declaration => {
            let output = send_future(output);
            quote!(fn #name(&self, #ctx #(#params),*) -> #output)
        }
        Signature::Impl => quote!(async fn #name(&self, #ctx #(#params),*) -> #output),
    }
}

/// `impl Future<Output = T> + Send`: what a service method returns, so that
/// servers can run its futures on any thread.
fn send_future(output: &impl ToTokens) -> TokenStream {
    quote!(impl ::core::future::Future<Output = #output> + ::core::marker::Send)
}

/// `pub trait Add: Send + Sync + 'static { fn sum(&self, ctx, request) -> impl Future<…> + Send; }`:
/// the trait of a `.proto` service, which a trait-first service writes by
/// hand.
pub fn service_trait(service: &Service) -> TokenStream {
    let name = &service.name;
    let vis = &service.vis;
    let docs = super::doc(&docs_text(&service.docs));
    let methods = service.methods.iter().map(|method| {
        let docs = super::doc(&docs_text(&method.docs));
        let signature = signature(method, Signature::Declaration);
        quote! {
            #docs
            #signature;
        }
    });
    quote! {
        #docs
        #vis trait #name: ::core::marker::Send + ::core::marker::Sync + 'static {
            #(#methods)*
        }
    }
}

fn docs_text(lines: &[String]) -> String {
    lines
        .iter()
        .map(|line| line.trim_start())
        .collect::<Vec<_>>()
        .join("\n")
}

/// Rewrites a `#[kit::service]` trait for the compiler, keeping everything
/// else the user wrote:
///
/// * each `async fn` returns [`send_future`] instead (implementations may
///   still write `async fn`; a default body becomes an `async move` block);
/// * the `#[kit(…)]` helper attributes are removed.
pub fn rewrite_trait(mut item: ItemTrait) -> ItemTrait {
    for trait_item in &mut item.items {
        let TraitItem::Fn(method) = trait_item else {
            continue;
        };
        method.attrs.retain(|attr| !is_kit(attr));
        for input in &mut method.sig.inputs {
            if let syn::FnArg::Typed(typed) = input {
                typed.attrs.retain(|attr| !is_kit(attr));
            }
        }
        if method.sig.asyncness.take().is_none() {
            continue;
        }
        let (output, span) = match &method.sig.output {
            ReturnType::Default => (quote!(()), method.sig.ident.span()),
            ReturnType::Type(_, ty) => (ty.to_token_stream(), ty.span()),
        };
        let future = send_future(&output);
        method.sig.output = syn::parse_quote!(-> #future);
        if let Some(block) = &mut method.default {
            let statements = &block.stmts;
            *block = parse_quote_spanned! {span=> { async move { #(#statements)* } } };
        }
    }
    item
}
