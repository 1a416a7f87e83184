//! The proc macros of kitgen. Use them through the `kit` runtime crate,
//! which re-exports them with their documentation: `#[kit::service]` and
//! `#[derive(kit::Error)]`.
//!
//! This crate is a thin shell: it hands the tokens to the `kitgen` library
//! and returns what it generates. Set `KITGEN_DEBUG=1` to print each
//! expansion to stderr while compiling.

use proc_macro::TokenStream;

/// Generates the messages, endpoints, HTTP router and HTTP client of a
/// service trait. Documented on `kit::service`.
#[proc_macro_attribute]
pub fn service(args: TokenStream, input: TokenStream) -> TokenStream {
    debug(
        "kit::service",
        kitgen::expand_service(args.into(), input.into()),
    )
    .into()
}

/// Implements `kit::ServiceError` for a business error enum. Documented on
/// `kit::Error`.
#[proc_macro_derive(Error, attributes(kit))]
pub fn derive_error(input: TokenStream) -> TokenStream {
    debug("kit::Error", kitgen::expand_error(input.into())).into()
}

/// Makes a struct a protobuf message, or a C-like enum a protobuf enum,
/// and implements serde's traits. Documented on `kit::Message`.
#[proc_macro_derive(Message, attributes(kit, serde))]
pub fn derive_message(input: TokenStream) -> TokenStream {
    debug("kit::Message", kitgen::expand_message(input.into())).into()
}

fn debug(name: &str, expansion: proc_macro2::TokenStream) -> proc_macro2::TokenStream {
    if std::env::var_os("KITGEN_DEBUG").is_some_and(|value| value != "0") {
        eprintln!("// expansion of {name}\n{expansion}");
    }
    expansion
}
