//! The task behind [`Etcd::instancer`]: read, then watch, a service's keys.

use std::collections::BTreeMap;
use std::time::Duration;

use tokio::sync::mpsc;
use tokio_stream::wrappers::ReceiverStream;

use super::pb::{self, event::EventType, watch_request::RequestUnion};
use super::{Etcd, parse_instance, range_end};
use crate::Error;
use crate::sd::{Instance, Publisher};

/// How long to wait before reading again after a failure: doubling from
/// the first, up to the last.
const RETRY_FIRST: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(2);

/// Keeps `publisher` current with the instances under `prefix` until no
/// instancer is left.
pub(super) async fn watch(etcd: Etcd, prefix: String, publisher: Publisher) {
    let mut retry = RETRY_FIRST;
    while !publisher.is_closed() {
        let mut watched = false;
        let error = tokio::select! {
            error = read_and_watch(&etcd, &prefix, &publisher, &mut watched) => error,
            () = publisher.closed() => return,
        };
        publisher.fail(error.message());
        if watched {
            retry = RETRY_FIRST;
        }
        tokio::select! {
            () = tokio::time::sleep(retry) => {}
            () = publisher.closed() => return,
        }
        retry = (retry * 2).min(RETRY_MAX);
    }
}

/// Reads the instances, then applies each change the watch reports, until
/// something fails. A lost watch, a compacted revision or etcd going away
/// all end here, and the caller reads everything again.
async fn read_and_watch(
    etcd: &Etcd,
    prefix: &str,
    publisher: &Publisher,
    watched: &mut bool,
) -> Error {
    let range = pb::RangeRequest {
        key: prefix.as_bytes().to_vec(),
        range_end: range_end(prefix),
        ..Default::default()
    };
    let read = match etcd.kv().range(range).await {
        Ok(read) => read.into_inner(),
        Err(status) => return etcd.error("cannot read the instances", &status),
    };
    let mut instances: BTreeMap<Vec<u8>, Instance> = read
        .kvs
        .into_iter()
        .filter_map(|kv| Some((kv.key, parse_instance(&kv.value).ok()?)))
        .collect();
    publisher.update(instances.values().cloned());
    let revision = read.header.map_or(0, |header| header.revision);

    // The request side stays open while the watch runs: closing it would
    // end the watch.
    let (requests, pending) = mpsc::channel(1);
    let create = pb::WatchRequest {
        request_union: Some(RequestUnion::CreateRequest(pb::WatchCreateRequest {
            key: prefix.as_bytes().to_vec(),
            range_end: range_end(prefix),
            start_revision: revision + 1,
            progress_notify: true,
        })),
    };
    if requests.send(create).await.is_err() {
        return Error::internal("the watch request was dropped");
    }
    let mut responses = match etcd
        .watch_client()
        .watch(ReceiverStream::new(pending))
        .await
    {
        Ok(responses) => responses.into_inner(),
        Err(status) => return etcd.error("cannot watch the instances", &status),
    };
    loop {
        let response = match responses.message().await {
            Ok(Some(response)) => response,
            Ok(None) => return Error::unavailable("etcd closed the watch"),
            Err(status) => return etcd.error("the watch failed", &status),
        };
        if response.created {
            *watched = true;
        }
        if response.canceled || response.compact_revision != 0 {
            return Error::unavailable(format!(
                "etcd cancelled the watch ({}); reading again",
                if response.cancel_reason.is_empty() {
                    "its revision was compacted"
                } else {
                    &response.cancel_reason
                }
            ));
        }
        if response.events.is_empty() {
            continue;
        }
        for event in response.events {
            let Some(kv) = event.kv else { continue };
            match EventType::try_from(event.r#type) {
                Ok(EventType::Put) => match parse_instance(&kv.value) {
                    Ok(instance) => {
                        instances.insert(kv.key, instance);
                    }
                    Err(_) => {
                        instances.remove(&kv.key);
                    }
                },
                Ok(EventType::Delete) => {
                    instances.remove(&kv.key);
                }
                Err(_) => {}
            }
        }
        publisher.update(instances.values().cloned());
    }
}
