//! Every HTTP binding (verbs, path, query, body) and every kind of bad
//! input, over real sockets on 127.0.0.1. The server answers each bad
//! request with a JSON error and keeps serving.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use http::Method;
use kit::Code;
use kitgen_tests::{RawConnection, RawResponse, base_url, serve};

use kitgen_tests::inventory::{Inventory, InventoryError, Item, Shop, inventory};

async fn start() -> (Arc<Shop>, std::net::SocketAddr) {
    let shop = Arc::new(Shop::default());
    let endpoints = inventory::Endpoints::new(shop.clone());
    (shop, serve(inventory::http_router(endpoints)).await)
}

fn assert_error(response: &RawResponse, status: u16, code: &str, message_part: &str) {
    assert_eq!(
        response.status,
        status,
        "{:?}",
        String::from_utf8_lossy(&response.body)
    );
    assert_eq!(response.headers["content-type"], "application/json");
    let json = response.json();
    assert_eq!(json["code"], code, "{json}");
    let message = json["message"].as_str().unwrap_or_default();
    assert!(
        message.contains(message_part),
        "{message:?} should mention {message_part:?}"
    );
}

#[tokio::test]
async fn the_client_uses_every_binding() {
    let (_, addr) = start().await;
    let client = inventory::HttpClient::new(&base_url(addr)).unwrap();
    let ctx = kit::Context::new();
    assert_eq!(
        client.get(&ctx, 7).await.unwrap(),
        Item {
            name: "hammer".into(),
            stock: 3
        }
    );
    assert!(matches!(
        client.get(&ctx, 8).await,
        Err(InventoryError::NoSuchItem(8))
    ));
    assert_eq!(
        client.list(&ctx, Some("ha".into()), 10).await.unwrap(),
        ["hammer", "hatchet"]
    );
    assert_eq!(
        client.list(&ctx, None, 2).await.unwrap(),
        ["hammer", "hatchet"]
    );
    assert_eq!(
        client.list(&ctx, Some("a b&c=d".into()), 2).await.unwrap(),
        Vec::<String>::new()
    );
    let item = Item {
        name: "saw".into(),
        stock: 1,
    };
    assert_eq!(
        client
            .put(&ctx, 9, item.clone(), Some("a note & more".into()))
            .await
            .unwrap(),
        "9:saw:1:a note & more"
    );
    assert_eq!(client.put(&ctx, -9, item, None).await.unwrap(), "-9:saw:1:");
    assert_eq!(client.restock(&ctx, 5, 10).await.unwrap(), 15);
    client.remove(&ctx, 7).await.unwrap();
    assert!(matches!(
        client.remove(&ctx, 1).await,
        Err(InventoryError::NoSuchItem(1))
    ));
}

#[tokio::test]
async fn a_business_error_can_carry_its_own_http_status() {
    let (_, addr) = start().await;
    let client = inventory::HttpClient::new(&base_url(addr)).unwrap();
    assert!(matches!(
        client.brew().await,
        Err(InventoryError::OutOfCoffee)
    ));

    let mut connection = RawConnection::open(addr).await;
    let response = connection.send(Method::POST, "/brew", &[], "").await;
    assert_error(&response, 418, "UNAVAILABLE", "out of coffee");
}

