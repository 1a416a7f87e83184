//! A service that exercises every kind of HTTP binding and the request
//! context, shared by the HTTP and gRPC end-to-end tests.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// A stocked item.
#[derive(Clone, Debug, PartialEq, kit::Message)]
pub struct Item {
    /// Its name, which JSON must give; an absent stock is 0.
    #[kit(required)]
    pub name: String,
    /// How many are in stock.
    pub stock: u32,
}

/// What goes wrong in the inventory.
#[derive(Debug, thiserror::Error, kit::Error)]
pub enum InventoryError {
    /// No item has the id.
    #[error("no item {0}")]
    #[kit(code = NotFound)]
    NoSuchItem(i64),
    /// A business error with an HTTP status of its own.
    #[error("out of coffee")]
    #[kit(code = Unavailable, http = 418)]
    OutOfCoffee,
    /// Transport failures.
    #[error(transparent)]
    #[kit(transport)]
    Transport(kit::Error),
}

/// A service that exercises every kind of binding.
#[kit::service]
pub trait Inventory: Send + Sync + 'static {
    /// GET with a path parameter.
    #[kit(http(get = "/items/{id}"))]
    async fn get(&self, ctx: &kit::Context, id: i64) -> Result<Item, InventoryError>;

    /// GET with query parameters, one optional; an absent limit is 0.
    #[kit(http(get = "/items"))]
    async fn list(
        &self,
        ctx: &kit::Context,
        prefix: Option<String>,
        limit: u32,
    ) -> Result<Vec<String>, InventoryError>;

    /// PUT with a path parameter, a whole-body parameter and a query parameter.
    #[kit(http(put = "/items/{id}", body = "item"))]
    async fn put(
        &self,
        ctx: &kit::Context,
        id: i64,
        item: Item,
        note: Option<String>,
    ) -> Result<String, InventoryError>;

    /// PATCH with a path parameter and body fields.
    #[kit(http(patch = "/items/{id}"))]
    async fn restock(
        &self,
        ctx: &kit::Context,
        id: i64,
        #[kit(required)] amount: u32,
    ) -> Result<u32, InventoryError>;

    /// DELETE with a path parameter.
    #[kit(http(delete = "/items/{id}"))]
    async fn remove(&self, ctx: &kit::Context, id: i64) -> Result<(), InventoryError>;

    /// No context, no parameters, the default binding; fails with 418.
    async fn brew(&self) -> Result<(), InventoryError>;

    /// Panics.
    async fn explode(&self, ctx: &kit::Context) -> Result<(), InventoryError>;

    /// Sleeps, and reports whether the caller gave a deadline.
    async fn nap(&self, ctx: &kit::Context, millis: u64) -> Result<bool, InventoryError>;

    /// Waits until the test calls [`Shop::release`]: a request that stays in
    /// flight for exactly as long as a test needs.
    async fn hold(&self, ctx: &kit::Context) -> Result<(), InventoryError>;

    /// The milliseconds left until the context's deadline, if it has one.
    async fn deadline_left(&self, ctx: &kit::Context) -> Result<Option<u64>, InventoryError>;

    /// What arrived in the context: request id, then the `x-tenant`,
    /// `traceparent` and `authorization` metadata, and the caller the auth
    /// layer verified ("-" when absent).
    async fn context_seen(&self, ctx: &kit::Context) -> Result<Vec<String>, InventoryError>;
}

/// The implementation: a fixed catalogue, and a flag for dropped naps.
#[derive(Debug, Default)]
pub struct Shop {
    /// Set when a `nap` future is dropped before it finishes.
    pub nap_dropped: AtomicBool,
    /// How many naps have started.
    pub naps_started: AtomicUsize,
    /// How many `hold`s are waiting.
    pub holding: AtomicUsize,
    /// Wakes the `hold`s.
    gate: tokio::sync::Notify,
}

impl Shop {
    /// Lets every `hold` return.
    pub fn release(&self) {
        self.gate.notify_waiters();
    }
}

impl Inventory for Shop {
    async fn get(&self, _ctx: &kit::Context, id: i64) -> Result<Item, InventoryError> {
        if id == 7 {
            Ok(Item {
                name: "hammer".into(),
                stock: 3,
            })
        } else {
            Err(InventoryError::NoSuchItem(id))
        }
    }

    async fn list(
        &self,
        _ctx: &kit::Context,
        prefix: Option<String>,
        limit: u32,
    ) -> Result<Vec<String>, InventoryError> {
        let names = ["hammer", "hatchet", "saw"];
        Ok(names
            .iter()
            .filter(|name| {
                prefix
                    .as_deref()
                    .is_none_or(|prefix| name.starts_with(prefix))
            })
            .take(limit as usize)
            .map(|name| (*name).to_owned())
            .collect())
    }

    async fn put(
        &self,
        _ctx: &kit::Context,
        id: i64,
        item: Item,
        note: Option<String>,
    ) -> Result<String, InventoryError> {
        Ok(format!(
            "{id}:{}:{}:{}",
            item.name,
            item.stock,
            note.unwrap_or_default()
        ))
    }

    async fn restock(
        &self,
        _ctx: &kit::Context,
        id: i64,
        amount: u32,
    ) -> Result<u32, InventoryError> {
        Ok(u32::try_from(id).unwrap_or(0) + amount)
    }

    async fn remove(&self, _ctx: &kit::Context, id: i64) -> Result<(), InventoryError> {
        if id == 7 {
            Ok(())
        } else {
            Err(InventoryError::NoSuchItem(id))
        }
    }

    async fn brew(&self) -> Result<(), InventoryError> {
        Err(InventoryError::OutOfCoffee)
    }

    async fn explode(&self, _ctx: &kit::Context) -> Result<(), InventoryError> {
        panic!("the handler exploded on purpose");
    }

    async fn nap(&self, ctx: &kit::Context, millis: u64) -> Result<bool, InventoryError> {
        struct SetOnDrop<'a>(&'a AtomicBool);
        impl Drop for SetOnDrop<'_> {
            fn drop(&mut self) {
                self.0.store(true, Ordering::SeqCst);
            }
        }
        self.naps_started.fetch_add(1, Ordering::SeqCst);
        let guard = SetOnDrop(&self.nap_dropped);
        tokio::time::sleep(Duration::from_millis(millis)).await;
        std::mem::forget(guard);
        Ok(ctx.deadline().is_some())
    }

    async fn hold(&self, _ctx: &kit::Context) -> Result<(), InventoryError> {
        let released = self.gate.notified();
        self.holding.fetch_add(1, Ordering::SeqCst);
        released.await;
        Ok(())
    }

    async fn deadline_left(&self, ctx: &kit::Context) -> Result<Option<u64>, InventoryError> {
        Ok(ctx
            .remaining()
            .map(|left| u64::try_from(left.as_millis()).unwrap_or(u64::MAX)))
    }

    async fn context_seen(&self, ctx: &kit::Context) -> Result<Vec<String>, InventoryError> {
        let header = |name: &str| {
            ctx.metadata()
                .get(name)
                .and_then(|value| value.to_str().ok())
                .unwrap_or("-")
                .to_owned()
        };
        Ok(vec![
            ctx.request_id().to_owned(),
            header("x-tenant"),
            header("traceparent"),
            header("authorization"),
            ctx.caller()
                .map_or("-", kit::middleware::Identity::name)
                .to_owned(),
        ])
    }
}
