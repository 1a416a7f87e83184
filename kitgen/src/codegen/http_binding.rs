//! `impl kit::http::Binding for {Method}Request`: how each request message
//! maps onto an HTTP request, used by both the router and the client.
//!
//! Generated bodies bind no local that could share a name with a parameter:
//! parameters only ever appear as field names.

use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

use heck::ToShoutySnakeCase;
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use crate::model::names;
use crate::model::{HttpMethod, HttpRule, Location, Method, Param, RuleBody, Segment};

/// The `Binding` impl of one method's request struct.
pub(crate) fn binding_impl(method: &Method) -> TokenStream {
    let request = names::request_struct(method);
    let response = names::response_struct(method);
    let http_method = http_method(method.http.method);
    let path = &method.http.path.text;
    let has_body = method.http.has_body(method);
    let encode = encode_body(method);
    let decode = decode_body(method);
    quote! {
        #[automatically_derived]
        impl ::kit::http::Binding for #request {
            type Response = #response;
            const METHOD: ::kit::__private::http::Method = #http_method;
            const PATH: &'static str = #path;
            const HAS_BODY: bool = #has_body;

            fn encode(self) -> ::core::result::Result<::kit::http::Encoded, ::kit::Error> {
                #encode
            }

            async fn decode(
                parts: &mut ::kit::__private::http::request::Parts,
                body: ::kit::__private::bytes::Bytes,
            ) -> ::core::result::Result<Self, ::kit::Error> {
                #decode
            }
        }
    }
}

fn http_method(method: HttpMethod) -> TokenStream {
    match method {
        HttpMethod::Get => quote!(::kit::__private::http::Method::GET),
        HttpMethod::Post => quote!(::kit::__private::http::Method::POST),
        HttpMethod::Put => quote!(::kit::__private::http::Method::PUT),
        HttpMethod::Patch => quote!(::kit::__private::http::Method::PATCH),
        HttpMethod::Delete => quote!(::kit::__private::http::Method::DELETE),
    }
}

