//! HTTP for services from a `.proto`: requests and responses are whole
//! protobuf messages in their proto3 JSON form (pbjson), placed in the path,
//! the query string and the body by the method's `google.api.http` rule,
//! as grpc-gateway does.
//!
//! Unlike [`Binding`](super::Binding), which generated code implements per
//! method, a [`MessageRoute`] is data: kitgen writes one per HTTP rule, and
//! the functions here do the rest.

use bytes::Bytes;
use http::Method;
use http::request::Parts;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::{Encoded, decode, encode};
use crate::Error;

/// One HTTP rule of a method.
#[derive(Debug)]
pub struct MessageRoute {
    /// The HTTP method.
    pub method: Method,
    /// The route in axum's syntax, with one `{param}` per path variable.
    pub path: &'static str,
    /// The path variables: each axum parameter with the field path it
    /// fills, in JSON names (`["order", "id"]` for `{order.id}`).
    pub params: &'static [PathParam],
    /// What the body holds.
    pub body: MessageBody,
    /// Which field paths are `bool`s and which are repeated, so that path
    /// and query values, which are text, get their JSON form.
    pub fields: &'static FieldKinds,
}

/// A path variable and the field it fills.
#[derive(Debug)]
pub struct PathParam {
    /// The axum parameter name.
    pub name: &'static str,
    /// The field path, in JSON names.
    pub field: &'static [&'static str],
}

/// What an HTTP rule's body holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MessageBody {
    /// No body: every field not in the path travels in the query string.
    None,
    /// `body: "*"`: every field not in the path.
    All,
    /// `body: "field"`: that field (by JSON name); the others not in the
    /// path travel in the query string.
    Field(&'static str),
}

/// The field paths (dotted JSON names) whose text needs converting.
#[derive(Debug, Default)]
pub struct FieldKinds {
    /// Fields that are `bool`.
    pub booleans: &'static [&'static str],
    /// Fields that are repeated.
    pub repeated: &'static [&'static str],
}

impl MessageRoute {
    /// Whether requests carry a JSON body.
    pub fn has_body(&self) -> bool {
        self.body != MessageBody::None
    }
}

/// Client side: the message's JSON split into path, query and body.
pub fn encode_message<M: Serialize>(route: &MessageRoute, message: &M) -> Result<Encoded, Error> {
    let mut json = match serde_json::to_value(message) {
        Ok(Value::Object(object)) => object,
        Ok(_) => return Err(Error::internal("a message did not encode as a JSON object")),
        Err(error) => {
            return Err(Error::invalid_argument(format!(
                "cannot encode the message: {error}"
            )));
        }
    };
    let mut target = String::new();
    let mut rest = route.path;
    for param in route.params {
        let marker = format!("{{{}}}", param.name);
        let Some((before, after)) = rest.split_once(&marker) else {
            return Err(Error::internal(format!(
                "the route {} has no {marker}",
                route.path
            )));
        };
        target.push_str(before);
        let value = take(&mut json, param.field).unwrap_or(Value::Null);
        let text = match value {
            Value::String(text) => text,
            Value::Number(number) => number.to_string(),
            Value::Bool(flag) => flag.to_string(),
            _ => String::new(),
        };
        if text.is_empty() {
            return Err(Error::invalid_argument(format!(
                "the path field `{}` is not set",
                param.field.join(".")
            )));
        }
        encode::push_segment(&mut target, &text)?;
        rest = after;
    }
    target.push_str(rest);
    let body = match route.body {
        MessageBody::All => Some(Value::Object(std::mem::take(&mut json))),
        MessageBody::Field(field) => Some(json.remove(field).unwrap_or(Value::Null)),
        MessageBody::None => None,
    };
    let mut pairs = Vec::new();
    flatten(&mut pairs, String::new(), Value::Object(json));
    if !pairs.is_empty() {
        let query = serde_urlencoded::to_string(&pairs).map_err(|error| {
            Error::invalid_argument(format!("cannot encode the query: {error}"))
        })?;
        target.push('?');
        target.push_str(&query);
    }
    let body = body.map(|body| encode::json(&body)).transpose()?;
    Ok(Encoded { target, body })
}

/// Server side: the message from the body, the query string and the path.
pub async fn decode_message<M: DeserializeOwned>(
    route: &MessageRoute,
    parts: &mut Parts,
    body: &Bytes,
) -> Result<M, Error> {
    let mut json = match route.body {
        MessageBody::None => Map::new(),
        MessageBody::All if body.is_empty() => Map::new(),
        MessageBody::All => match decode::json::<Value>(body)? {
            Value::Object(object) => object,
            _ => {
                return Err(Error::invalid_argument(
                    "the request body must be a JSON object",
                ));
            }
        },
        MessageBody::Field(field) => {
            let mut object = Map::new();
            object.insert(field.to_owned(), decode::json::<Value>(body)?);
            object
        }
    };
    if let Some(query) = parts.uri.query() {
        let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query)
            .map_err(|error| Error::invalid_argument(format!("invalid query string: {error}")))?;
        for (key, value) in pairs {
            let path: Vec<&str> = key.split('.').collect();
            set(&mut json, &path, value, route.fields)?;
        }
    }
    if !route.params.is_empty() {
        let params: Vec<(String, String)> = decode::path(parts).await?;
        for (name, value) in params {
            if let Some(param) = route.params.iter().find(|param| param.name == name) {
                set(&mut json, param.field, value, route.fields)?;
            }
        }
    }
    serde_json::from_value(Value::Object(json))
        .map_err(|error| Error::invalid_argument(format!("invalid request: {error}")))
}

