//! `http_routes` and `http_router`: the endpoints as routes to merge with
//! other services', and as an axum router.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use crate::model::names;
use crate::model::{Messages, Service};

/// The router function.
pub(crate) fn router(service: &Service) -> TokenStream {
    let router = format_ident!("{}", names::HTTP_ROUTER);
    let routes_fn = format_ident!("{}", names::HTTP_ROUTES);
    let endpoints = format_ident!("{}", names::ENDPOINTS);
    let routes = service.methods.iter().map(|method| {
        let field = &method.name;
        let kind = if method.streams.is_unary() {
            "endpoint"
        } else {
            method.streams.kind()
        };
        match &method.messages {
            Messages::Generated => {
                let add = format_ident!("{kind}");
                quote!(.#add(endpoints.#field))
            }
            Messages::Existing { .. } => {
                let routes = super::http_binding::routes_static(method);
                let add = format_ident!("message_{kind}");
                quote!(.#add(&#routes, endpoints.#field))
            }
        }
    });
    let mut doc = String::from(
        "Serves the endpoints over HTTP/JSON as an axum router:\n\n\
         | method | route |\n|---|---|\n",
    );
    for method in &service.methods {
        for (verb, path, _) in method.routes() {
            doc.push_str(&format!(
                "| `{}` | `{} {}` |\n",
                method.name,
                verb.as_str(),
                path.text
            ));
        }
    }
    doc.push_str(
        "\nUnknown paths answer 404 and wrong methods 405, with JSON error bodies. Request \
         bodies are limited to [`kit::http::DEFAULT_BODY_LIMIT`]; wrap the router in \
         [`kit::http::body_limit`] to change that.",
    );
    // A trait's router serves its OpenAPI document; `routes` leaves it out.
    let openapi = (!service.api_routes().is_empty()).then(|| {
        doc.push_str(
            "\n\n`GET /openapi.json` answers [`openapi`]'s document; build the router from \
             [`http_routes`] to leave it out.",
        );
        quote!(.openapi(openapi))
    });
    let doc = super::doc(&doc);
    let routes_doc = super::doc(&format!(
        "The routes of [`{router}`], to serve with other services' in one router: \
         `a::{routes_fn}(a).merge(b::{routes_fn}(b)).build()?`, which fails, naming \
         both, on routes that axum cannot hold side by side."
    ));
    quote! {
        #routes_doc
        pub fn #routes_fn(endpoints: #endpoints) -> ::kit::http::RouterBuilder {
            ::kit::http::RouterBuilder::new()
                #(#routes)*
        }

        #doc
        pub fn #router(endpoints: #endpoints) -> ::kit::__private::axum::Router {
            #routes_fn(endpoints)
                #openapi
                .build()
                .expect("kitgen's check pass refuses routes that clash")
        }
    }
}
