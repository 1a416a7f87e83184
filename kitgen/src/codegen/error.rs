//! The impls behind `#[derive(kit::Error)]`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Fields, Type};

use crate::model::{BusinessVariant, ErrorEnum};

/// `kit::ServiceError` and the two `From` conversions.
pub fn error_derive(error: &ErrorEnum) -> TokenStream {
    let name = &error.name;
    let transport = &error.transport;
    let message = quote_spanned! {name.span()=> ::std::string::ToString::to_string(&self) };
    let into_arms = error.variants.iter().map(into_error_arm);
    let from_arms = error.variants.iter().map(from_error_arm);
    let described = error.variants.iter().map(described_variant);
    let code_arms = error.variants.iter().map(|variant| {
        let (ident, code) = (&variant.name, &variant.code);
        quote!(Self::#ident { .. } => ::kit::Code::#code,)
    });
    quote! {
        #[automatically_derived]
        impl ::kit::ServiceError for #name {
            fn code(&self) -> ::kit::Code {
                match self {
                    #(#code_arms)*
                    Self::#transport(error) => error.code(),
                }
            }

            fn into_error(self) -> ::kit::Error {
                let message = #message;
                match self {
                    #(#into_arms)*
                    Self::#transport(error) => error.without_variant(),
                }
            }

            fn variants() -> ::std::vec::Vec<::kit::proto::schema::http::ErrorVariant> {
                ::std::vec::Vec::from([#(#described),*])
            }

            fn from_error(error: ::kit::Error) -> Self {
                let details = error.details();
                let rebuilt: ::core::option::Option<Self> = match error.variant() {
                    #(#from_arms)*
                    _ => ::core::option::Option::None,
                };
                match rebuilt {
                    ::core::option::Option::Some(variant) => variant,
                    ::core::option::Option::None => Self::#transport(error),
                }
            }
        }

        #[automatically_derived]
        impl ::core::convert::From<::kit::Error> for #name {
            fn from(error: ::kit::Error) -> Self {
                <Self as ::kit::ServiceError>::from_error(error)
            }
        }

        #[automatically_derived]
        impl ::core::convert::From<#name> for ::kit::Error {
            fn from(error: #name) -> Self {
                ::kit::ServiceError::into_error(error)
            }
        }
    }
}

/// What the OpenAPI document says of a variant: its name, docs, code,
/// status, and the names of its details' fields.
fn described_variant(variant: &BusinessVariant) -> TokenStream {
    let (name, code) = (variant.name.unraw().to_string(), &variant.code);
    let docs = super::strings(&variant.docs);
    let status = match &variant.http {
        Some(status) => quote!(#status),
        None => quote!(::kit::Code::#code.http_status().as_u16()),
    };
    let details = match &variant.fields {
        Fields::Named(fields) => super::strings(
            &fields
                .named
                .iter()
                .filter_map(|field| field.ident.as_ref())
                .map(|field| field.unraw().to_string())
                .collect::<Vec<_>>(),
        ),
        Fields::Unnamed(_) | Fields::Unit => quote!(::std::vec::Vec::new()),
    };
    quote! {
        ::kit::proto::schema::http::ErrorVariant {
            name: ::std::string::String::from(#name),
            docs: #docs,
            code: ::std::string::String::from(::kit::Code::#code.as_str()),
            status: #status,
            details: #details,
        }
    }
}

/// The locals a variant's fields are bound to: `field_0`, `field_1`, …,
/// so that no field name can shadow the arm's own locals.
fn bindings(fields: &Fields) -> Vec<syn::Ident> {
    (0..fields.len())
        .map(|index| format_ident!("field_{index}"))
        .collect()
}

/// `Self::V { a: field_0, .. }` or `Self::V(field_0, ..)` or `Self::V`.
fn pattern(variant: &BusinessVariant, bound: &[syn::Ident]) -> TokenStream {
    let name = &variant.name;
    match &variant.fields {
        Fields::Unit => quote!(Self::#name),
        Fields::Unnamed(_) => quote!(Self::#name(#(#bound),*)),
        Fields::Named(fields) => {
            let names = fields.named.iter().map(|field| &field.ident);
            quote!(Self::#name { #(#names: #bound),* })
        }
    }
}

fn wire_name(variant: &BusinessVariant) -> String {
    variant.name.unraw().to_string()
}

fn into_error_arm(variant: &BusinessVariant) -> TokenStream {
    let bound = bindings(&variant.fields);
    let pattern = pattern(variant, &bound);
    let code = &variant.code;
    let wire = wire_name(variant);
    let types: Vec<&Type> = variant.fields.iter().map(|field| &field.ty).collect();
    let details = match &variant.fields {
        Fields::Unit => quote!(::core::option::Option::None),
        Fields::Unnamed(_) if bound.len() == 1 => {
            let span = types[0].span();
            quote_spanned!(span=> ::kit::__private::details::encode(&field_0))
        }
        Fields::Unnamed(_) => quote!(::kit::__private::details::encode(&(#(&#bound,)*))),
        Fields::Named(fields) => {
            let entries = fields.named.iter().zip(&bound).map(|(field, local)| {
                let key = field
                    .ident
                    .as_ref()
                    .map(|ident| ident.unraw().to_string())
                    .unwrap_or_default();
                let span = field.ty.span();
                quote_spanned!(span=> (#key, ::kit::__private::details::encode(&#local)))
            });
            quote!(::kit::__private::details::object([#(#entries),*]))
        }
    };
    let status = variant
        .http
        .as_ref()
        .map(|status| quote!(.with_http_status(::kit::__private::details::http_status(#status))));
    quote! {
        #pattern => ::kit::Error::new(::kit::Code::#code, message)
            #status
            .with_variant(#wire, #details),
    }
}

fn from_error_arm(variant: &BusinessVariant) -> TokenStream {
    let wire = wire_name(variant);
    let bound = bindings(&variant.fields);
    let pattern = pattern(variant, &bound);
    let types: Vec<&Type> = variant.fields.iter().map(|field| &field.ty).collect();
    let rebuild = match &variant.fields {
        Fields::Unit => quote!(::core::option::Option::Some(#pattern)),
        Fields::Unnamed(_) if bound.len() == 1 => {
            let ty = types[0];
            quote_spanned! {ty.span()=>
                ::kit::__private::details::decode::<#ty>(details).map(|field_0| #pattern)
            }
        }
        Fields::Unnamed(_) => quote! {
            ::kit::__private::details::decode::<(#(#types,)*)>(details)
                .map(|(#(#bound,)*)| #pattern)
        },
        Fields::Named(fields) => {
            let lookups = fields.named.iter().map(|field| {
                let key = field
                    .ident
                    .as_ref()
                    .map(|ident| ident.unraw().to_string())
                    .unwrap_or_default();
                let ty = &field.ty;
                quote_spanned!(ty.span()=> ::kit::__private::details::field::<#ty>(details, #key))
            });
            let somes = bound
                .iter()
                .map(|local| quote!(::core::option::Option::Some(#local)));
            quote! {
                match (#(#lookups,)*) {
                    (#(#somes,)*) => ::core::option::Option::Some(#pattern),
                    #[allow(unreachable_patterns)]
                    _ => ::core::option::Option::None,
                }
            }
        }
    };
    quote! {
        ::core::option::Option::Some(#wire) => #rebuild,
    }
}