/// Removes the value at `path` from `object`.
fn take(object: &mut Map<String, Value>, path: &[&str]) -> Option<Value> {
    match path {
        [] => None,
        [last] => object.remove(*last),
        [first, rest @ ..] => match object.get_mut(*first)? {
            Value::Object(inner) => take(inner, rest),
            _ => None,
        },
    }
}

/// Sets the field at `path` from text: a `bool` field gets a JSON bool, a
/// repeated field gets the value appended; any other value stays text,
/// which proto3 JSON accepts for numbers and enums too.
fn set(
    object: &mut Map<String, Value>,
    path: &[&str],
    text: String,
    kinds: &FieldKinds,
) -> Result<(), Error> {
    let dotted = path.join(".");
    let value = if kinds.booleans.contains(&dotted.as_str()) {
        match text.as_str() {
            "true" => Value::Bool(true),
            "false" => Value::Bool(false),
            _ => {
                return Err(Error::invalid_argument(format!(
                    "`{dotted}` is a bool, not {text:?}"
                )));
            }
        }
    } else {
        Value::String(text)
    };
    let repeated = kinds.repeated.contains(&dotted.as_str());
    let mut current = object;
    for (index, key) in path.iter().enumerate() {
        if index + 1 == path.len() {
            if repeated {
                match current
                    .entry((*key).to_owned())
                    .or_insert_with(|| Value::Array(Vec::new()))
                {
                    Value::Array(values) => values.push(value),
                    other => *other = Value::Array(vec![value]),
                }
            } else {
                current.insert((*key).to_owned(), value);
            }
            return Ok(());
        }
        let entry = current
            .entry((*key).to_owned())
            .or_insert_with(|| Value::Object(Map::new()));
        if !entry.is_object() {
            *entry = Value::Object(Map::new());
        }
        let Value::Object(inner) = entry else {
            return Ok(());
        };
        current = inner;
    }
    Ok(())
}

/// A JSON value as query pairs: nested messages as dotted keys, repeated
/// fields as repeated keys, nulls left out.
fn flatten(pairs: &mut Vec<(String, String)>, prefix: String, value: Value) {
    match value {
        Value::Object(object) => {
            for (key, value) in object {
                let key = if prefix.is_empty() {
                    key
                } else {
                    format!("{prefix}.{key}")
                };
                flatten(pairs, key, value);
            }
        }
        Value::Array(values) => {
            for value in values {
                flatten(pairs, prefix.clone(), value);
            }
        }
        Value::Null => {}
        Value::String(text) => pairs.push((prefix, text)),
        Value::Bool(flag) => pairs.push((prefix, flag.to_string())),
        Value::Number(number) => pairs.push((prefix, number.to_string())),
    }
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Inner {
        id: String,
    }

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Request {
        order: Inner,
        status: String,
        tags: Vec<String>,
        urgent: bool,
        limit: String,
    }

    static KINDS: FieldKinds = FieldKinds {
        booleans: &["urgent"],
        repeated: &["tags"],
    };

    static ROUTE: MessageRoute = MessageRoute {
        method: Method::PATCH,
        path: "/v1/orders/{order_id}/status",
        params: &[PathParam {
            name: "order_id",
            field: &["order", "id"],
        }],
        body: MessageBody::Field("status"),
        fields: &KINDS,
    };

    fn request() -> Request {
        Request {
            order: Inner { id: "o/1".into() },
            status: "Done".into(),
            tags: vec!["a".into(), "b c".into()],
            urgent: true,
            limit: "5".into(),
        }
    }

    #[test]
    fn encoding_splits_the_message_by_the_rule() {
        let encoded = encode_message(&ROUTE, &request()).unwrap();
        assert_eq!(
            encoded.target,
            "/v1/orders/o%2F1/status?limit=5&tags=a&tags=b+c&urgent=true"
        );
        assert_eq!(encoded.body.unwrap(), Bytes::from_static(b"\"Done\""));
    }

    #[test]
    fn a_path_field_must_be_set() {
        let mut unset = request();
        unset.order.id.clear();
        let error = encode_message(&ROUTE, &unset).unwrap_err();
        assert_eq!(error.message(), "the path field `order.id` is not set");
    }

    #[test]
    fn setting_fields_from_text_follows_their_kinds() {
        let mut json = Map::new();
        set(&mut json, &["urgent"], "false".into(), &KINDS).unwrap();
        set(&mut json, &["tags"], "x".into(), &KINDS).unwrap();
        set(&mut json, &["tags"], "y".into(), &KINDS).unwrap();
        set(&mut json, &["order", "id"], "7".into(), &KINDS).unwrap();
        assert_eq!(
            Value::Object(json),
            serde_json::json!({"urgent": false, "tags": ["x", "y"], "order": {"id": "7"}})
        );
        let error = set(&mut Map::new(), &["urgent"], "yes".into(), &KINDS).unwrap_err();
        assert!(error.message().contains("is a bool"));
    }
}
