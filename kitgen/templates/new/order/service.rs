//! [`BasicOrderService`]: the Order service of {{ s.name }}, over a
//! [`Repository`]. It checks what callers send, assigns ids, keeps
//! watchers informed, and turns the repository's failures into
//! [`OrderError`]s, logging what callers are not told.

use std::time::{SystemTime, UNIX_EPOCH};

use tokio::sync::{Mutex, broadcast};

use crate::{FINAL_STATUSES, Order, OrderError, OrderService, Repository, RepositoryError, STATUSES};

/// The Order service, with its orders in `R`.
#[derive(Debug)]
pub struct BasicOrderService<R> {
    repository: R,
    /// Every order as it is after each change of status made here, for
    /// [`OrderService::watch`].
    changes: broadcast::Sender<Order>,
    /// Held from a change of status until it is told to the watchers, so
    /// that they hear the changes in the order they were made.
    changing: Mutex<()>,
}

impl<R: Repository> BasicOrderService<R> {
    /// The service, keeping its orders in `repository`.
    pub fn new(repository: R) -> Self {
        BasicOrderService {
            repository,
            // A watcher more than this many changes behind skips to the
            // latest ones.
            changes: broadcast::channel(256).0,
            changing: Mutex::new(()),
        }
    }

    /// Tells the watchers of `order` that it changed. No watchers is fine.
    fn changed(&self, order: &Order) {
        let _ = self.changes.send(order.clone());
    }
}

/// The caller's view of a repository failure in `method`. What the caller
/// is not told (the database's own words) is logged here, inside the
/// request's span, which carries its request id.
fn failed(method: &'static str, error: RepositoryError) -> OrderError {
    match error {
        RepositoryError::NotFound => OrderError::NotFound,
        RepositoryError::AlreadyExists(id) => OrderError::AlreadyExists { id },
        RepositoryError::Invalid(source) => {
            tracing::warn!(method, error = %source, "the repository refused the order");
            OrderError::InvalidOrder("the order breaks a rule of the order store".to_owned())
        }
        RepositoryError::Unavailable(source) => {
            tracing::error!(method, error = %source, "the repository is unavailable");
            OrderError::Transport(kit::Error::unavailable("the order store is unavailable"))
        }
        RepositoryError::Failed(source) => {
            tracing::error!(method, error = %source, "the repository failed");
            OrderError::Transport(kit::Error::internal("the order store failed"))
        }
    }
}

fn check_status(status: &str) -> Result<(), OrderError> {
    if STATUSES.contains(&status) {
        Ok(())
    } else {
        Err(OrderError::InvalidStatus(status.to_owned()))
    }
}

/// The most items an order can have.
const MAX_ITEMS: usize = 1000;

/// Whether `order` can be placed: who and where are said, and each item
/// names a product and at least one of it.
fn check_order(order: &Order) -> Result<(), OrderError> {
    let invalid = |why: String| Err(OrderError::InvalidOrder(why));
    if order.order_items.len() > MAX_ITEMS {
        return invalid(format!(
            "{} items; an order has at most {MAX_ITEMS}",
            order.order_items.len()
        ));
    }
    if order.customer_id.is_empty() {
        return invalid("customer_id is empty".to_owned());
    }
    if order.restaurant_id.is_empty() {
        return invalid("restaurant_id is empty".to_owned());
    }
    for (line, item) in order.order_items.iter().enumerate() {
        if item.product_code.is_empty() {
            return invalid(format!("item {line} has no product_code"));
        }
        if item.quantity < 1 {
            return invalid(format!("item {line} has quantity {}; at least 1 is needed", item.quantity));
        }
        if !item.unit_price.is_finite() || item.unit_price < 0.0 {
            return invalid(format!("item {line} has unit_price {}", item.unit_price));
        }
    }
    check_status(&order.status)
}

impl<R: Repository> OrderService for BasicOrderService<R> {
    async fn create(&self, ctx: &kit::Context, mut order: Order) -> Result<String, OrderError> {
        if order.status.is_empty() {
            order.status = "Pending".to_owned();
        }
        check_order(&order)?;
        if order.id.is_empty() {
            order.id = uuid::Uuid::new_v4().to_string();
        }
        if order.created_on == 0 {
            order.created_on = SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .map_or(0, |since| since.as_secs() as i64);
        }
        // No one can watch an order before it exists: nothing to tell.
        self.repository
            .create_order(ctx, &order)
            .await
            .map_err(|error| failed("create", error))?;
        Ok(order.id)
    }

