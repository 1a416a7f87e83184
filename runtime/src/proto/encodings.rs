//! The encodings a field can ask for, and the `sint`/`fixed` forms of the
//! integer types.

use prost::DecodeError;
use prost::bytes::{Buf, BufMut};
use prost::encoding::{self, DecodeContext, WireType};

use super::{Field, Registry, schema};

/// The default encoding of a field's type.
#[derive(Clone, Copy, Debug)]
pub struct Plain;

/// ZigZag varints, `#[kit(sint)]`: `sint32` and `sint64`.
#[derive(Clone, Copy, Debug)]
pub struct Sint;

/// Fixed width, `#[kit(fixed)]`: `fixed32`, `fixed64`, `sfixed32`,
/// `sfixed64`.
#[derive(Clone, Copy, Debug)]
pub struct Fixed;

macro_rules! encoded_as {
    ($marker:ty, $ty:ty, $module:ident, $scalar:ident) => {
        impl Field<$marker> for $ty {
            fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
                if *self != 0 {
                    encoding::$module::encode(tag, self, buf);
                }
            }

            fn merge_field(
                &mut self,
                wire_type: WireType,
                buf: &mut impl Buf,
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                encoding::$module::merge(wire_type, self, buf, ctx)
            }

            fn field_len(&self, tag: u32) -> usize {
                if *self == 0 {
                    0
                } else {
                    encoding::$module::encoded_len(tag, self)
                }
            }

            fn clear_field(&mut self) {
                *self = 0;
            }

            fn field_type(_: &mut Registry) -> schema::FieldType {
                schema::FieldType::Singular(schema::Type::Scalar(schema::Scalar::$scalar))
            }
        }

        impl Field<$marker> for Option<$ty> {
            fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
                if let Some(value) = self {
                    encoding::$module::encode(tag, value, buf);
                }
            }

            fn merge_field(
                &mut self,
                wire_type: WireType,
                buf: &mut impl Buf,
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                encoding::$module::merge(wire_type, self.get_or_insert(0), buf, ctx)
            }

            fn field_len(&self, tag: u32) -> usize {
                self.as_ref()
                    .map_or(0, |value| encoding::$module::encoded_len(tag, value))
            }

            fn clear_field(&mut self) {
                *self = None;
            }

            fn field_type(_: &mut Registry) -> schema::FieldType {
                schema::FieldType::Optional(schema::Type::Scalar(schema::Scalar::$scalar))
            }
        }

        impl Field<$marker> for Vec<$ty> {
            fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
                encoding::$module::encode_packed(tag, self, buf);
            }

            fn merge_field(
                &mut self,
                wire_type: WireType,
                buf: &mut impl Buf,
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                encoding::$module::merge_repeated(wire_type, self, buf, ctx)
            }

            fn field_len(&self, tag: u32) -> usize {
                encoding::$module::encoded_len_packed(tag, self)
            }

            fn clear_field(&mut self) {
                self.clear();
            }

            fn field_type(_: &mut Registry) -> schema::FieldType {
                schema::FieldType::Repeated(schema::Type::Scalar(schema::Scalar::$scalar))
            }
        }
    };
}

encoded_as!(Sint, i32, sint32, Sint32);
encoded_as!(Sint, i64, sint64, Sint64);
encoded_as!(Fixed, i32, sfixed32, Sfixed32);
encoded_as!(Fixed, i64, sfixed64, Sfixed64);
encoded_as!(Fixed, u32, fixed32, Fixed32);
encoded_as!(Fixed, u64, fixed64, Fixed64);
