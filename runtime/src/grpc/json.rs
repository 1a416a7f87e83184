//! Messages as proto3 JSON, for Connect's JSON codec.

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde::{Deserialize, forward_to_deserialize_any};
use serde_json::Value;

/// A message's proto3 JSON form, which Connect's JSON codec sends: what
/// serde writes for most messages. A generated response struct, whose
/// serde form is its value alone (what HTTP/JSON answers), is wrapped
/// here as its protobuf message is: `{"value": …}`. Generated code
/// implements it for every message a service takes or returns.
pub trait JsonMessage: serde::Serialize + serde::de::DeserializeOwned {
    /// The message as proto3 JSON.
    fn to_json(&self) -> serde_json::Result<Vec<u8>> {
        serde_json::to_vec(self)
    }

    /// The message from proto3 JSON, where 64-bit integers (and any
    /// other number) may be strings and floats `"NaN"` or `"Infinity"`.
    fn from_json(json: &[u8]) -> serde_json::Result<Self> {
        Self::deserialize(Lenient(serde_json::from_slice(json)?))
    }
}

/// The proto3 JSON of a generated message whose serde form is its one
/// field's `value` alone: `{"value": …}`. For generated code.
#[doc(hidden)]
pub fn value_to_json<T: serde::Serialize>(value: &T) -> serde_json::Result<Vec<u8>> {
    serde_json::to_vec(&Wrapped { value })
}

/// The `value` of such a message, from its proto3 JSON. For generated
/// code.
#[doc(hidden)]
pub fn value_from_json<T: serde::de::DeserializeOwned + Default>(
    json: &[u8],
) -> serde_json::Result<T> {
    Wrapped::<T>::deserialize(Lenient(serde_json::from_slice(json)?)).map(|wrapped| wrapped.value)
}

/// A message of one field, `value`.
#[derive(serde::Serialize, serde::Deserialize)]
struct Wrapped<T> {
    #[serde(default)]
    value: T,
}

macro_rules! well_known_json {
    ($($name:ident),* $(,)?) => {
        $(impl JsonMessage for pbjson_types::$name {})*
    };
}

well_known_json!(
    Any,
    BoolValue,
    BytesValue,
    DoubleValue,
    Duration,
    Empty,
    FieldMask,
    FloatValue,
    Int32Value,
    Int64Value,
    ListValue,
    StringValue,
    Struct,
    Timestamp,
    UInt32Value,
    UInt64Value,
    Value,
);

/// A JSON value read the way proto3 JSON allows and serde alone would not:
/// a number may come as a string (`"42"`, as every 64-bit integer does
/// from protobuf's JSON writers), and a float as `"NaN"`, `"Infinity"` or
/// `"-Infinity"`; arrays and objects are read the same way all the way down.
/// Hand-written: serde_with and friends do this per field, and only where
/// a type says so.
struct Lenient(Value);

/// Parses a number sent as a string, or hands the value on.
macro_rules! numbers {
    ($($method:ident => $visit:ident: $ty:ty,)*) => {
        $(
            fn $method<V: Visitor<'de>>(self, visitor: V) -> serde_json::Result<V::Value> {
                match self.0 {
                    Value::String(text) => match parse_number::<$ty>(&text) {
                        Some(number) => visitor.$visit(number),
                        None => Err(de::Error::invalid_value(
                            de::Unexpected::Str(&text),
                            &concat!("a ", stringify!($ty), " or one in a string"),
                        )),
                    },
                    other => other.$method(visitor),
                }
            }
        )*
    };
}

/// A number from its text; for floats, proto3 JSON's names too.
fn parse_number<T: std::str::FromStr>(text: &str) -> Option<T> {
    match text {
        "NaN" => "NaN".parse().ok(),
        "Infinity" => "inf".parse().ok(),
        "-Infinity" => "-inf".parse().ok(),
        text => text.parse().ok(),
    }
}

impl<'de> Deserializer<'de> for Lenient {
    type Error = serde_json::Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> serde_json::Result<V::Value> {
        match self.0 {
            Value::Array(items) => visitor.visit_seq(Items(items.into_iter())),
            Value::Object(fields) => visitor.visit_map(Fields {
                fields: fields.into_iter(),
                value: None,
            }),
            other => other.deserialize_any(visitor),
        }
    }

