//! The server side: a table of subjects, subscribed in a queue group and
//! answered until the server stops.

use std::sync::Arc;

use async_nats::HeaderMap;
use bytes::Bytes;
use futures_util::StreamExt;
use prost::Message;
use serde::Serialize;
use serde::de::DeserializeOwned;
use tokio::sync::watch;
use tokio::task::JoinSet;

use super::{CONTENT_TYPE, REQUEST_ID, SERVICE_ERROR, SERVICE_ERROR_CODE, subject, to_http};
use crate::encoded::{EncodedEndpoint, Encoding, Table};
use crate::http::X_REQUEST_TIMEOUT;
use crate::{Context, Endpoint, Error};

/// The prefix of every subject unless [`Methods::prefix`] says otherwise.
pub const DEFAULT_PREFIX: &str = "rpc";

/// The queue group replicas share unless [`Methods::queue_group`] says
/// otherwise. (A queue group belongs to its subject, so one name serves
/// every service.)
pub const DEFAULT_QUEUE_GROUP: &str = "kit";

/// The methods served over NATS, by subject: those of one service, as the
/// generated `nats_methods(endpoints)` returns them, or of several,
/// [merged](Methods::merge).
///
/// ```no_run
/// # async fn run(methods: kit::nats::Methods) -> Result<(), kit::Error> {
/// let nats = kit::nats::async_nats::connect("127.0.0.1:4222")
///     .await
///     .map_err(|error| kit::Error::unavailable(error.to_string()))?;
/// let subscriptions = methods.subscribe(&nats).await?;
/// kit::Server::new().nats(subscriptions).run().await
/// # }
/// ```
#[derive(Clone, Debug)]
pub struct Methods {
    table: Table,
    prefix: String,
    queue_group: String,
}

impl Default for Methods {
    fn default() -> Self {
        Methods {
            table: Table::default(),
            prefix: DEFAULT_PREFIX.to_owned(),
            queue_group: DEFAULT_QUEUE_GROUP.to_owned(),
        }
    }
}

impl Methods {
    /// No methods yet.
    pub fn new() -> Self {
        Methods::default()
    }

    /// Serves `endpoint` on `method`'s subject
    /// (`ordersvc.OrderService.Create`, under the prefix).
    #[must_use]
    pub fn unary<Req, Resp>(mut self, method: &str, endpoint: Endpoint<Req, Resp>) -> Self
    where
        Req: DeserializeOwned + Message + Default + Send + 'static,
        Resp: Serialize + Message + 'static,
    {
        self.table
            .insert(method.to_owned(), EncodedEndpoint::new(endpoint));
        self
    }

    /// Adds every method of `other`, another service's. A subject served
    /// twice makes [`Methods::subscribe`] fail.
    #[must_use]
    pub fn merge(mut self, other: Methods) -> Self {
        self.table.merge(other.table);
        self
    }

    /// Puts every subject under `prefix` instead of [`DEFAULT_PREFIX`]; an
    /// empty prefix leaves them as their methods' names.
    #[must_use]
    pub fn prefix(mut self, prefix: impl Into<String>) -> Self {
        self.prefix = prefix.into();
        self
    }

    /// Subscribes in `queue_group` instead of [`DEFAULT_QUEUE_GROUP`].
    #[must_use]
    pub fn queue_group(mut self, queue_group: impl Into<String>) -> Self {
        self.queue_group = queue_group.into();
        self
    }

    /// The subjects, sorted.
    pub fn subjects(&self) -> Vec<String> {
        self.table
            .names()
            .into_iter()
            .map(|method| subject(&self.prefix, method))
            .collect()
    }

    /// Subscribes to every subject on `nats`, and returns once the NATS
    /// server has them, so that a call made next is answered; serve them
    /// with [`crate::Server::nats`].
    pub async fn subscribe(self, nats: &async_nats::Client) -> Result<Subscriptions, Error> {
        self.table.check("NATS subject")?;
        let mut subscribed = Vec::new();
        for method in self.table.names() {
            let subject = subject(&self.prefix, method);
            let subscriber = nats
                .queue_subscribe(subject.clone(), self.queue_group.clone())
                .await
                .map_err(|error| {
                    Error::unavailable(format!("cannot subscribe to {subject}: {error}"))
                })?;
            let endpoint = self
                .table
                .get(method)
                .cloned()
                .ok_or_else(|| Error::internal("a method without an endpoint"))?;
            subscribed.push(Subscription {
                subject,
                subscriber,
                endpoint,
            });
        }
        nats.flush()
            .await
            .map_err(|error| Error::unavailable(format!("cannot reach NATS: {error}")))?;
        Ok(Subscriptions {
            nats: nats.clone(),
            subscribed,
        })
    }
}

/// Subjects subscribed on a NATS connection, for [`crate::Server::nats`]
/// to answer.
pub struct Subscriptions {
    nats: async_nats::Client,
    subscribed: Vec<Subscription>,
}

