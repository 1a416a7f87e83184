//! Authentication: every call must carry credentials in its context's
//! `authorization` metadata (the HTTP header, or gRPC metadata), or it
//! fails with `UNAUTHENTICATED` (HTTP 401) before it reaches the handler.
//!
//! [`AuthLayer::bearer`] accepts a fixed set of tokens, [`AuthLayer::basic`]
//! user and password pairs, `AuthLayer::jwt` (feature `jwt`) signed JSON
//! Web Tokens, [`AuthLayer::client_certificate`] the certificates of mutual
//! TLS, and [`AuthLayer::custom`] anything a function decides. The
//! caller's [`Identity`] goes on in the context, where the handler reads it
//! with [`Context::caller`](crate::Context::caller).

mod credentials;
mod identity;
mod layer;

use std::task::{Context as TaskContext, Poll};

use futures_util::future::Either;
use tower::Service;

pub use self::credentials::Verify;
pub use self::identity::Identity;
pub use self::layer::AuthLayer;
use self::layer::Credentials;
use crate::{Error, Request};

/// An endpoint that only authenticated calls reach.
#[derive(Clone)]
pub struct Auth<S> {
    inner: S,
    credentials: Credentials,
}

impl<S: std::fmt::Debug> std::fmt::Debug for Auth<S> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("inner", &self.inner)
            .finish_non_exhaustive()
    }
}

impl<S, Req> Service<Request<Req>> for Auth<S>
where
    S: Service<Request<Req>, Error = Error>,
{
    type Response = S::Response;
    type Error = Error;
    type Future = Either<S::Future, std::future::Ready<Result<S::Response, Error>>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Req>) -> Self::Future {
        let verified = match &self.credentials {
            Credentials::Header(verify) => {
                let header = request
                    .ctx
                    .metadata()
                    .get(http::header::AUTHORIZATION)
                    .map(|value| value.to_str().unwrap_or("\u{fffd}"));
                match header {
                    None => Err(Error::unauthenticated(
                        "missing credentials: send an `authorization` header",
                    )),
                    Some(header) => verify.verify(header),
                }
            }
            Credentials::ClientCertificate => match request.ctx.client_certificate() {
                Some(certificate) => Ok(Identity::Certificate {
                    subject: certificate.subject().to_owned(),
                }),
                None => Err(Error::unauthenticated(
                    "missing credentials: connect over TLS with a client certificate",
                )),
            },
        };
        match verified {
            Ok(identity) => {
                request.ctx.insert_extension(identity);
                Either::Left(self.inner.call(request))
            }
            Err(error) => Either::Right(std::future::ready(Err(error))),
        }
    }
}

#[cfg(test)]
mod tests;
