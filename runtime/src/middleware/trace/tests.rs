use super::*;
use crate::{Context, Endpoint};

#[test]
fn traceparent_parses_and_prints_as_the_spec_says() {
    let text = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let parent = TraceParent::parse(text).unwrap();
    assert_eq!(parent.trace_id, 0x4bf92f3577b34da6a3ce929d0e0e4736);
    assert_eq!(parent.span_id, 0x00f067aa0ba902b7);
    assert_eq!(parent.flags, 1);
    assert_eq!(parent.to_string(), text);
    for bad in [
        "",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-extra",
    ] {
        assert_eq!(TraceParent::parse(bad), None, "{bad}");
    }
    // A later version may carry more.
    assert!(
        TraceParent::parse("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x").is_some()
    );
}

/// An endpoint that returns the `traceparent` its handler sees.
fn seen() -> Endpoint<(), Option<String>> {
    Endpoint::new(tower::service_fn(|request: Request<()>| async move {
        Ok(request
            .ctx
            .metadata()
            .get(TRACEPARENT)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned))
    }))
}

#[tokio::test]
async fn a_call_continues_its_callers_trace_in_a_span_of_its_own() {
    use tower::ServiceExt;

    let traced = seen().layer(TraceLayer::server());
    let caller =
        TraceParent::parse("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01").unwrap();
    let mut ctx = Context::new();
    ctx.metadata_mut().insert(
        TRACEPARENT,
        HeaderValue::try_from(caller.to_string()).unwrap(),
    );
    let inside = traced
        .oneshot(Request::new(ctx, ()))
        .await
        .unwrap()
        .unwrap();
    let inside = TraceParent::parse(&inside).unwrap();
    assert_eq!(inside.trace_id, caller.trace_id);
    assert_ne!(inside.span_id, caller.span_id);
    assert_eq!(inside.flags, caller.flags);
}

#[tokio::test]
async fn without_a_caller_a_trace_starts() {
    use tower::ServiceExt;

    let traced = seen().layer(TraceLayer::client());
    let first = traced
        .clone()
        .oneshot(Request::new(Context::new(), ()))
        .await
        .unwrap()
        .unwrap();
    let second = traced
        .oneshot(Request::new(Context::new(), ()))
        .await
        .unwrap()
        .unwrap();
    let (first, second) = (
        TraceParent::parse(&first).unwrap(),
        TraceParent::parse(&second).unwrap(),
    );
    assert_ne!(first.trace_id, second.trace_id);
    assert_eq!(first.flags, 1);
}
