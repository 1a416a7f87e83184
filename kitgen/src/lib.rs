//! kitgen: Go kit for Rust, as a code generator.
//!
//! A service is a Rust trait. kitgen reads it into one model of the
//! service, checks it, and generates everything between the trait and the network:
//! request and response messages, endpoints, an HTTP/JSON router and a
//! client that implements the same trait. The generated code runs on the
//! `kit` runtime crate.
//!
//! ```text
//!  Rust trait (syn) ──► model::Service ──► check ──► codegen ──► tokens
//! ```
//!
//! The `#[kit::service]` attribute and `#[derive(kit::Error)]` (in
//! `kitgen-macros`, re-exported by `kit`) are thin wrappers over
//! [`expand_service`] and [`expand_error`]; [`expand_file`] expands every
//! annotated item of a source file the same way, for tools and snapshots.

// The interface is the macro crate, the `kitgen` command, and `Builder` for
// build scripts. The pipeline's modules are public only for kitgen's own
// crates and tests, hidden from the docs, and may change in any release.
#[cfg(feature = "proto")]
pub mod breaking;
#[doc(hidden)]
pub mod check;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
#[doc(hidden)]
pub mod codegen;
#[doc(hidden)]
pub mod diagnostics;
#[doc(hidden)]
pub mod frontend;
#[cfg(feature = "proto")]
pub mod generate;
#[doc(hidden)]
pub mod model;
#[cfg(feature = "proto")]
#[doc(hidden)]
pub mod proto_export;

#[cfg(feature = "proto")]
pub use generate::Builder;

use proc_macro2::TokenStream;
use quote::quote;
use syn::{Item, ItemTrait};

use crate::diagnostics::Diagnostics;
use crate::frontend::rust::recognise;

/// Expands `#[kit::service]`: the rewritten trait, then its generated
/// module. Problems become `compile_error!`s at the offending tokens, next
/// to the trait (without kit's attributes), so that code using the trait
/// reports nothing more.
pub fn expand_service(args: TokenStream, input: TokenStream) -> TokenStream {
    let item = match syn::parse2::<ItemTrait>(input.clone()) {
        Ok(item) => item,
        Err(_) => {
            let error = if input.is_empty() {
                syn::Error::new(
                    proc_macro2::Span::call_site(),
                    "`#[kit::service]` goes on a trait",
                )
            } else {
                syn::Error::new_spanned(&input, "`#[kit::service]` goes on a trait")
            };
            let error = error.into_compile_error();
            return quote!(#error #input);
        }
    };
    let cx = Diagnostics::new();
    let service = frontend::rust::parse_service(&cx, args, &item);
    check::check(&cx, &service);
    let rewritten = codegen::rewrite_trait(item);
    match cx.finish() {
        Ok(()) => {
            let module = codegen::service_module(&service);
            quote!(#rewritten #module)
        }
        Err(errors) => {
            let errors = errors.into_compile_error();
            quote!(#rewritten #errors)
        }
    }
}

/// Expands `#[derive(kit::Error)]`.
pub fn expand_error(input: TokenStream) -> TokenStream {
    expand_derive(input, frontend::rust::parse_error, codegen::error_derive)
}

/// Expands `#[derive(kit::Message)]`.
pub fn expand_message(input: TokenStream) -> TokenStream {
    expand_derive(
        input,
        frontend::rust::parse_message,
        codegen::message_derive,
    )
}

/// A derive, through the pipeline every input takes: the frontend builds
/// the model, reporting problems to one [`Diagnostics`], and a generator
/// reads it. Problems become `compile_error!`s.
fn expand_derive<T>(
    input: TokenStream,
    parse: fn(&Diagnostics, &syn::DeriveInput) -> Option<T>,
    generate: fn(&T) -> TokenStream,
) -> TokenStream {
    let cx = Diagnostics::new();
    let parsed = syn::parse2::<syn::DeriveInput>(input)
        .map_err(|error| cx.push(error))
        .ok()
        .and_then(|input| parse(&cx, &input));
    match (cx.finish(), parsed) {
        (Ok(()), Some(model)) => generate(&model),
        (Err(errors), _) => errors.into_compile_error(),
        // A frontend reports why whenever it returns `None`.
        (Ok(()), None) => TokenStream::new(),
    }
}

/// Expands a whole source file as the compiler would: each
/// `#[kit::service]` trait becomes its expansion, and each
/// `#[derive(kit::Error)]` enum is followed by its impls. Nested inline
/// modules are expanded too.
pub fn expand_file(file: &syn::File) -> syn::Result<syn::File> {
    let mut expanded = file.clone();
    expanded.items = expand_items(&file.items)?;
    Ok(expanded)
}

fn expand_items(items: &[Item]) -> syn::Result<Vec<Item>> {
    let imported = recognise::imported_from_kit(items);
    let mut expanded = Vec::new();
    for item in items {
        match item {
            Item::Trait(item) if item.attrs.iter().any(recognise::is_service_attr) => {
                let mut item = item.clone();
                let position = item.attrs.iter().position(recognise::is_service_attr);
                let attr = position.map(|index| item.attrs.remove(index));
                let args = match attr.map(|attr| attr.meta) {
                    Some(syn::Meta::List(list)) => list.tokens,
                    _ => TokenStream::new(),
                };
                let tokens = expand_service(args, quote!(#item));
                expanded.extend(syn::parse2::<syn::File>(tokens)?.items);
            }
            Item::Enum(item) if recognise::derives(&item.attrs, "Error", &imported) => {
                expanded.push(Item::Enum(item.clone()));
                let tokens = expand_error(quote!(#item));
                expanded.extend(syn::parse2::<syn::File>(tokens)?.items);
            }
            Item::Enum(_) | Item::Struct(_)
                if recognise::derives(recognise::item_attrs(item), "Message", &imported) =>
            {
                expanded.push(item.clone());
                let tokens = expand_message(quote!(#item));
                expanded.extend(syn::parse2::<syn::File>(tokens)?.items);
            }
            Item::Mod(module) if module.content.is_some() => {
                let mut module = module.clone();
                if let Some((_, items)) = &mut module.content {
                    *items = expand_items(items)?;
                }
                expanded.push(Item::Mod(module));
            }
            other => expanded.push(other.clone()),
        }
    }
    Ok(expanded)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_input_is_an_error_not_a_panic() {
        let output = expand_service(TokenStream::new(), TokenStream::new()).to_string();
        assert!(output.contains("compile_error"), "{output}");
        assert!(output.contains("goes on a trait"), "{output}");
        let output = expand_error(TokenStream::new()).to_string();
        assert!(output.contains("compile_error"), "{output}");
    }

    #[test]
    fn arbitrary_tokens_are_an_error_not_a_panic() {
        for input in [
            "struct S;",
            "fn f() {}",
            "trait",
            "1 + 2",
            "trait T { fn }",
            "trait T { async fn f(self); }",
        ] {
            let tokens: TokenStream = input.parse().unwrap();
            let output = expand_service(TokenStream::new(), tokens.clone()).to_string();
            assert!(output.contains("compile_error"), "{input}: {output}");
            let output = expand_error(tokens).to_string();
            assert!(output.contains("compile_error"), "{input}: {output}");
        }
    }
}
