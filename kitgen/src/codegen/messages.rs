//! `{Method}Request` and `{Method}Response`: the messages of each method.

use proc_macro2::TokenStream;
use quote::quote;
use syn::Type;
use syn::ext::IdentExt;

use super::{doc_link, names};
use crate::model::{Method, Service};

/// The request struct: one public field per parameter, named after it, so
/// that its JSON form uses the parameter names.
pub(crate) fn request_struct(service: &Service, method: &Method) -> TokenStream {
    let name = names::request_struct(method);
    let doc = format!("The request of {}.", doc_link(service, method));
    let doc = super::doc(&doc);
    let fields = method.params.iter().map(|param| {
        let field = &param.name;
        let ty = &param.ty;
        let doc = format!("The `{}` parameter.", field.unraw());
        let doc = super::doc(&doc);
        quote! {
            #doc
            pub #field: #ty
        }
    });
    quote! {
        #doc
        #[derive(::core::fmt::Debug, ::kit::__private::serde::Serialize, ::kit::__private::serde::Deserialize)]
        #[serde(crate = "::kit::__private::serde")]
        pub struct #name {
            #(#fields,)*
        }
    }
}

/// The response struct. It serializes as the return value itself; a method
/// that returns `()` answers `{}`.
pub(crate) fn response_struct(service: &Service, method: &Method) -> TokenStream {
    let name = names::response_struct(method);
    let doc = format!("The response of {}.", doc_link(service, method));
    let doc = super::doc(&doc);
    let ok = &method.ok;
    if is_unit(ok) {
        return quote! {
            #doc
            #[derive(::core::fmt::Debug, ::kit::__private::serde::Serialize, ::kit::__private::serde::Deserialize)]
            #[serde(crate = "::kit::__private::serde")]
            pub struct #name {}
        };
    }
    quote! {
        #doc
        #[derive(::core::fmt::Debug, ::kit::__private::serde::Serialize, ::kit::__private::serde::Deserialize)]
        #[serde(crate = "::kit::__private::serde", transparent)]
        pub struct #name {
            /// What the method returned.
            pub value: #ok,
        }
    }
}

/// An expression that wraps the method's return value `value` (an
/// identifier in scope) in its response struct.
pub(crate) fn wrap_response(method: &Method, value: &TokenStream) -> TokenStream {
    let name = names::response_struct(method);
    if is_unit(&method.ok) {
        quote!({ let () = #value; #name {} })
    } else {
        quote!(#name { value: #value })
    }
}

/// A closure that takes the response struct apart into the return value.
pub(crate) fn unwrap_response(method: &Method) -> TokenStream {
    let name = names::response_struct(method);
    if is_unit(&method.ok) {
        quote!(|#name {}| ())
    } else {
        quote!(|response: #name| response.value)
    }
}

/// Whether the type is written `()`.
fn is_unit(ty: &Type) -> bool {
    matches!(ty, Type::Tuple(tuple) if tuple.elems.is_empty())
}
