//! The ways credentials are checked.

use base64::Engine;

use crate::Error;

/// Checks the value of an `authorization` header.
pub trait Verify: Send + Sync + 'static {
    /// `Ok` lets the call through; the error (`UNAUTHENTICATED`, as a rule)
    /// is what the caller gets otherwise.
    fn verify(&self, authorization: &str) -> Result<(), Error>;
}

impl<F> Verify for F
where
    F: Fn(&str) -> Result<(), Error> + Send + Sync + 'static,
{
    fn verify(&self, authorization: &str) -> Result<(), Error> {
        self(authorization)
    }
}

/// The credentials after `scheme `, if the header uses that scheme.
fn credentials<'a>(authorization: &'a str, scheme: &str) -> Result<&'a str, Error> {
    match authorization.split_once(' ') {
        Some((given, rest)) if given.eq_ignore_ascii_case(scheme) => Ok(rest.trim()),
        _ => Err(Error::unauthenticated(format!(
            "unsupported credentials: expected `authorization: {scheme} …`"
        ))),
    }
}

/// Equality whose time does not depend on where two secrets differ.
/// Hand-written: five lines do not justify a dependency.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y)) == 0
}

/// Accepts `Bearer <token>` for any of a set of tokens.
pub(super) struct BearerTokens(pub(super) Vec<String>);

impl Verify for BearerTokens {
    fn verify(&self, authorization: &str) -> Result<(), Error> {
        let token = credentials(authorization, "Bearer")?;
        // Compare with every token, so that timing says nothing of which.
        let known = self.0.iter().fold(false, |known, candidate| {
            same(candidate.as_bytes(), token.as_bytes()) | known
        });
        if known {
            Ok(())
        } else {
            Err(Error::unauthenticated("invalid bearer token"))
        }
    }
}

/// Accepts `Basic <base64(user:password)>` for any of a set of pairs.
pub(super) struct BasicCredentials(pub(super) Vec<(String, String)>);

impl Verify for BasicCredentials {
    fn verify(&self, authorization: &str) -> Result<(), Error> {
        let encoded = credentials(authorization, "Basic")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| Error::unauthenticated("malformed basic credentials"))?;
        let text = String::from_utf8(decoded)
            .map_err(|_| Error::unauthenticated("malformed basic credentials"))?;
        let (user, password) = text
            .split_once(':')
            .ok_or_else(|| Error::unauthenticated("malformed basic credentials"))?;
        let known = self.0.iter().fold(false, |known, (u, p)| {
            (same(u.as_bytes(), user.as_bytes()) & same(p.as_bytes(), password.as_bytes())) | known
        });
        if known {
            Ok(())
        } else {
            Err(Error::unauthenticated("invalid user or password"))
        }
    }
}

/// Accepts `Bearer <JWT>` whose signature and claims pass validation.
#[cfg(feature = "jwt")]
pub(super) struct Jwt {
    pub(super) key: jsonwebtoken::DecodingKey,
    pub(super) validation: jsonwebtoken::Validation,
}

#[cfg(feature = "jwt")]
impl Verify for Jwt {
    fn verify(&self, authorization: &str) -> Result<(), Error> {
        let token = credentials(authorization, "Bearer")?;
        jsonwebtoken::decode::<serde_json::Value>(token, &self.key, &self.validation)
            .map(|_| ())
            .map_err(|error| Error::unauthenticated(format!("invalid token: {error}")))
    }
}
