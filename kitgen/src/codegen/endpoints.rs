//! `Endpoints`: one `kit::Endpoint` per method, built from the service, and
//! an implementation of the trait on top of them.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{Signature, doc_link, messages, service_error_fn, signature};
use crate::model::names;
use crate::model::{Idempotency, Messages, Method, Service};

/// The struct, its constructor and layering, and its trait impl.
pub(crate) fn endpoints(service: &Service) -> TokenStream {
    let endpoints = format_ident!("{}", names::ENDPOINTS);
    let trait_name = &service.name;
    let doc = format!(
        "One [`kit::Endpoint`] per method of [`{trait_name}`](super::{trait_name}), Go kit's \
         endpoint set.\n\n\
         Build it from a service with [`{endpoints}::new`], wrap every endpoint in a \
         `tower::Layer` with [`{endpoints}::layer`], or one endpoint by assigning its field: \
         `endpoints.method = endpoints.method.layer(layer)`. It implements \
         [`{trait_name}`](super::{trait_name}) itself, so layered endpoints, local or over a \
         client, stand in for the service.",
    );
    let doc = super::doc(&doc);
    let fields = service.methods.iter().map(|method| {
        let field = &method.name;
        let ty = endpoint_type(method);
        let doc = format!("The endpoint of {}.", doc_link(service, method));
        let doc = super::doc(&doc);
        quote! {
            #doc
            pub #field: #ty
        }
    });
    let constructors = service
        .methods
        .iter()
        .map(|method| endpoint_from_service(service, method));
    let layer_bounds = service.methods.iter().map(|method| {
        let request = messages::endpoint_request_type(method);
        let response = messages::endpoint_response_type(method);
        quote!(::kit::EndpointLayer<#request, #response>)
    });
    let layered = service.methods.iter().map(|method| {
        let field = &method.name;
        quote!(#field: ::kit::EndpointLayer::layer_endpoint(&layer, self.#field))
    });
    let trait_methods = service.methods.iter().map(trait_method);
    quote! {
        #doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        pub struct #endpoints {
            #(#fields,)*
        }

        impl #endpoints {
            /// Endpoints that call `service`.
            pub fn new<S>(service: ::std::sync::Arc<S>) -> Self
            where
                S: super::#trait_name + ::core::marker::Send + ::core::marker::Sync + 'static,
            {
                Self {
                    #(#constructors,)*
                }
            }

            /// Wraps every endpoint in `layer`, a `tower::Layer` that keeps
            /// the endpoints' request, response and error types.
            #[must_use]
            pub fn layer<L>(self, layer: L) -> Self
            where
                L: #(#layer_bounds)+*,
            {
                Self {
                    #(#layered,)*
                }
            }
        }

        #[automatically_derived]
        impl super::#trait_name for #endpoints {
            #(#trait_methods)*
        }
    }
}

fn endpoint_type(method: &Method) -> TokenStream {
    let request = messages::endpoint_request_type(method);
    let response = messages::endpoint_response_type(method);
    quote!(::kit::Endpoint<#request, #response>)
}

/// `field: Endpoint::from_fn(…)`, calling the service method with the
/// message's fields.
fn endpoint_from_service(service: &Service, method: &Method) -> TokenStream {
    let field = &method.name;
    let trait_name = &service.name;
    let request = messages::endpoint_request_type(method);
    // A stream ends at the call's deadline, which is in the context.
    let unpack = if method.context.is_some() || method.streams.responses {
        quote!(let ::kit::Request { ctx, message } = request;)
    } else {
        quote!(let message = request.message;)
    };
    let ctx = method.context.as_ref().map(|_| quote!(&ctx,));
    let args = messages::call_arguments(method, &quote!(message));
    let wrap = messages::map_to_answer(method, &quote!(ctx));
    let into_error = service_error_fn(method, "into_error");
    let into_error = match &method.messages {
        Messages::Generated => quote!(.map_err(#into_error)),
        Messages::Existing { .. } => TokenStream::new(),
    };
    let service_name = super::grpc::full_name(service);
    let method_name = &method.rpc_name;
    let idempotent = match method.idempotency {
        Idempotency::Unknown => None,
        Idempotency::NoSideEffects => Some(quote!(.no_side_effects(true))),
        Idempotency::Idempotent => Some(quote!(.idempotent(true))),
    };
    let streams = [
        method.streams.requests.then(|| quote!(.client_streaming())),
        method
            .streams
            .responses
            .then(|| quote!(.server_streaming())),
    ];
    quote! {
        #field: {
            let service = ::std::sync::Arc::clone(&service);
            ::kit::Endpoint::from_fn(move |request: ::kit::Request<#request>| {
                let service = ::std::sync::Arc::clone(&service);
                async move {
                    #unpack
                    super::#trait_name::#field(&*service, #ctx #args)
                        .await
                        #wrap
                        #into_error
                }
            })
            .named(::kit::EndpointName { service: #service_name, method: #method_name })
            #idempotent
            #(#streams)*
        }
    }
}

/// The trait method on `Endpoints`: send the message through the endpoint.
fn trait_method(method: &Method) -> TokenStream {
    let signature = signature(method, Signature::Impl);
    let field = &method.name;
    let request = messages::build_request(method);
    let ctx = match &method.context {
        Some(ctx) => {
            let name = &ctx.name;
            quote!(::core::clone::Clone::clone(#name))
        }
        None => quote!(::kit::Context::new()),
    };
    let map = messages::map_response(method);
    let from_error = service_error_fn(method, "from_error");
    let from_error = match &method.messages {
        Messages::Generated => quote!(.map_err(#from_error)),
        Messages::Existing { .. } => TokenStream::new(),
    };
    quote! {
        #signature {
            ::kit::Endpoint::send(&self.#field, #ctx, #request)
                .await
                #map
                #from_error
        }
    }
}
