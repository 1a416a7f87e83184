//! [`InMemoryOrderService`]: the Order service of {{ s.name }}, with orders kept
//! in memory.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard, PoisonError};

use crate::{Order, OrderError, OrderService, STATUSES};

/// Orders in a map behind a mutex. Replace the map with your database.
#[derive(Debug, Default)]
pub struct InMemoryOrderService {
    orders: Mutex<HashMap<String, Order>>,
    next_id: AtomicU64,
}

impl InMemoryOrderService {
    /// No orders yet.
    pub fn new() -> Self {
        InMemoryOrderService::default()
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
        Ok(())
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
