//! `#[derive(kit::Message)]`: protobuf and serde for the user's own types.

use proc_macro2::TokenStream;
use quote::quote;

use super::protobuf::{self, ProtoField};
use crate::model::{MessageKind, MessageType};

/// The derive's output, inside one `const _` block so that its helper items
/// cannot collide with the user's.
pub fn message_derive(message: &MessageType) -> TokenStream {
    let name = &message.name;
    let protobuf = match &message.kind {
        MessageKind::Struct(fields) => {
            let fields: Vec<ProtoField<'_>> = fields
                .iter()
                .map(|field| ProtoField {
                    member: &field.name,
                    ty: &field.ty,
                    tag: field.tag,
                    encoding: field.encoding,
                    docs: &field.docs,
                })
                .collect();
            protobuf::message_impls(name, &message.docs, &fields)
        }
        MessageKind::Enum(values) => protobuf::enum_impls(name, &message.docs, values),
    };
    let serde = serde_impls(message);
    quote! {
        const _: () = {
            #protobuf
            #serde
        };
    }
}

/// `Serialize` and `Deserialize` through serde's remote derive: a shadow
/// type with the same shape (and the user's `#[serde]` attributes) does
/// the work, so serde's own derive handles every detail.
fn serde_impls(message: &MessageType) -> TokenStream {
    let name = &message.name;
    let remote = name.to_string();
    let container_attrs = &message.serde_attrs;
    let shadow = match &message.kind {
        MessageKind::Struct(fields) if fields.is_empty() => quote!(
            struct Shadow;
        ),
        MessageKind::Struct(fields) => {
            let fields = fields.iter().map(|field| {
                let (member, ty, attrs) = (&field.name, &field.ty, &field.serde_attrs);
                // Absent means the default, as in proto3 and Go, unless the
                // field is required or the user's own serde says otherwise.
                let default = (!field.required && !says_default_or_flatten(attrs))
                    .then(|| quote!(#[serde(default)]));
                // The proto3 JSON spelling is read too, unless the user
                // names the field in JSON themselves.
                let alias = (!says(attrs, "rename"))
                    .then(|| crate::model::names::json_alias(member))
                    .flatten();
                quote!(#default #alias #(#attrs)* #member: #ty)
            });
            quote!(struct Shadow { #(#fields,)* })
        }
        MessageKind::Enum(values) => {
            let variants = values.iter().map(|value| {
                let (variant, attrs) = (&value.name, &value.serde_attrs);
                quote!(#(#attrs)* #variant)
            });
            quote!(enum Shadow { #(#variants,)* })
        }
    };
    let serde = quote!(::kit::__private::serde);
    quote! {
        #[derive(#serde::Serialize, #serde::Deserialize)]
        #[serde(crate = "::kit::__private::serde", remote = #remote)]
        #(#container_attrs)*
        #[allow(dead_code)]
        #shadow

        #[automatically_derived]
        impl #serde::Serialize for #name {
            fn serialize<S: #serde::Serializer>(
                &self,
                serializer: S,
            ) -> ::core::result::Result<S::Ok, S::Error> {
                Shadow::serialize(self, serializer)
            }
        }

        #[automatically_derived]
        impl<'de> #serde::Deserialize<'de> for #name {
            fn deserialize<D: #serde::Deserializer<'de>>(
                deserializer: D,
            ) -> ::core::result::Result<Self, D::Error> {
                Shadow::deserialize(deserializer)
            }
        }
    }
}

/// Whether `#[serde(…)]` attributes already say what an absent field is
/// (`default`, `default = "…"`), or make the field no field of its own
/// (`flatten`), where serde's `default` must not be added.
fn says_default_or_flatten(attrs: &[syn::Attribute]) -> bool {
    says(attrs, "default") || says(attrs, "flatten")
}

/// Whether one of the `#[serde]` attributes `attrs` has the key `key`.
fn says(attrs: &[syn::Attribute], key: &str) -> bool {
    attrs.iter().any(|attr| {
        let mut found = false;
        // Only the keys matter; a value after `=` is skipped.
        let _ = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(key) {
                found = true;
            }
            if meta.input.peek(syn::Token![=]) {
                let _: syn::Expr = meta.value()?.parse()?;
            } else if meta.input.peek(syn::token::Paren) {
                let _content;
                syn::parenthesized!(_content in meta.input);
            }
            Ok(())
        });
        found
    })
}
