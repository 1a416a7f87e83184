//! The protobuf side of a message type: `Default`, `prost::Message`,
//! `kit::proto::Value` and `kit::proto::Describe`, field by field through
//! `kit::proto::Field`. Used for `#[derive(kit::Message)]` types and for the
//! request and response messages of a service.

use heck::ToShoutySnakeCase;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;
use syn::{Ident, Type};

use crate::model::{Encoding, EnumValue};

/// A field as the protobuf generators see it.
pub(crate) struct ProtoField<'a> {
    /// The struct member.
    pub(crate) member: &'a Ident,
    /// Its Rust type.
    pub(crate) ty: &'a Type,
    /// Its field number.
    pub(crate) tag: u32,
    /// How its integers are encoded.
    pub(crate) encoding: Encoding,
    /// Its doc lines.
    pub(crate) docs: &'a [String],
}

impl ProtoField<'_> {
    /// `<T as ::kit::proto::Field<E>>`, spanned at the field's type so that
    /// an unsupported type is reported there.
    fn field_trait(&self) -> TokenStream {
        let ty = self.ty;
        let encoding = match self.encoding {
            Encoding::Plain => quote!(::kit::proto::Plain),
            Encoding::Sint => quote!(::kit::proto::Sint),
            Encoding::Fixed => quote!(::kit::proto::Fixed),
        };
        quote_spanned!(ty.span()=> <#ty as ::kit::proto::Field<#encoding>>)
    }

    fn name(&self) -> String {
        self.member.unraw().to_string()
    }
}

