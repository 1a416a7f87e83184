//! {{ s.description }}
//!
//! [`OrderService`] below is the interface. `#[kit::service]` generates
//! [`order_service`] from it: request and response messages, endpoints,
//! an HTTP/JSON router and a gRPC server, and an HTTP and a gRPC client that
//! implement the trait. [`BasicOrderService`] (in `service.rs`) is the
//! implementation, which keeps orders in a [`Repository`]:
{%- if s.database.is_empty() %}
//! [`InMemoryRepository`] (in `repository.rs`), which forgets them when the
//! process stops; put your database behind the same trait. `main.rs`
//! serves it.
{%- else %}
//! [`SqlRepository`] (in `database.rs`), on SQLite or Postgres as
//! `DATABASE_URL` says, with the schema in `migrations/`. `main.rs` serves
//! it.
{%- endif %}
//!
//! To change the interface, edit the trait, then run `kitgen sync`: it adds
//! a stub for each new method to the implementation, touching nothing
//! else. Everything generated follows at the next build.
{% if !s.database.is_empty() %}
mod database;
{%- endif %}
mod repository;
mod service;
{% if s.database.is_empty() %}
pub use repository::InMemoryRepository;
{%- else %}
pub use database::SqlRepository;
{%- endif %}
pub use repository::{Repository, RepositoryError};
pub use service::BasicOrderService;

/// An order of a customer at a restaurant.
#[derive(Clone, Debug, PartialEq, kit::Message)]
pub struct Order {
    /// The order's id; `create` assigns one (a UUID) when it is empty.
    pub id: String,
    /// Who ordered.
    pub customer_id: String,
    /// Where the order is in its life: one of [`STATUSES`].
    pub status: String,
    /// When the order was placed, in Unix seconds; `create` sets it when
    /// it is 0.
    pub created_on: i64,
    /// The restaurant that prepares it.
    pub restaurant_id: String,
    /// What was ordered.
    pub order_items: Vec<OrderItem>,
}

/// One line of an order.
#[derive(Clone, Debug, PartialEq, kit::Message)]
pub struct OrderItem {
    /// The product's code.
    pub product_code: String,
    /// The product's name.
    pub name: String,
    /// The price of one unit.
    pub unit_price: f32,
    /// How many units.
    pub quantity: i32,
}

/// The statuses an order can have; a new order is `Pending`.
pub const STATUSES: [&str; 5] = [
    "Pending",
    "Confirmed",
    "Preparing",
    "Delivered",
    "Cancelled",
];

/// The statuses an order ends in: no change follows them.
pub const FINAL_STATUSES: [&str; 2] = ["Delivered", "Cancelled"];

/// What can go wrong with orders. Each variant names its gRPC code, which
/// also gives its HTTP status; clients get the same variant back.
#[derive(Debug, thiserror::Error, kit::Error)]
pub enum OrderError {
    /// No order has that id.
    #[error("order not found")]
    #[kit(code = NotFound)]
    NotFound,
    /// An order with that id exists already.
    #[error("order {id} already exists")]
    #[kit(code = AlreadyExists)]
    AlreadyExists {
        /// The id that is taken.
        id: String,
    },
    /// The status is not one of [`STATUSES`].
    #[error("invalid status {0:?}")]
    #[kit(code = InvalidArgument)]
    InvalidStatus(String),
    /// The order is not one that can be placed; the text says why.
    #[error("invalid order: {0}")]
    #[kit(code = InvalidArgument)]
    InvalidOrder(String),
    /// The call failed on the way: a transport error, or a method that is
    /// not implemented yet.
    #[error(transparent)]
    #[kit(transport)]
    Transport(kit::Error),
}

/// Takes and tracks orders.
#[kit::service(package = "{{ s.package }}")]
pub trait OrderService: Send + Sync + 'static {
    /// Places an order and returns its id.
    #[kit(http(post = "/orders", body = "order"))]
    async fn create(&self, ctx: &kit::Context, order: Order) -> Result<String, OrderError>;

    /// Fetches an order.
    #[kit(http(get = "/orders/{id}"), idempotent)]
    async fn get_by_id(&self, ctx: &kit::Context, id: String) -> Result<Order, OrderError>;

    /// Moves an order to another status.
    #[kit(http(put = "/orders/{id}/status"))]
    async fn change_status(
        &self,
        ctx: &kit::Context,
        id: String,
        status: String,
    ) -> Result<(), OrderError>;

    /// Streams an order as it changes: as it is now, then after each
    /// change, until it reaches one of [`FINAL_STATUSES`]. Over HTTP, ask
    /// for `text/event-stream` to get Server-Sent Events.
    #[kit(http(get = "/orders/{id}/changes"))]
    async fn watch(
        &self,
        ctx: &kit::Context,
        id: String,
    ) -> Result<kit::Stream<Order, OrderError>, OrderError>;
}
