//! JSON-RPC 2.0 over HTTP: Go kit's `transport/http/jsonrpc`, serving the
//! same endpoints as the HTTP/JSON and gRPC transports.
//!
//! # Wire format
//!
//! * `POST /rpc` (the path is the server's choice) with
//!   `Content-Type: application/json` and a request object or a batch (an
//!   array of them), as [the specification](https://www.jsonrpc.org/specification)
//!   says. A method is named `{Service}.{method}`, the trait's name and the
//!   method's: `OrderService.get_by_id`.
//! * `params` are the method's request message, its parameters by name
//!   (`{"id": "o-1"}`) or in order (`["o-1"]`); absent, every parameter is
//!   its default.
//! * The answer is `200 OK` with the response object (or the array of
//!   them), whose `result` is what the method returned. A request without
//!   an `id` is a notification: it runs, and nothing is answered for it;
//!   a body of notifications only is answered `204 No Content`.
//! * An error has the specification's codes where they apply: `-32700`
//!   (the body is not JSON), `-32600` (not a request object), `-32601`
//!   (no such method), `-32602` (`INVALID_ARGUMENT`, the params among
//!   them) and `-32603` (`INTERNAL`); every other code of kit's is
//!   `-32000` minus its gRPC number (`NOT_FOUND` is `-32005`). Its `data`
//!   is kit's error body, `{"code": "NOT_FOUND", "message": "…",
//!   "variant": "NotFound", "details": …}`, so that the generated client
//!   returns the variant the service did.
//! * `X-Request-ID` and `X-Request-Timeout` travel as they do over
//!   HTTP/JSON; the timeout covers every call of a batch.

mod client;
mod server;

pub use client::Client;
pub use server::{DEFAULT_PATH, Methods};

use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::error::ErrorBody;
use crate::{Code, Error};

/// The specification's codes.
const PARSE_ERROR: i64 = -32700;
const INVALID_REQUEST: i64 = -32600;
const METHOD_NOT_FOUND: i64 = -32601;
const INVALID_PARAMS: i64 = -32602;
const INTERNAL_ERROR: i64 = -32603;
/// The start of the range the specification leaves to servers; kit's
/// other codes count down from it.
const SERVER_ERROR: i64 = -32000;

/// The JSON-RPC code of kit's `code`.
fn rpc_code(code: Code) -> i64 {
    match code {
        Code::InvalidArgument => INVALID_PARAMS,
        Code::Internal => INTERNAL_ERROR,
        Code::Unimplemented => METHOD_NOT_FOUND,
        other => SERVER_ERROR - i64::from(other.as_i32()),
    }
}

/// Kit's code of a JSON-RPC `code`, for an error whose `data` does not
/// say.
fn kit_code(code: i64) -> Code {
    match code {
        PARSE_ERROR | INVALID_REQUEST | INVALID_PARAMS => Code::InvalidArgument,
        METHOD_NOT_FOUND => Code::Unimplemented,
        INTERNAL_ERROR => Code::Internal,
        code if (SERVER_ERROR - 16..SERVER_ERROR).contains(&code) => {
            Code::from_i32(i32::try_from(SERVER_ERROR - code).unwrap_or(2))
        }
        _ => Code::Unknown,
    }
}

/// The version every message names.
const VERSION: &str = "2.0";

/// A response object with an error, as the server writes it (a result
/// it writes by hand).
#[derive(Serialize)]
struct Failure<'a> {
    jsonrpc: &'static str,
    error: ErrorObject<'a>,
    id: &'a RawValue,
}

/// A response object, as the client reads it.
#[derive(Deserialize)]
struct Answer<'a> {
    /// `Some("null")` for a `null` result, `None` when there is none.
    #[serde(borrow, default, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    #[serde(borrow, default)]
    error: Option<ErrorObject<'a>>,
}

/// A field that is present, even as `null`.
fn present<'de, D>(deserializer: D) -> Result<Option<&'de RawValue>, D::Error>
where
    D: serde::Deserializer<'de>,
{
    Deserialize::deserialize(deserializer).map(Some)
}

/// The `error` of a response object.
#[derive(Serialize, Deserialize)]
struct ErrorObject<'a> {
    code: i64,
    #[serde(borrow)]
    message: std::borrow::Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    data: Option<ErrorBody<'a>>,
}

impl<'a> ErrorObject<'a> {
    /// The object of one of the specification's errors, with kit's body
    /// in `data`.
    fn of(error: &'a Error) -> Self {
        ErrorObject {
            code: rpc_code(error.code()),
            message: std::borrow::Cow::Borrowed(error.message()),
            data: Some(error.to_body()),
        }
    }

    /// The error it describes.
    fn into_error(self) -> Error {
        match self.data {
            Some(body) => {
                let status = body.code.http_status();
                Error::from_body(body, status)
            }
            None => Error::new(
                kit_code(self.code),
                format!("JSON-RPC error {}: {}", self.code, self.message),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_round_trips_through_its_json_rpc_code() {
        for code in Code::ALL {
            if code == Code::Ok {
                continue;
            }
            assert_eq!(kit_code(rpc_code(code)), code, "{code:?}");
        }
        assert_eq!(rpc_code(Code::NotFound), -32005);
        assert_eq!(kit_code(PARSE_ERROR), Code::InvalidArgument);
        assert_eq!(kit_code(-1), Code::Unknown);
    }

    #[test]
    fn an_error_object_keeps_the_variant_in_its_data() {
        let error = Error::not_found("no order o-1").with_variant("NotFound", None);
        let json = serde_json::to_string(&ErrorObject::of(&error)).unwrap();
        assert_eq!(
            json,
            r#"{"code":-32005,"message":"no order o-1","data":{"code":"NOT_FOUND","message":"no order o-1","variant":"NotFound"}}"#
        );
        let back: ErrorObject<'_> = serde_json::from_str(&json).unwrap();
        let back = back.into_error();
        assert_eq!(back.code(), Code::NotFound);
        assert_eq!(back.variant(), Some("NotFound"));
    }
}
