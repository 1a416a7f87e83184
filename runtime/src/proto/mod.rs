//! Protobuf for Rust types: the encoding of each field, and the schema a
//! service's types describe.
//!
//! `#[derive(kit::Message)]` and `#[kit::service]` implement
//! `prost::Message` field by field through [`Field`], so the supported types
//! are exactly those that implement it:
//!
//! | Rust | protobuf |
//! |---|---|
//! | `bool`, `i32`, `i64`, `u32`, `u64` | the same scalars; `#[kit(sint)]` / `#[kit(fixed)]` pick `sint*` / `fixed*` / `sfixed*` |
//! | `usize`, `isize` | `uint64`, `int64` |
//! | `u8`, `u16`, `i8`, `i16` | `uint32`, `int32` (`Vec<u8>` is `bytes`) |
//! | `char` | `string`, of one character |
//! | `f32`, `f64` | `float`, `double` |
//! | `String` | `string` |
//! | `Vec<u8>`, `bytes::Bytes` | `bytes` |
//! | `Vec<T>` | `repeated T` (packed for numbers, bools and enums) |
//! | `Option<T>` | `optional T` |
//! | `HashMap<K, V>`, `BTreeMap<K, V>` | `map<K, V>` |
//! | a struct deriving `kit::Message` | a message |
//! | a C-like enum deriving `kit::Message` | an enum |
//! | `()` | an empty message, `Empty` |
//!
//! A number that does not fit its narrower Rust type (300 for a `u8`), or
//! a `char` string that is not one character, fails to decode, and a server
//! answers `INVALID_ARGUMENT`; nothing is truncated.

mod encodings;
mod registry;
mod values;

use prost::DecodeError;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{DecodeContext, WireType};

pub use encodings::{Fixed, Plain, Sint};
pub use kitgen_schema as schema;
/// Protobuf's well-known types (`google.protobuf.Timestamp`, `Empty`, …)
/// with their proto3 JSON forms, as code generated from a `.proto` uses them.
pub use pbjson_types as wkt;
pub use registry::{Definition, Describe, Registry};
pub use values::MapKey;
pub(crate) use values::is_out_of_range;

/// A type with a protobuf encoding as one value: a scalar, a string, bytes,
/// a message or an enum. Containers ([`Option`], [`Vec`], maps) are built
/// from these.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no protobuf mapping",
    label = "not a protobuf type",
    note = "kit maps bool, integers up to 64 bits, f32, f64, char, String, Vec<u8>, bytes::Bytes, \
            types that derive `kit::Message`, and Vec, Option, HashMap and BTreeMap of those"
)]
pub trait Value: Default + Send + Sync {
    /// Encodes the value with its key, even when it is the default.
    fn encode_value(&self, tag: u32, buf: &mut impl BufMut);

    /// Merges one encoded value into `self`.
    fn merge_value(
        &mut self,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>;

    /// The encoded length of the value with its key.
    fn value_len(&self, tag: u32) -> usize;

    /// Whether the value is its type's default, which proto3 leaves off
    /// the wire for singular fields.
    fn is_default(&self) -> bool;

    /// The type in the schema; registers messages and enums it needs.
    fn proto_type(registry: &mut Registry) -> schema::Type;

    /// Encodes a repeated field of this type.
    fn encode_repeated(values: &[Self], tag: u32, buf: &mut impl BufMut) {
        for value in values {
            value.encode_value(tag, buf);
        }
    }

    /// Merges one element (or, for packed types, a packed run) of a
    /// repeated field.
    fn merge_repeated(
        values: &mut Vec<Self>,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut value = Self::default();
        value.merge_value(wire_type, buf, ctx)?;
        values.push(value);
        Ok(())
    }

    /// The encoded length of a repeated field of this type.
    fn repeated_len(values: &[Self], tag: u32) -> usize {
        values.iter().map(|value| value.value_len(tag)).sum()
    }
}

/// A protobuf message type: what `#[derive(kit::Message)]` and
/// `#[kit::service]` implement for structs. Every message is a [`Value`]
/// (length-delimited, always on the wire when it is a field) through a
/// blanket impl, so generated code states only this.
pub trait ProtoMessage: prost::Message + Describe + Default + Send + Sync {}

/// A field of a message: a [`Value`], or a container of them. `E` is the
/// encoding the field asks for: [`Plain`], [`Sint`] or [`Fixed`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no protobuf mapping as a message field",
    label = "not a protobuf field type",
    note = "kit maps bool, integers up to 64 bits, f32, f64, char, String, Vec<u8>, bytes::Bytes, \
            types that derive `kit::Message`, and Vec, Option, HashMap and BTreeMap of those; \
            `sint` applies to i32 and i64, `fixed` to i32, i64, u32 and u64 (and to Vec or Option of them)"
)]
pub trait Field<E = Plain> {
    /// Encodes the field; proto3 leaves defaults and empty containers off.
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut);

    /// Merges one encoded occurrence of the field.
    fn merge_field(
        &mut self,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError>;

    /// The field's encoded length.
    fn field_len(&self, tag: u32) -> usize;

    /// Resets the field to its default.
    fn clear_field(&mut self);

    /// The field's label and type in the schema.
    fn field_type(registry: &mut Registry) -> schema::FieldType;
}

/// Appends a field name to a decode error, as prost's derive does, so the
/// error says where decoding failed: `Order.customer_id: invalid wire type`.
pub fn in_field(mut error: DecodeError, message: &'static str, field: &'static str) -> DecodeError {
    error.push(message, field);
    error
}

/// What generated `merge_field` impls call for tags they do not know.
pub fn skip_unknown(
    tag: u32,
    wire_type: WireType,
    buf: &mut impl Buf,
    ctx: DecodeContext,
) -> Result<(), DecodeError> {
    prost::encoding::skip_field(wire_type, tag, buf, ctx)
}
