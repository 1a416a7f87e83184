//! Service middleware, Go kit's `Middleware func(Service) Service`: structs
//! that wrap any implementation of the trait and implement it too, so that
//! they stack.
//!
//! * `LoggingMiddleware`: one event per call with the method, the
//!   arguments (`Debug`; `#[kit(redact)]` ones as `<redacted>`), the
//!   duration and the error;
//! * `InstrumentingMiddleware`: counts and times calls by method and code
//!   in a `kit::middleware::Metrics`.
//!
//! A method that answers with a stream is logged and recorded when the
//! stream is over (`kit::Stream::on_end`), with how it ended.

use proc_macro2::TokenStream;
use quote::{format_ident, quote, quote_spanned};
use syn::ext::IdentExt;
use syn::spanned::Spanned;

use super::{Signature, signature};
use crate::model::names;
use crate::model::{Method, Service};

/// Both middleware structs of `service`.
pub(crate) fn middleware(service: &Service) -> TokenStream {
    let trait_name = &service.name;
    let logging = format_ident!("{}", names::LOGGING_MIDDLEWARE);
    let instrumenting = format_ident!("{}", names::INSTRUMENTING_MIDDLEWARE);
    let logged = service
        .methods
        .iter()
        .map(|method| logged_method(service, method));
    let instrumented = service
        .methods
        .iter()
        .enumerate()
        .map(|(index, method)| instrumented_method(service, method, index));
    let service_name = super::grpc::full_name(service);
    let method_names = service.methods.iter().map(|method| &method.rpc_name);
    let method_count = proc_macro2::Literal::usize_unsuffixed(service.methods.len());
    let logging_doc = super::doc(&format!(
        "Logs every call of the wrapped [`{trait_name}`](super::{trait_name}): the method, its \
         arguments (`Debug`; `#[kit(redact)]` ones as `<redacted>`), how long it took and how it \
         ended, at `info` on success and `warn` on an error. It implements the trait too, so \
         middleware stacks: `{logging}::new({instrumenting}::new(service, metrics))`."
    ));
    let instrumenting_doc = super::doc(&format!(
        "Counts and times every call of the wrapped [`{trait_name}`](super::{trait_name}) in a \
         [`kit::middleware::Metrics`], by method and code, in the series `MetricsLayer` uses for \
         endpoints (use one or the other; this one keeps no `in_flight` gauge). It implements the \
         trait too."
    ));
    quote! {
        #logging_doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        pub struct #logging<S> {
            inner: S,
        }

        impl<S> #logging<S> {
            /// Logs the calls of `inner`.
            pub fn new(inner: S) -> Self {
                Self { inner }
            }
        }

        #[automatically_derived]
        impl<S: super::#trait_name + ::core::marker::Sync> super::#trait_name for #logging<S> {
            #(#logged)*
        }

        #instrumenting_doc
        #[derive(::core::clone::Clone, ::core::fmt::Debug)]
        pub struct #instrumenting<S> {
            inner: S,
            /// Each method's series, in the trait's order, looked up once.
            series: [::kit::middleware::metrics::MethodSeries; #method_count],
        }

        impl<S> #instrumenting<S> {
            /// Records the calls of `inner` in `metrics`.
            pub fn new(inner: S, metrics: ::kit::middleware::Metrics) -> Self {
                Self {
                    inner,
                    series: [#(
                        metrics.method(::kit::EndpointName { service: #service_name, method: #method_names })
                    ),*],
                }
            }
        }

        #[automatically_derived]
        impl<S: super::#trait_name + ::core::marker::Sync> super::#trait_name for #instrumenting<S> {
            #(#instrumented)*
        }
    }
}

