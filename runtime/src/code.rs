//! The canonical status codes shared by every transport.

use std::fmt;

use http::StatusCode;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The canonical gRPC status codes, each with the HTTP status it maps to.
///
/// The HTTP mapping follows `google.rpc.Code`. A business error can override
/// the HTTP status of a single variant (see [`Error::with_http_status`]).
///
/// [`Error::with_http_status`]: crate::Error::with_http_status
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Code {
    /// Not an error; returned on success.
    Ok = 0,
    /// The operation was cancelled, typically by the caller.
    Cancelled = 1,
    /// An error whose cause is not known.
    Unknown = 2,
    /// The client specified an invalid argument.
    InvalidArgument = 3,
    /// The deadline expired before the operation could complete.
    DeadlineExceeded = 4,
    /// Some requested entity was not found.
    NotFound = 5,
    /// The entity that a client attempted to create already exists.
    AlreadyExists = 6,
    /// The caller does not have permission to execute the operation.
    PermissionDenied = 7,
    /// Some resource has been exhausted: a quota, or space, or a size limit.
    ResourceExhausted = 8,
    /// The system is not in a state required for the operation.
    FailedPrecondition = 9,
    /// The operation was aborted, typically because of a concurrency conflict.
    Aborted = 10,
    /// The operation was attempted past the valid range.
    OutOfRange = 11,
    /// The operation is not implemented or not supported.
    Unimplemented = 12,
    /// An invariant expected by the underlying system has been broken.
    Internal = 13,
    /// The service is currently unavailable; retrying may help.
    Unavailable = 14,
    /// Unrecoverable data loss or corruption.
    DataLoss = 15,
    /// The request lacks valid authentication credentials.
    Unauthenticated = 16,
}

/// nginx's 499, which `google.rpc.Code` names for `CANCELLED`.
const CLIENT_CLOSED_REQUEST: StatusCode = match StatusCode::from_u16(499) {
    Ok(status) => status,
    Err(_) => StatusCode::BAD_REQUEST,
};

impl Code {
    /// Every code, in numeric order.
    pub const ALL: [Code; 17] = [
        Code::Ok,
        Code::Cancelled,
        Code::Unknown,
        Code::InvalidArgument,
        Code::DeadlineExceeded,
        Code::NotFound,
        Code::AlreadyExists,
        Code::PermissionDenied,
        Code::ResourceExhausted,
        Code::FailedPrecondition,
        Code::Aborted,
        Code::OutOfRange,
        Code::Unimplemented,
        Code::Internal,
        Code::Unavailable,
        Code::DataLoss,
        Code::Unauthenticated,
    ];

    /// The HTTP status this code maps to (as in `google.rpc.Code`).
    pub fn http_status(self) -> StatusCode {
        match self {
            Code::Ok => StatusCode::OK,
            Code::Cancelled => CLIENT_CLOSED_REQUEST,
            Code::Unknown | Code::Internal | Code::DataLoss => StatusCode::INTERNAL_SERVER_ERROR,
            Code::InvalidArgument | Code::FailedPrecondition | Code::OutOfRange => {
                StatusCode::BAD_REQUEST
            }
            Code::DeadlineExceeded => StatusCode::GATEWAY_TIMEOUT,
            Code::NotFound => StatusCode::NOT_FOUND,
            Code::AlreadyExists | Code::Aborted => StatusCode::CONFLICT,
            Code::PermissionDenied => StatusCode::FORBIDDEN,
            Code::ResourceExhausted => StatusCode::TOO_MANY_REQUESTS,
            Code::Unimplemented => StatusCode::NOT_IMPLEMENTED,
            Code::Unavailable => StatusCode::SERVICE_UNAVAILABLE,
            Code::Unauthenticated => StatusCode::UNAUTHORIZED,
        }
    }

    /// The code a client assumes for an HTTP error status that carries no
    /// kit error body (a proxy's 502, say).
    pub fn from_http_status(status: StatusCode) -> Code {
        match status.as_u16() {
            200..=299 => Code::Ok,
            400 | 415 => Code::InvalidArgument,
            401 => Code::Unauthenticated,
            403 => Code::PermissionDenied,
            404 => Code::NotFound,
            405 | 501 => Code::Unimplemented,
            408 | 504 => Code::DeadlineExceeded,
            409 => Code::Aborted,
            412 => Code::FailedPrecondition,
            413 | 429 => Code::ResourceExhausted,
            499 => Code::Cancelled,
            502 | 503 => Code::Unavailable,
            500 => Code::Internal,
            _ => Code::Unknown,
        }
    }

