//! [`Identity`]: who made a call, as [`AuthLayer`](super::AuthLayer)
//! verified it, for handlers to read with [`Context::caller`].
//!
//! [`Context::caller`]: crate::Context::caller

/// Who made a call. [`AuthLayer`](super::AuthLayer) attaches it to the
/// call's context once the credentials pass, and handlers read it with
/// [`Context::caller`](crate::Context::caller).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum Identity {
    /// One of the tokens of [`AuthLayer::bearer`](super::AuthLayer::bearer),
    /// by its name.
    Bearer {
        /// The name the token was given.
        name: String,
    },
    /// A user of [`AuthLayer::basic`](super::AuthLayer::basic).
    Basic {
        /// The user name.
        user: String,
    },
    /// The claims of a JSON Web Token that `AuthLayer::jwt` verified.
    Jwt {
        /// Every claim, as sent.
        claims: serde_json::Value,
    },
    /// A client certificate that mutual TLS verified, for
    /// [`AuthLayer::client_certificate`](super::AuthLayer::client_certificate).
    Certificate {
        /// The certificate's subject, as `CN=alice, O=Example`.
        subject: String,
    },
    /// What an [`AuthLayer::custom`](super::AuthLayer::custom) verifier
    /// said.
    Custom {
        /// The caller's name.
        name: String,
    },
}

impl Identity {
    /// The caller's name, for logs and for keys: the token's name, the
    /// user, the JWT's `sub` claim (empty without one), the certificate's
    /// subject, or the custom name.
    pub fn name(&self) -> &str {
        match self {
            Identity::Bearer { name } | Identity::Custom { name } => name,
            Identity::Certificate { subject } => subject,
            Identity::Basic { user } => user,
            Identity::Jwt { claims } => claims
                .get("sub")
                .and_then(serde_json::Value::as_str)
                .unwrap_or_default(),
        }
    }
}
