//! Streaming over real sockets: the feed fixture's four kinds of method
//! served over gRPC and HTTP (JSON lines, and Server-Sent Events), called
//! by the generated clients and by curl, with business errors mid-stream,
//! cancellation, deadlines, backpressure and metrics.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use kit::middleware::Metrics;
use kit::{Code, Context};
use kitgen_tests::feed::{Feed, FeedError, Tick, Ticker, TickerProbe, feed};
use kitgen_tests::{serve, serve_grpc};

/// The feed behind both transports, with metrics on its endpoints.
struct Served {
    http: SocketAddr,
    grpc: SocketAddr,
    probe: TickerProbe,
    metrics: Metrics,
}

async fn served() -> Served {
    let (ticker, probe) = Ticker::new();
    let metrics = Metrics::new();
    let endpoints = feed::Endpoints::new(Arc::new(ticker)).layer(metrics.layer());
    let http = serve(feed::http_router(endpoints.clone())).await;
    let grpc =
        serve_grpc(kit::grpc::Routes::new().add_service(feed::GrpcServer::new(endpoints))).await;
    Served {
        http,
        grpc,
        probe,
        metrics,
    }
}

/// Both generated clients of `served`, by name.
fn clients(served: &Served) -> [(&'static str, Box<dyn DynFeed>); 2] {
    [
        (
            "gRPC",
            Box::new(feed::GrpcClient::new(&format!("http://{}", served.grpc)).unwrap()),
        ),
        (
            "HTTP",
            Box::new(feed::HttpClient::new(&format!("http://{}", served.http)).unwrap()),
        ),
    ]
}

/// [`Feed`]'s `ticks` (from 0) and `forever` behind a box, to loop over
/// clients.
trait DynFeed: Send + Sync {
    fn first_ticks<'a>(
        &'a self,
        ctx: &'a Context,
        count: u64,
        note_bytes: u32,
        fail_at: Option<u64>,
    ) -> futures_util::future::BoxFuture<'a, Result<kit::Stream<Tick, FeedError>, FeedError>>;
    fn ticks_forever<'a>(
        &'a self,
        ctx: &'a Context,
        every_ms: u64,
    ) -> futures_util::future::BoxFuture<'a, Result<kit::Stream<Tick, FeedError>, FeedError>>;
    fn total_of<'a>(
        &'a self,
        ctx: &'a Context,
        ticks: kit::Streaming<Tick>,
    ) -> futures_util::future::BoxFuture<'a, Result<u64, FeedError>>;
    fn echo_of<'a>(
        &'a self,
        ctx: &'a Context,
        ticks: kit::Streaming<Tick>,
    ) -> futures_util::future::BoxFuture<'a, Result<kit::Stream<Tick, FeedError>, FeedError>>;
}

impl<F: Feed> DynFeed for F {
    fn first_ticks<'a>(
        &'a self,
        ctx: &'a Context,
        count: u64,
        note_bytes: u32,
        fail_at: Option<u64>,
    ) -> futures_util::future::BoxFuture<'a, Result<kit::Stream<Tick, FeedError>, FeedError>> {
        Box::pin(Feed::ticks(self, ctx, 0, count, note_bytes, fail_at))
    }
    fn ticks_forever<'a>(
        &'a self,
        ctx: &'a Context,
        every_ms: u64,
    ) -> futures_util::future::BoxFuture<'a, Result<kit::Stream<Tick, FeedError>, FeedError>> {
        Box::pin(Feed::forever(self, ctx, every_ms))
    }
    fn total_of<'a>(
        &'a self,
        ctx: &'a Context,
        ticks: kit::Streaming<Tick>,
    ) -> futures_util::future::BoxFuture<'a, Result<u64, FeedError>> {
        Box::pin(Feed::total(self, ctx, ticks))
    }
    fn echo_of<'a>(
        &'a self,
        ctx: &'a Context,
        ticks: kit::Streaming<Tick>,
    ) -> futures_util::future::BoxFuture<'a, Result<kit::Stream<Tick, FeedError>, FeedError>> {
        Box::pin(Feed::echo(self, ctx, ticks))
    }
}

