//! The error every endpoint and transport speaks, and the bridge to the
//! business error types that services declare.

use std::borrow::Cow;
use std::fmt;

use http::StatusCode;
use serde::{Deserialize, Serialize};

use crate::Code;

/// A boxed error that can cross threads; the `source` of an [`Error`].
pub type BoxError = Box<dyn std::error::Error + Send + Sync + 'static>;

/// The error of an endpoint or a transport: a [`Code`], a message, and, for
/// business errors, the variant that lets a client rebuild the service's own
/// error type.
///
/// The state lives behind one box, so `Result<T, Error>` stays small.
pub struct Error(Box<Inner>);

struct Inner {
    code: Code,
    message: String,
    http_status: Option<StatusCode>,
    variant: Option<Cow<'static, str>>,
    details: Option<serde_json::Value>,
    retry_after: Option<std::time::Duration>,
    source: Option<BoxError>,
}

impl Error {
    /// An error with a code and a message.
    pub fn new(code: Code, message: impl Into<String>) -> Self {
        Error(Box::new(Inner {
            code,
            message: message.into(),
            http_status: None,
            variant: None,
            details: None,
            retry_after: None,
            source: None,
        }))
    }

    /// `INVALID_ARGUMENT`: the caller sent something the service cannot use.
    pub fn invalid_argument(message: impl Into<String>) -> Self {
        Error::new(Code::InvalidArgument, message)
    }

    /// `NOT_FOUND`.
    pub fn not_found(message: impl Into<String>) -> Self {
        Error::new(Code::NotFound, message)
    }

    /// `INTERNAL`: a bug or a broken invariant on the server.
    pub fn internal(message: impl Into<String>) -> Self {
        Error::new(Code::Internal, message)
    }

    /// `UNAVAILABLE`: the peer could not be reached; retrying may help.
    pub fn unavailable(message: impl Into<String>) -> Self {
        Error::new(Code::Unavailable, message)
    }

    /// `UNIMPLEMENTED`: the service does not do this (yet). The stubs that
    /// `kitgen sync` adds return it.
    pub fn unimplemented(message: impl Into<String>) -> Self {
        Error::new(Code::Unimplemented, message)
    }

    /// `DEADLINE_EXCEEDED`: the request's deadline passed.
    pub fn deadline_exceeded() -> Self {
        Error::new(Code::DeadlineExceeded, "the request's deadline passed")
    }

    /// Overrides the HTTP status this error is served with; the default is
    /// [`Code::http_status`].
    #[must_use]
    pub fn with_http_status(mut self, status: StatusCode) -> Self {
        self.0.http_status = Some(status);
        self
    }

    /// Names the business-error variant this error came from, with the
    /// variant's fields as JSON. `#[derive(kit::Error)]` calls this; a client
    /// uses the two to rebuild the same variant.
    #[must_use]
    pub fn with_variant(
        mut self,
        variant: impl Into<Cow<'static, str>>,
        details: Option<serde_json::Value>,
    ) -> Self {
        self.0.variant = Some(variant.into());
        self.0.details = details;
        self
    }

    /// Drops the business-error variant and its details, keeping code and
    /// message. A service that passes on a downstream service's error (its
    /// transport variant) sends it plain, so that the downstream variant is
    /// not mistaken for one of its own.
    #[must_use]
    pub fn without_variant(mut self) -> Self {
        self.0.variant = None;
        self.0.details = None;
        self
    }

    /// Turns any error that a tower layer returned into an [`Error`]: a kit
    /// error stays itself, tower's timeout becomes `DEADLINE_EXCEEDED`, load
    /// shedding `UNAVAILABLE`, anything else `INTERNAL` with its text.
    pub fn from_box_error(error: BoxError) -> Self {
        let error = match error.downcast::<Error>() {
            Ok(error) => return *error,
            Err(error) => error,
        };
        if error.is::<tower::timeout::error::Elapsed>() {
            return Error::new(Code::DeadlineExceeded, "the endpoint timed out").with_source(error);
        }
        if error.is::<tower::load_shed::error::Overloaded>() {
            return Error::unavailable("the endpoint is overloaded").with_source(error);
        }
        Error::internal(error.to_string()).with_source(error)
    }

