//! A service whose methods take and return Rust's integer types that
//! protobuf has no scalar for, and `char`, over both transports: values
//! that fit round-trip, and a value that does not is `INVALID_ARGUMENT`.

use std::sync::Arc;

use http::Method;
use kitgen_tests::{RawConnection, RawGrpcConnection, grpc_frame, serve, serve_grpc};
use letters::Letters;
use prost::Message as _;

mod letters {
    /// Counts letters.
    #[kit::service(package = "letters.v1")]
    pub(crate) trait Letters: Send + Sync + 'static {
        /// How many of the first `limit` words start with `letter`.
        async fn count(&self, letter: char, limit: u8) -> Result<usize, kit::Error>;
    }

    /// Over a fixed list of words.
    pub(crate) struct Words;

    impl Letters for Words {
        async fn count(&self, letter: char, limit: u8) -> Result<usize, kit::Error> {
            let words = ["apple", "avocado", "banana", "apricot"];
            Ok(words
                .iter()
                .take(usize::from(limit))
                .filter(|word| word.starts_with(letter))
                .count())
        }
    }
}

/// `CountRequest` as another gRPC client encodes it.
#[derive(Clone, PartialEq, prost::Message)]
struct CountRequest {
    #[prost(string, tag = "1")]
    letter: String,
    #[prost(uint32, tag = "2")]
    limit: u32,
}

fn endpoints() -> letters::letters::Endpoints {
    letters::letters::Endpoints::new(Arc::new(letters::Words))
}

#[tokio::test]
async fn values_that_fit_round_trip_over_both_clients() {
    let http = serve(letters::letters::http_router(endpoints())).await;
    let grpc = serve_grpc(
        kit::grpc::Routes::new().add_service(letters::letters::GrpcServer::new(endpoints())),
    )
    .await;
    let http = letters::letters::HttpClient::new(&kitgen_tests::base_url(http)).unwrap();
    let grpc = letters::letters::GrpcClient::new(&kitgen_tests::base_url(grpc)).unwrap();
    assert_eq!(http.count('a', 255).await.unwrap(), 3);
    assert_eq!(grpc.count('a', 2).await.unwrap(), 2);
    assert_eq!(grpc.count('b', 0).await.unwrap(), 0);
}

#[tokio::test]
async fn a_value_out_of_range_is_invalid_argument_over_both_transports() {
    let grpc = serve_grpc(
        kit::grpc::Routes::new().add_service(letters::letters::GrpcServer::new(endpoints())),
    )
    .await;
    let mut connection = RawGrpcConnection::open(grpc).await;
    let path = "/letters.v1.Letters/Count";
    let call = |letter: &str, limit: u32| {
        grpc_frame(
            &CountRequest {
                letter: letter.to_owned(),
                limit,
            }
            .encode_to_vec(),
        )
    };
    let status = connection.call(path, call("a", 3)).await;
    assert_eq!(status.code, 0, "{}", status.message);
    let status = connection.call(path, call("a", 300)).await;
    assert_eq!(status.code, 3, "{}", status.message);
    assert!(
        status.message.contains("300 is out of range for u8"),
        "{}",
        status.message
    );
    let status = connection.call(path, call("ab", 3)).await;
    assert_eq!(status.code, 3, "{}", status.message);

    let http = serve(letters::letters::http_router(endpoints())).await;
    let mut connection = RawConnection::open(http).await;
    let response = connection
        .send_json(Method::POST, "/count", r#"{"letter": "a", "limit": 300}"#)
        .await;
    assert_eq!(response.status, 400);
    assert_eq!(response.json()["code"], "INVALID_ARGUMENT");
    let response = connection
        .send_json(Method::POST, "/count", r#"{"letter": "ab", "limit": 3}"#)
        .await;
    assert_eq!(response.status, 400);
}
