//! [`Buckets`]: one for every call, or one per caller.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

use super::bucket::Bucket;
use crate::Context;
use crate::middleware::Identity;

/// The buckets of a rate limit layer, shared by its clones.
#[derive(Clone, Debug)]
pub(super) enum Buckets {
    /// One bucket for every call.
    One(Arc<Mutex<Bucket>>),
    /// A bucket per caller, made full on the caller's first call.
    PerCaller {
        per_second: f64,
        burst: u32,
        callers: Arc<Mutex<Callers>>,
    },
}

/// The callers remembered, and when they were last swept.
#[derive(Debug, Default)]
pub(super) struct Callers {
    pub(super) buckets: HashMap<Caller, Arc<Mutex<Bucket>>>,
    swept: Option<Instant>,
}

/// Whose bucket a call takes from.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(super) enum Caller {
    /// An identity an auth layer verified: its kind and name.
    Identity(&'static str, String),
    /// An anonymous call's remote IP address (an IPv6 one's /64).
    Address(IpAddr),
    /// A call with neither, and new callers while the map is full.
    Unknown,
}

impl Caller {
    fn of(ctx: &Context) -> Caller {
        let identity = ctx
            .caller()
            .map(|identity| (kind(identity), identity.name()))
            .filter(|(_, name)| !name.is_empty());
        match (identity, ctx.peer_addr()) {
            (Some((kind, name)), _) => Caller::Identity(kind, name.to_owned()),
            (None, Some(addr)) => Caller::Address(network(addr.ip())),
            (None, None) => Caller::Unknown,
        }
    }
}

/// The kind of an identity, so that a token and a user of one name are two
/// callers.
fn kind(identity: &Identity) -> &'static str {
    match identity {
        Identity::Bearer { .. } => "bearer",
        Identity::Basic { .. } => "basic",
        Identity::Jwt { .. } => "jwt",
        Identity::Certificate { .. } => "certificate",
        Identity::Custom { .. } => "custom",
    }
}

/// An IPv4 address, or an IPv6 address's /64: one host holds a whole /64.
fn network(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V4(_) => ip,
        IpAddr::V6(v6) => IpAddr::V6((u128::from(v6) & !u128::from(u64::MAX)).into()),
    }
}

/// How many callers are remembered at most.
pub(super) const REMEMBERED: usize = 1024;

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
            } => callers_bucket(callers, *per_second, *burst, Caller::of(ctx), now),
        }
    }
}

/// The bucket of `caller`, made full if it is new; while `REMEMBERED`
/// callers have buckets that have not refilled, a new one shares the
/// bucket of unknown callers.
fn callers_bucket(
    callers: &Mutex<Callers>,
    per_second: f64,
    burst: u32,
    mut caller: Caller,
    now: Instant,
) -> Arc<Mutex<Bucket>> {
    let mut callers = callers.lock().unwrap_or_else(PoisonError::into_inner);
    if callers.buckets.len() >= REMEMBERED && !callers.buckets.contains_key(&caller) {
        // A bucket refills in `burst / per_second`: sweeping more often
        // finds nothing new.
        let refill = Duration::from_secs_f64(f64::from(burst.max(1)) / per_second);
        if callers
            .swept
            .is_none_or(|swept| now.saturating_duration_since(swept) >= refill)
        {
            callers.swept = Some(now);
            callers.buckets.retain(|_, bucket| {
                // A bucket a waiting call holds is never full.
                Arc::strong_count(bucket) > 1
                    || !bucket
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .is_full(now)
            });
        }
        if callers.buckets.len() >= REMEMBERED {
            caller = Caller::Unknown;
        }
    }
    let bucket = callers
        .buckets
        .entry(caller)
        .or_insert_with(|| Arc::new(Mutex::new(Bucket::new(per_second, burst))));
    Arc::clone(bucket)
}
