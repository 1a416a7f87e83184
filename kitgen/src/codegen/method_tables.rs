//! `jsonrpc_methods` and `nats_methods`: the unary endpoints by name, for
//! the transports that carry one whole message each way, named rather than
//! routed.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::clients::Transport;
use crate::model::{Method, Service, names};

/// A method's NATS subject under the prefix: `ordersvc.OrderService.Create`.
pub(crate) fn subject(service: &Service, method: &Method) -> String {
    format!(
        "{}.{}",
        super::grpc::full_name(service),
        names::method_camel(method)
    )
}

/// The function that puts each unary endpoint under its name on
/// `transport`, JSON-RPC or NATS.
pub(crate) fn methods(service: &Service, transport: Transport) -> TokenStream {
    let (function, table, over, column) = match transport {
        Transport::JsonRpc => (
            names::JSONRPC_METHODS,
            quote!(::kit::jsonrpc::Methods),
            "JSON-RPC 2.0",
            "JSON-RPC method",
        ),
        _ => (
            names::NATS_METHODS,
            quote!(::kit::nats::Methods),
            "NATS request-reply",
            "subject",
        ),
    };
    let name_of = |method: &Method| match transport {
        Transport::JsonRpc => names::jsonrpc_method(service, method),
        _ => subject(service, method),
    };
    let (unary, streaming): (Vec<&Method>, Vec<&Method>) = service
        .methods
        .iter()
        .partition(|method| method.streams.is_unary());
    let streaming: Vec<String> = streaming
        .iter()
        .map(|method| format!("`{}`", method.name))
        .collect();
    let mut doc = if unary.is_empty() {
        format!(
            "Serves none of the endpoints over {over}: an empty table, so that every service is served alike."
        )
    } else {
        let mut doc = format!(
            "Serves the endpoints over {over}, as these {column}s:\n\n\
             | method | {column} |\n|---|---|\n"
        );
        for method in &unary {
            let prefix = match transport {
                Transport::JsonRpc => "",
                _ => "rpc.",
            };
            doc.push_str(&format!(
                "| `{}` | `{prefix}{}` |\n",
                method.name,
                name_of(method)
            ));
        }
        doc.push_str(match transport {
            Transport::JsonRpc => {
                "\n`params` are a method's parameters by name or in order; `result` is what it \
                 returns. Serve them with [`kit::jsonrpc::Methods::into_router`] (`POST /rpc`), \
                 merged with other services' or the HTTP/JSON router."
            }
            _ => {
                "\nThe subjects are under [`kit::nats::DEFAULT_PREFIX`] unless \
                 [`kit::nats::Methods::prefix`] says otherwise; payloads are JSON, as over \
                 HTTP/JSON, or protobuf. Subscribe them with [`kit::nats::Methods::subscribe`] \
                 and serve them with [`kit::Server::nats`]."
            }
        });
        doc
    };
    if !streaming.is_empty() {
        doc.push_str(&format!(
            " {} stream, which {over} does not carry: serve them over HTTP or gRPC.",
            streaming.join(", ")
        ));
    }
    let doc = super::doc(&doc);
    let function = format_ident!("{function}");
    let endpoints = format_ident!("{}", names::ENDPOINTS);
    let endpoints_param = if unary.is_empty() {
        format_ident!("_endpoints")
    } else {
        format_ident!("endpoints")
    };
    let added = unary.iter().map(|method| {
        let name = name_of(method);
        let field = &method.name;
        quote!(.unary(#name, endpoints.#field))
    });
    quote! {
        #doc
        pub fn #function(#endpoints_param: #endpoints) -> #table {
            #table::new()
                #(#added)*
        }
    }
}
