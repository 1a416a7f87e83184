//! [`Balancer`]: picks an instance for each call of a discovering client.
//!
//! Hand-written rather than tower's `balance::p2c::Balance`, which needs
//! `&mut self` (so a shared client would put it behind a `Buffer` and its
//! worker task), and waits, rather than fails, while there are no
//! instances. Here a pick is a read lock and two atomic counters.

use std::sync::atomic::{AtomicU32, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, OnceLock, PoisonError, RwLock, RwLockReadGuard};
use std::time::{Duration, Instant};

use super::{Instance, Instancer};
use crate::{Code, Error};

/// How a discovering client chooses an instance for a call.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Balance {
    /// Of two instances chosen at random, the one with fewer calls in
    /// flight from this client: tower's and Finagle's default, which steers
    /// away from slow instances.
    #[default]
    PowerOfTwoChoices,
    /// Each instance in turn.
    RoundRobin,
}

/// Leaves an instance out for this long after its first failure in a row,
/// doubling with each further one, up to [`MAX_EJECTION`].
const FIRST_EJECTION: Duration = Duration::from_secs(1);
const MAX_EJECTION: Duration = Duration::from_secs(30);

/// The instances of an [`Instancer`], each with its connection `C`, and
/// the choice among them.
pub(crate) struct Balancer<C> {
    service: &'static str,
    instancer: Instancer,
    balance: Balance,
    connect: Box<dyn Fn(&Instance) -> C + Send + Sync>,
    current: RwLock<Slots<C>>,
    next: AtomicUsize,
}

impl<C> std::fmt::Debug for Balancer<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Balancer")
            .field("service", &self.service)
            .field("instancer", &self.instancer)
            .field("balance", &self.balance)
            .finish()
    }
}

struct Slots<C> {
    generation: u64,
    slots: Vec<Arc<Slot<C>>>,
}

struct Slot<C> {
    instance: Instance,
    connection: C,
    in_flight: AtomicUsize,
    failures: AtomicU32,
    /// Nanoseconds since [`epoch`] until which the instance is left out.
    ejected_until: AtomicU64,
}

impl<C: Clone> Balancer<C> {
    /// Balances the calls to `service` (named in errors) over the
    /// instances of `instancer`, connecting to each with `connect`.
    pub(crate) fn new(
        service: &'static str,
        instancer: Instancer,
        balance: Balance,
        connect: impl Fn(&Instance) -> C + Send + Sync + 'static,
    ) -> Self {
        Balancer {
            service,
            instancer,
            balance,
            connect: Box::new(connect),
            current: RwLock::new(Slots {
                generation: u64::MAX,
                slots: Vec::new(),
            }),
            next: AtomicUsize::new(0),
        }
    }

    /// Where the instances come from.
    pub(crate) fn instancer(&self) -> &Instancer {
        &self.instancer
    }

    /// The same balancing over the same instances, connecting to each
    /// with `connect` instead.
    pub(crate) fn reconnecting<D: Clone>(
        &self,
        connect: impl Fn(&Instance) -> D + Send + Sync + 'static,
    ) -> Balancer<D> {
        Balancer::new(self.service, self.instancer.clone(), self.balance, connect)
    }

    /// Chooses the instance for one call, or fails with `UNAVAILABLE` when
    /// there is none.
    pub(crate) fn pick(&self) -> Result<Picked<C>, Error> {
        let current = self.current();
        let slots = &current.slots;
        if slots.is_empty() {
            let mut message = format!(
                "no instances of {} in {}",
                self.service,
                self.instancer.source()
            );
            if let Some(error) = self.instancer.error() {
                message.push_str(&format!(" (its last update failed: {error})"));
            }
            return Err(Error::unavailable(message));
        }
        // The clock is read only when some instance has been left out.
        let ever_ejected = slots
            .iter()
            .any(|slot| slot.ejected_until.load(Ordering::Relaxed) != 0);
        let now = if ever_ejected {
            nanos_since_epoch(Instant::now())
        } else {
            0
        };
        let available = |slot: &Arc<Slot<C>>| slot.ejected_until.load(Ordering::Relaxed) <= now;
        let count = slots.iter().filter(|slot| available(slot)).count();
        // Every instance left out: try them all rather than none.
        let (len, all) = if count == 0 {
            (slots.len(), true)
        } else {
            (count, false)
        };
        let nth = |index: usize| {
            let mut candidates = slots.iter().filter(|slot| all || available(slot));
            candidates.nth(index).unwrap_or(&slots[0])
        };
        let chosen = match self.balance {
            _ if len == 1 => nth(0),
            Balance::RoundRobin => nth(self.next.fetch_add(1, Ordering::Relaxed) % len),
            Balance::PowerOfTwoChoices => {
                let random = crate::context::random_u64();
                let first = (random % len as u64) as usize;
                // A second, different index.
                let second = (first + 1 + ((random >> 32) % (len as u64 - 1)) as usize) % len;
                let (a, b) = (nth(first), nth(second));
                if b.in_flight.load(Ordering::Relaxed) < a.in_flight.load(Ordering::Relaxed) {
                    b
                } else {
                    a
                }
            }
        };
        chosen.in_flight.fetch_add(1, Ordering::Relaxed);
        Ok(Picked {
            slot: Arc::clone(chosen),
        })
    }

