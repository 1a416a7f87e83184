//! Client-side encoding helpers that generated [`Binding::encode`] bodies
//! call.
//!
//! [`Binding::encode`]: super::Binding::encode

use bytes::Bytes;
use percent_encoding::{AsciiSet, CONTROLS, utf8_percent_encode};
use serde::Serialize;

use crate::Error;

/// Characters escaped in a path segment: RFC 3986 `pchar` minus the
/// sub-delimiters that routers treat specially.
const SEGMENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'/')
    .add(b'<')
    .add(b'>')
    .add(b'?')
    .add(b'[')
    .add(b'\\')
    .add(b']')
    .add(b'^')
    .add(b'`')
    .add(b'{')
    .add(b'|')
    .add(b'}');

/// Appends `value` to `target` as one percent-encoded path segment.
///
/// The value goes through serde, as on the server: strings as they are,
/// numbers and booleans in their JSON form. Anything else is an
/// `INVALID_ARGUMENT` error, since it has no single-segment form.
pub fn push_segment<T: Serialize + ?Sized>(target: &mut String, value: &T) -> Result<(), Error> {
    let text = match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(serde_json::Value::Number(number)) => number.to_string(),
        Ok(serde_json::Value::Bool(flag)) => flag.to_string(),
        Ok(other) => {
            return Err(Error::invalid_argument(format!(
                "a path parameter must be a string, number or boolean, not {other}"
            )));
        }
        Err(error) => {
            return Err(Error::invalid_argument(format!(
                "cannot encode a path parameter: {error}"
            )));
        }
    };
    if text.is_empty() {
        return Err(Error::invalid_argument("a path parameter cannot be empty"));
    }
    target.extend(utf8_percent_encode(&text, SEGMENT));
    Ok(())
}

/// Appends `?` and the URL-encoded fields of `query` to `target`, unless the
/// query is empty (all its fields `None`).
pub fn push_query<T: Serialize>(target: &mut String, query: &T) -> Result<(), Error> {
    let text = serde_urlencoded::to_string(query)
        .map_err(|error| Error::invalid_argument(format!("cannot encode the query: {error}")))?;
    if !text.is_empty() {
        target.push('?');
        target.push_str(&text);
    }
    Ok(())
}

/// Serializes a request body to JSON.
pub fn json<T: Serialize + ?Sized>(value: &T) -> Result<Bytes, Error> {
    serde_json::to_vec(value)
        .map(Bytes::from)
        .map_err(|error| Error::invalid_argument(format!("cannot encode the body: {error}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn segments_are_escaped_and_typed_through_serde() {
        let mut target = String::from("/items/");
        push_segment(&mut target, "a b/c?d%").unwrap();
        assert_eq!(target, "/items/a%20b%2Fc%3Fd%25");

        let mut target = String::new();
        push_segment(&mut target, &-42_i64).unwrap();
        push_segment(&mut target, &true).unwrap();
        assert_eq!(target, "-42true");
    }

    #[test]
    fn segments_that_cannot_be_one_segment_are_refused() {
        assert!(push_segment(&mut String::new(), &vec![1, 2]).is_err());
        assert!(push_segment(&mut String::new(), "").is_err());
        assert!(push_segment(&mut String::new(), &None::<i32>).is_err());
    }

    #[test]
    fn an_empty_query_adds_nothing() {
        #[derive(Serialize)]
        struct Query {
            limit: Option<u32>,
            name: Option<String>,
        }
        let mut target = String::from("/items");
        push_query(
            &mut target,
            &Query {
                limit: None,
                name: None,
            },
        )
        .unwrap();
        assert_eq!(target, "/items");
        push_query(
            &mut target,
            &Query {
                limit: Some(5),
                name: Some("a&b".into()),
            },
        )
        .unwrap();
        assert_eq!(target, "/items?limit=5&name=a%26b");
    }
}
