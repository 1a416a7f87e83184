//! `HttpClient` and `GrpcClient`: the service trait, implemented over each
//! transport. Both transports' clients have a `call` that takes the context
//! and the request message (and, for gRPC, the method's path), so the two
//! impls differ only in the transport.

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
}

/// The client struct, its constructors and its trait impl.
pub(crate) fn client(service: &Service, transport: Transport) -> TokenStream {
    let trait_name = &service.name;
    let (client, transport_type, over, example) = match transport {
        Transport::Http => (
            format_ident!("{}", names::HTTP_CLIENT),
            quote!(::kit::http::Client),
            "HTTP/JSON with a pooled [`kit::http::Client`]",
            "http://127.0.0.1:8080",
        ),
        Transport::Grpc => (
            format_ident!("{}", names::GRPC_CLIENT),
            quote!(::kit::grpc::Client),
            "gRPC with a [`kit::grpc::Client`]",
            "http://127.0.0.1:9090",
        ),
    };
    let errors = match service.descriptors {
        None => {
            "A business error comes back as the variant the server returned; a failure of the \
             call arrives in the error type's transport variant."
        }
        Some(_) => "Failures come back as [`kit::Error`]s with the server's code and message.",
    };
    let doc = super::doc(&format!(
        "Calls the service over {over}: implements [`{trait_name}`](super::{trait_name}).\n\n{errors}",
    ));
    let new_doc = super::doc(&format!(
        "A client of the service at `base_url`, such as `{example}`. Connections open on \
         first use."
    ));
    let service_name = super::grpc::full_name(service);
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
            #new_doc
            pub fn new(base_url: &str) -> ::core::result::Result<Self, ::kit::Error> {
                #transport_type::new(base_url).map(Self::with_transport)
            }

            /// A client that sends each call to one of the instances that
            /// `instancer` finds, the less busy of two chosen at random
            /// (see [`kit::sd`]).
            pub fn discover(instancer: ::kit::sd::Instancer) -> Self {
                Self::with_transport(#transport_type::discover(
                    #service_name,
                    instancer,
                    ::kit::sd::Balance::PowerOfTwoChoices,
                ))
            }

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
    let from_error = service_error_fn(method, "from_error");
    let from_error = match &method.messages {
        Messages::Generated => quote!(.map_err(#from_error)),
        Messages::Existing { .. } => TokenStream::new(),
    };
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
