//! `openapi()`: a service's HTTP/JSON API as an OpenAPI 3.1 document, built
//! at run time from [`ApiRoute`]s and the messages' schemas: a trait's from
//! its compiled types, which only they know, a `.proto`'s from the
//! descriptor set it embeds.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::{doc, strings, vec_of};
use crate::model::{ApiParam, ApiRoute, Location, Service, names};

/// The `openapi` function, or nothing for a service without routes.
pub(crate) fn openapi_fn(service: &Service) -> TokenStream {
    let routes = service.api_routes();
    if routes.is_empty() {
        return TokenStream::new();
    }
    let (file, messages, json) = match &service.descriptors {
        None => {
            let schema_fn = format_ident!("{}", names::PROTO_SCHEMA);
            (
                quote!(#schema_fn()?),
                format!("the messages of [`{schema_fn}`], as serde writes them"),
                quote!(Serde),
            )
        }
        Some(_) => (
            quote!(::kit::proto::schema::File::from_descriptor_set(
                FILE_DESCRIPTOR_SET
            )?),
            "the messages of [`FILE_DESCRIPTOR_SET`], in protobuf's JSON mapping".to_owned(),
            quote!(Proto3),
        ),
    };
    let title = format!("{}.{}", service.package, service.name.unraw());
    let docs = strings(&service.docs);
    let routes = vec_of(routes.iter().map(route));
    let doc = doc(&format!(
        "The HTTP/JSON API as an OpenAPI 3.1 document: every route with its parameters, the \
         request and response schemas ({messages}), \
         each business error variant as a response with its status, and the doc comments. \
         [`http_router`] serves it at `/openapi.json`; `kitgen openapi` prints the same \
         document from source."
    ));
    quote! {
        #doc
        pub fn openapi() -> ::core::result::Result<
            ::kit::proto::schema::openapi::OpenApi,
            ::kit::proto::schema::SchemaError,
        > {
            let file = #file;
            let api = ::kit::proto::schema::http::Api {
                title: ::std::string::String::from(#title),
                docs: #docs,
                json: ::kit::proto::schema::http::JsonStyle::#json,
                routes: #routes,
            };
            ::core::result::Result::Ok(api.to_openapi(&file, ::core::env!("CARGO_PKG_VERSION")))
        }
    }
}

fn route(route: &ApiRoute<'_>) -> TokenStream {
    let ApiRoute {
        method,
        docs,
        verb,
        path,
        request,
        params,
        response,
        response_is_value,
        server_streaming,
        error,
    } = route;
    let docs = strings(docs);
    let params = vec_of(params.iter().map(|param| {
        let ApiParam {
            name,
            field,
            location,
            required,
        } = param;
        let location = match location {
            Location::Path => quote!(Path),
            Location::Query => quote!(Query),
            Location::BodyField => quote!(BodyField),
            Location::Body => quote!(Body),
        };
        let field = strings(field);
        quote! {
            ::kit::proto::schema::http::Param {
                name: ::std::string::String::from(#name),
                field: #field,
                location: ::kit::proto::schema::http::Location::#location,
                required: #required,
            }
        }
    }));
    let errors = match error {
        Some(error) => quote_spanned!(error.span()=> <#error as ::kit::ServiceError>::variants()),
        None => quote!(::std::vec::Vec::new()),
    };
    quote! {
        ::kit::proto::schema::http::Route {
            method: ::std::string::String::from(#method),
            docs: #docs,
            verb: ::std::string::String::from(#verb),
            path: ::std::string::String::from(#path),
            request: ::std::string::String::from(#request),
            params: #params,
            response: ::std::string::String::from(#response),
            response_is_value: #response_is_value,
            server_streaming: #server_streaming,
            errors: #errors,
        }
    }
}