    numbers! {
        deserialize_i8 => visit_i8: i8,
        deserialize_i16 => visit_i16: i16,
        deserialize_i32 => visit_i32: i32,
        deserialize_i64 => visit_i64: i64,
        deserialize_i128 => visit_i128: i128,
        deserialize_u8 => visit_u8: u8,
        deserialize_u16 => visit_u16: u16,
        deserialize_u32 => visit_u32: u32,
        deserialize_u64 => visit_u64: u64,
        deserialize_u128 => visit_u128: u128,
        deserialize_f32 => visit_f32: f32,
        deserialize_f64 => visit_f64: f64,
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> serde_json::Result<V::Value> {
        match self.0 {
            Value::Null => visitor.visit_none(),
            other => visitor.visit_some(Lenient(other)),
        }
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> serde_json::Result<V::Value> {
        self.0.deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        bool char str string bytes byte_buf unit unit_struct seq tuple
        tuple_struct map struct identifier ignored_any
    }
}

/// An array's items, each read leniently.
struct Items(std::vec::IntoIter<Value>);

impl<'de> SeqAccess<'de> for Items {
    type Error = serde_json::Error;

    fn next_element_seed<T: DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> serde_json::Result<Option<T::Value>> {
        self.0
            .next()
            .map(|item| seed.deserialize(Lenient(item)))
            .transpose()
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.0.len())
    }
}

/// An object's fields, each value read leniently (and each key, so that a
/// map's integer keys, which JSON writes as strings, are read too).
struct Fields {
    fields: serde_json::map::IntoIter,
    value: Option<Value>,
}

impl<'de> MapAccess<'de> for Fields {
    type Error = serde_json::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> serde_json::Result<Option<K::Value>> {
        let Some((key, value)) = self.fields.next() else {
            return Ok(None);
        };
        self.value = Some(value);
        seed.deserialize(Lenient(Value::String(key))).map(Some)
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> serde_json::Result<V::Value> {
        let value = self
            .value
            .take()
            .ok_or_else(|| de::Error::custom("a value asked for before its key"))?;
        seed.deserialize(Lenient(value))
    }

    fn size_hint(&self) -> Option<usize> {
        Some(self.fields.len())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use serde::{Deserialize, Serialize};

    use super::*;

    #[derive(Debug, Default, PartialEq, Serialize, Deserialize)]
    struct Sample {
        #[serde(default)]
        count: u64,
        #[serde(default)]
        delta: Option<i64>,
        #[serde(default)]
        ratios: Vec<f64>,
        #[serde(default)]
        names: BTreeMap<u32, String>,
        #[serde(default)]
        nested: Option<Box<Sample>>,
    }

    impl JsonMessage for Sample {}

    #[test]
    fn numbers_may_be_strings_all_the_way_down() {
        let json = br#"{"count": "18446744073709551615", "delta": "-3",
            "ratios": ["NaN", "Infinity", 0.5, "-Infinity"], "names": {"7": "seven"},
            "nested": {"count": 2, "delta": null}}"#;
        let sample = Sample::from_json(json).unwrap();
        assert_eq!(sample.count, u64::MAX);
        assert_eq!(sample.delta, Some(-3));
        assert!(sample.ratios[0].is_nan());
        assert_eq!(sample.ratios[1..], [f64::INFINITY, 0.5, f64::NEG_INFINITY]);
        assert_eq!(sample.names[&7], "seven");
        let nested = sample.nested.unwrap();
        assert_eq!((nested.count, nested.delta), (2, None));
    }

    #[test]
    fn a_string_that_is_not_a_number_is_refused_with_what_was_expected() {
        let error = Sample::from_json(br#"{"count": "many"}"#).unwrap_err();
        assert!(
            error.to_string().contains("a u64 or one in a string"),
            "{error}"
        );
        let error = Sample::from_json(br#"{"count": -1}"#).unwrap_err();
        assert!(error.to_string().contains("u64"), "{error}");
    }

    #[test]
    fn a_wrapped_value_reads_and_writes_its_field() {
        assert_eq!(value_to_json(&5u64).unwrap(), br#"{"value":5}"#);
        assert_eq!(value_from_json::<u64>(br#"{"value":"5"}"#).unwrap(), 5);
        assert_eq!(value_from_json::<u64>(b"{}").unwrap(), 0);
    }
}
