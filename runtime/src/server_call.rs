//! One call on the server side, the same for every transport: the
//! caller's timeout becomes the context's deadline (an invalid one is
//! `INVALID_ARGUMENT`, a passed one `DEADLINE_EXCEEDED` before any work),
//! the transport's work runs under it, and a panic becomes `INTERNAL`,
//! logged with the request id, while the connection carries on.
//!
//! Transports differ in codecs, not in this policy: the HTTP server's work
//! reads, decodes, calls and encodes; the gRPC server's calls the endpoint
//! on the message tonic decoded.

use std::panic::AssertUnwindSafe;

use futures_util::FutureExt;
use futures_util::future::{Either, ready};
use http::{HeaderName, HeaderValue};

use crate::context::timeout;
use crate::{Context, Error};

/// Runs `work` for one request as the module says, and returns the
/// request id to echo with its result.
///
/// `timeout_header` names the header (or gRPC metadata key) in which the
/// caller sends its timeout; `route` names the call in the panic's log
/// line.
///
/// The policy is a plain function and combinators around one boxed
/// future, not `async` blocks: an `async` block keeps what it captures for
/// its whole life, beside the futures it moves those values into, and
/// nested ones made the future of every HTTP request 1.3 KiB, copied
/// several times on its way into axum's box. Boxing `work`'s future once
/// costs less than those copies.
pub(crate) fn serve<T, F, Fut>(
    ctx: Context,
    timeout_header: HeaderName,
    route: &'static str,
    work: F,
) -> impl Future<Output = (HeaderValue, Result<T, Error>)>
where
    F: FnOnce(Context) -> Fut,
    Fut: Future<Output = Result<T, Error>>,
{
    let request_id = ctx.request_id_header().clone();
    let started = std::panic::catch_unwind(AssertUnwindSafe(move || {
        let mut ctx = ctx;
        with_caller_deadline(&mut ctx, &timeout_header)?;
        let deadline = ctx.deadline();
        let work = Box::pin(work(ctx));
        Ok(match deadline {
            Some(deadline) => Either::Left(
                tokio::time::timeout_at(deadline.into(), work)
                    .map(|result| result.unwrap_or_else(|_| Err(Error::deadline_exceeded()))),
            ),
            None => Either::Right(work),
        })
    }));
    let running = match started {
        Ok(Ok(running)) => Either::Left(AssertUnwindSafe(running).catch_unwind()),
        Ok(Err(refused)) => Either::Right(ready(Ok(Err(refused)))),
        Err(panic) => Either::Right(ready(Err(panic))),
    };
    running.map(move |result| {
        let result = result.unwrap_or_else(|panic| {
            let message = panic_message(&*panic);
            tracing::error!(request_id = ?request_id, route, panic = message, "handler panicked");
            Err(Error::internal("the handler panicked"))
        });
        (request_id, result)
    })
}

/// Applies the caller's timeout from `header`; a deadline that has already
/// passed fails the request before any work.
/// What a panic said, when it said it in a string.
pub(crate) fn panic_message(panic: &(dyn std::any::Any + Send)) -> &str {
    panic
        .downcast_ref::<&str>()
        .copied()
        .or_else(|| panic.downcast_ref::<String>().map(String::as_str))
        .unwrap_or("a non-string payload")
}

fn with_caller_deadline(ctx: &mut Context, header: &HeaderName) -> Result<(), Error> {
    let Some(value) = crate::http::header(ctx.metadata(), header) else {
        return Ok(());
    };
    let Some(remaining) = value.to_str().ok().and_then(timeout::decode) else {
        return Err(Error::invalid_argument(format!(
            "invalid {header} header: expected digits and a unit, such as 250m"
        )));
    };
    ctx.limit_to(remaining);
    if ctx.is_expired() {
        return Err(Error::deadline_exceeded());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use http::HeaderMap;

    use super::*;
    use crate::Code;

    const TIMEOUT: HeaderName = HeaderName::from_static("x-timeout");

    fn ctx_with(timeout: &'static str) -> Context {
        let mut headers = HeaderMap::new();
        headers.insert(TIMEOUT, HeaderValue::from_static(timeout));
        Context::new().with_metadata(headers)
    }

    #[tokio::test(start_paused = true)]
    async fn the_callers_timeout_is_the_deadline_of_the_work() {
        let ctx = ctx_with("250m").with_request_id("req-1");
        let (id, result) = serve(
            ctx,
            TIMEOUT,
            "demo",
            |ctx| async move { Ok(ctx.remaining()) },
        )
        .await;
        assert_eq!(id, "req-1");
        let remaining = result.unwrap().unwrap();
        assert!(remaining <= Duration::from_millis(250) && remaining > Duration::from_millis(200));

        let (_, result) = serve(ctx_with("10m"), TIMEOUT, "demo", |_| async {
            tokio::time::sleep(Duration::from_secs(1)).await;
            Ok(())
        })
        .await;
        assert_eq!(result.unwrap_err().code(), Code::DeadlineExceeded);
    }

    #[tokio::test]
    async fn bad_or_passed_timeouts_fail_before_the_work() {
        for (timeout, code) in [
            ("soon", Code::InvalidArgument),
            ("0n", Code::DeadlineExceeded),
        ] {
            // Work that ran would panic, and come back as INTERNAL.
            let (_, result): (_, Result<(), Error>) =
                serve(ctx_with(timeout), TIMEOUT, "demo", |_| async {
                    panic!("the work ran")
                })
                .await;
            assert_eq!(result.unwrap_err().code(), code, "{timeout}");
        }
    }

    #[tokio::test]
    async fn a_panic_is_internal() {
        let (_, result) = serve(Context::new(), TIMEOUT, "demo", |_| async {
            if true {
                panic!("on purpose");
            }
            Ok(())
        })
        .await;
        let error = result.unwrap_err();
        assert_eq!(error.code(), Code::Internal);
        assert_eq!(error.message(), "the handler panicked");
    }
}
