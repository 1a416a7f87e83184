//! The Connect protocol on the gRPC port, byte for byte as its spec
//! (connectrpc.com/docs/protocol) writes it: unary calls over POST with
//! JSON and protobuf bodies and over GET, server streams in envelopes, and
//! errors as Connect's JSON with the code's HTTP status.

use std::sync::Arc;

use bytes::Bytes;
use http::Method;
use kitgen_tests::feed::{Ticker, feed};
use kitgen_tests::{RawConnection, serve_grpc};
use ordersvc::{InMemoryOrderService, Order, OrderItem, order_service};
use prost::Message as _;

async fn orders() -> RawConnection {
    let endpoints = order_service::Endpoints::new(Arc::new(InMemoryOrderService::new()));
    let routes = kit::grpc::Routes::new().add_service(order_service::GrpcServer::new(endpoints));
    RawConnection::open(serve_grpc(routes).await).await
}

async fn ticks() -> RawConnection {
    let (ticker, _probe) = Ticker::new();
    let endpoints = feed::Endpoints::new(Arc::new(ticker));
    let routes = kit::grpc::Routes::new().add_service(feed::GrpcServer::new(endpoints));
    RawConnection::open(serve_grpc(routes).await).await
}

const CONNECT_JSON: [(&str, &str); 2] = [
    ("content-type", "application/json"),
    ("connect-protocol-version", "1"),
];

fn pizza() -> Order {
    Order {
        id: "o-1".into(),
        customer_id: "c-7".into(),
        status: "Pending".into(),
        created_on: 1_700_000_000,
        restaurant_id: "r-2".into(),
        order_items: vec![OrderItem {
            product_code: "margherita".into(),
            name: "Margherita".into(),
            unit_price: 9.5,
            quantity: 2,
        }],
    }
}

/// `pizza()` as protobuf's JSON mapping writes it.
fn pizza_json() -> serde_json::Value {
    serde_json::json!({
        "id": "o-1",
        "customerId": "c-7",
        "status": "Pending",
        "createdOn": "1700000000",
        "restaurantId": "r-2",
        "orderItems": [
            {"productCode": "margherita", "name": "Margherita", "unitPrice": 9.5, "quantity": 2}
        ],
    })
}

#[tokio::test]
async fn a_unary_call_takes_and_answers_json() {
    let mut connection = orders().await;
    let order = serde_json::json!({"order": pizza()}).to_string();
    let created = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/Create",
            &CONNECT_JSON,
            order,
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    assert_eq!(created.headers["content-type"], "application/json");
    assert!(created.headers.contains_key("x-request-id"));
    assert_eq!(created.json(), serde_json::json!({"value": "o-1"}));

    let fetched = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/GetById",
            &CONNECT_JSON,
            r#"{"id":"o-1"}"#,
        )
        .await;
    assert_eq!(fetched.status, 200);
    // Answered in protobuf's JSON mapping, not serde's form of the type.
    assert_eq!(fetched.json(), serde_json::json!({"value": pizza_json()}));
}

#[tokio::test]
async fn proto3_json_names_and_64_bit_strings_are_read() {
    // A trait's messages read the lowerCamelCase names that Connect
    // clients send, beside their own.
    let mut connection = orders().await;
    let camel = r#"{"order": {"id": "o-2", "customerId": "c-9", "createdOn": 5,
        "orderItems": [{"productCode": "p", "unitPrice": 1.5, "quantity": 1}]}}"#;
    let created = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/Create",
            &CONNECT_JSON,
            camel,
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let fetched = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/GetById",
            &CONNECT_JSON,
            r#"{"id":"o-2"}"#,
        )
        .await;
    let order = &fetched.json()["value"];
    assert_eq!(order["customerId"], "c-9");
    assert_eq!(order["createdOn"], "5");
    assert_eq!(order["orderItems"][0]["productCode"], "p");

    // A .proto's messages speak it too: 64-bit integers as strings, and
    // fields at their defaults left out, as protojson leaves them.
    let endpoints = kitgen_tests::from_proto::pb::add::Endpoints::new(Arc::new(
        kitgen_tests::from_proto::GoKitAdd,
    ));
    let routes = kit::grpc::Routes::new().add_service(
        kitgen_tests::from_proto::pb::add::GrpcServer::new(endpoints),
    );
    let mut connection = RawConnection::open(serve_grpc(routes).await).await;
    let sum = connection
        .send(
            Method::POST,
            "/pb.Add/Sum",
            &CONNECT_JSON,
            r#"{"a": "2", "b": 3}"#,
        )
        .await;
    assert_eq!(sum.status, 200, "{:?}", sum.body);
    assert_eq!(sum.json(), serde_json::json!({"v": "5"}));
}

