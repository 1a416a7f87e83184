//! `HttpClient`: the service trait, implemented over HTTP.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{impl_signature, messages, names, service_error_fn};
use crate::model::{Method, Service};

/// The client struct, its constructors and its trait impl.
pub(crate) fn client(service: &Service) -> TokenStream {
    let client = format_ident!("{}", names::HTTP_CLIENT);
    let trait_name = &service.name;
    let doc = format!(
        "Calls the service over HTTP/JSON: implements [`{trait_name}`](super::{trait_name}) \
         with a pooled [`kit::http::Client`].\n\n\
         A business error comes back as the variant the server returned; a failure of the \
         call arrives in the error type's transport variant.",
    );
    let doc = super::doc(&doc);
    let methods = service.methods.iter().map(trait_method);
    quote! {
        #doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        pub struct #client {
            transport: ::kit::http::Client,
        }

        impl #client {
            /// A client of the service at `base_url`, such as
            /// `http://127.0.0.1:8080`. Connections open on first use.
            pub fn new(base_url: &str) -> ::core::result::Result<Self, ::kit::Error> {
                ::kit::http::Client::new(base_url).map(Self::with_transport)
            }

            /// A client over a configured transport, such as one with a
            /// timeout.
            pub fn with_transport(transport: ::kit::http::Client) -> Self {
                Self { transport }
            }
        }

        #[automatically_derived]
        impl super::#trait_name for #client {
            #(#methods)*
        }
    }
}

fn trait_method(method: &Method) -> TokenStream {
    let signature = impl_signature(method);
    let request = names::request_struct(method);
    let fields = method.params.iter().map(|param| &param.name);
    let ctx = match &method.context {
        Some(ctx) => {
            let name = &ctx.name;
            quote!(#name)
        }
        None => quote!(&::kit::Context::new()),
    };
    let unwrap = messages::unwrap_response(method);
    let from_error = service_error_fn(method, "from_error");
    quote! {
        #signature {
            self.transport
                .call(#ctx, #request { #(#fields,)* })
                .await
                .map(#unwrap)
                .map_err(#from_error)
        }
    }
}
