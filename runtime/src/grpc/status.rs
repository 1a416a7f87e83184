//! [`Error`] ↔ `tonic::Status`.
//!
//! The code and message travel as gRPC's own `grpc-status` and
//! `grpc-message`. A business error's variant and details travel in two
//! trailers: `kit-error-variant` and `kit-error-details-bin` (the details as
//! JSON), which other gRPC clients can ignore.

use tonic::metadata::{AsciiMetadataValue, BinaryMetadataValue, MetadataMap};

use crate::{Code, Error};

/// The trailer that names a business error's variant.
pub const ERROR_VARIANT: &str = "kit-error-variant";
/// The trailer that carries a business error's details as JSON.
pub const ERROR_DETAILS: &str = "kit-error-details-bin";

/// The metadata that says, in milliseconds, when trying again may succeed.
/// Named for its unit: HTTP's `Retry-After` counts seconds.
pub const RETRY_AFTER_MS: &str = "retry-after-ms";

/// The status a server sends for `error`.
pub fn to_status(error: &Error) -> tonic::Status {
    let code = tonic::Code::from_i32(error.code().as_i32());
    let mut metadata = MetadataMap::new();
    if let Some(variant) = error.variant()
        && let Ok(value) = AsciiMetadataValue::try_from(variant)
    {
        metadata.insert(ERROR_VARIANT, value);
        if let Some(details) = error.details()
            && let Ok(json) = serde_json::to_vec(details)
        {
            metadata.insert_bin(ERROR_DETAILS, BinaryMetadataValue::from_bytes(&json));
        }
    }
    if let Some(after) = error.retry_after() {
        metadata.insert(
            RETRY_AFTER_MS,
            AsciiMetadataValue::from(after.as_millis() as u64),
        );
    }
    tonic::Status::with_metadata(code, error.message(), metadata)
}

/// The error a client returns for `status`.
pub fn from_status(status: &tonic::Status) -> Error {
    let mut error = Error::new(Code::from_i32(status.code() as i32), status.message());
    if let Some(millis) = status
        .metadata()
        .get(RETRY_AFTER_MS)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.parse::<u64>().ok())
    {
        error = error.with_retry_after(std::time::Duration::from_millis(millis));
    }
    let Some(variant) = status
        .metadata()
        .get(ERROR_VARIANT)
        .and_then(|value| value.to_str().ok())
    else {
        return error;
    };
    let details = status
        .metadata()
        .get_bin(ERROR_DETAILS)
        .and_then(|value| value.to_bytes().ok())
        .and_then(|json| serde_json::from_slice(&json).ok());
    error.with_variant(variant.to_owned(), details)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_round_trips_through_a_status() {
        let error = Error::resource_exhausted("slow down")
            .with_retry_after(std::time::Duration::from_millis(1500));
        let status = to_status(&error);
        assert_eq!(status.metadata().get(RETRY_AFTER_MS).unwrap(), "1500");
        // Not under HTTP's name, whose unit is seconds.
        assert!(status.metadata().get("retry-after").is_none());
        let back = from_status(&status);
        assert_eq!(
            back.retry_after(),
            Some(std::time::Duration::from_millis(1500))
        );
    }

    #[test]
    fn business_errors_round_trip_through_a_status() {
        let error = Error::new(Code::AlreadyExists, "order o-1 already exists")
            .with_variant("AlreadyExists", Some(serde_json::json!({"id": "o-1"})));
        let status = to_status(&error);
        assert_eq!(status.code(), tonic::Code::AlreadyExists);
        assert_eq!(status.message(), "order o-1 already exists");
        let back = from_status(&status);
        assert_eq!(back.code(), Code::AlreadyExists);
        assert_eq!(back.variant(), Some("AlreadyExists"));
        assert_eq!(back.details(), Some(&serde_json::json!({"id": "o-1"})));
    }

    #[test]
    fn every_code_keeps_its_number() {
        for code in Code::ALL {
            let status = to_status(&Error::new(code, "x"));
            assert_eq!(status.code() as i32, code.as_i32());
            assert_eq!(from_status(&status).code(), code);
        }
    }
}