    /// Tells the caller when trying again may succeed: HTTP sends it as
    /// `Retry-After` (whole seconds, rounded up), gRPC as `retry-after-ms`
    /// metadata (milliseconds).
    #[must_use]
    pub fn with_retry_after(mut self, after: std::time::Duration) -> Self {
        self.0.retry_after = Some(after);
        self
    }

    /// When trying again may succeed, if the error says.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        self.0.retry_after
    }

    /// `RESOURCE_EXHAUSTED`: a limit or quota was hit.
    pub fn resource_exhausted(message: impl Into<String>) -> Self {
        Error::new(Code::ResourceExhausted, message)
    }

    /// `UNAUTHENTICATED`: the caller's credentials are missing or invalid.
    pub fn unauthenticated(message: impl Into<String>) -> Self {
        Error::new(Code::Unauthenticated, message)
    }

    /// Attaches the lower-level error that caused this one.
    #[must_use]
    pub fn with_source(mut self, source: impl Into<BoxError>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// The canonical code.
    pub fn code(&self) -> Code {
        self.0.code
    }

    /// The human-readable message.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The HTTP status this error is served with: the override, or the
    /// code's. An error is never served as a success: a status below 400
    /// (from `Code::Ok`, say) becomes `500 Internal Server Error`.
    pub fn http_status(&self) -> StatusCode {
        let status = self
            .0
            .http_status
            .unwrap_or_else(|| self.0.code.http_status());
        if status.is_client_error() || status.is_server_error() {
            status
        } else {
            StatusCode::INTERNAL_SERVER_ERROR
        }
    }

    /// The business-error variant name, when the error came from one.
    pub fn variant(&self) -> Option<&str> {
        self.0.variant.as_deref()
    }

    /// The JSON form of the variant's fields, when it has any.
    pub fn details(&self) -> Option<&serde_json::Value> {
        self.0.details.as_ref()
    }

    /// The body a transport sends for this error.
    pub(crate) fn to_body(&self) -> ErrorBody<'_> {
        ErrorBody {
            code: self.0.code,
            message: Cow::Borrowed(&self.0.message),
            variant: self.0.variant.as_deref().map(Cow::Borrowed),
            details: self.0.details.clone(),
        }
    }

    /// Rebuilds an error from a body a transport received.
    pub(crate) fn from_body(body: ErrorBody<'_>, status: StatusCode) -> Self {
        let mut error = Error::new(body.code, body.message.into_owned());
        if status != body.code.http_status() {
            error = error.with_http_status(status);
        }
        if let Some(variant) = body.variant {
            error = error.with_variant(variant.into_owned(), body.details);
        }
        error
    }
}

/// The wire form of an [`Error`]: the JSON body of an HTTP error response.
///
/// ```json
/// {"code": "NOT_FOUND", "message": "order not found", "variant": "NotFound"}
/// ```
#[derive(Serialize, Deserialize)]
pub(crate) struct ErrorBody<'a> {
    pub(crate) code: Code,
    #[serde(borrow)]
    pub(crate) message: Cow<'a, str>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pub(crate) variant: Option<Cow<'a, str>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(crate) details: Option<serde_json::Value>,
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut debug = f.debug_struct("Error");
        debug
            .field("code", &self.0.code)
            .field("message", &self.0.message);
        if let Some(status) = self.0.http_status {
            debug.field("http_status", &status);
        }
        if let Some(variant) = &self.0.variant {
            debug.field("variant", variant);
        }
        if let Some(details) = &self.0.details {
            debug.field("details", details);
        }
        if let Some(source) = &self.0.source {
            debug.field("source", source);
        }
        debug.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.0.code, self.0.message)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|source| source as &(dyn std::error::Error + 'static))
    }
}

