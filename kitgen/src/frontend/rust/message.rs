//! `#[derive(kit::Message)]` input: a struct with named fields (or a unit
//! struct) becomes a message, a C-like enum a protobuf enum.
//!
//! ```text
//! #[derive(Debug, Clone, PartialEq, kit::Message)]
//! pub struct Order {
//!     pub id: String,
//!     #[kit(tag = 7, sint)]
//!     pub created_on: i64,
//! }
//! ```

use syn::{Attribute, Data, DeriveInput, Expr, Fields, LitInt, UnOp};

use super::attr::{self, REQUIRED};
use super::is_kit;
use crate::diagnostics::Diagnostics;
use crate::model::{
    Encoding, EnumValue, MAX_TAG, MessageField, MessageKind, MessageType, RESERVED_TAGS,
};

/// `#[kit(tag = N)]`: the field number.
const TAG: &str = "tag";
/// `#[kit(sint)]`: ZigZag encoding.
const SINT: &str = "sint";
/// `#[kit(fixed)]`: fixed-width encoding.
const FIXED: &str = "fixed";

/// Builds the model of a `#[derive(kit::Message)]` type, reporting every
/// problem to `cx`.
pub fn parse_message(cx: &Diagnostics, input: &DeriveInput) -> Option<MessageType> {
    if !input.generics.params.is_empty() {
        cx.error_spanned_by(&input.generics, "a message type cannot be generic");
    }
    for attr in input.attrs.iter().filter(|attr| is_kit(attr)) {
        cx.error_spanned_by(attr, "kit attributes go on the fields of a message");
    }
    let kind = match &input.data {
        Data::Struct(data) => match &data.fields {
            Fields::Named(fields) => MessageKind::Struct(parse_fields(cx, fields)),
            Fields::Unit => MessageKind::Struct(Vec::new()),
            Fields::Unnamed(fields) => {
                cx.error_spanned_by(
                    fields,
                    "a message needs named fields, whose names become its field names",
                );
                return None;
            }
        },
        Data::Enum(data) => MessageKind::Enum(parse_values(cx, input, data)?),
        Data::Union(data) => {
            cx.error_spanned_by(
                data.union_token,
                "`#[derive(kit::Message)]` works on structs and C-like enums",
            );
            return None;
        }
    };
    Some(MessageType {
        name: input.ident.clone(),
        docs: attr::docs(&input.attrs),
        serde_attrs: serde_attrs(&input.attrs),
        kind,
    })
}

fn serde_attrs(attrs: &[Attribute]) -> Vec<Attribute> {
    attrs
        .iter()
        .filter(|attr| attr.path().is_ident("serde"))
        .cloned()
        .collect()
}

fn parse_fields(cx: &Diagnostics, fields: &syn::FieldsNamed) -> Vec<MessageField> {
    let mut parsed: Vec<MessageField> = Vec::new();
    let mut next_tag = 1;
    for field in &fields.named {
        let Some(name) = field.ident.clone() else {
            continue;
        };
        let (tag, encoding, required) = field_attrs(cx, &field.attrs);
        let tag = match tag {
            Some(tag) => tag,
            None => next_tag,
        };
        if let Some(first) = parsed.iter().find(|other| other.tag == tag) {
            cx.error_spanned_by(
                &name,
                format!("field number {tag} is already used by `{}`", first.name),
            );
        } else if tag > MAX_TAG || RESERVED_TAGS.contains(&tag) {
            cx.error_spanned_by(
                &name,
                format!(
                    "field number {tag} is out of range: protobuf allows 1 to {MAX_TAG}, \
                     except 19000 to 19999"
                ),
            );
        }
        next_tag = tag.saturating_add(1);
        parsed.push(MessageField {
            name,
            ty: field.ty.clone(),
            tag,
            encoding,
            docs: attr::docs(&field.attrs),
            serde_attrs: serde_attrs(&field.attrs),
            required,
        });
    }
    parsed
}

