//! [`AuthLayer`].

use std::sync::Arc;

use tower::Layer;

use super::credentials::{BasicCredentials, BearerTokens, digest};
use super::{Auth, Verify};

/// Lets only authenticated calls through to the endpoints it wraps.
///
/// ```
/// use kit::middleware::AuthLayer;
/// use kit::{Code, Context, Endpoint, Request};
///
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() {
/// let hello = Endpoint::new(tower::service_fn(|_: Request<()>| async {
///     Ok::<_, kit::Error>("hello")
/// }));
/// // On a generated service: `endpoints.layer(AuthLayer::bearer(["s3cret"]))`.
/// let guarded = hello.layer(AuthLayer::bearer(["s3cret"]));
///
/// let error = guarded.send(Context::new(), ()).await.unwrap_err();
/// assert_eq!(error.code(), Code::Unauthenticated);
///
/// let mut ctx = Context::new();
/// ctx.metadata_mut()
///     .insert("authorization", "Bearer s3cret".parse().unwrap());
/// assert_eq!(guarded.send(ctx, ()).await.unwrap(), "hello");
/// # }
/// ```
#[derive(Clone)]
pub struct AuthLayer {
    credentials: Credentials,
}

/// What an [`AuthLayer`] checks.
#[derive(Clone)]
pub(super) enum Credentials {
    /// The `authorization` header, with this.
    Header(Arc<dyn Verify>),
    /// The connection's client certificate.
    ClientCertificate,
}

impl std::fmt::Debug for AuthLayer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AuthLayer").finish_non_exhaustive()
    }
}

impl AuthLayer {
    /// `authorization: Bearer <token>`, for any of `tokens`. The caller's
    /// [`Identity::Bearer`](super::Identity::Bearer) is named after the
    /// token's place in the list: `token 1`, `token 2`, …
    pub fn bearer(tokens: impl IntoIterator<Item = impl Into<String>>) -> Self {
        Self::bearer_named(
            tokens
                .into_iter()
                .enumerate()
                .map(|(index, token)| (format!("token {}", index + 1), token)),
        )
    }

    /// `authorization: Bearer <token>`, for any of the `(name, token)`
    /// pairs; the caller's [`Identity::Bearer`](super::Identity::Bearer)
    /// has the token's name (the last one's, for a token given twice).
    pub fn bearer_named(
        tokens: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        Self::custom(BearerTokens(
            tokens
                .into_iter()
                .map(|(name, token)| (name.into(), digest(&token.into())))
                .collect(),
        ))
    }

    /// `authorization: Basic <base64 of user:password>`, for any of the
    /// `(user, password)` pairs.
    pub fn basic(
        credentials: impl IntoIterator<Item = (impl Into<String>, impl Into<String>)>,
    ) -> Self {
        Self::custom(BasicCredentials(
            credentials
                .into_iter()
                .map(|(user, password)| {
                    let user = user.into();
                    let user_digest = digest(&user);
                    (user, user_digest, digest(&password.into()))
                })
                .collect(),
        ))
    }

    /// `authorization: Bearer <JWT>`, signed with `key` and passing
    /// `validation` (algorithm, expiry, audience, issuer).
    #[cfg(feature = "jwt")]
    pub fn jwt(key: jsonwebtoken::DecodingKey, validation: jsonwebtoken::Validation) -> Self {
        Self::custom(super::credentials::Jwt { key, validation })
    }

    /// Whatever `verify` accepts: a function of the `authorization` header
    /// that says who is calling, or fails.
    pub fn custom(verify: impl Verify) -> Self {
        AuthLayer {
            credentials: Credentials::Header(Arc::new(verify)),
        }
    }

    /// Calls over mutual TLS, whose connection presented a client
    /// certificate the server verified (see
    /// [`ServerTls::allow_client_certificates`]); the caller's
    /// [`Identity::Certificate`](super::Identity::Certificate) has its
    /// subject. Other calls fail with `UNAUTHENTICATED`.
    ///
    /// [`ServerTls::allow_client_certificates`]: crate::tls::ServerTls::allow_client_certificates
    pub fn client_certificate() -> Self {
        AuthLayer {
            credentials: Credentials::ClientCertificate,
        }
    }
}

impl<S> Layer<S> for AuthLayer {
    type Service = Auth<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Auth {
            inner,
            credentials: self.credentials.clone(),
        }
    }
}