/// Everything a message needs to travel as protobuf.
pub(crate) fn message_impls(
    name: &Ident,
    docs: &[String],
    fields: &[ProtoField<'_>],
) -> TokenStream {
    let prost = quote!(::kit::__private::prost);
    let defaults = fields.iter().map(|field| {
        let member = field.member;
        quote_spanned!(field.ty.span()=> #member: ::core::default::Default::default())
    });
    let encodes = fields.iter().map(|field| {
        let (member, tag, field_trait) = (field.member, field.tag, field.field_trait());
        quote!(#field_trait::encode_field(&self.#member, #tag, buf);)
    });
    let message_name = name.unraw().to_string();
    let merges = fields.iter().map(|field| {
        let (member, tag, field_trait) = (field.member, field.tag, field.field_trait());
        let field_name = field.name();
        quote! {
            #tag => #field_trait::merge_field(&mut self.#member, wire_type, buf, ctx)
                .map_err(|error| ::kit::proto::in_field(error, #message_name, #field_name)),
        }
    });
    let lens = fields.iter().map(|field| {
        let (member, tag, field_trait) = (field.member, field.tag, field.field_trait());
        quote!(#field_trait::field_len(&self.#member, #tag))
    });
    let len = if fields.is_empty() {
        quote!(0)
    } else {
        quote!(#(#lens)+*)
    };
    let clears = fields.iter().map(|field| {
        let (member, field_trait) = (field.member, field.field_trait());
        quote!(#field_trait::clear_field(&mut self.#member);)
    });
    let described = fields.iter().map(|field| {
        let (tag, field_trait, field_name) = (field.tag, field.field_trait(), field.name());
        let docs = super::strings(field.docs);
        quote! {
            ::kit::proto::schema::Field {
                name: ::std::string::String::from(#field_name),
                number: #tag,
                docs: #docs,
                ty: #field_trait::field_type(registry),
            }
        }
    });
    let described = super::vec_of(described);
    let docs = super::strings(docs);
    let (unused_buf, unused_registry) = if fields.is_empty() {
        (quote!(let _ = buf;), quote!(let _ = registry;))
    } else {
        (quote!(), quote!())
    };
    quote! {
        #[automatically_derived]
        impl ::core::default::Default for #name {
            fn default() -> Self {
                Self { #(#defaults,)* }
            }
        }

        #[automatically_derived]
        impl #prost::Message for #name {
            fn encode_raw(&self, buf: &mut impl #prost::bytes::BufMut) {
                #unused_buf
                #(#encodes)*
            }

            fn merge_field(
                &mut self,
                tag: u32,
                wire_type: #prost::encoding::WireType,
                buf: &mut impl #prost::bytes::Buf,
                ctx: #prost::encoding::DecodeContext,
            ) -> ::core::result::Result<(), #prost::DecodeError> {
                match tag {
                    #(#merges)*
                    _ => ::kit::proto::skip_unknown(tag, wire_type, buf, ctx),
                }
            }

            fn encoded_len(&self) -> usize {
                #len
            }

            fn clear(&mut self) {
                #(#clears)*
            }
        }

        #[automatically_derived]
        impl ::kit::proto::ProtoMessage for #name {}

        #[automatically_derived]
        impl ::kit::proto::Describe for #name {
            const NAME: &'static str = #message_name;
            const IS_ENUM: bool = false;

            fn describe(registry: &mut ::kit::proto::Registry) -> ::kit::proto::Definition {
                #unused_registry
                ::kit::proto::Definition::Message(::kit::proto::schema::Message {
                    name: ::std::string::String::from(#message_name),
                    docs: #docs,
                    fields: #described,
                })
            }
        }
    }
}

/// Everything a C-like enum needs to travel as a protobuf enum: numbers on
/// the wire, prefixed value names in the schema. A number the enum does not
/// know decodes as the default value (the one numbered 0).
pub(crate) fn enum_impls(name: &Ident, docs: &[String], values: &[EnumValue]) -> TokenStream {
    let prost = quote!(::kit::__private::prost);
    let enum_name = name.unraw().to_string();
    let default = values
        .iter()
        .find(|value| value.number == 0)
        .map(|value| &value.name);
    let to_number = values.iter().map(|value| {
        let (variant, number) = (&value.name, value.number);
        quote!(#name::#variant => #number)
    });
    let from_number = values.iter().map(|value| {
        let (variant, number) = (&value.name, value.number);
        quote!(#number => #name::#variant)
    });
    let described = values.iter().map(|value| {
        let number = value.number;
        let proto_name = format!(
            "{}_{}",
            enum_name.to_shouty_snake_case(),
            value.name.unraw().to_string().to_shouty_snake_case()
        );
        let docs = super::strings(&value.docs);
        quote! {
            ::kit::proto::schema::EnumValue {
                name: ::std::string::String::from(#proto_name),
                number: #number,
                docs: #docs,
            }
        }
    });
    let described = super::vec_of(described);
    let docs = super::strings(docs);
    quote! {
        fn number(value: &#name) -> i32 {
            match value { #(#to_number,)* }
        }

        fn from_number(number: i32) -> #name {
            match number {
                #(#from_number,)*
                _ => <#name as ::core::default::Default>::default(),
            }
        }

        #[automatically_derived]
        impl ::core::default::Default for #name {
            fn default() -> Self {
                Self::#default
            }
        }

        #[automatically_derived]
        impl ::kit::proto::Value for #name {

            fn encode_value(&self, tag: u32, buf: &mut impl #prost::bytes::BufMut) {
                #prost::encoding::int32::encode(tag, &number(self), buf);
            }

            fn merge_value(
                &mut self,
                wire_type: #prost::encoding::WireType,
                buf: &mut impl #prost::bytes::Buf,
                ctx: #prost::encoding::DecodeContext,
            ) -> ::core::result::Result<(), #prost::DecodeError> {
                let mut raw = 0_i32;
                #prost::encoding::int32::merge(wire_type, &mut raw, buf, ctx)?;
                *self = from_number(raw);
                ::core::result::Result::Ok(())
            }

            fn value_len(&self, tag: u32) -> usize {
                #prost::encoding::int32::encoded_len(tag, &number(self))
            }

            fn is_default(&self) -> bool {
                number(self) == 0
            }

            fn proto_type(registry: &mut ::kit::proto::Registry) -> ::kit::proto::schema::Type {
                registry.reference::<Self>()
            }

            fn encode_repeated(values: &[Self], tag: u32, buf: &mut impl #prost::bytes::BufMut) {
                let raw: ::std::vec::Vec<i32> = values.iter().map(number).collect();
                #prost::encoding::int32::encode_packed(tag, &raw, buf);
            }

            fn merge_repeated(
                values: &mut ::std::vec::Vec<Self>,
                wire_type: #prost::encoding::WireType,
                buf: &mut impl #prost::bytes::Buf,
                ctx: #prost::encoding::DecodeContext,
            ) -> ::core::result::Result<(), #prost::DecodeError> {
                let mut raw = ::std::vec::Vec::new();
                #prost::encoding::int32::merge_repeated(wire_type, &mut raw, buf, ctx)?;
                values.extend(raw.into_iter().map(from_number));
                ::core::result::Result::Ok(())
            }

            fn repeated_len(values: &[Self], tag: u32) -> usize {
                let raw: ::std::vec::Vec<i32> = values.iter().map(number).collect();
                #prost::encoding::int32::encoded_len_packed(tag, &raw)
            }
        }

        #[automatically_derived]
        impl ::kit::proto::Describe for #name {
            const NAME: &'static str = #enum_name;
            const IS_ENUM: bool = true;

            fn describe(_: &mut ::kit::proto::Registry) -> ::kit::proto::Definition {
                ::kit::proto::Definition::Enum(::kit::proto::schema::Enum {
                    name: ::std::string::String::from(#enum_name),
                    docs: #docs,
                    values: #described,
                })
            }
        }
    }
}
