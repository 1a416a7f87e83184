//! `#[derive(kit::Error)]` input: a service's error enum, with the code of
//! each variant and the variant that carries transport failures.
//!
//! ```text
//! #[derive(Debug, thiserror::Error, kit::Error)]
//! pub enum OrderError {
//!     #[error("order not found")]
//!     #[kit(code = NotFound)]
//!     NotFound,
//!     #[error("out of coffee")]
//!     #[kit(code = Unavailable, http = 418)]
//!     Teapot,
//!     #[error(transparent)]
//!     #[kit(transport)]
//!     Transport(kit::Error),
//! }
//! ```

use syn::{Data, DeriveInput, Fields, Ident, LitInt};

use super::is_kit;
use crate::diagnostics::Diagnostics;
use crate::model::{BusinessVariant, CODES, ErrorEnum};

/// `#[kit(code = …)]`: the variant's canonical code.
const CODE: &str = "code";
/// `#[kit(http = 418)]`: the variant's own HTTP status.
const HTTP: &str = "http";
/// `#[kit(transport)]`: the variant that holds transport failures.
const TRANSPORT: &str = "transport";

/// Reads the enum and its attributes, reporting every problem to `cx`.
pub fn parse_error(cx: &Diagnostics, input: &DeriveInput) -> Option<ErrorEnum> {
    let Data::Enum(data) = &input.data else {
        let keyword: &dyn quote::ToTokens = match &input.data {
            Data::Struct(data) => &data.struct_token,
            Data::Union(data) => &data.union_token,
            Data::Enum(data) => &data.enum_token,
        };
        cx.error_spanned_by(
            keyword,
            "`#[derive(kit::Error)]` works on enums: one variant per error",
        );
        return None;
    };
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(&input.generics, "a kit error enum cannot be generic");
    }
    for attr in input.attrs.iter().filter(|attr| is_kit(attr)) {
        cx.error_spanned_by(attr, "kit attributes go on the variants, not on the enum");
    }
    let fields = data.variants.iter().flat_map(|variant| &variant.fields);
    for attr in fields
        .flat_map(|field| &field.attrs)
        .filter(|attr| is_kit(attr))
    {
        cx.error_spanned_by(
            attr,
            "kit attributes go on the variants, not on their fields",
        );
    }
    let mut variants = Vec::new();
    let mut transport: Option<Ident> = None;
    for variant in &data.variants {
        let attrs = variant_attrs(cx, variant);
        match attrs {
            VariantAttrs::Transport(at) => {
                if let Some(first) = &transport {
                    cx.error_spanned_by(
                        at,
                        format!("`{first}` is already the transport variant; an enum has one"),
                    );
                    continue;
                }
                let holds_one =
                    matches!(&variant.fields, Fields::Unnamed(fields) if fields.unnamed.len() == 1);
                if !holds_one {
                    cx.error_spanned_by(
                        &variant.ident,
                        "the transport variant holds the failure: write it `Transport(kit::Error)`",
                    );
                }
                transport = Some(variant.ident.clone());
            }
            VariantAttrs::Business { code, http } => variants.push(BusinessVariant {
                name: variant.ident.clone(),
                fields: variant.fields.clone(),
                code,
                http,
                docs: super::attr::docs(&variant.attrs),
            }),
            VariantAttrs::Missing => cx.error_spanned_by(
                &variant.ident,
                "name this variant's code, such as `#[kit(code = NotFound)]`, \
                 or mark the transport variant `#[kit(transport)]`",
            ),
            VariantAttrs::Invalid => {}
        }
    }
    let Some(transport) = transport else {
        cx.error_spanned_by(
            &input.ident,
            "a kit error enum needs a variant for transport failures: \
             `#[kit(transport)] Transport(kit::Error)`",
        );
        return None;
    };
    Some(ErrorEnum {
        name: input.ident.clone(),
        variants,
        transport,
    })
}

enum VariantAttrs {
    Business { code: Ident, http: Option<LitInt> },
    Transport(Ident),
    Missing,
    Invalid,
}

fn variant_attrs(cx: &Diagnostics, variant: &syn::Variant) -> VariantAttrs {
    let errors_before = cx.error_count();
    let mut code: Option<Ident> = None;
    let mut http: Option<LitInt> = None;
    let mut transport: Option<Ident> = None;
    for attr in variant.attrs.iter().filter(|attr| is_kit(attr)) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(CODE) {
                let value: Ident = meta.value()?.parse()?;
                if code.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate kit attribute `code`");
                } else if value == "Ok" {
                    cx.error_spanned_by(
                        &value,
                        "`Ok` is the code of success, not of an error; pick an error code",
                    );
                } else if !CODES.contains(&value.to_string().as_str()) {
                    cx.error_spanned_by(
                        &value,
                        format!(
                            "unknown code `{value}`; expected one of {}",
                            CODES.join(", ")
                        ),
                    );
                } else {
                    code = Some(value);
                }
            } else if meta.path.is_ident(HTTP) {
                let value: LitInt = meta.value()?.parse()?;
                if http.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate kit attribute `http`");
                } else if !matches!(value.base10_parse::<u16>(), Ok(400..=599)) {
                    cx.error_spanned_by(&value, "an error's HTTP status is between 400 and 599");
                } else {
                    http = Some(value);
                }
            } else if meta.path.is_ident(TRANSPORT) {
                if transport.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate kit attribute `transport`");
                } else if let Some(ident) = meta.path.get_ident() {
                    transport = Some(ident.clone());
                }
            } else {
                let key = meta
                    .path
                    .get_ident()
                    .map_or_else(|| "?".to_owned(), ToString::to_string);
                return Err(meta.error(format!(
                    "unknown kit attribute `{key}`; expected `{CODE}`, `{HTTP}` or `{TRANSPORT}`"
                )));
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.push(error);
        }
    }
    if let Some(transport) = transport {
        if code.is_some() || http.is_some() {
            cx.error_spanned_by(
                &transport,
                "the transport variant takes its code from the failure; drop `code` and `http`",
            );
        }
        return VariantAttrs::Transport(transport);
    }
    if cx.error_count() > errors_before {
        return VariantAttrs::Invalid;
    }
    match code {
        Some(code) => VariantAttrs::Business { code, http },
        None => VariantAttrs::Missing,
    }
}
