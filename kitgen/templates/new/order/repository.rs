//! [`Repository`]: where the Order service keeps its orders, and what can
//! go wrong there.
{%- if s.database.is_empty() %} [`InMemoryRepository`] keeps them in memory.
{%- else %} `database.rs` keeps them in SQL.
{%- endif %}

use std::future::Future;
{%- if s.database.is_empty() %}
use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
{%- endif %}

use crate::Order;

/// Stores orders. The service checks what it is given; a repository
/// only keeps it, and says what went wrong in [`RepositoryError`]'s terms.
pub trait Repository: Send + Sync + 'static {
    /// Stores a new order: [`RepositoryError::AlreadyExists`] when its id
    /// is taken.
    fn create_order(
        &self,
        ctx: &kit::Context,
        order: &Order,
    ) -> impl Future<Output = Result<(), RepositoryError>> + Send;

    /// The order with `id`: [`RepositoryError::NotFound`] when there is
    /// none.
    fn get_order_by_id(
        &self,
        ctx: &kit::Context,
        id: &str,
    ) -> impl Future<Output = Result<Order, RepositoryError>> + Send;

    /// Sets the status of the order with `id`, and returns the order as it
    /// is then: [`RepositoryError::NotFound`] when there is none.
    fn change_order_status(
        &self,
        ctx: &kit::Context,
        id: &str,
        status: &str,
    ) -> impl Future<Output = Result<Order, RepositoryError>> + Send;
}

/// What can go wrong in a [`Repository`]. The service turns each into an
/// `OrderError` for the caller, and logs what the caller is not told.
#[derive(Debug, thiserror::Error)]
pub enum RepositoryError {
    /// No order has the id.
    #[error("no order has that id")]
    NotFound,
    /// An order with the id exists already.
    #[error("an order with id {0:?} exists already")]
    AlreadyExists(String),
    /// The store refused the order: it breaks one of its rules (a
    /// constraint).
    #[error("the order breaks a rule of the store: {0}")]
    Invalid(#[source] kit::BoxError),
    /// The store cannot be reached now; trying again later may work.
    #[error("the store is unavailable: {0}")]
    Unavailable(#[source] kit::BoxError),
    /// Anything else.
    #[error("the store failed: {0}")]
    Failed(#[source] kit::BoxError),
}
{%- if s.database.is_empty() %}

/// Orders in a map behind a mutex, gone when the process stops. Replace it
/// with a database: `kitgen new --database sqlite` shows one.
#[derive(Debug, Default)]
pub struct InMemoryRepository {
    orders: Mutex<HashMap<String, Order>>,
}

impl InMemoryRepository {
    /// No orders yet.
    pub fn new() -> Self {
        InMemoryRepository::default()
    }

    fn orders(&self) -> MutexGuard<'_, HashMap<String, Order>> {
        // Every write below is one insert or one assignment, so a panic
        // while the lock is held cannot leave the map half-changed.
        self.orders.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Repository for InMemoryRepository {
    async fn create_order(&self, _ctx: &kit::Context, order: &Order) -> Result<(), RepositoryError> {
        let mut orders = self.orders();
        if orders.contains_key(&order.id) {
            return Err(RepositoryError::AlreadyExists(order.id.clone()));
        }
        orders.insert(order.id.clone(), order.clone());
        Ok(())
    }

    async fn get_order_by_id(&self, _ctx: &kit::Context, id: &str) -> Result<Order, RepositoryError> {
        self.orders().get(id).cloned().ok_or(RepositoryError::NotFound)
    }

    async fn change_order_status(
        &self,
        _ctx: &kit::Context,
        id: &str,
        status: &str,
    ) -> Result<Order, RepositoryError> {
        let mut orders = self.orders();
        let order = orders.get_mut(id).ok_or(RepositoryError::NotFound)?;
        status.clone_into(&mut order.status);
        Ok(order.clone())
    }
}
{%- endif %}
