//! `HttpClient`, `GrpcClient`, `JsonRpcClient` and `NatsClient`: the
//! service trait, implemented over each transport. Every transport's client
//! has a `call` that takes the context and the request message (and, but
//! for HTTP, the method's path or name), so the impls differ only in the
//! transport.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Signature, messages, service_error_fn, signature};
use crate::model::names;
use crate::model::{Messages, Method, Service};

/// The transports a client can use.
#[derive(Clone, Copy)]
pub(crate) enum Transport {
    /// HTTP/JSON through `kit::http::Client`.
    Http,
    /// gRPC through `kit::grpc::Client`.
    Grpc,
    /// JSON-RPC 2.0 through `kit::jsonrpc::Client`.
    JsonRpc,
    /// NATS request-reply through `kit::nats::Client`.
    Nats,
}

/// The client struct, its constructors and its trait impl.
pub(crate) fn client(service: &Service, transport: Transport) -> TokenStream {
    let trait_name = &service.name;
    let (client, transport_type, over) = match transport {
        Transport::Http => (
            names::HTTP_CLIENT,
            quote!(::kit::http::Client),
            "HTTP/JSON with a pooled [`kit::http::Client`]",
        ),
        Transport::Grpc => (
            names::GRPC_CLIENT,
            quote!(::kit::grpc::Client),
            "gRPC with a [`kit::grpc::Client`]",
        ),
        Transport::JsonRpc => (
            names::JSONRPC_CLIENT,
            quote!(::kit::jsonrpc::Client),
            "JSON-RPC 2.0 with a [`kit::jsonrpc::Client`]",
        ),
        Transport::Nats => (
            names::NATS_CLIENT,
            quote!(::kit::nats::Client),
            "NATS request-reply with a [`kit::nats::Client`]",
        ),
    };
    let client = format_ident!("{client}");
    let errors = match service.descriptors {
        None => {
            "A business error comes back as the variant the server returned; a failure of the \
             call arrives in the error type's transport variant."
        }
        Some(_) => "Failures come back as [`kit::Error`]s with the server's code and message.",
    };
    let streams = match transport {
        Transport::JsonRpc | Transport::Nats
            if service
                .methods
                .iter()
                .any(|method| !method.streams.is_unary()) =>
        {
            " Streaming methods answer `UNIMPLEMENTED`: they are served over HTTP and gRPC."
        }
        _ => "",
    };
    let doc = super::doc(&format!(
        "Calls the service over {over}: implements [`{trait_name}`](super::{trait_name}).\n\n\
         {errors}{streams}",
    ));
    let service_name = super::grpc::full_name(service);
    let discover = quote! {
        /// A client that sends each call to one of the instances that
        /// `instancer` finds, the less busy of two chosen at random
        /// (see [`kit::sd`]).
        pub fn discover(instancer: ::kit::sd::Instancer) -> Self
    };
    let constructors = match transport {
        Transport::Http | Transport::Grpc | Transport::JsonRpc => {
            let example = match transport {
                Transport::Grpc => "http://127.0.0.1:9090",
                _ => "http://127.0.0.1:8080",
            };
            let path = match transport {
                Transport::JsonRpc => ", whose methods are at `POST /rpc`",
                _ => "",
            };
            let new_doc = super::doc(&format!(
                "A client of the service at `base_url`, such as `{example}`{path}. \
                 Connections open on first use."
            ));
            let discovered = quote! {
                ::kit::http::Client::discover(
                    #service_name,
                    instancer,
                    ::kit::sd::Balance::PowerOfTwoChoices,
                )
            };
            let discovered = match transport {
                Transport::Grpc => quote! {
                    ::kit::grpc::Client::discover(
                        #service_name,
                        instancer,
                        ::kit::sd::Balance::PowerOfTwoChoices,
                    )
                },
                Transport::JsonRpc => {
                    quote!(::kit::jsonrpc::Client::with_transport(#discovered))
                }
                _ => discovered,
            };
            quote! {
                #new_doc
                pub fn new(base_url: &str) -> ::core::result::Result<Self, ::kit::Error> {
                    #transport_type::new(base_url).map(Self::with_transport)
                }

                #discover {
                    Self::with_transport(#discovered)
                }
            }
        }
        Transport::Nats => quote! {
            /// A client that calls over `nats`, a connection to the NATS
            /// servers the service subscribes on, with JSON payloads.
            pub fn new(nats: ::kit::nats::async_nats::Client) -> Self {
                Self::with_transport(::kit::nats::Client::new(nats))
            }
        },
    };
    let methods = service
        .methods
        .iter()
        .map(|method| trait_method(service, method, transport));
    quote! {
        #doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        pub struct #client {
            transport: #transport_type,
        }

        impl #client {
            #constructors

            /// A client over a configured transport, such as one with a
            /// timeout.
            pub fn with_transport(transport: #transport_type) -> Self {
                Self { transport }
            }
        }

        #[automatically_derived]
        impl super::#trait_name for #client {
            #(#methods)*
        }
    }
}

fn trait_method(service: &Service, method: &Method, transport: Transport) -> TokenStream {
    let signature = signature(method, Signature::Impl);
    let request = messages::build_request(method);
    let ctx = match &method.context {
        Some(ctx) => {
            let name = &ctx.name;
            quote!(#name)
        }
        None => quote!(&::kit::Context::new()),
    };
    let map = messages::map_response(method);
    let from_error_fn = service_error_fn(method, "from_error");
    let from_error = match &method.messages {
        Messages::Generated => quote!(.map_err(#from_error_fn)),
        Messages::Existing { .. } => TokenStream::new(),
    };
    if matches!(transport, Transport::JsonRpc | Transport::Nats) && !method.streams.is_unary() {
        let name = names::jsonrpc_method(service, method);
        let error = quote!(self.transport.cannot_stream(#name));
        let error = match &method.messages {
            Messages::Generated => {
                let error_type = &method.error;
                quote!(<#error_type as ::kit::ServiceError>::from_error(#error))
            }
            Messages::Existing { .. } => error,
        };
        return quote! {
            #[allow(unused_variables)]
            #signature {
                ::core::result::Result::Err(#error)
            }
        };
    }
    // The transports' methods are named after the kind of method.
    let kind = if method.streams.is_unary() {
        "call"
    } else {
        method.streams.kind()
    };
    let call = match (transport, &method.messages) {
        (Transport::Http, Messages::Generated) => {
            let call = format_ident!("{kind}");
            quote!(#call(#ctx, #request))
        }
        (Transport::Http, Messages::Existing { .. }) => {
            let routes = super::http_binding::routes_static(method);
            let call = format_ident!("{kind}_message");
            quote!(#call(#ctx, &#routes[0], #request))
        }
        (Transport::Grpc, _) => {
            let path = super::grpc::path(service, method);
            let call = format_ident!("{kind}");
            quote!(#call(#path, #ctx, #request))
        }
        (Transport::JsonRpc, _) => {
            let name = names::jsonrpc_method(service, method);
            quote!(call(#ctx, #name, &#request))
        }
        (Transport::Nats, _) => {
            let subject = super::method_tables::subject(service, method);
            quote!(call(#ctx, #subject, &#request))
        }
    };
    quote! {
        #signature {
            self.transport
                .#call
                .await
                #map
                #from_error
        }
    }
}