/// The code of `error`, spanned at the method's error type, so that a type
/// that is not a `kit::ServiceError` is reported there, once.
fn code_of(method: &Method) -> TokenStream {
    let error = &method.error;
    quote_spanned!(error.span()=> <#error as ::kit::ServiceError>::code(error))
}

/// The arguments to pass the call on with.
fn forward(method: &Method) -> TokenStream {
    let ctx = method.context.as_ref().map(|ctx| {
        let name = &ctx.name;
        quote!(#name,)
    });
    let params = method.params.iter().map(|param| &param.name);
    quote!(#ctx #(#params),*)
}

fn logged_method(service: &Service, method: &Method) -> TokenStream {
    let trait_name = &service.name;
    let name = &method.name;
    let signature = signature(method, Signature::Impl);
    let method_name = &method.rpc_name;
    let forward = forward(method);
    let format: Vec<String> = method
        .params
        .iter()
        .map(|param| {
            if param.redact {
                format!("{}=<redacted>", param.name.unraw())
            } else {
                format!("{}={{:?}}", param.name.unraw())
            }
        })
        .collect();
    let format = format.join(" ");
    // Spanned at the parameter's type, so that a type without `Debug` is
    // reported there, with the request struct's own report.
    let shown = method
        .params
        .iter()
        .filter(|param| !param.redact)
        .map(|param| {
            let name = &param.name;
            quote_spanned!(param.ty.span()=> &#name)
        });
    let code_of = code_of(method);
    // The context is a reference, still there after the call.
    let request_id = match &method.context {
        Some(ctx) => {
            let ctx = &ctx.name;
            quote!(::kit::Context::request_id(#ctx))
        }
        None => quote!(""),
    };
    let tracing = quote!(::kit::__private::tracing);
    let failed = quote! {
        let __kit_code = #code_of;
        #tracing::warn!(
            method = #method_name,
            request_id = %#request_id,
            args = %__kit_args,
            took_ms = __kit_took_ms,
            code = %__kit_code,
            error = ?error,
            "failed"
        )
    };
    let took_ms = quote!((__kit_started.elapsed().as_secs_f64() * 1e6).round() / 1e3);
    // A stream of answers is logged when it is over, with its length.
    let succeeded = if method.streams.responses {
        quote! {
            let __kit_request_id = ::std::string::ToString::to_string(#request_id);
            __kit_result.map(|stream| {
                stream.on_end(move |__kit_code, __kit_items| {
                    let __kit_args = __kit_args.as_deref().unwrap_or_default();
                    let __kit_took_ms = #took_ms;
                    if __kit_code == ::kit::Code::Ok {
                        #tracing::info!(
                            method = #method_name,
                            request_id = %__kit_request_id,
                            args = %__kit_args,
                            took_ms = __kit_took_ms,
                            items = __kit_items,
                            "called"
                        )
                    } else {
                        #tracing::warn!(
                            method = #method_name,
                            request_id = %__kit_request_id,
                            args = %__kit_args,
                            took_ms = __kit_took_ms,
                            items = __kit_items,
                            code = %__kit_code,
                            "failed"
                        )
                    }
                })
            })
        }
    } else {
        quote! {
            let __kit_args = __kit_args.as_deref().unwrap_or_default();
            let __kit_took_ms = #took_ms;
            #tracing::info!(
                method = #method_name,
                request_id = %#request_id,
                args = %__kit_args,
                took_ms = __kit_took_ms,
                "called"
            );
            __kit_result
        }
    };
    quote! {
        #signature {
            // Locals are prefixed so that no parameter's name can be shadowed.
            // The arguments move into the call, so they are formatted before
            // it, and only when an event of either level would be kept.
            let __kit_args = (#tracing::enabled!(#tracing::Level::INFO)
                || #tracing::enabled!(#tracing::Level::WARN))
                .then(|| ::std::format!(#format, #(#shown),*));
            let __kit_started = ::std::time::Instant::now();
            let __kit_result = super::#trait_name::#name(&self.inner, #forward).await;
            if let ::core::result::Result::Err(error) = &__kit_result {
                let __kit_args = __kit_args.as_deref().unwrap_or_default();
                let __kit_took_ms = #took_ms;
                #failed;
                return __kit_result;
            }
            #succeeded
        }
    }
}

/// `index` is the method's place in the middleware's `series`.
fn instrumented_method(service: &Service, method: &Method, index: usize) -> TokenStream {
    let trait_name = &service.name;
    let name = &method.name;
    let signature = signature(method, Signature::Impl);
    let forward = forward(method);
    let code_of = code_of(method);
    let index = proc_macro2::Literal::usize_unsuffixed(index);
    // A stream of answers is recorded when it is over.
    let succeeded = if method.streams.responses {
        quote! {
            ::core::result::Result::Ok(answer) => {
                let __kit_series = ::core::clone::Clone::clone(&self.series[#index]);
                ::core::result::Result::Ok(answer.on_end(move |__kit_code, _| {
                    __kit_series.record(__kit_code, __kit_started.elapsed());
                }))
            }
        }
    } else {
        quote! {
            ::core::result::Result::Ok(answer) => {
                self.series[#index].record(::kit::Code::Ok, __kit_started.elapsed());
                ::core::result::Result::Ok(answer)
            }
        }
    };
    quote! {
        #signature {
            let __kit_started = ::std::time::Instant::now();
            match super::#trait_name::#name(&self.inner, #forward).await {
                #succeeded
                ::core::result::Result::Err(failure) => {
                    let __kit_code = {
                        let error = &failure;
                        #code_of
                    };
                    self.series[#index].record(__kit_code, __kit_started.elapsed());
                    ::core::result::Result::Err(failure)
                }
            }
        }
    }
}