    async fn get_by_id(&self, ctx: &kit::Context, id: String) -> Result<Order, OrderError> {
        self.repository
            .get_order_by_id(ctx, &id)
            .await
            .map_err(|error| failed("get_by_id", error))
    }

    async fn change_status(
        &self,
        ctx: &kit::Context,
        id: String,
        status: String,
    ) -> Result<(), OrderError> {
        check_status(&status)?;
        let _changing = self.changing.lock().await;
        let order = self
            .repository
            .change_order_status(ctx, &id, &status)
            .await
            .map_err(|error| failed("change_status", error))?;
        self.changed(&order);
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
    use crate::OrderItem;
{%- if s.database.is_empty() %}
    use crate::InMemoryRepository;

    async fn service() -> BasicOrderService<InMemoryRepository> {
        BasicOrderService::new(InMemoryRepository::new())
    }
{%- else %}
    use crate::SqlRepository;

    /// The service on SQLite in memory, with the migrations applied.
    async fn service() -> BasicOrderService<SqlRepository> {
        let repository = SqlRepository::connect("sqlite::memory:", 1).await.unwrap();
        repository.migrate().await.unwrap();
        BasicOrderService::new(repository)
    }
{%- endif %}

    fn order(id: &str) -> Order {
        Order {
            id: id.to_owned(),
            customer_id: "c-1".to_owned(),
            status: String::new(),
            created_on: 1_700_000_000,
            restaurant_id: "r-1".to_owned(),
            order_items: vec![OrderItem {
                product_code: "p-1".to_owned(),
                name: "Pizza".to_owned(),
                unit_price: 9.5,
                quantity: 2,
            }],
        }
    }

    #[tokio::test]
    async fn orders_are_created_found_and_updated() {
        let service = service().await;
        let ctx = kit::Context::new();
        let id = service.create(&ctx, order("")).await.unwrap();
        assert!(uuid::Uuid::parse_str(&id).is_ok(), "{id}");
        let found = service.get_by_id(&ctx, id.clone()).await.unwrap();
        assert_eq!(found, Order { id: id.clone(), status: "Pending".to_owned(), ..order("") });
        service
            .change_status(&ctx, id.clone(), "Delivered".to_owned())
            .await
            .unwrap();
        let found = service.get_by_id(&ctx, id).await.unwrap();
        assert_eq!(found.status, "Delivered");
    }

    #[tokio::test]
    async fn a_new_order_gets_the_time_it_was_placed() {
        let service = service().await;
        let ctx = kit::Context::new();
        let before = SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs() as i64;
        let id = service.create(&ctx, Order { created_on: 0, ..order("") }).await.unwrap();
        let placed = service.get_by_id(&ctx, id).await.unwrap().created_on;
        assert!(placed >= before && placed <= before + 60, "{placed}");
    }

    #[tokio::test]
    async fn a_watcher_sees_each_change_until_a_final_status() {
        use futures_util::StreamExt;

        let service = service().await;
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
        let service = service().await;
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
            service.change_status(&ctx, "nope".to_owned(), "Delivered".to_owned()).await,
            Err(OrderError::NotFound)
        ));
        assert!(matches!(
            service.change_status(&ctx, "o-1".to_owned(), "Eaten".to_owned()).await,
            Err(OrderError::InvalidStatus(status)) if status == "Eaten"
        ));
        let mut none_of_it = order("o-2");
        none_of_it.order_items[0].quantity = 0;
        assert!(matches!(
            service.create(&ctx, none_of_it).await,
            Err(OrderError::InvalidOrder(why)) if why.contains("quantity 0")
        ));
        assert!(matches!(
            service.get_by_id(&ctx, "o-2".to_owned()).await,
            Err(OrderError::NotFound)
        ));
        let mut too_many = order("o-3");
        too_many.order_items = vec![too_many.order_items[0].clone(); MAX_ITEMS + 1];
        assert!(matches!(
            service.create(&ctx, too_many).await,
            Err(OrderError::InvalidOrder(why)) if why.contains("at most 1000")
        ));
    }
}
