//! The server side: a table of methods, served as an axum router.

use std::sync::Arc;

use axum::body::Body;
use axum::response::{IntoResponse, Response};
use bytes::Bytes;
use futures_util::future::join_all;
use http::header::CONTENT_TYPE;
use http::{HeaderValue, StatusCode};
use prost::Message;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use super::{ErrorObject, Failure, INVALID_REQUEST, METHOD_NOT_FOUND, PARSE_ERROR, VERSION};
use crate::encoded::{EncodedEndpoint, Encoding, Table};
use crate::http::{X_REQUEST_ID, X_REQUEST_TIMEOUT};
use crate::{Context, Endpoint, Error};

/// Where [`Methods::into_router`] serves.
pub const DEFAULT_PATH: &str = "/rpc";

/// The methods one JSON-RPC path serves, by name: those of one service, as
/// the generated `jsonrpc_methods(endpoints)` returns them, or of several,
/// [merged](Methods::merge).
///
/// ```no_run
/// # fn run(a: kit::jsonrpc::Methods, b: kit::jsonrpc::Methods, http: axum::Router) -> Result<(), kit::Error> {
/// // `POST /rpc` beside the HTTP/JSON routes.
/// let router = http.merge(a.merge(b).into_router()?);
/// # let _ = router; Ok(())
/// # }
/// ```
#[derive(Clone, Debug, Default)]
pub struct Methods {
    table: Table,
}

impl Methods {
    /// No methods yet.
    pub fn new() -> Self {
        Methods::default()
    }

    /// Serves `endpoint` as the method `name` (`OrderService.create`). Its
    /// `params` are its request message; its `result` its response.
    #[must_use]
    pub fn unary<Req, Resp>(mut self, name: &str, endpoint: Endpoint<Req, Resp>) -> Self
    where
        Req: DeserializeOwned + Message + Default + Send + 'static,
        Resp: Serialize + Message + 'static,
    {
        self.table
            .insert(name.to_owned(), EncodedEndpoint::new(endpoint));
        self
    }

    /// Adds every method of `other`, another service's. A name served
    /// twice makes [`Methods::into_router`] fail.
    #[must_use]
    pub fn merge(mut self, other: Methods) -> Self {
        self.table.merge(other.table);
        self
    }

    /// The methods' names, sorted.
    pub fn names(&self) -> Vec<&str> {
        self.table.names()
    }

    /// An axum router that answers `POST /rpc`.
    pub fn into_router(self) -> Result<axum::Router, Error> {
        self.into_router_at(DEFAULT_PATH)
    }

    /// An axum router that answers `POST {path}`. Fails if a method name
    /// was added twice.
    pub fn into_router_at(self, path: &str) -> Result<axum::Router, Error> {
        self.table.check("JSON-RPC method")?;
        let table = Arc::new(self.table);
        let serve = axum::routing::post(move |request: axum::extract::Request| {
            answer(Arc::clone(&table), request)
        });
        Ok(axum::Router::new().route(path, serve))
    }
}

/// Answers one HTTP request: a call, or a batch of them.
async fn answer(table: Arc<Table>, request: axum::extract::Request) -> Response {
    let (mut parts, body) = request.into_parts();
    let (ctx, limit) = crate::http::server_context(&mut parts);
    let request_id = ctx.request_id_header().clone();
    let mut response = match crate::http::read_body(ctx.metadata(), body, limit).await {
        Ok(body) => answer_body(&table, ctx, body).await,
        Err(error) => {
            let status = error.http_status();
            let mut response = json(refused(&error));
            *response.status_mut() = status;
            response
        }
    };
    response.headers_mut().insert(X_REQUEST_ID, request_id);
    response
}

/// Answers the JSON of a request body.
async fn answer_body(table: &Table, ctx: Context, body: Bytes) -> Response {
    let first = body.iter().find(|byte| !byte.is_ascii_whitespace());
    if first == Some(&b'[') {
        let Ok(calls) = serde_json::from_slice::<Vec<&RawValue>>(&body) else {
            return json(spec_error(PARSE_ERROR, "the body is not JSON"));
        };
        if calls.is_empty() {
            return json(spec_error(INVALID_REQUEST, "the batch is empty"));
        }
        let answers = join_all(
            calls
                .iter()
                .map(|call| answer_call(table, ctx.clone(), &body, call)),
        )
        .await;
        let answers: Vec<Vec<u8>> = answers.into_iter().flatten().collect();
        if answers.is_empty() {
            return StatusCode::NO_CONTENT.into_response();
        }
        let mut batch = Vec::with_capacity(answers.iter().map(Vec::len).sum::<usize>() + 2);
        batch.push(b'[');
        for (at, answer) in answers.iter().enumerate() {
            if at > 0 {
                batch.push(b',');
            }
            batch.extend_from_slice(answer);
        }
        batch.push(b']');
        return json(batch);
    }
    let Ok(call) = serde_json::from_slice::<&RawValue>(&body) else {
        return json(spec_error(PARSE_ERROR, "the body is not JSON"));
    };
    match answer_call(table, ctx, &body, call).await {
        Some(answer) => json(answer),
        None => StatusCode::NO_CONTENT.into_response(),
    }
}

