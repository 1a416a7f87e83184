//! Timeouts: a call fails with `DEADLINE_EXCEEDED` (HTTP 504) when its
//! context's deadline passes, or a fixed time after it starts, whichever
//! is sooner. The handler (or the client transport) inside sees the
//! tighter deadline in its context, and passes it on.

mod layer;

use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use futures_util::future::BoxFuture;
use tower::Service;

pub use self::layer::TimeoutLayer;
use crate::{Error, Request};

/// An endpoint whose calls are cut off at their deadline.
#[derive(Clone, Debug)]
pub struct Timeout<S> {
    inner: S,
    fixed: Option<Duration>,
}

impl<S, Req> Service<Request<Req>> for Timeout<S>
where
    S: Service<Request<Req>, Error = Error>,
    S::Future: Send + 'static,
{
    type Response = S::Response;
    type Error = Error;
    type Future = BoxFuture<'static, Result<S::Response, Error>>;

    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, mut request: Request<Req>) -> Self::Future {
        let deadline = request.ctx.deadline_within(self.fixed);
        let Some(deadline) = deadline else {
            return Box::pin(self.inner.call(request));
        };
        request.ctx = request.ctx.with_deadline(deadline);
        let call = self.inner.call(request);
        Box::pin(async move {
            tokio::time::timeout_at(deadline.into(), call)
                .await
                .unwrap_or_else(|_| Err(Error::deadline_exceeded()))
        })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tower::{Layer, ServiceExt};

    use super::*;
    use crate::{Code, Context, Endpoint};

    fn slow(delay: Duration) -> Endpoint<(), Option<std::time::Instant>> {
        Endpoint::new(tower::service_fn(move |request: Request<()>| async move {
            tokio::time::sleep(delay).await;
            Ok(request.ctx.deadline())
        }))
    }

    #[tokio::test(start_paused = true)]
    async fn a_fixed_timeout_cuts_off_a_slow_call() {
        let service =
            TimeoutLayer::new(Duration::from_millis(50)).layer(slow(Duration::from_millis(80)));
        let error = service
            .oneshot(Request::new(Context::new(), ()))
            .await
            .unwrap_err();
        assert_eq!(error.code(), Code::DeadlineExceeded);
        assert_eq!(error.http_status(), http::StatusCode::GATEWAY_TIMEOUT);
    }

    #[tokio::test(start_paused = true)]
    async fn the_sooner_deadline_wins_and_the_handler_sees_it() {
        let ctx = Context::new().with_timeout(Duration::from_millis(30));
        let theirs = ctx.deadline().unwrap();
        let service = TimeoutLayer::new(Duration::from_secs(10)).layer(slow(Duration::ZERO));
        let seen = service.oneshot(Request::new(ctx, ())).await.unwrap();
        assert_eq!(seen, Some(theirs));

        let service = TimeoutLayer::from_context().layer(slow(Duration::from_millis(40)));
        let ctx = Context::new().with_timeout(Duration::from_millis(30));
        let error = service.oneshot(Request::new(ctx, ())).await.unwrap_err();
        assert_eq!(error.code(), Code::DeadlineExceeded);
    }

    #[tokio::test(start_paused = true)]
    async fn without_a_deadline_the_call_runs_free() {
        let service = TimeoutLayer::from_context().layer(slow(Duration::from_millis(90)));
        assert_eq!(
            service
                .oneshot(Request::new(Context::new(), ()))
                .await
                .unwrap(),
            None
        );
    }
}
