//! Helpers for `#[derive(kit::Error)]`: a variant's fields as JSON details,
//! and back. Reached through `kit::__private::details`.

use http::StatusCode;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

/// A field (or a tuple of fields) as JSON; `None` if it does not serialize,
/// in which case the client rebuilds the transport variant instead.
pub fn encode<T: Serialize + ?Sized>(value: &T) -> Option<Value> {
    serde_json::to_value(value).ok()
}

/// Named fields as a JSON object; `None` if any of them did not serialize.
pub fn object<const N: usize>(fields: [(&str, Option<Value>); N]) -> Option<Value> {
    let mut object = Map::new();
    for (name, value) in fields {
        object.insert(name.to_owned(), value?);
    }
    Some(Value::Object(object))
}

/// The details as `T`; `None` when they are missing or do not fit.
pub fn decode<T: DeserializeOwned>(details: Option<&Value>) -> Option<T> {
    T::deserialize(details?).ok()
}

/// One named field of object details.
pub fn field<T: DeserializeOwned>(details: Option<&Value>, name: &str) -> Option<T> {
    T::deserialize(details?.get(name)?).ok()
}

/// A status the derive has checked to lie in 400..=599.
pub fn http_status(code: u16) -> StatusCode {
    StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn named_fields_round_trip_through_an_object() {
        let details = object([("id", encode("o-1")), ("count", encode(&3_u32))]).unwrap();
        assert_eq!(details, serde_json::json!({"id": "o-1", "count": 3}));
        assert_eq!(
            field::<String>(Some(&details), "id").as_deref(),
            Some("o-1")
        );
        assert_eq!(field::<u32>(Some(&details), "count"), Some(3));
        assert_eq!(field::<u32>(Some(&details), "id"), None);
        assert_eq!(field::<u32>(None, "count"), None);
    }

    #[test]
    fn tuples_round_trip_through_an_array() {
        let details = encode(&(&1_i64, &"two")).unwrap();
        assert_eq!(
            decode::<(i64, String)>(Some(&details)),
            Some((1, "two".to_owned()))
        );
        assert_eq!(decode::<(i64, i64)>(Some(&details)), None);
    }
}
