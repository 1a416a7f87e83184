//! [`Buckets`]: one for every call, or one per caller.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};

use tokio::time::Instant;

use super::bucket::Bucket;
use crate::Context;

/// The buckets of a rate limit layer, shared by its clones.
#[derive(Clone, Debug)]
pub(super) enum Buckets {
    /// One bucket for every call.
    One(Arc<Mutex<Bucket>>),
    /// A bucket per caller, made full on the caller's first call.
    PerCaller {
        per_second: f64,
        burst: u32,
        callers: Arc<Mutex<HashMap<Caller, Arc<Mutex<Bucket>>>>>,
    },
}

/// Whose bucket a call takes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Caller {
    /// The name of the identity an auth layer verified.
    Identity(String),
    /// An anonymous call's remote IP address.
    Address(IpAddr),
    /// A call with neither.
    Unknown,
}

/// Past this many callers, those whose buckets have refilled are
/// forgotten: a full bucket is what a new caller gets anyway.
pub(super) const FORGET_ABOVE: usize = 1024;

impl Buckets {
    pub(super) fn one(per_second: f64, burst: u32) -> Self {
        Buckets::One(Arc::new(Mutex::new(Bucket::new(per_second, burst))))
    }

    /// A bucket per caller.
    pub(super) fn per_caller(per_second: f64, burst: u32) -> Self {
        Buckets::PerCaller {
            per_second,
            burst,
            callers: Arc::default(),
        }
    }

    /// The bucket the call with `ctx` takes from.
    pub(super) fn for_call(&self, ctx: &Context, now: Instant) -> Arc<Mutex<Bucket>> {
        match self {
            Buckets::One(bucket) => Arc::clone(bucket),
            Buckets::PerCaller {
                per_second,
                burst,
                callers,
            } => {
                let caller = match (ctx.caller(), ctx.peer_addr()) {
                    (Some(identity), _) => Caller::Identity(identity.name().to_owned()),
                    (None, Some(addr)) => Caller::Address(addr.ip()),
                    (None, None) => Caller::Unknown,
                };
                let mut callers = callers.lock().unwrap_or_else(PoisonError::into_inner);
                if callers.len() >= FORGET_ABOVE && !callers.contains_key(&caller) {
                    callers.retain(|_, bucket| {
                        // A bucket a waiting call holds is never full.
                        Arc::strong_count(bucket) > 1
                            || !bucket
                                .lock()
                                .unwrap_or_else(PoisonError::into_inner)
                                .is_full(now)
                    });
                }
                let bucket = callers
                    .entry(caller)
                    .or_insert_with(|| Arc::new(Mutex::new(Bucket::new(*per_second, *burst))));
                Arc::clone(bucket)
            }
        }
    }
}