/// A request object.
#[derive(serde::Deserialize)]
struct Call<'a> {
    #[serde(borrow, default)]
    jsonrpc: Option<&'a str>,
    #[serde(borrow, default)]
    method: Option<std::borrow::Cow<'a, str>>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
    /// `None` when absent (a notification), `Some("null")` when null.
    #[serde(borrow, default, deserialize_with = "super::present")]
    id: Option<&'a RawValue>,
}

/// Answers one request object of `body`, or nothing for a notification.
async fn answer_call(
    table: &Table,
    ctx: Context,
    body: &Bytes,
    call: &RawValue,
) -> Option<Vec<u8>> {
    let Ok(call) = serde_json::from_str::<Call<'_>>(call.get()) else {
        return Some(spec_error(INVALID_REQUEST, "expected a request object"));
    };
    let id = call.id;
    let valid_id = id.is_none_or(|id| {
        let text = id.get();
        text == "null" || text.starts_with(|c: char| c == '"' || c == '-' || c.is_ascii_digit())
    });
    let method = match call.method {
        Some(method) if call.jsonrpc == Some(VERSION) && valid_id => method,
        _ => {
            return Some(encode(
                Err(&Error::invalid_argument(
                    "a request object has `\"jsonrpc\": \"2.0\"`, a string `method` and an id \
                     that is a string, a number or null",
                )),
                INVALID_REQUEST,
                id.filter(|_| valid_id).unwrap_or(RawValue::NULL),
            ));
        }
    };
    let Some(endpoint) = table.get(&method) else {
        let error = Error::unimplemented(format!("no method {method:?}"));
        return id.map(|id| encode(Err(&error), METHOD_NOT_FOUND, id));
    };
    let params = call
        .params
        .map_or_else(Bytes::new, |params| body.slice_ref(params.get().as_bytes()));
    let (_, answered) = crate::server_call::serve(ctx, X_REQUEST_TIMEOUT, "JSON-RPC", |ctx| {
        endpoint.call(ctx, params, Encoding::Json)
    })
    .await;
    // A notification's answer, even an error, is not sent.
    let id = id?;
    let code = answered
        .as_ref()
        .map_or_else(|error| super::rpc_code(error.code()), |_| 0);
    Some(encode(answered.as_ref(), code, id))
}

/// The response object of a call with `id` that `answered`: `code` is
/// the error's.
fn encode(answered: Result<&Bytes, &Error>, code: i64, id: &RawValue) -> Vec<u8> {
    match answered {
        // By hand: the result is the endpoint's JSON already, and
        // re-reading it as a raw value would only check it again.
        Ok(result) => {
            let mut object = Vec::with_capacity(result.len() + id.get().len() + 32);
            object.extend_from_slice(br#"{"jsonrpc":"2.0","result":"#);
            object.extend_from_slice(result);
            object.extend_from_slice(br#","id":"#);
            object.extend_from_slice(id.get().as_bytes());
            object.push(b'}');
            object
        }
        Err(error) => {
            let mut object = ErrorObject::of(error);
            object.code = code;
            serde_json::to_vec(&Failure {
                jsonrpc: VERSION,
                error: object,
                id,
            })
            .unwrap_or_else(|_| {
                br#"{"jsonrpc":"2.0","error":{"code":-32603,"message":"cannot encode the error"},"id":null}"#
                    .to_vec()
            })
        }
    }
}

/// The answer, with a `null` id, to a body that holds no call to answer.
fn spec_error(code: i64, message: &str) -> Vec<u8> {
    encode(Err(&Error::invalid_argument(message)), code, RawValue::NULL)
}

/// The answer, with a `null` id, to a request whose body was refused.
fn refused(error: &Error) -> Vec<u8> {
    encode(Err(error), super::rpc_code(error.code()), RawValue::NULL)
}

/// `200 OK` with a JSON body.
fn json(body: Vec<u8>) -> Response {
    let mut response = Response::new(Body::from(body));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}