/// An error type that a service method can return: it turns into an
/// [`Error`] on the server and is rebuilt from one on the client.
///
/// `#[derive(kit::Error)]` implements this for an enum, so that the client
/// returns the same variant the server did, and a transport failure arrives
/// in the enum's `#[kit(transport)]` variant. [`Error`] implements it as the
/// identity, for services that need no error type of their own.
pub trait ServiceError: Sized + Send + 'static {
    /// The code the error goes on the wire with, without converting it.
    fn code(&self) -> Code;

    /// Server side: the error as it goes on the wire.
    fn into_error(self) -> Error;

    /// Client side: the error the caller sees. A business variant comes back
    /// as itself; anything else arrives as the transport variant.
    fn from_error(error: Error) -> Self;

    /// The business variants, as the OpenAPI document describes them; none
    /// unless `#[derive(kit::Error)]` says.
    fn variants() -> Vec<crate::proto::schema::http::ErrorVariant> {
        Vec::new()
    }
}

impl ServiceError for Error {
    fn code(&self) -> Code {
        Error::code(self)
    }

    fn into_error(self) -> Error {
        self
    }

    fn from_error(error: Error) -> Self {
        error
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_body_round_trips_code_status_variant_and_details() {
        let error = Error::new(Code::FailedPrecondition, "out of coffee")
            .with_http_status(StatusCode::IM_A_TEAPOT)
            .with_variant("OutOfCoffee", Some(serde_json::json!({"cups": 0})));
        let json = serde_json::to_vec(&error.to_body()).unwrap();
        let body: ErrorBody<'_> = serde_json::from_slice(&json).unwrap();
        let back = Error::from_body(body, StatusCode::IM_A_TEAPOT);
        assert_eq!(back.code(), Code::FailedPrecondition);
        assert_eq!(back.message(), "out of coffee");
        assert_eq!(back.http_status(), StatusCode::IM_A_TEAPOT);
        assert_eq!(back.variant(), Some("OutOfCoffee"));
        assert_eq!(back.details(), Some(&serde_json::json!({"cups": 0})));
    }

    #[test]
    fn a_plain_error_body_names_only_code_and_message() {
        let error = Error::not_found("no such order");
        let json = serde_json::to_string(&error.to_body()).unwrap();
        assert_eq!(json, r#"{"code":"NOT_FOUND","message":"no such order"}"#);
        assert_eq!(error.http_status(), StatusCode::NOT_FOUND);
        assert_eq!(error.to_string(), "NOT_FOUND: no such order");
    }

    #[test]
    fn an_error_is_never_served_as_a_success() {
        assert_eq!(
            Error::new(Code::Ok, "odd").http_status(),
            StatusCode::INTERNAL_SERVER_ERROR
        );
        let redirect = Error::not_found("x").with_http_status(StatusCode::FOUND);
        assert_eq!(redirect.http_status(), StatusCode::INTERNAL_SERVER_ERROR);
    }

    #[test]
    fn tower_errors_map_to_codes() {
        let kit: BoxError = Box::new(Error::not_found("gone"));
        assert_eq!(Error::from_box_error(kit).code(), Code::NotFound);
        let elapsed: BoxError = Box::new(tower::timeout::error::Elapsed::new());
        assert_eq!(
            Error::from_box_error(elapsed).code(),
            Code::DeadlineExceeded
        );
        let overloaded: BoxError = Box::new(tower::load_shed::error::Overloaded::new());
        assert_eq!(Error::from_box_error(overloaded).code(), Code::Unavailable);
        let other: BoxError = "boom".into();
        let error = Error::from_box_error(other);
        assert_eq!((error.code(), error.message()), (Code::Internal, "boom"));
    }

    #[test]
    fn a_forwarded_error_loses_its_variant() {
        let error = Error::not_found("gone")
            .with_variant("NotFound", None)
            .without_variant();
        assert_eq!((error.code(), error.variant()), (Code::NotFound, None));
    }

    #[test]
    fn the_source_is_kept() {
        let io = std::io::Error::other("connection reset");
        let error = Error::unavailable("call failed").with_source(io);
        let source = std::error::Error::source(&error).unwrap();
        assert_eq!(source.to_string(), "connection reset");
    }
}
