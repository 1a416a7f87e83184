//! The service trait of a `.proto` service: what a trait-first service
//! writes by hand.

use proc_macro2::TokenStream;
use quote::quote;

use crate::model::Service;

/// `pub trait Add: Send + Sync + 'static { fn sum(&self, ctx, request) -> impl Future<…> + Send; }`
pub fn service_trait(service: &Service) -> TokenStream {
    let name = &service.name;
    let vis = &service.vis;
    let docs = super::doc(
        &service
            .docs
            .iter()
            .map(|line| line.trim_start())
            .collect::<Vec<_>>()
            .join("\n"),
    );
    let methods = service.methods.iter().map(|method| {
        let docs = super::doc(
            &method
                .docs
                .iter()
                .map(|line| line.trim_start())
                .collect::<Vec<_>>()
                .join("\n"),
        );
        let method_name = &method.name;
        let ctx = method.context.as_ref().map(|ctx| {
            let (name, ty) = (&ctx.name, &ctx.ty);
            quote!(#name: #ty,)
        });
        let params = method.params.iter().map(|param| {
            let (name, ty) = (&param.name, &param.ty);
            quote!(#name: #ty)
        });
        let output = &method.output;
        quote! {
            #docs
            fn #method_name(&self, #ctx #(#params),*)
                -> impl ::core::future::Future<Output = #output> + ::core::marker::Send;
        }
    });
    quote! {
        #docs
        #vis trait #name: ::core::marker::Send + ::core::marker::Sync + 'static {
            #(#methods)*
        }
    }
}
