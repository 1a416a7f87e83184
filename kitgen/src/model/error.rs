//! A service's error enum: the code of each variant, and the variant that
//! carries transport failures.

use syn::{Fields, Ident, LitInt};

/// The names of `kit::Code`'s variants, which `code = …` accepts.
pub const CODES: [&str; 17] = [
    "Ok",
    "Cancelled",
    "Unknown",
    "InvalidArgument",
    "DeadlineExceeded",
    "NotFound",
    "AlreadyExists",
    "PermissionDenied",
    "ResourceExhausted",
    "FailedPrecondition",
    "Aborted",
    "OutOfRange",
    "Unimplemented",
    "Internal",
    "Unavailable",
    "DataLoss",
    "Unauthenticated",
];

/// A business error enum.
pub struct ErrorEnum {
    /// The enum's name.
    pub name: Ident,
    /// The business variants, in declaration order.
    pub variants: Vec<BusinessVariant>,
    /// The `#[kit(transport)]` variant.
    pub transport: Ident,
}

/// A variant with a code.
pub struct BusinessVariant {
    /// The variant's name, which also goes on the wire.
    pub name: Ident,
    /// Its fields, which travel as JSON details.
    pub fields: Fields,
    /// The `kit::Code` variant.
    pub code: Ident,
    /// The HTTP status, when it differs from the code's.
    pub http: Option<LitInt>,
    /// Doc comment lines, without the `///`.
    pub docs: Vec<String>,
}