/// A struct, local to the function, that (de)serializes the parameters that
/// travel in one place. Decoding a query or a body, an absent parameter is
/// its default unless it is `#[kit(required)]`, as in the request message.
fn params_struct(name: &str, params: &[&Param], derive: Derive) -> TokenStream {
    let name = quote::format_ident!("{name}");
    let (derive, absent_is_default) = match derive {
        Derive::Serialize => (quote!(::kit::__private::serde::Serialize), false),
        Derive::DeserializePath => (quote!(::kit::__private::serde::Deserialize), false),
        Derive::Deserialize => (quote!(::kit::__private::serde::Deserialize), true),
    };
    let fields = params.iter().map(|param| {
        let field = &param.name;
        let ty = &param.ty;
        let default = (absent_is_default && !param.required)
            .then(|| quote_spanned!(ty.span()=> #[serde(default)]));
        quote!(#default #field: #ty)
    });
    quote! {
        #[derive(#derive)]
        #[serde(crate = "::kit::__private::serde")]
        struct #name {
            #(#fields,)*
        }
    }
}

/// What a [`params_struct`] is for.
#[derive(Clone, Copy)]
enum Derive {
    /// Client side: encoding.
    Serialize,
    /// Server side: the path's parameters, which are never absent.
    DeserializePath,
    /// Server side: the query's or the body's.
    Deserialize,
}

fn field_moves<'a>(params: &'a [&'a Param]) -> impl Iterator<Item = TokenStream> + 'a {
    params.iter().map(|param| {
        let field = &param.name;
        quote!(#field: self.#field)
    })
}

/// Client side: path with escaped segments, then the query, then the body.
fn encode_body(method: &Method) -> TokenStream {
    let mut target = TokenStream::new();
    let mut literal = String::new();
    for segment in &method.http.path.segments {
        literal.push('/');
        match segment {
            Segment::Literal(text) => literal.push_str(text),
            Segment::Param(name) => {
                let field = &method
                    .param(name)
                    .unwrap_or_else(|| unreachable!("the check pass verified path parameters"))
                    .name;
                target.extend(quote! {
                    target.push_str(#literal);
                    ::kit::http::encode::push_segment(&mut target, &self.#field)?;
                });
                literal.clear();
            }
        }
    }
    if method.http.path.segments.is_empty() {
        literal.push('/');
    }
    let query: Vec<&Param> = method.params_in(Location::Query).collect();
    let start = if target.is_empty() && query.is_empty() {
        quote!(let target = ::std::string::String::from(#literal);)
    } else {
        if !literal.is_empty() {
            target.extend(quote!(target.push_str(#literal);));
        }
        quote!(let mut target = ::std::string::String::new();)
    };

    if !query.is_empty() {
        let fields = field_moves(&query);
        let query_struct = params_struct(names::QUERY_PARAMS, &query, Derive::Serialize);
        target.extend(quote! {
            #query_struct
            ::kit::http::encode::push_query(&mut target, &QueryParams { #(#fields,)* })?;
        });
    }

    let fields: Vec<&Param> = method.params_in(Location::BodyField).collect();
    let body = if let Some(param) = method.params_in(Location::Body).next() {
        let field = &param.name;
        quote!(::core::option::Option::Some(::kit::http::encode::json(&self.#field)?))
    } else if fields.len() == method.params.len() && !fields.is_empty() {
        quote!(::core::option::Option::Some(::kit::http::encode::json(
            &self
        )?))
    } else if !fields.is_empty() {
        let moves = field_moves(&fields);
        let body_struct = params_struct(names::BODY_FIELDS, &fields, Derive::Serialize);
        quote!({
            #body_struct
            ::core::option::Option::Some(::kit::http::encode::json(&BodyFields { #(#moves,)* })?)
        })
    } else {
        quote!(::core::option::Option::None)
    };

    quote! {
        #start
        #target
        let body = #body;
        ::core::result::Result::Ok(::kit::http::Encoded { target, body })
    }
}

/// Server side: path parameters, query, body, each into a local struct,
/// then the message from their fields.
fn decode_body(method: &Method) -> TokenStream {
    let mut steps = TokenStream::new();
    let mut fields = Vec::new();

    let path: Vec<&Param> = method.params_in(Location::Path).collect();
    if !path.is_empty() {
        let path_struct = params_struct(names::PATH_PARAMS, &path, Derive::DeserializePath);
        steps.extend(quote! {
            #path_struct
            let path: PathParams = ::kit::http::decode::path(parts).await?;
        });
        fields.extend(path.iter().map(|param| {
            let field = &param.name;
            quote!(#field: path.#field)
        }));
    }

    let query: Vec<&Param> = method.params_in(Location::Query).collect();
    if !query.is_empty() {
        let query_struct = params_struct(names::QUERY_PARAMS, &query, Derive::Deserialize);
        steps.extend(quote! {
            #query_struct
            let query: QueryParams = ::kit::http::decode::query(parts)?;
        });
        fields.extend(query.iter().map(|param| {
            let field = &param.name;
            quote!(#field: query.#field)
        }));
    }

    let body_fields: Vec<&Param> = method.params_in(Location::BodyField).collect();
    if let Some(param) = method.params_in(Location::Body).next() {
        let field = &param.name;
        fields.push(quote!(#field: ::kit::http::decode::json(&body)?));
    } else if body_fields.len() == method.params.len() && !body_fields.is_empty() {
        return quote! {
            let _ = parts;
            ::kit::http::decode::json(&body)
        };
    } else if !body_fields.is_empty() {
        let body_struct = params_struct(names::BODY_FIELDS, &body_fields, Derive::Deserialize);
        steps.extend(quote! {
            #body_struct
            let body: BodyFields = ::kit::http::decode::json(&body)?;
        });
        fields.extend(body_fields.iter().map(|param| {
            let field = &param.name;
            quote!(#field: body.#field)
        }));
    }

    let unused = match (
        path.is_empty() && query.is_empty(),
        method.http.has_body(method),
    ) {
        (true, true) => quote!(let _ = parts;),
        (true, false) => quote!(let _ = (parts, body);),
        (false, false) => quote!(let _ = body;),
        (false, true) => TokenStream::new(),
    };
    quote! {
        #unused
        #steps
        ::core::result::Result::Ok(Self { #(#fields,)* })
    }
}

/// The name of the static that holds a `.proto` method's HTTP rules:
/// `GET_BY_ID_ROUTES`.
pub(crate) fn routes_static(method: &Method) -> syn::Ident {
    quote::format_ident!(
        "{}_ROUTES",
        method.name.unraw().to_string().to_shouty_snake_case()
    )
}

/// `static GET_BY_ID_ROUTES: [kit::http::message::MessageRoute; N]`: a
/// `.proto` method's HTTP rules as data, for `kit::http::message`.
pub(crate) fn message_routes(method: &Method) -> TokenStream {
    let name = routes_static(method);
    let count = method.rules.len();
    let routes = method.rules.iter().map(message_route);
    let doc = format!("The HTTP rules of `{}`.", method.name.unraw());
    quote! {
        #[doc = #doc]
        static #name: [::kit::http::message::MessageRoute; #count] = [#(#routes),*];
    }
}

fn message_route(rule: &HttpRule) -> TokenStream {
    let method = http_method(rule.method);
    let path = &rule.path.text;
    let params = rule.params.iter().map(|param| {
        let name = &param.name;
        let field = &param.field;
        quote!(::kit::http::message::PathParam { name: #name, field: &[#(#field),*] })
    });
    let body = match &rule.body {
        RuleBody::None => quote!(::kit::http::message::MessageBody::None),
        RuleBody::All => quote!(::kit::http::message::MessageBody::All),
        RuleBody::Field(field) => quote!(::kit::http::message::MessageBody::Field(#field)),
    };
    let booleans = &rule.booleans;
    let repeated = &rule.repeated;
    quote! {
        ::kit::http::message::MessageRoute {
            method: #method,
            path: #path,
            params: &[#(#params),*],
            body: #body,
            fields: &::kit::http::message::FieldKinds {
                booleans: &[#(#booleans),*],
                repeated: &[#(#repeated),*],
            },
        }
    }
}