#[tokio::test]
async fn a_unary_call_takes_and_answers_protobuf() {
    let mut connection = orders().await;
    let request = order_service::CreateRequest { order: pizza() }.encode_to_vec();
    let created = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/Create",
            &[("content-type", "application/proto")],
            request,
        )
        .await;
    assert_eq!(created.status, 200);
    assert_eq!(created.headers["content-type"], "application/proto");
    let answer = order_service::CreateResponse::decode(&created.body[..]).unwrap();
    assert_eq!(answer.value, "o-1");
}

#[tokio::test]
async fn an_idempotent_method_answers_get_with_json_or_base64_protobuf() {
    let mut connection = orders().await;
    let order = serde_json::json!({"order": pizza()}).to_string();
    connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/Create",
            &CONNECT_JSON,
            order,
        )
        .await;

    let json = connection
        .send(
            Method::GET,
            "/ordersvc.OrderService/GetById?connect=v1&encoding=json&message=%7B%22id%22%3A%22o-1%22%7D",
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(json.status, 200);
    assert_eq!(json.json(), serde_json::json!({"value": pizza_json()}));

    use base64::Engine as _;
    let message = order_service::GetByIdRequest { id: "o-1".into() }.encode_to_vec();
    let message = base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(message);
    let proto = connection
        .send(
            Method::GET,
            &format!(
                "/ordersvc.OrderService/GetById?connect=v1&encoding=proto&base64=1&message={message}"
            ),
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(proto.status, 200);
    assert_eq!(proto.headers["content-type"], "application/proto");
    let answer = order_service::GetByIdResponse::decode(&proto.body[..]).unwrap();
    assert_eq!(answer.value, pizza());

    // Binary protobuf percent-encoded, without base64, arrives as bytes:
    // a 200-byte id's length is 0xc8 0x01, which is no UTF-8. Not found
    // first (a garbled message would not decode: invalid_argument), then
    // found once created.
    let long_id = "x".repeat(200);
    let binary = order_service::GetByIdRequest {
        id: long_id.clone(),
    }
    .encode_to_vec();
    assert!(std::str::from_utf8(&binary).is_err());
    let encoded = percent_encoding::percent_encode(&binary, percent_encoding::NON_ALPHANUMERIC);
    let raw = connection
        .send(
            Method::GET,
            &format!("/ordersvc.OrderService/GetById?encoding=proto&message={encoded}"),
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(raw.status, 404, "{:?}", raw.body);
    let created = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/Create",
            &CONNECT_JSON,
            serde_json::json!({"order": {"id": long_id}}).to_string(),
        )
        .await;
    assert_eq!(created.status, 200, "{:?}", created.body);
    let raw = connection
        .send(
            Method::GET,
            &format!("/ordersvc.OrderService/GetById?encoding=proto&message={encoded}"),
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(raw.status, 200, "{:?}", raw.body);
    let answer = order_service::GetByIdResponse::decode(&raw.body[..]).unwrap();
    assert_eq!(answer.value.id, long_id);

    // A method that changes things is POST only.
    let refused = connection
        .send(
            Method::GET,
            "/ordersvc.OrderService/Create?encoding=json&message=%7B%7D",
            &[],
            Bytes::new(),
        )
        .await;
    assert_eq!(refused.status, 405);
    assert_eq!(refused.headers["allow"], "POST");
}

#[tokio::test]
async fn errors_are_connect_json_with_the_codes_http_status_and_the_variant() {
    let mut connection = orders().await;
    let missing = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/GetById",
            &CONNECT_JSON,
            r#"{"id":"nope"}"#,
        )
        .await;
    assert_eq!(missing.status, 404);
    assert_eq!(missing.headers["content-type"], "application/json");
    assert_eq!(
        missing.json(),
        serde_json::json!({"code": "not_found", "message": "order not found"})
    );
    assert_eq!(missing.headers["kit-error-variant"], "NotFound");

    let invalid = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/GetById",
            &CONNECT_JSON,
            r#"{"id": 7}"#,
        )
        .await;
    assert_eq!(invalid.status, 400);
    assert_eq!(invalid.json()["code"], "invalid_argument");

    let future_version = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/GetById",
            &[
                ("content-type", "application/json"),
                ("connect-protocol-version", "2"),
            ],
            r#"{"id":"o-1"}"#,
        )
        .await;
    assert_eq!(future_version.status, 400);
    assert_eq!(future_version.json()["code"], "invalid_argument");

    let compressed = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/GetById",
            &[
                ("content-type", "application/json"),
                ("content-encoding", "br"),
            ],
            r#"{"id":"o-1"}"#,
        )
        .await;
    assert_eq!(compressed.status, 501);
    assert_eq!(compressed.json()["code"], "unimplemented");

    let text = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/GetById",
            &[("content-type", "text/plain")],
            "o-1",
        )
        .await;
    assert_eq!(text.status, 415);
    assert_eq!(
        text.headers["accept-post"],
        "application/json, application/proto"
    );

    let unknown = connection
        .send(
            Method::POST,
            "/ordersvc.OrderService/Cancel",
            &CONNECT_JSON,
            "{}",
        )
        .await;
    assert_eq!(unknown.status, 404);
    assert_eq!(unknown.json()["code"], "unimplemented");
}

