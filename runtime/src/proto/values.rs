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

map_key!(bool => Bool, i32 => Int32, i64 => Int64, u32 => Uint32, u64 => Uint64, String => String);

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
