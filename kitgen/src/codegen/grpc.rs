//! gRPC: `GrpcServer`, and the service's protobuf schema, `proto_schema()`.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};
use syn::ext::IdentExt;

use crate::model::names;
use crate::model::{Idempotency, Method, Service};

/// `/package.Service/Method`.
pub(crate) fn path(service: &Service, method: &Method) -> String {
    format!("/{}/{}", full_name(service), names::method_camel(method))
}

/// `package.Service`.
pub(crate) fn full_name(service: &Service) -> String {
    format!("{}.{}", service.package, service.name.unraw())
}

/// `GrpcServer`: the endpoints behind their gRPC paths, as a tower service
/// that tonic routes by name.
pub(crate) fn server(service: &Service) -> TokenStream {
    let server = format_ident!("{}", names::GRPC_SERVER);
    let endpoints = format_ident!("{}", names::ENDPOINTS);
    let descriptors = match &service.descriptors {
        None => {
            let schema_fn = format_ident!("{}", names::PROTO_SCHEMA);
            quote!(::kit::grpc::schema_descriptors(#schema_fn()))
        }
        Some(_) => quote!(::kit::grpc::encoded_descriptors(FILE_DESCRIPTOR_SET)),
    };
    let name = full_name(service);
    let routes = service.methods.iter().map(|method| {
        let field = &method.name;
        let path = path(service, method);
        let kind = format_ident!("{}", method.streams.kind());
        quote!(.#kind(#path, endpoints.#field))
    });
    let mut doc = format!(
        "Serves the endpoints over gRPC as `{name}`, protobuf on the wire:\n\n\
         | method | path |\n|---|---|\n"
    );
    for method in &service.methods {
        doc.push_str(&format!(
            "| `{}` | `{}` |\n",
            method.name,
            path(service, method)
        ));
    }
    doc.push_str(
        "\nAdd it to a [`kit::grpc::Routes`] for [`kit::Server`], which adds health and \
         reflection, or to a tonic server directly.",
    );
    let doc = super::doc(&doc);
    let http = quote!(::kit::__private::http);
    let body = quote!(::kit::__private::tonic::body::Body);
    quote! {
        #doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        pub struct #server {
            inner: ::kit::grpc::Server,
        }

        impl #server {
            /// Serves `endpoints` with the default message size limits.
            pub fn new(endpoints: #endpoints) -> Self {
                Self::with_limits(endpoints, ::kit::grpc::Limits::default())
            }

            /// Serves `endpoints` with the given message size limits.
            pub fn with_limits(endpoints: #endpoints, limits: ::kit::grpc::Limits) -> Self {
                Self {
                    inner: ::kit::grpc::Server::builder()
                        .limits(limits)
                        .describe(<Self as ::kit::grpc::GrpcService>::file_descriptor_set)
                        #(#routes)*
                        .build(),
                }
            }
        }

        #[automatically_derived]
        impl ::kit::__private::tonic::server::NamedService for #server {
            const NAME: &'static str = #name;
        }

        #[automatically_derived]
        impl ::kit::grpc::GrpcService for #server {
            fn file_descriptor_set() -> ::core::result::Result<
                ::kit::__private::prost_types::FileDescriptorSet,
                ::kit::Error,
            > {
                #descriptors
            }
        }

        #[automatically_derived]
        impl ::kit::__private::tower::Service<#http::Request<#body>> for #server {
            type Response = #http::Response<#body>;
            type Error = ::core::convert::Infallible;
            type Future = <::kit::grpc::Server as ::kit::__private::tower::Service<
                #http::Request<#body>,
            >>::Future;

            fn poll_ready(
                &mut self,
                cx: &mut ::core::task::Context<'_>,
            ) -> ::core::task::Poll<::core::result::Result<(), Self::Error>> {
                ::kit::__private::tower::Service::poll_ready(&mut self.inner, cx)
            }

            fn call(&mut self, request: #http::Request<#body>) -> Self::Future {
                ::kit::__private::tower::Service::call(&mut self.inner, request)
            }
        }
    }
}

/// How the service describes itself: `proto_schema()` for a trait, built
/// from the types its methods use; for a `.proto` service, the descriptor
/// set it was compiled from.
pub(crate) fn schema(service: &Service) -> TokenStream {
    let Some(embedded) = &service.descriptors else {
        return schema_fn(service);
    };
    let file = &embedded.file_name;
    let bytes = if embedded.in_out_dir {
        quote!(::core::include_bytes!(
            ::core::concat!(::core::env!("OUT_DIR"), "/", #file)
        ))
    } else {
        quote!(::core::include_bytes!(#file))
    };
    quote! {
        /// The encoded `FileDescriptorSet` the service was compiled from, with
        /// its imports: what gRPC reflection serves.
        pub const FILE_DESCRIPTOR_SET: &[u8] = #bytes;
    }
}

/// `proto_schema()`: the service's protobuf file, built from the types its
/// methods use.
fn schema_fn(service: &Service) -> TokenStream {
    let schema_fn = format_ident!("{}", names::PROTO_SCHEMA);
    let package = &service.package;
    let trait_name = service.name.unraw().to_string();
    let origin = format!("the Rust trait `{trait_name}`");
    let service_docs = super::strings(&service.docs);
    let methods = service.methods.iter().map(|method| {
        let request = names::request_struct(method);
        let response = names::response_struct(method);
        let name = names::method_camel(method);
        let docs = &method.docs;
        let described = quote!(registry.method::<#request, #response>(#name, &[#(#docs),*]));
        let streams = method.streams;
        let streams = (streams.requests || streams.responses).then(|| {
            let (requests, responses) = (streams.requests, streams.responses);
            quote!(.streams(#requests, #responses))
        });
        let idempotency = match method.idempotency {
            Idempotency::Unknown => None,
            Idempotency::NoSideEffects => Some(quote!(NoSideEffects)),
            Idempotency::Idempotent => Some(quote!(Idempotent)),
        };
        let idempotency = idempotency
            .map(|level| quote!(.idempotency(::kit::proto::schema::Idempotency::#level)));
        quote!(#described #streams #idempotency)
    });
    let methods = super::vec_of(methods);
    let doc = super::doc(&format!(
        "The service's protobuf schema: package `{package}`, service `{trait_name}`, and every \
         message its methods use. `proto_schema()?.to_proto()` is the `.proto` text that \
         other languages compile; reflection serves the same schema."
    ));
    quote! {
        #doc
        pub fn #schema_fn() -> ::core::result::Result<
            ::kit::proto::schema::File,
            ::kit::proto::schema::SchemaError,
        > {
            let mut registry = ::kit::proto::Registry::new(#package, #origin);
            let methods = #methods;
            registry.add_service(::kit::proto::schema::Service {
                name: ::std::string::String::from(#trait_name),
                docs: #service_docs,
                methods,
            });
            registry.finish()
        }
    }
}