fn field_attrs(cx: &Diagnostics, attrs: &[Attribute]) -> (Option<u32>, Encoding, bool) {
    let mut tag: Option<u32> = None;
    let mut encoding = Encoding::Plain;
    let mut required = false;
    for attr in attrs.iter().filter(|attr| is_kit(attr)) {
        let result = attr.parse_nested_meta(|meta| {
            if meta.path.is_ident(TAG) {
                let value: LitInt = meta.value()?.parse()?;
                let number = match value.base10_parse::<u32>() {
                    Ok(number) if number > 0 => number,
                    _ => {
                        cx.error_spanned_by(&value, "a field number is a positive integer");
                        return Ok(());
                    }
                };
                if tag.is_some() {
                    cx.error_spanned_by(&meta.path, "duplicate kit attribute `tag`");
                } else {
                    tag = Some(number);
                }
            } else if meta.path.is_ident(SINT) || meta.path.is_ident(FIXED) {
                let wanted = if meta.path.is_ident(SINT) {
                    Encoding::Sint
                } else {
                    Encoding::Fixed
                };
                if encoding != Encoding::Plain {
                    cx.error_spanned_by(&meta.path, "a field has one encoding: `sint` or `fixed`");
                } else {
                    encoding = wanted;
                }
            } else if meta.path.is_ident(REQUIRED) {
                required = true;
            } else {
                let key = meta
                    .path
                    .get_ident()
                    .map(ToString::to_string)
                    .unwrap_or_default();
                return Err(meta.error(format!(
                    "unknown kit attribute `{key}`; expected `{TAG}`, `{SINT}`, `{FIXED}` \
                     or `{REQUIRED}`"
                )));
            }
            Ok(())
        });
        if let Err(error) = result {
            cx.push(error);
        }
    }
    (tag, encoding, required)
}

fn parse_values(
    cx: &Diagnostics,
    input: &DeriveInput,
    data: &syn::DataEnum,
) -> Option<Vec<EnumValue>> {
    let mut values: Vec<EnumValue> = Vec::new();
    let mut next = 0_i32;
    for variant in &data.variants {
        for attr in variant.attrs.iter().filter(|attr| is_kit(attr)) {
            cx.error_spanned_by(attr, "enum values take no kit attributes");
        }
        if !matches!(variant.fields, Fields::Unit) {
            cx.error_spanned_by(
                &variant.fields,
                "a protobuf enum is C-like: its variants cannot hold data",
            );
            continue;
        }
        let number = match &variant.discriminant {
            Some((_, expr)) => match discriminant(expr) {
                Some(number) => number,
                None => {
                    cx.error_spanned_by(expr, "an enum value's number is an `i32` literal");
                    continue;
                }
            },
            None => next,
        };
        if let Some(first) = values.iter().find(|other| other.number == number) {
            cx.error_spanned_by(
                &variant.ident,
                format!("the number {number} is already `{}`'s", first.name),
            );
        }
        next = number.saturating_add(1);
        values.push(EnumValue {
            name: variant.ident.clone(),
            number,
            docs: attr::docs(&variant.attrs),
            serde_attrs: serde_attrs(&variant.attrs),
        });
    }
    if data.variants.is_empty() {
        cx.error_spanned_by(&input.ident, "a protobuf enum needs at least one value");
        return None;
    }
    match values.iter().position(|value| value.number == 0) {
        None if !values.is_empty() => cx.error_spanned_by(
            &input.ident,
            "a proto3 enum needs a value numbered 0, its default",
        ),
        Some(index) if index > 0 => cx.error_spanned_by(
            &values[index].name,
            format!(
                "proto3 lists the value numbered 0 first; move `{}` to the top",
                values[index].name
            ),
        ),
        _ => {}
    }
    Some(values)
}

/// An `i32` literal, possibly negated.
fn discriminant(expr: &Expr) -> Option<i32> {
    match expr {
        Expr::Lit(syn::ExprLit {
            lit: syn::Lit::Int(int),
            ..
        }) => int.base10_parse().ok(),
        Expr::Unary(unary) if matches!(unary.op, UnOp::Neg(_)) => {
            discriminant(&unary.expr).and_then(i32::checked_neg)
        }
        Expr::Group(group) => discriminant(&group.expr),
        _ => None,
    }
}