impl std::fmt::Debug for Subscriptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list()
            .entries(self.subscribed.iter().map(|one| &one.subject))
            .finish()
    }
}

/// One subject, its subscription and its endpoint.
struct Subscription {
    subject: String,
    subscriber: async_nats::Subscriber,
    endpoint: EncodedEndpoint,
}

impl Subscriptions {
    /// The subjects.
    pub fn subjects(&self) -> Vec<&str> {
        self.subscribed
            .iter()
            .map(|one| one.subject.as_str())
            .collect()
    }

    /// Answers every request until `stopping` turns true, then drains:
    /// unsubscribes, answers what had arrived, and returns when every
    /// call has finished.
    pub(crate) async fn serve(self, stopping: watch::Receiver<bool>) -> Result<(), Error> {
        let nats = Arc::new(self.nats);
        let mut loops = JoinSet::new();
        for subscription in self.subscribed {
            loops.spawn(answer_all(
                Arc::clone(&nats),
                subscription,
                stopping.clone(),
            ));
        }
        while loops.join_next().await.is_some() {}
        // The last replies are queued on the connection: sent before this
        // returns, and the process perhaps ends.
        nats.flush()
            .await
            .map_err(|error| Error::unavailable(format!("cannot send the last replies: {error}")))
    }
}

/// Answers the requests of one subscription, each in a task of its own,
/// until `stopping`; then drains it.
async fn answer_all(
    nats: Arc<async_nats::Client>,
    subscription: Subscription,
    mut stopping: watch::Receiver<bool>,
) {
    let Subscription {
        subject,
        mut subscriber,
        endpoint,
    } = subscription;
    let subject: Arc<str> = subject.into();
    let mut calls = JoinSet::new();
    let mut draining = false;
    loop {
        let message = tokio::select! {
            message = subscriber.next() => message,
            () = stopped(&mut stopping), if !draining => {
                draining = true;
                // The server sends what it had queued, then the stream ends.
                if let Err(error) = subscriber.drain().await {
                    tracing::warn!(%subject, %error, "cannot drain the NATS subscription");
                    break;
                }
                continue;
            }
            Some(_) = calls.join_next(), if !calls.is_empty() => continue,
        };
        let Some(message) = message else { break };
        calls.spawn(answer(
            Arc::clone(&nats),
            Arc::clone(&subject),
            endpoint.clone(),
            message,
        ));
    }
    while calls.join_next().await.is_some() {}
}

/// Returns once `stopping` turns true, or its server is gone.
async fn stopped(stopping: &mut watch::Receiver<bool>) {
    let _ = stopping.wait_for(|stop| *stop).await;
}

/// Answers one request.
async fn answer(
    nats: Arc<async_nats::Client>,
    subject: Arc<str>,
    endpoint: EncodedEndpoint,
    message: async_nats::Message,
) {
    let Some(reply) = message.reply else {
        tracing::debug!(%subject, "a message without a reply subject: ignored");
        return;
    };
    // A request without headers gets a reply without them, unless it
    // failed: the bytes a header block costs the broker and the caller
    // are the most of what a small call costs.
    let echo = message.headers.is_some();
    let metadata = to_http(message.headers.as_ref());
    let encoding = Encoding::of(
        metadata
            .get(http::header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok()),
    );
    let answer_in = encoding
        .as_ref()
        .map_or(Encoding::Json, |encoding| *encoding);
    let ctx = Context::from_headers(metadata, None);
    let route: &'static str = "NATS";
    let payload = message.payload;
    let (request_id, answered) = crate::server_call::serve(ctx, X_REQUEST_TIMEOUT, route, |ctx| {
        let call = encoding.map(|encoding| endpoint.call(ctx, payload, encoding));
        async move {
            match call {
                Ok(call) => call.await,
                Err(error) => Err(error),
            }
        }
    })
    .await;
    let mut headers = HeaderMap::new();
    let mut echo_request_id = || {
        headers.insert(REQUEST_ID, request_id.to_str().unwrap_or_default());
    };
    let body = match answered {
        Ok(body) => {
            if echo {
                echo_request_id();
            }
            if answer_in != Encoding::Json {
                headers.insert(CONTENT_TYPE, answer_in.content_type());
            }
            body
        }
        Err(error) => {
            echo_request_id();
            // A header value is one line.
            let message: String = error
                .message()
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            headers.insert(SERVICE_ERROR, message);
            headers.insert(SERVICE_ERROR_CODE, error.http_status().as_str());
            Bytes::from(serde_json::to_vec(&error.to_body()).unwrap_or_else(|_| {
                br#"{"code":"INTERNAL","message":"cannot encode the error"}"#.to_vec()
            }))
        }
    };
    let sent = if headers.is_empty() {
        nats.publish(reply, body).await
    } else {
        nats.publish_with_headers(reply, headers, body).await
    };
    if let Err(error) = sent {
        tracing::warn!(%subject, %error, "cannot send the reply");
    }
}
