//! The ways credentials are checked.

use base64::Engine;
use sha2::{Digest, Sha256};

use super::Identity;
use crate::Error;

/// Checks the value of an `authorization` header.
pub trait Verify: Send + Sync + 'static {
    /// `Ok` with who is calling lets the call through; the error
    /// (`UNAUTHENTICATED`, as a rule) is what the caller gets otherwise.
    fn verify(&self, authorization: &str) -> Result<Identity, Error>;
}

impl<F> Verify for F
where
    F: Fn(&str) -> Result<Identity, Error> + Send + Sync + 'static,
{
    fn verify(&self, authorization: &str) -> Result<Identity, Error> {
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

/// A secret's SHA-256 digest: secrets are compared as digests, which all
/// have one length, so the time a comparison takes says nothing of the
/// secret's length either.
pub(super) type SecretDigest = [u8; 32];

/// The digest of `secret`.
pub(super) fn digest(secret: &str) -> SecretDigest {
    Sha256::digest(secret.as_bytes()).into()
}

/// Equality whose time does not depend on where two digests differ.
fn same(a: &SecretDigest, b: &SecretDigest) -> bool {
    // `black_box` keeps the optimiser from turning the fold into an early
    // exit.
    std::hint::black_box(a.iter().zip(b).fold(0u8, |diff, (x, y)| diff | (x ^ y))) == 0
}

/// Accepts `Bearer <token>` for any of a set of (name, token digest).
pub(super) struct BearerTokens(pub(super) Vec<(String, SecretDigest)>);

impl Verify for BearerTokens {
    fn verify(&self, authorization: &str) -> Result<Identity, Error> {
        let token = digest(credentials(authorization, "Bearer")?);
        // Compare with every token, so that timing says nothing of which.
        let found = self.0.iter().fold(None, |found, (name, candidate)| {
            if same(candidate, &token) {
                Some(name)
            } else {
                found
            }
        });
        match found {
            Some(name) => Ok(Identity::Bearer { name: name.clone() }),
            None => Err(Error::unauthenticated("invalid bearer token")),
        }
    }
}

/// Accepts `Basic <base64(user:password)>` for any of a set of (user, its
/// digest, the password's digest).
pub(super) struct BasicCredentials(pub(super) Vec<(String, SecretDigest, SecretDigest)>);

impl Verify for BasicCredentials {
    fn verify(&self, authorization: &str) -> Result<Identity, Error> {
        let encoded = credentials(authorization, "Basic")?;
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|_| Error::unauthenticated("malformed basic credentials"))?;
        let text = String::from_utf8(decoded)
            .map_err(|_| Error::unauthenticated("malformed basic credentials"))?;
        let (user, password) = text
            .split_once(':')
            .ok_or_else(|| Error::unauthenticated("malformed basic credentials"))?;
        let (user, password) = (digest(user), digest(password));
        let found = self
            .0
            .iter()
            .fold(None, |found, (name, known_user, known_password)| {
                let matches = same(known_user, &user) & same(known_password, &password);
                if matches { Some(name) } else { found }
            });
        match found {
            Some(user) => Ok(Identity::Basic { user: user.clone() }),
            None => Err(Error::unauthenticated("invalid user or password")),
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
    fn verify(&self, authorization: &str) -> Result<Identity, Error> {
        let token = credentials(authorization, "Bearer")?;
        jsonwebtoken::decode::<serde_json::Value>(token, &self.key, &self.validation)
            .map(|data| Identity::Jwt {
                claims: data.claims,
            })
            .map_err(|error| Error::unauthenticated(format!("invalid token: {error}")))
    }
}