#[tokio::test]
async fn connect_timeout_ms_is_the_deadline() {
    let mut connection = ticks().await;
    let response = connection
        .send(
            Method::POST,
            "/feed.Feed/Forever",
            &[
                ("content-type", "application/connect+json"),
                ("connect-timeout-ms", "100"),
            ],
            envelope(0, br#"{"note_bytes": 1}"#),
        )
        .await;
    assert_eq!(response.status, 200);
    let (messages, end) = envelopes(&response.body);
    assert!(!messages.is_empty(), "the stream ran until its deadline");
    assert_eq!(end["error"]["code"], "deadline_exceeded", "{end}");

    let invalid = connection
        .send(
            Method::POST,
            "/feed.Feed/Ticks",
            &[
                ("content-type", "application/connect+json"),
                ("connect-timeout-ms", "soon"),
            ],
            envelope(0, b"{}"),
        )
        .await;
    let (messages, end) = envelopes(&invalid.body);
    assert!(messages.is_empty());
    assert_eq!(end["error"]["code"], "invalid_argument", "{end}");

    // Ten digits is the protocol's most, more than gRPC's eight.
    let long = connection
        .send(
            Method::POST,
            "/feed.Feed/Ticks",
            &[
                ("content-type", "application/connect+json"),
                ("connect-timeout-ms", "9999999999"),
            ],
            envelope(0, br#"{"from": 1, "count": 1}"#),
        )
        .await;
    let (messages, end) = envelopes(&long.body);
    assert_eq!(messages.len(), 1);
    assert!(end.get("error").is_none(), "{end}");
}

/// One envelope: a flag byte, a big-endian length, the bytes.
fn envelope(flags: u8, message: &[u8]) -> Vec<u8> {
    let mut bytes = vec![flags];
    bytes.extend_from_slice(&u32::try_from(message.len()).unwrap().to_be_bytes());
    bytes.extend_from_slice(message);
    bytes
}

/// The messages of a Connect stream's body, and its end-of-stream JSON,
/// which must come last and once.
fn envelopes(mut body: &[u8]) -> (Vec<Bytes>, serde_json::Value) {
    let mut messages = Vec::new();
    loop {
        let flags = body[0];
        let length = u32::from_be_bytes(body[1..5].try_into().unwrap()) as usize;
        let message = &body[5..5 + length];
        body = &body[5 + length..];
        if flags == 0b10 {
            assert!(body.is_empty(), "the end-of-stream message is the last");
            return (messages, serde_json::from_slice(message).unwrap());
        }
        assert_eq!(flags, 0, "an uncompressed message");
        messages.push(Bytes::copy_from_slice(message));
    }
}

#[tokio::test]
async fn a_server_stream_answers_in_envelopes_then_ends() {
    let mut connection = ticks().await;
    let response = connection
        .send(
            Method::POST,
            "/feed.Feed/Ticks",
            &[
                ("content-type", "application/connect+json"),
                ("connect-protocol-version", "1"),
            ],
            envelope(0, br#"{"from": 3, "count": 3, "note_bytes": 1}"#),
        )
        .await;
    assert_eq!(response.status, 200);
    assert_eq!(response.headers["content-type"], "application/connect+json");
    let (messages, end) = envelopes(&response.body);
    let seqs: Vec<u64> = messages
        .iter()
        .map(|message| {
            let json: serde_json::Value = serde_json::from_slice(message).unwrap();
            // A uint64, so a string.
            json["value"]["seq"].as_str().unwrap().parse().unwrap()
        })
        .collect();
    assert_eq!(seqs, [3, 4, 5]);
    assert_eq!(end, serde_json::json!({}));

    let request = feed::TicksRequest {
        from: 0,
        count: 5,
        note_bytes: 1,
        fail_at: Some(2),
    };
    let failing = connection
        .send(
            Method::POST,
            "/feed.Feed/Ticks",
            &[("content-type", "application/connect+proto")],
            envelope(0, &request.encode_to_vec()),
        )
        .await;
    assert_eq!(failing.status, 200);
    let (messages, end) = envelopes(&failing.body);
    let seqs: Vec<u64> = messages
        .iter()
        .map(|message| feed::TicksResponse::decode(&message[..]).unwrap().value.seq)
        .collect();
    assert_eq!(seqs, [0, 1]);
    assert_eq!(end["error"]["code"], "failed_precondition", "{end}");
    assert_eq!(end["error"]["message"], "tick 2 is unlucky");
    assert_eq!(end["metadata"]["kit-error-variant"][0], "Unlucky");

    // Refused before its first tick: gRPC answers with trailers only,
    // whose status and trailers, not its headers, end the Connect stream.
    let too_long = feed::TicksRequest {
        count: u64::MAX,
        ..request
    };
    let refused = connection
        .send(
            Method::POST,
            "/feed.Feed/Ticks",
            &[("content-type", "application/connect+proto")],
            envelope(0, &too_long.encode_to_vec()),
        )
        .await;
    assert_eq!(refused.status, 200);
    assert_eq!(refused.headers["content-type"], "application/connect+proto");
    assert!(refused.headers.contains_key("x-request-id"));
    let (messages, end) = envelopes(&refused.body);
    assert!(messages.is_empty());
    assert_eq!(end["error"]["code"], "invalid_argument", "{end}");
    assert_eq!(end["metadata"]["kit-error-variant"][0], "TooLong");
    for header in ["content-type", "x-request-id"] {
        assert!(end["metadata"].get(header).is_none(), "{header} in {end}");
    }
}

#[tokio::test]
async fn a_stream_of_json_requests_is_refused_with_what_to_send() {
    let mut connection = ticks().await;
    let response = connection
        .send(
            Method::POST,
            "/feed.Feed/Total",
            &[("content-type", "application/connect+json")],
            envelope(0, b"{}"),
        )
        .await;
    assert_eq!(response.status, 501);
    let error = response.json();
    assert_eq!(error["code"], "unimplemented");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("application/connect+proto"),
        "{error}"
    );
}

fn tick(seq: u64) -> kitgen_tests::feed::Tick {
    kitgen_tests::feed::Tick {
        seq,
        note: String::new(),
    }
}

#[tokio::test]
async fn streams_of_protobuf_messages_of_every_kind_are_served() {
    let mut connection = ticks().await;
    let connect_proto = [
        ("content-type", "application/connect+proto"),
        ("connect-protocol-version", "1"),
    ];

    // Client streaming: three ticks in, their total out.
    let mut body = Vec::new();
    for seq in [1, 2, 3] {
        body.extend(envelope(
            0,
            &feed::TotalRequest { ticks: tick(seq) }.encode_to_vec(),
        ));
    }
    let total = connection
        .send(Method::POST, "/feed.Feed/Total", &connect_proto, body)
        .await;
    assert_eq!(total.status, 200);
    assert_eq!(total.headers["content-type"], "application/connect+proto");
    let (messages, end) = envelopes(&total.body);
    assert_eq!(
        feed::TotalResponse::decode(&messages[0][..]).unwrap().value,
        6
    );
    assert!(end.get("error").is_none(), "{end}");

    // Bidirectional: each tick answered, then an unlucky one ends the call
    // with the variant in the end-of-stream metadata.
    let mut body = Vec::new();
    for seq in [1, 13] {
        body.extend(envelope(
            0,
            &feed::EchoRequest { ticks: tick(seq) }.encode_to_vec(),
        ));
    }
    let echo = connection
        .send(Method::POST, "/feed.Feed/Echo", &connect_proto, body)
        .await;
    assert_eq!(echo.status, 200);
    let (messages, end) = envelopes(&echo.body);
    let echoed: Vec<u64> = messages
        .iter()
        .map(|message| feed::EchoResponse::decode(&message[..]).unwrap().value.seq)
        .collect();
    assert_eq!(echoed, [1001]);
    assert_eq!(end["error"]["code"], "failed_precondition", "{end}");
    assert_eq!(end["metadata"]["kit-error-variant"][0], "Unlucky");

    // Connect-Timeout-Ms is the deadline here too.
    let request = feed::ForeverRequest { every_ms: 1 };
    let forever = connection
        .send(
            Method::POST,
            "/feed.Feed/Forever",
            &[
                ("content-type", "application/connect+proto"),
                ("connect-timeout-ms", "100"),
            ],
            envelope(0, &request.encode_to_vec()),
        )
        .await;
    let (messages, end) = envelopes(&forever.body);
    assert!(!messages.is_empty());
    assert_eq!(end["error"]["code"], "deadline_exceeded", "{end}");
}

/// A zoo of one animal, to read enums, bytes and maps over Connect.
struct OneAnimal;

impl kitgen_tests::zoo::Zoo for OneAnimal {
    async fn feed(
        &self,
        _ctx: &kit::Context,
        _animal: kitgen_tests::zoo::Animal,
        _type: String,
        _nothing: (),
    ) -> Result<(), kit::Error> {
        Ok(())
    }

    async fn census(&self) -> Result<Vec<kitgen_tests::zoo::Animal>, kit::Error> {
        use kitgen_tests::zoo::{Animal, Mood};
        Ok(vec![Animal {
            name: "Rex".into(),
            history: vec![Mood::Happy, Mood::Grumpy],
            photo: vec![0xff, 0x00, 0x7f],
            moods: [("morning".to_owned(), Mood::Grumpy)].into(),
            tag: Some(7),
            ..Animal::default()
        }])
    }

    async fn moods(
        &self,
        by: Option<kitgen_tests::zoo::Mood>,
    ) -> Result<std::collections::HashMap<String, i64>, kit::Error> {
        Ok([(format!("{by:?}"), 1)].into())
    }

    async fn keepers(
        &self,
        _animals: Vec<kitgen_tests::zoo::AnimalId>,
    ) -> Result<kitgen_tests::zoo::Roster, kit::Error> {
        Ok(Vec::new())
    }

    async fn count(&self, _letter: char, _limit: u8) -> Result<usize, kit::Error> {
        Ok(0)
    }
}

#[tokio::test]
async fn a_traits_enums_and_bytes_speak_protobufs_json() {
    use kitgen_tests::zoo::zoo;
    let endpoints = zoo::Endpoints::new(Arc::new(OneAnimal));
    let routes = kit::grpc::Routes::new().add_service(zoo::GrpcServer::new(endpoints));
    let mut connection = RawConnection::open(serve_grpc(routes).await).await;
    let census = connection
        .send(Method::POST, "/zoo.v1.Zoo/Census", &CONNECT_JSON, "{}")
        .await;
    assert_eq!(census.status, 200, "{:?}", census.body);
    let animal = &census.json()["value"][0];
    // Enum values by their protobuf names, bytes in base64, 64-bit
    // integers in strings: what connect-web and protojson read.
    assert_eq!(
        animal["history"],
        serde_json::json!(["MOOD_HAPPY", "MOOD_GRUMPY"])
    );
    assert_eq!(
        animal["moods"],
        serde_json::json!({"morning": "MOOD_GRUMPY"})
    );
    assert_eq!(animal["photo"], "/wB/");
    assert_eq!(animal["tag"], "7");
    assert_eq!(animal["name"], "Rex");

    // And read them so: an enum by name or by number.
    for (by, seen) in [("\"MOOD_GRUMPY\"", "Some(Grumpy)"), ("3", "Some(Happy)")] {
        let counted = connection
            .send(
                Method::POST,
                "/zoo.v1.Zoo/Moods",
                &CONNECT_JSON,
                format!(r#"{{"by": {by}, "unknown": true}}"#),
            )
            .await;
        assert_eq!(counted.status, 200, "{:?}", counted.body);
        assert_eq!(counted.json(), serde_json::json!({"value": {seen: "1"}}));
    }
    // A value it does not know is skipped, as an unknown field is
    // (protojson's DiscardUnknown); JSON of the wrong shape is refused.
    for (body, status) in [(r#"{"by": "MOOD_SLEEPY"}"#, 200), (r#"{"by": [1]}"#, 400)] {
        let answered = connection
            .send(Method::POST, "/zoo.v1.Zoo/Moods", &CONNECT_JSON, body)
            .await;
        assert_eq!(answered.status, status, "{body}: {:?}", answered.body);
    }
}