#[tokio::test]
async fn raw_requests_match_the_bindings() {
    let (_, addr) = start().await;
    let mut connection = RawConnection::open(addr).await;

    let response = connection
        .send(Method::GET, "/items?prefix=sa&limit=5", &[], "")
        .await;
    assert_eq!(response.json(), serde_json::json!(["saw"]));
    // Absent query parameters are their defaults: no prefix, a limit of 0.
    let response = connection.send(Method::GET, "/items", &[], "").await;
    assert_eq!(response.json(), serde_json::json!([]));

    let response = connection
        .send_json(
            Method::PUT,
            "/items/3?note=hi",
            r#"{"name": "axe", "stock": 2}"#,
        )
        .await;
    assert_eq!(response.json(), serde_json::json!("3:axe:2:hi"));
    // An absent message field is its default.
    let response = connection
        .send_json(Method::PUT, "/items/3", r#"{"name": "axe"}"#)
        .await;
    assert_eq!(response.json(), serde_json::json!("3:axe:0:"));

    let response = connection
        .send_json(Method::PATCH, "/items/3", r#"{"amount": 4}"#)
        .await;
    assert_eq!(response.json(), serde_json::json!(7));

    let response = connection.send(Method::DELETE, "/items/7", &[], "").await;
    assert_eq!(
        (response.status.as_u16(), response.json()),
        (200, serde_json::json!({}))
    );
}

#[tokio::test]
async fn bad_input_gets_a_json_error_and_the_connection_carries_on() {
    let (_, addr) = start().await;
    let mut connection = RawConnection::open(addr).await;

    // Malformed JSON.
    let response = connection
        .send_json(Method::PATCH, "/items/3", r#"{"amount": 4"#)
        .await;
    assert_error(&response, 400, "INVALID_ARGUMENT", "malformed JSON");
    // A missing field that is `#[kit(required)]`, as a parameter and in a
    // message.
    let response = connection
        .send_json(Method::PATCH, "/items/3", r#"{}"#)
        .await;
    assert_error(&response, 400, "INVALID_ARGUMENT", "missing field `amount`");
    let response = connection
        .send_json(Method::PUT, "/items/3", r#"{"stock": 2}"#)
        .await;
    assert_error(&response, 400, "INVALID_ARGUMENT", "missing field `name`");
    // A mistyped field.
    let response = connection
        .send_json(Method::PATCH, "/items/3", r#"{"amount": "four"}"#)
        .await;
    assert_error(
        &response,
        400,
        "INVALID_ARGUMENT",
        "at `amount`: invalid type",
    );
    // A negative number for a u32.
    let response = connection
        .send_json(Method::PATCH, "/items/3", r#"{"amount": -1}"#)
        .await;
    assert_error(&response, 400, "INVALID_ARGUMENT", "at `amount`");
    // The wrong content type, and none at all.
    let response = connection
        .send(
            Method::PATCH,
            "/items/3",
            &[("content-type", "text/plain")],
            r#"{"amount": 4}"#,
        )
        .await;
    assert_error(&response, 415, "INVALID_ARGUMENT", "application/json");
    let response = connection
        .send(Method::PATCH, "/items/3", &[], r#"{"amount": 4}"#)
        .await;
    assert_error(&response, 415, "INVALID_ARGUMENT", "application/json");
    // An unknown path.
    let response = connection.send(Method::GET, "/nowhere", &[], "").await;
    assert_error(&response, 404, "NOT_FOUND", "no route for GET /nowhere");
    // The wrong method.
    let response = connection.send(Method::POST, "/items/3", &[], "").await;
    assert_error(&response, 405, "UNIMPLEMENTED", "does not accept POST");
    let allowed = response.headers["allow"].to_str().unwrap();
    for method in ["GET", "PUT", "PATCH", "DELETE"] {
        assert!(allowed.contains(method), "{allowed}");
    }
    // A path parameter that does not parse.
    let response = connection.send(Method::GET, "/items/abc", &[], "").await;
    assert_error(
        &response,
        400,
        "INVALID_ARGUMENT",
        "Cannot parse `id` with value `abc` to a `i64`",
    );
    // A query that does not parse.
    let response = connection
        .send(Method::GET, "/items?limit=many", &[], "")
        .await;
    assert_error(&response, 400, "INVALID_ARGUMENT", "invalid query string");
    // A timeout header that does not parse.
    let response = connection
        .send(
            Method::GET,
            "/items/7",
            &[("x-request-timeout", "soon")],
            "",
        )
        .await;
    assert_error(&response, 400, "INVALID_ARGUMENT", "x-request-timeout");

    // After all that, the same connection still serves.
    let response = connection.send(Method::GET, "/items/7", &[], "").await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn a_panicking_handler_is_a_500_and_the_server_carries_on() {
    let (_, addr) = start().await;
    let mut connection = RawConnection::open(addr).await;
    let response = connection
        .send(Method::POST, "/explode", &[("x-request-id", "boom-1")], "")
        .await;
    assert_error(&response, 500, "INTERNAL", "panicked");
    assert_eq!(response.headers["x-request-id"], "boom-1");
    let response = connection.send(Method::GET, "/items/7", &[], "").await;
    assert_eq!(response.status, 200);
    let response = connection.send(Method::POST, "/explode", &[], "").await;
    assert_eq!(response.status, 500);
}

#[tokio::test]
async fn bodies_over_the_limit_are_refused_with_413() {
    let (_, addr) = start().await;
    // Just over the default limit of 1 MiB, declared up front.
    let mut connection = RawConnection::open(addr).await;
    let body = format!(
        r#"{{"amount": 1, "pad": "{}"}}"#,
        "x".repeat(kit::http::DEFAULT_BODY_LIMIT)
    );
    let response = connection.send_json(Method::PATCH, "/items/3", &body).await;
    assert_error(
        &response,
        413,
        "RESOURCE_EXHAUSTED",
        "larger than the limit of 1048576 bytes",
    );
    // Just under it is fine, on a new connection.
    let mut connection = RawConnection::open(addr).await;
    let body = format!(
        r#"{{"amount": 1, "pad": "{}"}}"#,
        "x".repeat(kit::http::DEFAULT_BODY_LIMIT - 100)
    );
    let response = connection.send_json(Method::PATCH, "/items/3", &body).await;
    assert_eq!(response.status, 200);
}

#[tokio::test]
async fn the_body_limit_is_configurable() {
    let endpoints = inventory::Endpoints::new(Arc::new(Shop::default()));
    let router = inventory::http_router(endpoints).layer(kit::http::body_limit(16));
    let addr = serve(router).await;
    let mut connection = RawConnection::open(addr).await;
    let response = connection
        .send_json(Method::PATCH, "/items/3", r#"{"amount": 1}"#)
        .await;
    assert_eq!(response.status, 200);
    let response = connection
        .send_json(
            Method::PATCH,
            "/items/3",
            r#"{"amount": 1, "note": "long"}"#,
        )
        .await;
    assert_error(&response, 413, "RESOURCE_EXHAUSTED", "limit of 16 bytes");
}

#[tokio::test]
async fn the_callers_deadline_cuts_the_handler_short() {
    let (shop, addr) = start().await;
    let mut connection = RawConnection::open(addr).await;
    let response = connection
        .send(
            Method::POST,
            "/nap",
            &[
                ("content-type", "application/json"),
                ("x-request-timeout", "50m"),
            ],
            r#"{"millis": 10000}"#,
        )
        .await;
    assert_error(&response, 504, "DEADLINE_EXCEEDED", "deadline");
    assert!(
        shop.nap_dropped.load(Ordering::SeqCst),
        "the handler's future was not dropped"
    );

    // A deadline the handler meets reaches it through the context.
    let response = connection
        .send(
            Method::POST,
            "/nap",
            &[
                ("content-type", "application/json"),
                ("x-request-timeout", "10S"),
            ],
            r#"{"millis": 1}"#,
        )
        .await;
    assert_eq!(response.json(), serde_json::json!(true));
}

#[tokio::test]
async fn the_client_timeout_and_context_deadline_travel_to_the_server() {
    let (_, addr) = start().await;

    // The client's own timeout fails the call on the client side…
    let transport = kit::http::Client::new(&base_url(addr))
        .unwrap()
        .with_timeout(Duration::from_millis(50));
    let client = inventory::HttpClient::with_transport(transport);
    let error = client.nap(&kit::Context::new(), 10_000).await.unwrap_err();
    let InventoryError::Transport(error) = error else {
        panic!("{error:?}")
    };
    assert_eq!(error.code(), Code::DeadlineExceeded);

    // …and reaches the server as its deadline.
    let transport = kit::http::Client::new(&base_url(addr))
        .unwrap()
        .with_timeout(Duration::from_secs(10));
    let client = inventory::HttpClient::with_transport(transport);
    assert!(client.nap(&kit::Context::new(), 1).await.unwrap());

    // Without a timeout of its own, the client sends the context's deadline,
    // and with neither, none.
    let plain = inventory::HttpClient::new(&base_url(addr)).unwrap();
    let ctx = kit::Context::new().with_timeout(Duration::from_secs(10));
    assert!(plain.nap(&ctx, 1).await.unwrap());
    assert!(!plain.nap(&kit::Context::new(), 1).await.unwrap());
}

/// A service that calls another with the context it was given.
#[kit::service]
pub trait Relay: Send + Sync + 'static {
    /// Calls `context_seen` downstream.
    async fn relay(&self, ctx: &kit::Context) -> Result<Vec<String>, InventoryError>;
}

struct Forwarder(inventory::HttpClient);

impl Relay for Forwarder {
    async fn relay(&self, ctx: &kit::Context) -> Result<Vec<String>, InventoryError> {
        self.0.context_seen(ctx).await
    }
}

#[tokio::test]
async fn the_client_sends_the_request_id_and_forwards_trace_and_custom_metadata() {
    let (_, downstream) = start().await;
    let client = inventory::HttpClient::new(&base_url(downstream)).unwrap();

    let mut ctx = kit::Context::new().with_request_id("req-from-client");
    ctx.metadata_mut()
        .insert("x-tenant", "acme".parse().unwrap());
    let seen = client.context_seen(&ctx).await.unwrap();
    assert_eq!(seen, ["req-from-client", "acme", "-", "-", "-"]);

    // Through a relay: the id, the trace context and custom headers travel
    // on; the caller's credentials stay behind.
    let relay = Forwarder(client);
    let upstream = serve(relay::http_router(relay::Endpoints::new(Arc::new(relay)))).await;
    let mut connection = RawConnection::open(upstream).await;
    let traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    let response = connection
        .send(
            Method::POST,
            "/relay",
            &[
                ("x-request-id", "req-at-the-edge"),
                ("x-tenant", "acme"),
                ("traceparent", traceparent),
                ("authorization", "Bearer s3cret"),
            ],
            "",
        )
        .await;
    assert_eq!(
        response.json(),
        serde_json::json!(["req-at-the-edge", "acme", traceparent, "-", "-"])
    );
}

#[tokio::test]
async fn unknown_routes_and_methods_echo_the_request_id() {
    let (_, addr) = start().await;
    let mut connection = RawConnection::open(addr).await;
    let response = connection
        .send(Method::GET, "/nowhere", &[("x-request-id", "lost-1")], "")
        .await;
    assert_eq!(response.status, 404);
    assert_eq!(response.headers["x-request-id"], "lost-1");
    let response = connection
        .send(Method::POST, "/items/3", &[("x-request-id", "lost-2")], "")
        .await;
    assert_eq!(response.status, 405);
    assert_eq!(response.headers["x-request-id"], "lost-2");
    let response = connection.send(Method::GET, "/nowhere", &[], "").await;
    assert_eq!(response.headers["x-request-id"].len(), 32);
}

#[tokio::test]
async fn a_chunked_body_over_the_limit_is_refused_with_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let endpoints = inventory::Endpoints::new(Arc::new(Shop::default()));
    let addr = serve(inventory::http_router(endpoints).layer(kit::http::body_limit(64))).await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    // No Content-Length: the server only learns the size while reading.
    let chunk = format!(r#"{{"amount": 1, "pad": "{}"}}"#, "x".repeat(100));
    let request = format!(
        "PATCH /items/3 HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         transfer-encoding: chunked\r\nconnection: close\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
    assert!(response.contains("limit of 64 bytes"), "{response}");
}

#[tokio::test]
async fn a_large_body_sent_without_expect_still_gets_its_413() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (_, addr) = start().await;
    let body = format!(r#"{{"amount": 1, "pad": "{}"}}"#, "x".repeat(6 << 20));
    // The client writes all of its body (no `Expect: 100-continue`) while
    // the server has already decided: each time, it must read the 413,
    // not a reset connection.
    for attempt in 0..10 {
        // Small buffers, so that the body cannot all sit in the kernel's
        // buffers when the server answers.
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_send_buffer_size(64 << 10).unwrap();
        let stream = socket.connect(addr).await.unwrap();
        let (mut reader, mut writer) = stream.into_split();
        let head = format!(
            "PATCH /items/3 HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
             content-length: {}\r\n\r\n",
            body.len()
        );
        let request = [head.as_bytes(), body.as_bytes()].concat();
        let sent = tokio::spawn(async move {
            let written = writer.write_all(&request).await;
            (written, writer)
        });
        let mut response = Vec::new();
        let mut buffer = [0; 4096];
        loop {
            match reader.read(&mut buffer).await {
                Ok(0) => break,
                Ok(read) => {
                    response.extend_from_slice(&buffer[..read]);
                    if response.windows(4).any(|w| w == b"\r\n\r\n")
                        && String::from_utf8_lossy(&response).contains("limit of")
                    {
                        break;
                    }
                }
                Err(error) => panic!("attempt {attempt}: {error}, after {response:?}"),
            }
        }
        let response = String::from_utf8_lossy(&response);
        assert!(
            response.starts_with("HTTP/1.1 413"),
            "attempt {attempt}: {response}"
        );
        let (written, _writer) = sent.await.unwrap();
        written.unwrap_or_else(|error| panic!("attempt {attempt}: the body was cut off: {error}"));
    }
}

#[tokio::test]
async fn a_large_body_announced_with_expect_is_refused_before_it_is_sent() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};

    let (_, addr) = start().await;
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "PATCH /items/3 HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nexpect: 100-continue\r\nconnection: close\r\n\r\n",
        6 << 20
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    // No `100 Continue`: the answer comes first, and no body was sent.
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    assert!(response.starts_with("HTTP/1.1 413"), "{response}");
}

/// Counts the requests through every service it wraps.
#[derive(Clone)]
struct CountLayer(Arc<AtomicUsize>);

#[derive(Clone)]
struct Counted<S> {
    inner: S,
    count: Arc<AtomicUsize>,
}

impl<S> tower::Layer<S> for CountLayer {
    type Service = Counted<S>;
    fn layer(&self, inner: S) -> Counted<S> {
        Counted {
            inner,
            count: self.0.clone(),
        }
    }
}

impl<S: tower::Service<R>, R> tower::Service<R> for Counted<S> {
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;
    fn poll_ready(&mut self, cx: &mut TaskContext<'_>) -> Poll<Result<(), S::Error>> {
        self.inner.poll_ready(cx)
    }
    fn call(&mut self, request: R) -> S::Future {
        self.count.fetch_add(1, Ordering::SeqCst);
        self.inner.call(request)
    }
}

#[tokio::test]
async fn layers_wrap_every_endpoint_or_one_by_name() {
    let all = Arc::new(AtomicUsize::new(0));
    let one = Arc::new(AtomicUsize::new(0));
    let mut endpoints =
        inventory::Endpoints::new(Arc::new(Shop::default())).layer(CountLayer(all.clone()));
    endpoints.get = endpoints.get.layer(CountLayer(one.clone()));
    let addr = serve(inventory::http_router(endpoints)).await;
    let client = inventory::HttpClient::new(&base_url(addr)).unwrap();
    let ctx = kit::Context::new();
    client.get(&ctx, 7).await.unwrap();
    client.restock(&ctx, 1, 1).await.unwrap();
    let _ = client.brew().await;
    assert_eq!(all.load(Ordering::SeqCst), 3);
    assert_eq!(one.load(Ordering::SeqCst), 1);
}

/// A route of another service at a place where the inventory has one.
mod finder {
    /// Finds items by name.
    #[kit::service]
    pub(crate) trait Finder: Send + Sync + 'static {
        /// `{name}` where the inventory's `get` has `{id}`.
        #[kit(http(get = "/items/{name}"))]
        async fn find(&self, name: String) -> Result<String, kit::Error>;
    }

    /// Finds nothing.
    pub(crate) struct Nothing;

    impl Finder for Nothing {
        async fn find(&self, name: String) -> Result<String, kit::Error> {
            Err(kit::Error::not_found(name))
        }
    }
}

#[test]
fn routes_built_by_hand_that_clash_are_an_error_not_a_panic() {
    let items = inventory::Endpoints::new(Arc::new(Shop::default()));
    let finder = finder::finder::Endpoints::new(Arc::new(finder::Nothing));

    let error = kit::http::RouterBuilder::new()
        .endpoint(items.get.clone())
        .endpoint(finder.find.clone())
        .build()
        .unwrap_err();
    assert_eq!(error.code(), Code::InvalidArgument);
    assert!(
        error.message().contains("cannot serve `GET /items/{name}`")
            && error.message().contains("/items/{id}"),
        "{error}"
    );

    let error = kit::http::RouterBuilder::new()
        .endpoint(items.get.clone())
        .endpoint(items.get.clone())
        .build()
        .unwrap_err();
    assert!(error.message().contains("bound twice"), "{error}");

    // Another method at the same path is no clash.
    assert!(
        kit::http::RouterBuilder::new()
            .endpoint(items.get.clone())
            .endpoint(items.remove.clone())
            .build()
            .is_ok()
    );
}

/// A second service, at routes of its own.
mod greeter {
    /// Greets.
    #[kit::service]
    pub(crate) trait Greeter: Send + Sync + 'static {
        /// `GET /hello/{name}`.
        #[kit(http(get = "/hello/{name}"))]
        async fn hello(&self, name: String) -> Result<String, kit::Error>;
    }

    /// Greets politely.
    pub(crate) struct Polite;

    impl Greeter for Polite {
        async fn hello(&self, name: String) -> Result<String, kit::Error> {
            Ok(format!("Hello, {name}!"))
        }
    }
}

#[tokio::test]
async fn two_services_merge_into_one_router_and_a_clash_between_them_is_an_error() {
    use greeter::Greeter as _;

    let items = inventory::Endpoints::new(Arc::new(Shop::default()));
    let greetings = greeter::greeter::Endpoints::new(Arc::new(greeter::Polite));
    let router = inventory::http_routes(items.clone())
        .merge(greeter::greeter::http_routes(greetings))
        .build()
        .unwrap();
    let addr = serve(router).await;
    let ctx = kit::Context::new();
    let url = base_url(addr);
    let inventory = inventory::HttpClient::new(&url).unwrap();
    assert_eq!(inventory.get(&ctx, 7).await.unwrap().name, "hammer");
    let greeter = greeter::greeter::HttpClient::new(&url).unwrap();
    assert_eq!(
        greeter.hello("Ada".to_owned()).await.unwrap(),
        "Hello, Ada!"
    );
    // The JSON fallbacks still answer for both.
    let mut connection = RawConnection::open(addr).await;
    let response = connection.send(Method::GET, "/nowhere", &[], "").await;
    assert_error(&response, 404, "NOT_FOUND", "no route");

    let finder = finder::finder::Endpoints::new(Arc::new(finder::Nothing));
    let error = inventory::http_routes(items)
        .merge(finder::finder::http_routes(finder))
        .build()
        .unwrap_err();
    assert!(
        error.message().contains("cannot serve `GET /items/{name}`"),
        "{error}"
    );
}
