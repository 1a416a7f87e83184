//! [`Value`] for scalars, strings and bytes, and [`Field`] for values and
//! the containers of them.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use prost::DecodeError;
use prost::bytes::{Buf, BufMut, Bytes};
use prost::encoding::{self, DecodeContext, WireType};

use super::{Field, Plain, ProtoMessage, Registry, Value, schema};

macro_rules! packed_scalar {
    ($ty:ty, $module:ident, $scalar:ident) => {
        impl Value for $ty {
            fn encode_value(&self, tag: u32, buf: &mut impl BufMut) {
                encoding::$module::encode(tag, self, buf);
            }

            fn merge_value(
                &mut self,
                wire_type: WireType,
                buf: &mut impl Buf,
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                encoding::$module::merge(wire_type, self, buf, ctx)
            }

            fn value_len(&self, tag: u32) -> usize {
                encoding::$module::encoded_len(tag, self)
            }

            #[allow(clippy::float_cmp)]
            fn is_default(&self) -> bool {
                *self == <$ty>::default()
            }

            fn proto_type(_: &mut Registry) -> schema::Type {
                schema::Type::Scalar(schema::Scalar::$scalar)
            }

            fn encode_repeated(values: &[Self], tag: u32, buf: &mut impl BufMut) {
                encoding::$module::encode_packed(tag, values, buf);
            }

            fn merge_repeated(
                values: &mut Vec<Self>,
                wire_type: WireType,
                buf: &mut impl Buf,
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                encoding::$module::merge_repeated(wire_type, values, buf, ctx)
            }

            fn repeated_len(values: &[Self], tag: u32) -> usize {
                encoding::$module::encoded_len_packed(tag, values)
            }
        }
    };
}

packed_scalar!(bool, bool, Bool);
packed_scalar!(i32, int32, Int32);
packed_scalar!(i64, int64, Int64);
packed_scalar!(u32, uint32, Uint32);
packed_scalar!(u64, uint64, Uint64);
packed_scalar!(f32, float, Float);
packed_scalar!(f64, double, Double);

/// Whether a decode error says a number did not fit its Rust type (see
/// [`narrow`]): the caller's fault, `INVALID_ARGUMENT`, where other
/// malformed messages are `INTERNAL`, as gRPC has it.
pub(crate) fn is_out_of_range(message: &str) -> bool {
    message.contains(OUT_OF_RANGE)
}

/// What [`narrow`]'s errors say.
const OUT_OF_RANGE: &str = "is out of range for";

/// `wide`, decoded as a wider protobuf scalar, as the narrower `T`; a
/// value that does not fit is an error, never truncated.
fn narrow<T, W>(wide: W) -> Result<T, DecodeError>
where
    T: TryFrom<W>,
    W: Copy + std::fmt::Display,
{
    T::try_from(wide).map_err(|_| {
        out_of_range(format!(
            "{wide} {OUT_OF_RANGE} {}",
            std::any::type_name::<T>()
        ))
    })
}

/// A decode error that [`is_out_of_range`] recognises.
fn out_of_range(text: String) -> DecodeError {
    // prost 0.14 has no other way to make a decode error of one's own; it
    // deprecates this one for a later major release, when this moves.
    #[allow(deprecated)]
    DecodeError::new(text)
}