    /// The slots for the instancer's current set, rebuilt first if it
    /// changed.
    fn current(&self) -> RwLockReadGuard<'_, Slots<C>> {
        let generation = self.instancer.generation();
        let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
        if current.generation == generation {
            return current;
        }
        drop(current);
        self.refresh();
        self.current.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Rebuilds the slots from the instancer's set: an instance still there
    /// keeps its connection and its counts.
    fn refresh(&self) {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let snapshot = self.instancer.snapshot().clone();
        if current.generation != snapshot.generation {
            let slots = snapshot
                .instances
                .iter()
                .map(|instance| {
                    let kept = current.slots.iter().find(|slot| slot.instance == *instance);
                    kept.map_or_else(
                        || {
                            Arc::new(Slot {
                                instance: instance.clone(),
                                connection: (self.connect)(instance),
                                in_flight: AtomicUsize::new(0),
                                failures: AtomicU32::new(0),
                                ejected_until: AtomicU64::new(0),
                            })
                        },
                        Arc::clone,
                    )
                })
                .collect();
            *current = Slots {
                generation: snapshot.generation,
                slots,
            };
        }
    }
}

/// The instance chosen for one call: counted in flight until dropped.
pub(crate) struct Picked<C> {
    slot: Arc<Slot<C>>,
}

impl<C> Picked<C> {
    /// The connection to it.
    pub(crate) fn connection(&self) -> &C {
        &self.slot.connection
    }

    /// Records how the call ended: `UNAVAILABLE` leaves the instance out
    /// for a while, anything else brings it back.
    pub(crate) fn record<T>(&self, result: &Result<T, Error>) {
        let slot = &self.slot;
        match result {
            Err(error) if error.code() == Code::Unavailable => {
                // Calls in flight when an instance goes away all fail at
                // once: count them as one failure.
                let now = nanos_since_epoch(Instant::now());
                if slot.ejected_until.load(Ordering::Relaxed) > now {
                    return;
                }
                let failures = slot
                    .failures
                    .fetch_add(1, Ordering::Relaxed)
                    .saturating_add(1);
                let ejection = FIRST_EJECTION
                    .saturating_mul(1 << failures.saturating_sub(1).min(16))
                    .min(MAX_EJECTION);
                let until = nanos_since_epoch(Instant::now() + ejection);
                slot.ejected_until.store(until, Ordering::Relaxed);
            }
            // Read before writing: most calls succeed, and a write per call
            // would bounce the counter between cores.
            _ if slot.failures.load(Ordering::Relaxed) != 0 => {
                slot.failures.store(0, Ordering::Relaxed);
                slot.ejected_until.store(0, Ordering::Relaxed);
            }
            _ => {}
        }
    }
}