/// Ticks numbered `seqs`, as a stream to send.
fn ticks_of(seqs: impl IntoIterator<Item = u64, IntoIter: Send + 'static>) -> kit::Streaming<Tick> {
    kit::Streaming::iter(seqs.into_iter().map(|seq| {
        Ok(Tick {
            seq,
            note: "x".repeat(8),
        })
    }))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_stream_is_read_to_its_end_or_its_first_error() {
    let served = served().await;
    for (transport, client) in clients(&served) {
        let ctx = Context::new();
        assert_eq!(
            client.total_of(&ctx, ticks_of(20..120)).await.unwrap(),
            6950,
            "{transport}"
        );
        assert_eq!(
            client.total_of(&ctx, ticks_of([])).await.unwrap(),
            0,
            "{transport}"
        );
        let error = client.total_of(&ctx, ticks_of(10..20)).await.unwrap_err();
        assert!(
            matches!(error, FeedError::Unlucky { seq: 13 }),
            "{transport}: {error:?}"
        );

        // An error in the caller's own stream cancels the call, and comes
        // back as it was.
        let failing = kit::Streaming::iter([
            Ok(Tick {
                seq: 1,
                note: String::new(),
            }),
            Err(kit::Error::invalid_argument("the caller's own failure")),
        ]);
        let error = client.total_of(&ctx, failing).await.unwrap_err();
        match error {
            FeedError::Transport(error) => {
                assert_eq!(error.code(), Code::InvalidArgument, "{transport}");
                assert_eq!(error.message(), "the caller's own failure", "{transport}");
            }
            other => panic!("{transport}: {other:?}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bidirectional_streams_answer_each_message_as_it_arrives() {
    let mut served = served().await;
    for (transport, client) in clients(&served) {
        let ctx = Context::new();
        // One message out, its answer back, and only then the next: both
        // directions are open at once.
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Tick, kit::Error>>(1);
        let outgoing = kit::Streaming::new(tokio_stream::wrappers::ReceiverStream::new(receiver));
        let mut answers = client.echo_of(&ctx, outgoing).await.unwrap();
        for seq in 0..5 {
            sender
                .send(Ok(Tick {
                    seq,
                    note: "hi".into(),
                }))
                .await
                .unwrap();
            let answer = tokio::time::timeout(Duration::from_secs(5), answers.next())
                .await
                .unwrap_or_else(|_| panic!("{transport}: no answer to tick {seq}"))
                .unwrap()
                .unwrap();
            assert_eq!(
                answer,
                Tick {
                    seq: seq + 1000,
                    note: "hi".into()
                },
                "{transport}"
            );
        }
        drop(sender);
        assert!(
            answers.next().await.is_none(),
            "{transport}: the stream ends with the caller's"
        );
        served
            .probe
            .next_drop(Duration::from_secs(5))
            .await
            .unwrap();

        // A business error mid-stream ends the answers as its variant.
        let answers: Vec<_> = client
            .echo_of(&ctx, ticks_of(11..20))
            .await
            .unwrap()
            .collect()
            .await;
        assert_eq!(answers.len(), 3, "{transport}: {answers:?}");
        assert!(
            matches!(answers[2], Err(FeedError::Unlucky { seq: 13 })),
            "{transport}: {answers:?}"
        );
        served
            .probe
            .next_drop(Duration::from_secs(5))
            .await
            .unwrap();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ticks_arrive_in_order_and_a_business_error_ends_the_stream_as_its_variant() {
    let served = served().await;
    for (transport, client) in clients(&served) {
        let ctx = Context::new();
        let all: Vec<_> = client
            .first_ticks(&ctx, 5, 16, None)
            .await
            .unwrap()
            .collect()
            .await;
        let seqs: Vec<u64> = all.iter().map(|tick| tick.as_ref().unwrap().seq).collect();
        assert_eq!(seqs, [0, 1, 2, 3, 4], "{transport}");
        assert_eq!(all[0].as_ref().unwrap().note, "n".repeat(16), "{transport}");

        let mut failing = client.first_ticks(&ctx, 5, 16, Some(3)).await.unwrap();
        for seq in 0..3 {
            assert_eq!(
                failing.next().await.unwrap().unwrap().seq,
                seq,
                "{transport}"
            );
        }
        let error = failing.next().await.unwrap().unwrap_err();
        assert!(
            matches!(error, FeedError::Unlucky { seq: 3 }),
            "{transport}: {error:?}"
        );
        assert!(
            failing.next().await.is_none(),
            "{transport}: nothing after the error"
        );

        // An error before the first message is the call's.
        let error = client
            .first_ticks(&ctx, u64::MAX, 16, None)
            .await
            .unwrap_err();
        assert!(
            matches!(error, FeedError::TooLong { max: 1_000_000 }),
            "{transport}: {error:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stream_is_one_request_in_the_metrics_with_its_messages_counted() {
    let served = served().await;
    let client = feed::GrpcClient::new(&format!("http://{}", served.grpc)).unwrap();
    let ctx = Context::new();
    let ticks = client.ticks(&ctx, 0, 7, 0, None).await.unwrap();
    assert_eq!(ticks.count().await, 7);
    let failing = client.ticks(&ctx, 0, 7, 0, Some(2)).await.unwrap();
    assert_eq!(failing.count().await, 3);
    let text = wait_for_metrics(&served.metrics, "code=\"FAILED_PRECONDITION\"").await;
    for line in [
        r#"requests_total{service="feed.Feed",method="Ticks",code="OK"} 1"#,
        r#"requests_total{service="feed.Feed",method="Ticks",code="FAILED_PRECONDITION"} 1"#,
        r#"stream_messages_sent_total{service="feed.Feed",method="Ticks"} 9"#,
        r#"stream_messages_received_total{service="feed.Feed",method="Ticks"} 2"#,
        r#"in_flight{service="feed.Feed",method="Ticks"} 0"#,
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
}

/// The metrics once they contain `expected`: a stream's end is recorded on
/// the server as its last message leaves, a moment after the client reads
/// it.
async fn wait_for_metrics(metrics: &Metrics, expected: &str) -> String {
    for _ in 0..100 {
        let text = metrics.encode();
        if text.contains(expected) {
            return text;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    metrics.encode()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropping_the_stream_cancels_the_call_on_the_server() {
    let mut served = served().await;
    for (transport, client) in clients(&served) {
        let mut latencies = Vec::new();
        for _ in 0..5 {
            let ctx = Context::new();
            let mut ticks = client.ticks_forever(&ctx, 5).await.unwrap();
            for seq in 0..3 {
                assert_eq!(ticks.next().await.unwrap().unwrap().seq, seq, "{transport}");
            }
            let dropped = Instant::now();
            drop(ticks);
            let seen = served
                .probe
                .next_drop(Duration::from_secs(5))
                .await
                .unwrap_or_else(|| panic!("{transport}: the server never dropped the stream"));
            latencies.push(seen.saturating_duration_since(dropped));
        }
        latencies.sort();
        eprintln!("{transport}: the server dropped the stream after {latencies:?}");
        assert!(
            latencies[2] < Duration::from_millis(100),
            "{transport}: median {:?}",
            latencies[2]
        );
    }
    let text = wait_for_metrics(&served.metrics, "code=\"CANCELLED\"} 10").await;
    assert!(
        text.contains(
            r#"requests_total{service="feed.Feed",method="Forever",code="CANCELLED"} 10"#
        ),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_deadline_covers_the_whole_stream() {
    let served = served().await;
    for (transport, client) in clients(&served) {
        let ctx = Context::new().with_timeout(Duration::from_millis(300));
        let started = Instant::now();
        let items: Vec<_> = client
            .ticks_forever(&ctx, 20)
            .await
            .unwrap()
            .collect()
            .await;
        let (last, ticks) = items.split_last().unwrap();
        assert!(ticks.len() >= 2, "{transport}: {} ticks", ticks.len());
        assert!(ticks.iter().all(Result::is_ok), "{transport}");
        match last {
            Err(FeedError::Transport(error)) => {
                assert_eq!(error.code(), Code::DeadlineExceeded, "{transport}");
            }
            other => panic!("{transport}: {other:?}"),
        }
        assert!(started.elapsed() < Duration::from_secs(5), "{transport}");

        // A producer that never waits is cut off too: a million ticks are
        // always ready, and the stream still ends at the deadline.
        let ctx = Context::new().with_timeout(Duration::from_millis(200));
        let mut ticks = client.first_ticks(&ctx, 1_000_000, 0, None).await.unwrap();
        let mut read = 0;
        let last = loop {
            match ticks.next().await {
                Some(Ok(_)) => read += 1,
                last => break last,
            }
        };
        assert!(
            matches!(&last, Some(Err(FeedError::Transport(error))) if error.code() == Code::DeadlineExceeded),
            "{transport}: after {read} ticks, {last:?}"
        );
        assert!(read < 1_000_000, "{transport}");
    }
}

/// The feed with `ticks` replaced by `stream`'s messages, served over both
/// transports, and a client of each.
async fn serving_ticks(
    stream: fn() -> kit::Streaming<feed::TicksResponse>,
) -> [(&'static str, Box<dyn DynFeed>); 2] {
    let (ticker, _probe) = Ticker::new();
    let mut endpoints = feed::Endpoints::new(Arc::new(ticker));
    endpoints.ticks =
        kit::Endpoint::from_fn(move |_: kit::Request<feed::TicksRequest>| async move {
            Ok::<_, kit::Error>(stream())
        })
        .server_streaming();
    let http = serve(feed::http_router(endpoints.clone())).await;
    let grpc =
        serve_grpc(kit::grpc::Routes::new().add_service(feed::GrpcServer::new(endpoints))).await;
    [
        (
            "gRPC",
            Box::new(feed::GrpcClient::new(&format!("http://{grpc}")).unwrap()),
        ),
        (
            "HTTP",
            Box::new(feed::HttpClient::new(&format!("http://{http}")).unwrap()),
        ),
    ]
}

fn tick(seq: u64) -> feed::TicksResponse {
    feed::TicksResponse {
        value: Tick {
            seq,
            note: String::new(),
        },
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_panicking_producer_ends_its_stream_with_internal_and_the_connection_serves_on() {
    let clients = serving_ticks(|| {
        kit::Streaming::new(futures_util::stream::iter(0..).map(|seq| {
            assert!(seq < 2, "the producer gives up at tick {seq}");
            Ok(tick(seq))
        }))
    })
    .await;
    for (transport, client) in clients {
        for _ in 0..2 {
            let ctx = Context::new();
            let items: Vec<_> = client
                .first_ticks(&ctx, 0, 0, None)
                .await
                .unwrap()
                .collect()
                .await;
            assert_eq!(items.len(), 3, "{transport}: {items:?}");
            assert!(
                matches!(&items[2], Err(FeedError::Transport(error)) if error.code() == Code::Internal),
                "{transport}: {items:?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_error_ends_the_answer_though_the_producer_goes_quiet() {
    let clients = serving_ticks(|| {
        kit::Streaming::new(
            futures_util::stream::iter([Ok(tick(0)), Err(kit::Error::not_found("gone"))])
                .chain(futures_util::stream::pending()),
        )
    })
    .await;
    for (transport, client) in clients {
        let ctx = Context::new();
        let items = tokio::time::timeout(
            Duration::from_secs(5),
            client
                .first_ticks(&ctx, 0, 0, None)
                .await
                .unwrap()
                .collect::<Vec<_>>(),
        )
        .await
        .unwrap_or_else(|_| panic!("{transport}: the answer stayed open"));
        assert_eq!(items.len(), 2, "{transport}: {items:?}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failing_request_stream_ends_the_answers_of_a_bidirectional_call() {
    let served = served().await;
    for (transport, client) in clients(&served) {
        let ctx = Context::new();
        let (sender, receiver) = tokio::sync::mpsc::channel::<Result<Tick, kit::Error>>(1);
        let outgoing = kit::Streaming::new(tokio_stream::wrappers::ReceiverStream::new(receiver));
        let mut answers = client.echo_of(&ctx, outgoing).await.unwrap();
        sender
            .send(Ok(Tick {
                seq: 1,
                note: String::new(),
            }))
            .await
            .unwrap();
        assert_eq!(
            answers.next().await.unwrap().unwrap().seq,
            1001,
            "{transport}"
        );
        sender
            .send(Err(kit::Error::invalid_argument(
                "the caller's own failure",
            )))
            .await
            .unwrap();
        let failed = tokio::time::timeout(Duration::from_secs(5), answers.next())
            .await
            .unwrap_or_else(|_| panic!("{transport}: the answers went on"));
        assert!(
            matches!(&failed, Some(Err(FeedError::Transport(error))) if error.message() == "the caller's own failure"),
            "{transport}: {failed:?}"
        );
        assert!(answers.next().await.is_none(), "{transport}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_hundred_thousand_small_messages_arrive_in_order() {
    let served = served().await;
    for (transport, client) in clients(&served) {
        let ctx = Context::new();
        // About 100 bytes each.
        let mut ticks = client.first_ticks(&ctx, 100_000, 90, None).await.unwrap();
        let mut next = 0;
        while let Some(tick) = ticks.next().await {
            assert_eq!(tick.unwrap().seq, next, "{transport}");
            next += 1;
        }
        assert_eq!(next, 100_000, "{transport}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_reader_slows_the_producer() {
    let served = served().await;
    for (transport, client) in clients(&served) {
        let ctx = Context::new();
        let before = served.probe.made();
        // 100 MB in all, of which the connection holds a few.
        let mut ticks = client.first_ticks(&ctx, 100_000, 1000, None).await.unwrap();
        for seq in 0..10 {
            assert_eq!(ticks.next().await.unwrap().unwrap().seq, seq, "{transport}");
        }
        // The reader pauses: the server makes what the connection's
        // windows and buffers hold, then waits.
        tokio::time::sleep(Duration::from_millis(300)).await;
        let made = served.probe.made() - before;
        eprintln!("{transport}: {made} of 100000 ticks made while the reader had read 10");
        assert!(
            made < 20_000,
            "{transport}: {made} made ahead of the reader"
        );
        drop(ticks);
    }
}

/// Runs curl with `args` against `url` and returns what it printed.
async fn curl(args: &[&str], url: &str) -> String {
    let output = tokio::process::Command::new("curl")
        .args([
            "--silent",
            "--show-error",
            "--no-buffer",
            "--max-time",
            "10",
        ])
        .args(args)
        .arg(url)
        .output()
        .await
        .expect("curl runs");
    assert!(
        output.status.success(),
        "curl {url}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn curl_reads_server_sent_events_and_json_lines() {
    let served = served().await;
    let url = format!(
        "http://{}/ticks?from=7&count=3&note_bytes=2&fail_at=9",
        served.http
    );
    let events = curl(&["-N", "-H", "Accept: text/event-stream", "-i"], &url).await;
    assert!(
        events.contains("content-type: text/event-stream"),
        "{events}"
    );
    let body = events.split("\r\n\r\n").nth(1).unwrap();
    assert_eq!(
        body,
        "data: {\"seq\":7,\"note\":\"nn\"}\n\n\
         data: {\"seq\":8,\"note\":\"nn\"}\n\n\
         event: error\n\
         data: {\"code\":\"FAILED_PRECONDITION\",\"message\":\"tick 9 is unlucky\",\
         \"variant\":\"Unlucky\",\"details\":{\"seq\":9}}\n\n"
    );

    let lines = curl(&["-i"], &url).await;
    assert!(
        lines.contains("content-type: application/x-ndjson"),
        "{lines}"
    );
    let body = lines.split("\r\n\r\n").nth(1).unwrap();
    assert_eq!(
        body,
        "{\"result\":{\"seq\":7,\"note\":\"nn\"}}\n\
         {\"result\":{\"seq\":8,\"note\":\"nn\"}}\n\
         {\"error\":{\"code\":\"FAILED_PRECONDITION\",\"message\":\"tick 9 is unlucky\",\
         \"variant\":\"Unlucky\",\"details\":{\"seq\":9}}}\n"
    );

    // An error before the stream is an ordinary JSON error, with its status.
    let refused = curl(
        &["-i"],
        &format!("http://{}/ticks?count=99999999", served.http),
    )
    .await;
    assert!(refused.starts_with("HTTP/1.1 400"), "{refused}");
    assert!(refused.contains("\"variant\":\"TooLong\""), "{refused}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_kit_layer_applies_to_streaming_methods_through_one_layer_call() {
    use kit::middleware::{
        AuthLayer, LoggingLayer, Rate, RateLimitLayer, RetryLayer, TimeoutLayer, TraceLayer,
    };
    let (ticker, _probe) = Ticker::new();
    let metrics = Metrics::new();
    // The scaffold's order, outermost last; a retry layer compiles over
    // streams too, and passes a stream of requests through untried.
    let endpoints = feed::Endpoints::new(Arc::new(ticker))
        .layer(RetryLayer::new())
        .layer(TimeoutLayer::new(Duration::from_millis(300)))
        .layer(RateLimitLayer::reject(Rate::per_second(3)))
        .layer(AuthLayer::bearer(["sesame"]))
        .layer(TraceLayer::server())
        .layer(metrics.layer())
        .layer(LoggingLayer::new());
    let addr =
        serve_grpc(kit::grpc::Routes::new().add_service(feed::GrpcServer::new(endpoints))).await;
    let anonymous = feed::GrpcClient::new(&format!("http://{addr}")).unwrap();
    let ctx = Context::new();
    let error = anonymous.ticks(&ctx, 0, 3, 0, None).await.unwrap_err();
    assert!(
        matches!(&error, FeedError::Transport(error) if error.code() == Code::Unauthenticated),
        "{error:?}"
    );

    let transport = kit::grpc::Client::new(&format!("http://{addr}"))
        .unwrap()
        .with_header(
            http::header::AUTHORIZATION,
            http::HeaderValue::from_static("Bearer sesame"),
        );
    let client = feed::GrpcClient::with_transport(transport);
    // The layer's timeout covers the whole stream.
    let items: Vec<_> = client.forever(&ctx, 20).await.unwrap().collect().await;
    assert!(
        matches!(items.last(), Some(Err(FeedError::Transport(error))) if error.code() == Code::DeadlineExceeded),
        "{items:?}"
    );
    assert_eq!(client.total(&ctx, ticks_of([1, 2])).await.unwrap(), 3);
    // The rate's three calls are spent: the fourth is refused.
    client
        .ticks(&ctx, 0, 1, 0, None)
        .await
        .unwrap()
        .count()
        .await;
    let error = client.ticks(&ctx, 0, 1, 0, None).await.unwrap_err();
    assert!(
        matches!(&error, FeedError::Transport(error) if error.code() == Code::ResourceExhausted),
        "{error:?}"
    );
    let text = wait_for_metrics(&metrics, "method=\"Forever\",code=\"DEADLINE_EXCEEDED\"} 1").await;
    for line in [
        r#"requests_total{service="feed.Feed",method="Ticks",code="UNAUTHENTICATED"} 1"#,
        r#"requests_total{service="feed.Feed",method="Ticks",code="RESOURCE_EXHAUSTED"} 1"#,
        r#"requests_total{service="feed.Feed",method="Forever",code="DEADLINE_EXCEEDED"} 1"#,
        r#"requests_total{service="feed.Feed",method="Total",code="OK"} 1"#,
        r#"stream_messages_received_total{service="feed.Feed",method="Total"} 2"#,
    ] {
        assert!(text.contains(line), "missing {line} in:\n{text}");
    }
}

#[tokio::test]
async fn service_middleware_records_a_stream_when_it_is_over() {
    let (ticker, _probe) = Ticker::new();
    let metrics = Metrics::new();
    let service =
        feed::LoggingMiddleware::new(feed::InstrumentingMiddleware::new(ticker, metrics.clone()));
    let ctx = Context::new();
    let mut ticks = service.ticks(&ctx, 0, 3, 0, Some(2)).await.unwrap();
    ticks.next().await.unwrap().unwrap();
    assert!(
        !metrics.encode().contains("method=\"Ticks\",code="),
        "a stream is not over before its end:\n{}",
        metrics.encode()
    );
    assert_eq!(ticks.count().await, 2);
    let text = metrics.encode();
    assert!(
        text.contains(
            r#"requests_total{service="feed.Feed",method="Ticks",code="FAILED_PRECONDITION"} 1"#
        ),
        "{text}"
    );
    let dropped = service.forever(&ctx, 1).await.unwrap();
    drop(dropped);
    let text = metrics.encode();
    assert!(
        text.contains(r#"requests_total{service="feed.Feed",method="Forever",code="CANCELLED"} 1"#),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn shutdown_ends_open_streams_with_unavailable_after_the_grace_period() {
    let (ticker, _probe) = Ticker::new();
    let endpoints = feed::Endpoints::new(Arc::new(ticker));
    let http = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let grpc = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let (http_addr, grpc_addr) = (http.local_addr().unwrap(), grpc.local_addr().unwrap());
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = kit::Server::new()
        .grace_period(Duration::from_millis(300))
        .http(http, feed::http_router(endpoints.clone()))
        .grpc(
            grpc,
            kit::grpc::Routes::new().add_service(feed::GrpcServer::new(endpoints)),
        );
    let running = tokio::spawn(server.run_until(async {
        let _ = stopped.await;
    }));
    let grpc_client = feed::GrpcClient::new(&format!("http://{grpc_addr}")).unwrap();
    let http_client = feed::HttpClient::new(&format!("http://{http_addr}")).unwrap();
    let ctx = Context::new();
    let mut open = [
        ("gRPC", grpc_client.forever(&ctx, 10).await.unwrap()),
        ("HTTP", http_client.forever(&ctx, 10).await.unwrap()),
    ];
    for (_, stream) in &mut open {
        stream.next().await.unwrap().unwrap();
    }
    let stopping = Instant::now();
    stop.send(()).unwrap();
    for (transport, stream) in &mut open {
        let last = loop {
            match tokio::time::timeout(Duration::from_secs(10), stream.next()).await {
                Ok(Some(Ok(_))) => continue,
                Ok(last) => break last,
                Err(_) => panic!("{transport}: the stream outlived the shutdown"),
            }
        };
        match last {
            Some(Err(FeedError::Transport(error))) => {
                assert_eq!(error.code(), Code::Unavailable, "{transport}: {error:?}");
            }
            other => panic!("{transport}: {other:?}"),
        }
        assert!(
            stopping.elapsed() >= Duration::from_millis(300),
            "{transport}: ended before the grace period"
        );
    }
    tokio::time::timeout(Duration::from_secs(10), running)
        .await
        .expect("the server stops")
        .unwrap()
        .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_message_over_the_size_limit_ends_the_stream_with_resource_exhausted() {
    let (ticker, _probe) = Ticker::new();
    let endpoints = feed::Endpoints::new(Arc::new(ticker));
    let limits = kit::grpc::Limits {
        max_decoding_message_size: 1000,
        max_encoding_message_size: 1000,
    };
    let grpc = serve_grpc(
        kit::grpc::Routes::new()
            .add_service(feed::GrpcServer::with_limits(endpoints.clone(), limits)),
    )
    .await;
    let http = serve(feed::http_router(endpoints).layer(kit::http::body_limit(1000))).await;
    let grpc_client = feed::GrpcClient::new(&format!("http://{grpc}")).unwrap();
    let http_client = feed::HttpClient::new(&format!("http://{http}")).unwrap();
    let ctx = Context::new();
    let exhausted = |result: Option<Result<Tick, FeedError>>| matches!(result, Some(Err(FeedError::Transport(error))) if error.code() == Code::ResourceExhausted);

    // An answer too large to send.
    let mut ticks = grpc_client.ticks(&ctx, 0, 3, 2000, None).await.unwrap();
    assert!(exhausted(ticks.next().await));
    assert!(ticks.next().await.is_none());

    // A request too large to read, after one that fits.
    let big = |seq, bytes| Tick {
        seq,
        note: "b".repeat(bytes),
    };
    for (transport, client) in [
        ("gRPC", &grpc_client as &dyn DynFeed),
        ("HTTP", &http_client),
    ] {
        let sent = kit::Streaming::iter([Ok(big(1, 10)), Ok(big(2, 5000))]);
        let error = client.total_of(&ctx, sent).await.expect_err(transport);
        assert!(
            matches!(&error, FeedError::Transport(error) if error.code() == Code::ResourceExhausted),
            "{transport}: {error:?}"
        );
    }
}