/// An integer type that protobuf has no scalar for, carried as the wider
/// `$wire` (`uint64` for `usize`, `int32` for `i16`, …). It is decoded as
/// the 64-bit varint that the wire holds (`$whole`), before prost's 32-bit
/// decoders would cut it short, and range-checked.
macro_rules! widened_scalar {
    ($ty:ty, $wire:ty, $module:ident, $whole:ty, $whole_module:ident, $scalar:ident) => {
        impl Value for $ty {
            fn encode_value(&self, tag: u32, buf: &mut impl BufMut) {
                encoding::$module::encode(tag, &Widen::<$wire>::widen(*self), buf);
            }

            fn merge_value(
                &mut self,
                wire_type: WireType,
                buf: &mut impl Buf,
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                let mut whole: $whole = 0;
                encoding::$whole_module::merge(wire_type, &mut whole, buf, ctx)?;
                *self = narrow(whole)?;
                Ok(())
            }

            fn value_len(&self, tag: u32) -> usize {
                encoding::$module::encoded_len(tag, &Widen::<$wire>::widen(*self))
            }

            fn is_default(&self) -> bool {
                *self == 0
            }

            fn proto_type(_: &mut Registry) -> schema::Type {
                schema::Type::Scalar(schema::Scalar::$scalar)
            }

            fn encode_repeated(values: &[Self], tag: u32, buf: &mut impl BufMut) {
                let wide: Vec<$wire> = values
                    .iter()
                    .map(|value| Widen::<$wire>::widen(*value))
                    .collect();
                encoding::$module::encode_packed(tag, &wide, buf);
            }

            fn merge_repeated(
                values: &mut Vec<Self>,
                wire_type: WireType,
                buf: &mut impl Buf,
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                let mut whole: Vec<$whole> = Vec::new();
                encoding::$whole_module::merge_repeated(wire_type, &mut whole, buf, ctx)?;
                for value in whole {
                    values.push(narrow(value)?);
                }
                Ok(())
            }

            fn repeated_len(values: &[Self], tag: u32) -> usize {
                let wide: Vec<$wire> = values
                    .iter()
                    .map(|value| Widen::<$wire>::widen(*value))
                    .collect();
                encoding::$module::encoded_len_packed(tag, &wide)
            }
        }
    };
}

/// The lossless conversion of an integer to its wire type, which `From`
/// lacks for `usize` and `isize`.
trait Widen<W> {
    fn widen(self) -> W;
}

macro_rules! widen_by_from {
    ($($ty:ty => $wire:ty),*) => {
        $(impl Widen<$wire> for $ty {
            fn widen(self) -> $wire {
                <$wire>::from(self)
            }
        })*
    };
}

widen_by_from!(u16 => u32, i8 => i32, i16 => i32);

// `usize` and `isize` are at most 64 bits wide on every target Rust
// supports, so these casts lose nothing.
impl Widen<u64> for usize {
    fn widen(self) -> u64 {
        self as u64
    }
}

impl Widen<i64> for isize {
    fn widen(self) -> i64 {
        self as i64
    }
}

widened_scalar!(u16, u32, uint32, u64, uint64, Uint32);
widened_scalar!(i8, i32, int32, i64, int64, Int32);
widened_scalar!(i16, i32, int32, i64, int64, Int32);
widened_scalar!(usize, u64, uint64, u64, uint64, Uint64);
widened_scalar!(isize, i64, int64, i64, int64, Int64);

/// `u8` alone or optional is a `uint32`, decoded as the whole varint and
/// range-checked. It is no
/// [`Value`], because `Vec<u8>` is `bytes`, not `repeated uint32`.
impl Field<Plain> for u8 {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        Field::<Plain>::encode_field(&u32::from(*self), tag, buf);
    }

    fn merge_field(
        &mut self,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut whole = 0_u64;
        Field::<Plain>::merge_field(&mut whole, wire_type, buf, ctx)?;
        *self = narrow(whole)?;
        Ok(())
    }

    fn field_len(&self, tag: u32) -> usize {
        Field::<Plain>::field_len(&u32::from(*self), tag)
    }

    fn clear_field(&mut self) {
        *self = 0;
    }

    fn field_type(registry: &mut Registry) -> schema::FieldType {
        <u32 as Field<Plain>>::field_type(registry)
    }
}

/// `Option<u8>`: an `optional uint32`, range-checked on decode.
impl Field<Plain> for Option<u8> {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        Field::<Plain>::encode_field(&self.map(u32::from), tag, buf);
    }

    fn merge_field(
        &mut self,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut whole = 0_u64;
        whole.merge_value(wire_type, buf, ctx)?;
        *self = Some(narrow(whole)?);
        Ok(())
    }

    fn field_len(&self, tag: u32) -> usize {
        Field::<Plain>::field_len(&self.map(u32::from), tag)
    }

    fn clear_field(&mut self) {
        *self = None;
    }

    fn field_type(registry: &mut Registry) -> schema::FieldType {
        <Option<u32> as Field<Plain>>::field_type(registry)
    }
}