    /// The wire name, as in the gRPC spec: `NOT_FOUND`.
    pub const fn as_str(self) -> &'static str {
        match self {
            Code::Ok => "OK",
            Code::Cancelled => "CANCELLED",
            Code::Unknown => "UNKNOWN",
            Code::InvalidArgument => "INVALID_ARGUMENT",
            Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
            Code::NotFound => "NOT_FOUND",
            Code::AlreadyExists => "ALREADY_EXISTS",
            Code::PermissionDenied => "PERMISSION_DENIED",
            Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
            Code::FailedPrecondition => "FAILED_PRECONDITION",
            Code::Aborted => "ABORTED",
            Code::OutOfRange => "OUT_OF_RANGE",
            Code::Unimplemented => "UNIMPLEMENTED",
            Code::Internal => "INTERNAL",
            Code::Unavailable => "UNAVAILABLE",
            Code::DataLoss => "DATA_LOSS",
            Code::Unauthenticated => "UNAUTHENTICATED",
        }
    }

    /// Parses a wire name such as `NOT_FOUND`.
    pub fn from_wire_name(name: &str) -> Option<Code> {
        Code::ALL.into_iter().find(|code| code.as_str() == name)
    }

    /// The numeric gRPC value.
    pub const fn as_i32(self) -> i32 {
        self as i32
    }

    /// The code for a numeric gRPC value; out-of-range values are `Unknown`,
    /// as the gRPC spec asks.
    pub fn from_i32(value: i32) -> Code {
        usize::try_from(value)
            .ok()
            .and_then(|index| Code::ALL.get(index).copied())
            .unwrap_or(Code::Unknown)
    }
}

impl fmt::Display for Code {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Code {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> Deserialize<'de> for Code {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = <std::borrow::Cow<'de, str>>::deserialize(deserializer)?;
        Ok(Code::from_wire_name(&name).unwrap_or(Code::Unknown))
    }
}

#[cfg(test)]
mod tests {

    #[test]
    fn the_openapi_document_says_the_same_statuses() {
        for code in Code::ALL {
            assert_eq!(
                crate::proto::schema::http::default_status(code.as_str()),
                code.http_status().as_u16(),
                "{code}"
            );
        }
    }

    use super::*;

    #[test]
    fn numeric_values_follow_the_grpc_spec() {
        for (index, code) in Code::ALL.into_iter().enumerate() {
            assert_eq!(code.as_i32() as usize, index);
            assert_eq!(Code::from_i32(code.as_i32()), code);
        }
        assert_eq!(Code::from_i32(17), Code::Unknown);
        assert_eq!(Code::from_i32(-1), Code::Unknown);
    }

    #[test]
    fn wire_names_round_trip() {
        for code in Code::ALL {
            assert_eq!(Code::from_wire_name(code.as_str()), Some(code));
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(serde_json::from_str::<Code>(&json).unwrap(), code);
        }
        assert_eq!(
            serde_json::from_str::<Code>("\"NOPE\"").unwrap(),
            Code::Unknown
        );
    }

    #[test]
    fn http_statuses_follow_google_rpc_code() {
        assert_eq!(Code::InvalidArgument.http_status(), 400);
        assert_eq!(Code::Unauthenticated.http_status(), 401);
        assert_eq!(Code::PermissionDenied.http_status(), 403);
        assert_eq!(Code::NotFound.http_status(), 404);
        assert_eq!(Code::AlreadyExists.http_status(), 409);
        assert_eq!(Code::ResourceExhausted.http_status(), 429);
        assert_eq!(Code::Cancelled.http_status(), 499);
        assert_eq!(Code::Internal.http_status(), 500);
        assert_eq!(Code::Unimplemented.http_status(), 501);
        assert_eq!(Code::Unavailable.http_status(), 503);
        assert_eq!(Code::DeadlineExceeded.http_status(), 504);
    }

    #[test]
    fn every_code_survives_its_own_http_status() {
        // Codes that share a status cannot all come back; the ones that own
        // their status must.
        for code in [
            Code::Ok,
            Code::InvalidArgument,
            Code::Unauthenticated,
            Code::PermissionDenied,
            Code::NotFound,
            Code::ResourceExhausted,
            Code::Cancelled,
            Code::Internal,
            Code::Unimplemented,
            Code::Unavailable,
            Code::DeadlineExceeded,
        ] {
            assert_eq!(Code::from_http_status(code.http_status()), code, "{code}");
        }
    }
}