impl<C> Drop for Picked<C> {
    fn drop(&mut self) {
        self.slot.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

/// A fixed instant early in the process, so that an ejection fits in an
/// atomic integer.
fn nanos_since_epoch(instant: Instant) -> u64 {
    static EPOCH: OnceLock<Instant> = OnceLock::new();
    let epoch = *EPOCH.get_or_init(Instant::now);
    u64::try_from(instant.saturating_duration_since(epoch).as_nanos()).unwrap_or(u64::MAX)
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn balancer(
        balance: Balance,
        addresses: &[&str],
    ) -> (super::super::Publisher, Balancer<String>) {
        let (publisher, instancer) = Instancer::channel("a test registry");
        publisher.update(addresses.iter().map(|a| Instance::new(a).unwrap()));
        let balancer = Balancer::new("demo.Echo", instancer, balance, |instance| {
            instance.address().to_owned()
        });
        (publisher, balancer)
    }

    fn spread(balancer: &Balancer<String>, calls: usize) -> HashMap<String, usize> {
        let mut seen = HashMap::new();
        for _ in 0..calls {
            let picked = balancer.pick().unwrap();
            *seen.entry(picked.connection().clone()).or_default() += 1;
        }
        seen
    }

    #[test]
    fn with_no_instances_a_pick_fails_at_once_naming_service_and_source() {
        let (publisher, balancer) = balancer(Balance::default(), &[]);
        publisher.fail("connection refused");
        let error = balancer.pick().err().unwrap();
        assert_eq!(error.code(), Code::Unavailable);
        assert_eq!(
            error.message(),
            "no instances of demo.Echo in a test registry (its last update failed: connection refused)"
        );
    }

    #[test]
    fn round_robin_takes_each_in_turn() {
        let (_publisher, balancer) = balancer(Balance::RoundRobin, &["a:1", "b:1", "c:1"]);
        let seen = spread(&balancer, 300);
        assert_eq!(seen.values().copied().collect::<Vec<_>>(), [100, 100, 100]);
    }

    #[test]
    fn two_choices_spread_calls_and_avoid_busy_instances() {
        let (_publisher, balancer) = balancer(Balance::PowerOfTwoChoices, &["a:1", "b:1", "c:1"]);
        let seen = spread(&balancer, 3000);
        assert_eq!(seen.len(), 3);
        assert!(seen.values().all(|&n| n > 600), "{seen:?}");

        // Two of three busy: the idle one wins every pair it is in, two
        // pairs in three.
        let slots = balancer.current().slots.clone();
        for slot in &slots[..2] {
            slot.in_flight.store(5, Ordering::Relaxed);
        }
        let idle = slots[2].instance.address();
        let seen = spread(&balancer, 300);
        assert!(seen[idle] >= 150, "{seen:?}");
    }

    #[test]
    fn an_unavailable_instance_is_left_out_until_a_call_succeeds() {
        let (_publisher, balancer) = balancer(Balance::RoundRobin, &["a:1", "b:1"]);
        let picked = balancer.pick().unwrap();
        let failed = picked.connection().clone();
        picked.record::<()>(&Err(Error::unavailable("connection refused")));
        drop(picked);
        let seen = spread(&balancer, 10);
        assert_eq!(seen.len(), 1);
        assert!(!seen.contains_key(&failed));

        // Everything left out: all are tried rather than none.
        let other = balancer.pick().unwrap();
        other.record::<()>(&Err(Error::unavailable("connection refused")));
        drop(other);
        assert_eq!(spread(&balancer, 10).len(), 2);

        // Another code is not the instance's fault.
        let (_publisher, balancer) = self::balancer(Balance::RoundRobin, &["a:1", "b:1"]);
        let picked = balancer.pick().unwrap();
        picked.record::<()>(&Err(Error::not_found("no such order")));
        drop(picked);
        assert_eq!(spread(&balancer, 10).len(), 2);
    }

    #[test]
    fn a_changed_set_keeps_the_instances_that_stay() {
        let (publisher, balancer) = balancer(Balance::RoundRobin, &["a:1", "b:1"]);
        let held = balancer.pick().unwrap();
        let kept = Instance::new(held.connection()).unwrap();
        publisher.update([kept.clone(), Instance::new("c:1").unwrap()]);
        let seen = spread(&balancer, 10);
        assert_eq!(seen.len(), 2);
        assert!(seen.contains_key("c:1") && seen.contains_key(kept.address()));
        // The call still in flight counts on the instance that stayed.
        let slots = balancer.current().slots.clone();
        let slot = slots.iter().find(|s| s.instance == kept).unwrap();
        assert_eq!(slot.in_flight.load(Ordering::Relaxed), 1);
        drop(held);
        assert_eq!(slot.in_flight.load(Ordering::Relaxed), 0);
    }
}
