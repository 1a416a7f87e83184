//! `{Method}Request` and `{Method}Response`: the messages of each method.

use proc_macro2::TokenStream;
use quote::{ToTokens, format_ident, quote, quote_spanned};
use syn::Type;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::doc_link;
use super::protobuf::{self, ProtoField};
use crate::model::names;
use crate::model::{Encoding, Messages, Method, Service};

/// The request struct: one public field per parameter, named after it, so
/// that its JSON form uses the parameter names.
pub(crate) fn request_struct(service: &Service, method: &Method) -> TokenStream {
    let name = names::request_struct(method);
    let doc = super::doc(&format!("The request of {}.", doc_link(service, method)));
    let fields: Vec<Field<'_>> = method
        .params
        .iter()
        .map(|param| Field {
            name: param.name.clone(),
            ty: &param.ty,
            doc: if param.redact {
                format!(
                    "The `{}` parameter; `Debug` shows it as `<redacted>`.",
                    param.name.unraw()
                )
            } else {
                format!("The `{}` parameter.", param.name.unraw())
            },
            redact: param.redact,
            // A transparent struct's one field is never absent.
            required: param.required || method.streams.requests,
        })
        .collect();
    // A stream's message is its one field's value, as a response is.
    if method.streams.requests {
        return message_struct(&name, &doc, &fields, quote!(, transparent));
    }
    message_struct(&name, &doc, &fields, quote!())
}

/// The response struct. It serializes as the return value itself; a method
/// that returns `()` answers `{}`.
pub(crate) fn response_struct(service: &Service, method: &Method) -> TokenStream {
    let name = names::response_struct(method);
    let doc = super::doc(&format!("The response of {}.", doc_link(service, method)));
    if is_unit(&method.ok) {
        return message_struct(&name, &doc, &[], quote!());
    }
    let value = Field {
        name: format_ident!("value"),
        ty: &method.ok,
        doc: "What the method returned.".to_owned(),
        redact: false,
        // The struct is the value itself (`transparent`): never absent.
        required: true,
    };
    message_struct(&name, &doc, &[value], quote!(, transparent))
}

struct Field<'a> {
    name: syn::Ident,
    ty: &'a Type,
    doc: String,
    /// Shown as `<redacted>` by `Debug`.
    redact: bool,
    /// Refused when absent from JSON, rather than its type's default.
    required: bool,
}

impl Field<'_> {
    /// Fields are numbered in order, from 1.
    fn proto(&self, index: usize) -> ProtoField<'_> {
        ProtoField {
            member: &self.name,
            ty: self.ty,
            tag: u32::try_from(index + 1).unwrap_or(u32::MAX),
            encoding: Encoding::Plain,
            docs: &[],
        }
    }
}