/// `char` is a `string` of one character, as serde writes it in JSON.
impl Value for char {
    fn encode_value(&self, tag: u32, buf: &mut impl BufMut) {
        let mut utf8 = [0; 4];
        let text = self.encode_utf8(&mut utf8);
        encoding::encode_key(tag, WireType::LengthDelimited, buf);
        encoding::encode_varint(text.len() as u64, buf);
        buf.put_slice(text.as_bytes());
    }

    fn merge_value(
        &mut self,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        let mut text = String::new();
        encoding::string::merge(wire_type, &mut text, buf, ctx)?;
        let mut chars = text.chars();
        match (chars.next(), chars.next()) {
            (Some(char), None) => {
                *self = char;
                Ok(())
            }
            _ => {
                // The text goes back to the caller: a few characters of it.
                let shown: String = text.chars().take(8).collect();
                let more = if text.chars().count() > 8 { "…" } else { "" };
                Err(out_of_range(format!(
                    "{shown:?}{more} {OUT_OF_RANGE} char, which is one character"
                )))
            }
        }
    }

    fn value_len(&self, tag: u32) -> usize {
        let len = self.len_utf8();
        encoding::key_len(tag) + encoding::encoded_len_varint(len as u64) + len
    }

    fn is_default(&self) -> bool {
        *self == char::default()
    }

    fn proto_type(_: &mut Registry) -> schema::Type {
        schema::Type::Scalar(schema::Scalar::String)
    }
}

macro_rules! length_delimited {
    ($ty:ty, $module:ident, $scalar:ident) => {
        impl Value for $ty {
            fn encode_value(&self, tag: u32, buf: &mut impl BufMut) {
                encoding::$module::encode(tag, self, buf);
            }

            fn merge_value(
                &mut self,
                wire_type: WireType,
                buf: &mut impl Buf,
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                encoding::$module::merge(wire_type, self, buf, ctx)
            }

            fn value_len(&self, tag: u32) -> usize {
                encoding::$module::encoded_len(tag, self)
            }

            fn is_default(&self) -> bool {
                self.is_empty()
            }

            fn proto_type(_: &mut Registry) -> schema::Type {
                schema::Type::Scalar(schema::Scalar::$scalar)
            }
        }
    };
}

length_delimited!(String, string, String);
length_delimited!(Vec<u8>, bytes, Bytes);
length_delimited!(Bytes, bytes, Bytes);

/// A message is one value: length-delimited, and always encoded, as a
/// `Some` message is in prost.
impl<M: ProtoMessage> Value for M {
    fn encode_value(&self, tag: u32, buf: &mut impl BufMut) {
        encoding::message::encode(tag, self, buf);
    }

    fn merge_value(
        &mut self,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        encoding::message::merge(wire_type, self, buf, ctx)
    }

    fn value_len(&self, tag: u32) -> usize {
        encoding::message::encoded_len(tag, self)
    }

    fn is_default(&self) -> bool {
        false
    }

    fn proto_type(registry: &mut Registry) -> schema::Type {
        registry.reference::<M>()
    }
}

/// `()` is the empty message, `Empty`.
impl Value for () {
    fn encode_value(&self, tag: u32, buf: &mut impl BufMut) {
        encoding::message::encode(tag, self, buf);
    }

    fn merge_value(
        &mut self,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        encoding::message::merge(wire_type, self, buf, ctx)
    }

    fn value_len(&self, tag: u32) -> usize {
        encoding::message::encoded_len(tag, self)
    }

    fn is_default(&self) -> bool {
        true
    }

    fn proto_type(registry: &mut Registry) -> schema::Type {
        registry.reference::<Empty>()
    }
}

/// The schema of `()`: a message without fields.
struct Empty;

impl super::Describe for Empty {
    const NAME: &'static str = "Empty";
    const IS_ENUM: bool = false;

    fn describe(_: &mut Registry) -> super::Definition {
        super::Definition::Message(schema::Message {
            name: "Empty".to_owned(),
            docs: vec![" The Rust unit type, `()`.".to_owned()],
            fields: Vec::new(),
        })
    }
}

/// A singular field: left off the wire when it is the default.
impl<V: Value> Field<Plain> for V {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        if !self.is_default() {
            self.encode_value(tag, buf);
        }
    }

    fn merge_field(
        &mut self,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        self.merge_value(wire_type, buf, ctx)
    }

    fn field_len(&self, tag: u32) -> usize {
        if self.is_default() {
            0
        } else {
            self.value_len(tag)
        }
    }

    fn clear_field(&mut self) {
        *self = V::default();
    }

    fn field_type(registry: &mut Registry) -> schema::FieldType {
        schema::FieldType::Singular(V::proto_type(registry))
    }
}

