//! Server-side decoding helpers that generated [`Binding::decode`] bodies
//! call. Every failure is an `INVALID_ARGUMENT` error whose message names
//! the problem, served as `400 Bad Request`.
//!
//! [`Binding::decode`]: super::Binding::decode

use axum::extract::{FromRequestParts, Path, Query};
use bytes::Bytes;
use http::request::Parts;
use serde::de::DeserializeOwned;

use crate::Error;

/// The path parameters, by name.
pub async fn path<T>(parts: &mut Parts) -> Result<T, Error>
where
    T: DeserializeOwned + Send,
{
    match Path::<T>::from_request_parts(parts, &()).await {
        Ok(Path(params)) => Ok(params),
        Err(rejection) => Err(Error::invalid_argument(format!(
            "invalid path parameter: {}",
            rejection.body_text()
        ))),
    }
}

/// The query string's parameters, by name.
pub fn query<T: DeserializeOwned>(parts: &Parts) -> Result<T, Error> {
    Query::<T>::try_from_uri(&parts.uri)
        .map(|Query(query)| query)
        .map_err(|rejection| {
            Error::invalid_argument(format!("invalid query string: {}", rejection.body_text()))
        })
}

/// The JSON body. The message says whether the JSON was malformed or did not
/// fit the message, and where.
pub fn json<T: DeserializeOwned>(body: &Bytes) -> Result<T, Error> {
    // Most bodies fit: read them without tracking the path, which costs,
    // and read a failure again with it, for the message.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    let value = serde_path_to_error::deserialize(&mut deserializer).map_err(|error| {
        let path = error.path().to_string();
        json_error(error.into_inner(), &path, body.is_empty())
    })?;
    deserializer
        .end()
        .map_err(|error| json_error(error, ".", false))?;
    Ok(value)
}

fn json_error(error: serde_json::Error, path: &str, empty: bool) -> Error {
    let message = match error.classify() {
        serde_json::error::Category::Data if path != "." => {
            format!("invalid request body: at `{path}`: {error}")
        }
        serde_json::error::Category::Data => format!("invalid request body: {error}"),
        _ if empty => "malformed JSON: the request body is empty".to_owned(),
        _ => format!("malformed JSON: {error}"),
    };
    Error::invalid_argument(message)
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[allow(dead_code)]
    struct Sum {
        a: i64,
        b: i64,
    }

    fn message(body: &str) -> String {
        json::<Sum>(&Bytes::copy_from_slice(body.as_bytes()))
            .unwrap_err()
            .message()
            .to_owned()
    }

    #[test]
    fn json_errors_name_the_problem() {
        assert!(message("{\"a\": 1,").starts_with("malformed JSON: EOF"));
        assert_eq!(message(""), "malformed JSON: the request body is empty");
        assert!(message("{\"a\": 1}").contains("missing field `b`"));
        let mistyped = message("{\"a\": 1, \"b\": \"two\"}");
        assert!(
            mistyped.starts_with("invalid request body: at `b`: invalid type"),
            "{mistyped}"
        );
        assert!(message("{\"a\": 1, \"b\": 2} x").starts_with("malformed JSON: trailing"));
    }

    #[test]
    fn json_decodes_a_good_body() {
        let sum: Sum = json(&Bytes::from_static(b"{\"a\": 1, \"b\": 2}")).unwrap();
        assert_eq!((sum.a, sum.b), (1, 2));
    }

    #[test]
    fn query_errors_name_the_problem() {
        #[derive(Debug, Deserialize)]
        #[allow(dead_code)]
        struct Page {
            limit: u32,
        }
        let (parts, ()) = http::Request::get("/items?limit=many")
            .body(())
            .unwrap()
            .into_parts();
        let error = query::<Page>(&parts).unwrap_err();
        assert!(
            error.message().starts_with("invalid query string:"),
            "{}",
            error.message()
        );
        let (parts, ()) = http::Request::get("/items?limit=3")
            .body(())
            .unwrap()
            .into_parts();
        assert_eq!(query::<Page>(&parts).unwrap().limit, 3);
    }
}