/// A message struct with serde's derives, protobuf, and `Clone` and `Debug`
/// written out so that a field type without them is reported at that type
/// (`#[derive(Clone, Debug)]` reports it at `#[kit::service]`; see
/// docs/decisions.md, 23).
fn message_struct(
    name: &syn::Ident,
    doc: &TokenStream,
    fields: &[Field<'_>],
    serde: TokenStream,
) -> TokenStream {
    let declarations = fields.iter().map(|field| {
        let (member, ty) = (&field.name, field.ty);
        let doc = super::doc(&field.doc);
        // Spanned at the type, where a type without `Default` is reported.
        let default = (!field.required).then(|| quote_spanned!(ty.span()=> #[serde(default)]));
        let alias = names::json_alias(member);
        quote! {
            #doc
            #default
            #alias
            pub #member: #ty
        }
    });
    let clones = fields.iter().map(|field| {
        let member = &field.name;
        quote_spanned!(field.ty.span()=> #member: ::core::clone::Clone::clone(&self.#member))
    });
    let debugs = fields.iter().map(|field| {
        let member = &field.name;
        let label = member.unraw().to_string();
        if field.redact {
            quote!(.field(#label, &::core::format_args!("<redacted>")))
        } else {
            quote_spanned!(field.ty.span()=> .field(#label, &self.#member))
        }
    });
    let label = name.to_string();
    let proto_fields: Vec<ProtoField<'_>> = fields
        .iter()
        .enumerate()
        .map(|(index, field)| field.proto(index))
        .collect();
    let protobuf = protobuf::message_impls(name, &[], &proto_fields);
    quote! {
        #doc
        #[derive(::kit::__private::serde::Serialize, ::kit::__private::serde::Deserialize)]
        #[serde(crate = "::kit::__private::serde" #serde)]
        pub struct #name {
            #(#declarations,)*
        }

        #[automatically_derived]
        impl ::core::clone::Clone for #name {
            fn clone(&self) -> Self {
                Self { #(#clones,)* }
            }
        }

        #[automatically_derived]
        impl ::core::fmt::Debug for #name {
            fn fmt(&self, f: &mut ::core::fmt::Formatter<'_>) -> ::core::fmt::Result {
                f.debug_struct(#label) #(#debugs)* .finish()
            }
        }

        #protobuf
    }
}

/// The request message's type: the generated struct, or the existing
/// message.
pub(crate) fn request_type(method: &Method) -> TokenStream {
    match (&method.messages, method.params.first()) {
        (Messages::Existing { .. }, Some(request)) => request.ty.to_token_stream(),
        _ => names::request_struct(method).to_token_stream(),
    }
}

/// The response message's type; for a server streaming method, the type
/// of each message.
pub(crate) fn response_type(method: &Method) -> TokenStream {
    match &method.messages {
        Messages::Existing { .. } => method.ok.to_token_stream(),
        Messages::Generated => names::response_struct(method).to_token_stream(),
    }
}

/// What the method's endpoint takes: its request message, or a
/// `kit::Streaming` of them.
pub(crate) fn endpoint_request_type(method: &Method) -> TokenStream {
    let request = request_type(method);
    if method.streams.requests {
        quote!(::kit::Streaming<#request>)
    } else {
        request
    }
}

/// What the method's endpoint answers: its response message, or a
/// `kit::Streaming` of them.
pub(crate) fn endpoint_response_type(method: &Method) -> TokenStream {
    let response = response_type(method);
    if method.streams.responses {
        quote!(::kit::Streaming<#response>)
    } else {
        response
    }
}

/// An expression, in a trait method's body, that builds the request
/// message from the method's parameters.
pub(crate) fn build_request(method: &Method) -> TokenStream {
    match (&method.messages, method.params.first()) {
        (Messages::Existing { .. }, Some(request)) => request.name.to_token_stream(),
        (Messages::Generated, Some(streamed)) if method.streams.requests => {
            let name = names::request_struct(method);
            let field = &streamed.name;
            quote!(#field.map_items(|#field| #name { #field }, |error| error))
        }
        _ => {
            let name = names::request_struct(method);
            let fields = method.params.iter().map(|param| &param.name);
            quote!(#name { #(#fields,)* })
        }
    }
}

/// The arguments, after the context, that call the service method with the
/// fields of `message` (an identifier in scope holding the request).
pub(crate) fn call_arguments(method: &Method, message: &TokenStream) -> TokenStream {
    match &method.messages {
        Messages::Existing { .. } => quote!(#message),
        Messages::Generated if method.streams.requests => {
            // The one parameter, the stream of its messages' values.
            let name = names::request_struct(method);
            let field: Vec<_> = method.params.iter().map(|param| &param.name).collect();
            quote!(#message.map_items(|#name { #(#field)* }| #(#field)*, |error| error))
        }
        Messages::Generated => {
            let args = method.params.iter().map(|param| {
                let name = &param.name;
                quote!(#message.#name)
            });
            quote!(#(#args),*)
        }
    }
}

/// `.map(…)` that turns the response message into the method's return
/// value, or each of a stream's messages and errors into the method's;
/// nothing for an existing message, which is the return value.
pub(crate) fn map_response(method: &Method) -> TokenStream {
    match &method.messages {
        Messages::Existing { .. } => TokenStream::new(),
        Messages::Generated if method.streams.responses => {
            let unwrap = unwrap_response(method);
            let from_error = super::service_error_fn(method, "from_error");
            quote!(.map(|stream| stream.map_items(#unwrap, #from_error)))
        }
        Messages::Generated => {
            let unwrap = unwrap_response(method);
            quote!(.map(#unwrap))
        }
    }
}

/// `.map(…)` that turns the method's return value into what its endpoint
/// answers: the response message, or a stream of them with the method's
/// errors as `kit::Error`s, bounded by the call in `ctx` (its deadline, and
/// its server's shutdown).
pub(crate) fn map_to_answer(method: &Method, ctx: &TokenStream) -> TokenStream {
    match (&method.messages, method.streams.responses) {
        (Messages::Existing { .. }, false) => TokenStream::new(),
        (Messages::Existing { .. }, true) => quote!(.map(|stream| stream.bounded_by(&#ctx))),
        (Messages::Generated, false) => {
            let wrap = wrap_response(method);
            quote!(.map(#wrap))
        }
        (Messages::Generated, true) => {
            let wrap = wrap_response(method);
            let into_error = super::service_error_fn(method, "into_error");
            quote!(.map(|stream| stream.map_items(#wrap, #into_error).bounded_by(&#ctx)))
        }
    }
}

/// A closure that wraps the method's return value in its generated
/// response message.
fn wrap_response(method: &Method) -> TokenStream {
    let name = names::response_struct(method);
    if is_unit(&method.ok) {
        quote!(|()| #name {})
    } else {
        quote!(|value| #name { value })
    }
}

/// A closure that takes the response struct apart into the return value.
fn unwrap_response(method: &Method) -> TokenStream {
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
