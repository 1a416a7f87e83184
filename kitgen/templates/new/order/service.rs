//! [`InMemoryOrderService`]: the Order service of {{ s.name }}, with orders kept
//! in memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use tokio::sync::broadcast;

use crate::{FINAL_STATUSES, Order, OrderError, OrderService, STATUSES};

/// Orders in a map behind a mutex. Replace the map with your database.
#[derive(Debug)]
pub struct InMemoryOrderService {
    orders: Mutex<HashMap<String, Order>>,
    next_id: AtomicU64,
    /// Every order as it is after each change, for [`OrderService::watch`].
    changes: broadcast::Sender<Order>,
}

impl Default for InMemoryOrderService {
    fn default() -> Self {
        InMemoryOrderService {
            orders: Mutex::default(),
            next_id: AtomicU64::new(0),
            // A watcher more than this many changes behind skips to the
            // latest ones.
            changes: broadcast::channel(256).0,
        }
    }
}

impl InMemoryOrderService {
    /// No orders yet.
    pub fn new() -> Self {
        InMemoryOrderService::default()
    }

    /// Tells the watchers of `order` that it changed. No watchers is fine.
    fn changed(&self, order: &Order) {
        let _ = self.changes.send(order.clone());
    }

    fn orders(&self) -> MutexGuard<'_, HashMap<String, Order>> {
        // Every write below is one insert or one assignment, so a panic
        // while the lock is held cannot leave the map half-changed.
        self.orders.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

fn check_status(status: &str) -> Result<(), OrderError> {
    if STATUSES.contains(&status) {
        Ok(())
    } else {
        Err(OrderError::InvalidStatus(status.to_owned()))
    }
}

impl OrderService for InMemoryOrderService {
    async fn create(&self, _ctx: &kit::Context, mut order: Order) -> Result<String, OrderError> {
        if order.status.is_empty() {
            order.status = "Pending".to_owned();
        }
        check_status(&order.status)?;
        if order.id.is_empty() {
            let number = self.next_id.fetch_add(1, Ordering::Relaxed) + 1;
            order.id = format!("ord-{number}");
        }
        let mut orders = self.orders();
        if orders.contains_key(&order.id) {
            return Err(OrderError::AlreadyExists { id: order.id });
        }
        let id = order.id.clone();
        self.changed(&order);
        orders.insert(id.clone(), order);
        Ok(id)
    }

    async fn get_by_id(&self, _ctx: &kit::Context, id: String) -> Result<Order, OrderError> {
        self.orders().get(&id).cloned().ok_or(OrderError::NotFound)
    }

    async fn change_status(
        &self,
        _ctx: &kit::Context,
        id: String,
        status: String,
    ) -> Result<(), OrderError> {
        check_status(&status)?;
        let mut orders = self.orders();
        let order = orders.get_mut(&id).ok_or(OrderError::NotFound)?;
        order.status = status;
        self.changed(order);
        Ok(())
    }

    async fn watch(
        &self,
        ctx: &kit::Context,
        id: String,
    ) -> Result<kit::Stream<Order, OrderError>, OrderError> {
        // Subscribed before the order is read, so that no change falls
        // between the two.
        let changes = self.changes.subscribe();
        let now = self.get_by_id(ctx, id.clone()).await?;
        let watched = Watched {
            id,
            next: Some(now),
            changes,
            done: false,
        };
        Ok(kit::Stream::new(futures_util::stream::unfold(
            watched,
            Watched::next,
        )))
    }
}

/// One watcher's place in the changes of one order.
struct Watched {
    id: String,
    /// The order to send next, if it is known already.
    next: Option<Order>,
    changes: broadcast::Receiver<Order>,
    /// Whether the order reached a final status.
    done: bool,
}

impl Watched {
    async fn next(mut self) -> Option<(Result<Order, OrderError>, Self)> {
        if self.done {
            return None;
        }
        let order = match self.next.take() {
            Some(order) => order,
            None => loop {
                match self.changes.recv().await {
                    Ok(order) if order.id == self.id => break order,
                    // Another order's change, or changes this watcher was
                    // too slow to see: the next one of this order is the
                    // latest.
                    Ok(_) | Err(broadcast::error::RecvError::Lagged(_)) => {}
                    Err(broadcast::error::RecvError::Closed) => return None,
                }
            },
        };
        self.done = FINAL_STATUSES.contains(&order.status.as_str());
        Some((Ok(order), self))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn order(id: &str) -> Order {
        Order {
            id: id.to_owned(),
            customer_id: "c-1".to_owned(),
            status: String::new(),
            created_on: 1_700_000_000,
            restaurant_id: "r-1".to_owned(),
            order_items: vec![],
        }
    }

    #[tokio::test]
    async fn orders_are_created_found_and_updated() {
        let service = InMemoryOrderService::new();
        let ctx = kit::Context::new();
        let id = service.create(&ctx, order("")).await.unwrap();
        assert_eq!(id, "ord-1");
        let found = service.get_by_id(&ctx, id.clone()).await.unwrap();
        assert_eq!(found.status, "Pending");
        service
            .change_status(&ctx, id.clone(), "Delivered".to_owned())
            .await
            .unwrap();
        let found = service.get_by_id(&ctx, id).await.unwrap();
        assert_eq!(found.status, "Delivered");
    }

    #[tokio::test]
    async fn a_watcher_sees_each_change_until_a_final_status() {
        use futures_util::StreamExt;

        let service = InMemoryOrderService::new();
        let ctx = kit::Context::new();
        let id = service.create(&ctx, order("")).await.unwrap();
        let watch = service.watch(&ctx, id.clone()).await.unwrap();
        for status in ["Preparing", "Delivered"] {
            service
                .change_status(&ctx, id.clone(), status.to_owned())
                .await
                .unwrap();
        }
        let seen: Vec<String> = watch.map(|order| order.unwrap().status).collect().await;
        assert_eq!(seen, ["Pending", "Preparing", "Delivered"]);
        assert!(matches!(
            service.watch(&ctx, "nope".to_owned()).await,
            Err(OrderError::NotFound)
        ));
    }

    #[tokio::test]
    async fn bad_requests_get_business_errors() {
        let service = InMemoryOrderService::new();
        let ctx = kit::Context::new();
        service.create(&ctx, order("o-1")).await.unwrap();
        assert!(matches!(
            service.create(&ctx, order("o-1")).await,
            Err(OrderError::AlreadyExists { id }) if id == "o-1"
        ));
        assert!(matches!(
            service.get_by_id(&ctx, "nope".to_owned()).await,
            Err(OrderError::NotFound)
        ));
        assert!(matches!(
            service.change_status(&ctx, "o-1".to_owned(), "Eaten".to_owned()).await,
            Err(OrderError::InvalidStatus(status)) if status == "Eaten"
        ));
    }
}
