//! The trait as the macro re-emits it.

use quote::{ToTokens, quote};
use syn::spanned::Spanned;
use syn::{ItemTrait, ReturnType, TraitItem, parse_quote, parse_quote_spanned};

use super::is_kit;

/// Rewrites a service trait for the compiler:
///
/// * each `async fn` returns `impl Future<Output = …> + Send` instead, so
///   that servers can run its futures on any thread (implementations may
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
        method.sig.output = parse_quote! {
            -> impl ::core::future::Future<Output = #output> + ::core::marker::Send
        };
        if let Some(block) = &mut method.default {
            let statements = &block.stmts;
            *block = parse_quote_spanned! {span=> { async move { #(#statements)* } } };
        }
    }
    item
}