/// `optional`: on the wire whenever it is `Some`, default or not.
impl<V: Value> Field<Plain> for Option<V> {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        if let Some(value) = self {
            value.encode_value(tag, buf);
        }
    }

    fn merge_field(
        &mut self,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        self.get_or_insert_with(V::default)
            .merge_value(wire_type, buf, ctx)
    }

    fn field_len(&self, tag: u32) -> usize {
        self.as_ref().map_or(0, |value| value.value_len(tag))
    }

    fn clear_field(&mut self) {
        *self = None;
    }

    fn field_type(registry: &mut Registry) -> schema::FieldType {
        schema::FieldType::Optional(V::proto_type(registry))
    }
}

/// `repeated`, packed where the element type allows.
impl<V: Value> Field<Plain> for Vec<V> {
    fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
        if !self.is_empty() {
            V::encode_repeated(self, tag, buf);
        }
    }

    fn merge_field(
        &mut self,
        wire_type: WireType,
        buf: &mut impl Buf,
        ctx: DecodeContext,
    ) -> Result<(), DecodeError> {
        V::merge_repeated(self, wire_type, buf, ctx)
    }

    fn field_len(&self, tag: u32) -> usize {
        if self.is_empty() {
            0
        } else {
            V::repeated_len(self, tag)
        }
    }

    fn clear_field(&mut self) {
        self.clear();
    }

    fn field_type(registry: &mut Registry) -> schema::FieldType {
        schema::FieldType::Repeated(V::proto_type(registry))
    }
}

/// A type that can be a map key: integral types, `bool` and `String`.
pub trait MapKey: Value + Eq + Hash + Ord {
    /// The key's scalar type.
    const SCALAR: schema::Scalar;
}

macro_rules! map_key {
    ($($ty:ty => $scalar:ident),* $(,)?) => {
        $(impl MapKey for $ty {
            const SCALAR: schema::Scalar = schema::Scalar::$scalar;
        })*
    };
}

map_key!(
    bool => Bool,
    char => String,
    i8 => Int32,
    i16 => Int32,
    i32 => Int32,
    i64 => Int64,
    isize => Int64,
    u16 => Uint32,
    u32 => Uint32,
    u64 => Uint64,
    usize => Uint64,
    String => String,
);

macro_rules! map_field {
    ($map:ident, $module:ident) => {
        /// `map<K, V>`.
        impl<K: MapKey, V: Value + PartialEq> Field<Plain> for $map<K, V> {
            fn encode_field(&self, tag: u32, buf: &mut impl BufMut) {
                encoding::$module::encode(
                    |tag, key: &K, buf: &mut _| key.encode_value(tag, buf),
                    |tag, key: &K| key.value_len(tag),
                    |tag, value: &V, buf: &mut _| value.encode_value(tag, buf),
                    |tag, value: &V| value.value_len(tag),
                    tag,
                    self,
                    buf,
                );
            }

            fn merge_field(
                &mut self,
                _wire_type: WireType,
                buf: &mut impl Buf,
                ctx: DecodeContext,
            ) -> Result<(), DecodeError> {
                encoding::$module::merge(
                    |wire_type, key: &mut K, buf: &mut _, ctx| key.merge_value(wire_type, buf, ctx),
                    |wire_type, value: &mut V, buf: &mut _, ctx| {
                        value.merge_value(wire_type, buf, ctx)
                    },
                    self,
                    buf,
                    ctx,
                )
            }

            fn field_len(&self, tag: u32) -> usize {
                encoding::$module::encoded_len(
                    |tag, key: &K| key.value_len(tag),
                    |tag, value: &V| value.value_len(tag),
                    tag,
                    self,
                )
            }

            fn clear_field(&mut self) {
                self.clear();
            }

            fn field_type(registry: &mut Registry) -> schema::FieldType {
                schema::FieldType::Map(K::SCALAR, V::proto_type(registry))
            }
        }
    };
}

map_field!(HashMap, hash_map);
map_field!(BTreeMap, btree_map);
