//! [`SqlRepository`]: the orders of {{ s.name }} in SQLite or Postgres,
//! through sqlx's `Any` driver, which picks the database from the URL at
//! start-up. The SQL here and in `migrations/` is written for both.

use std::sync::Arc;
use std::time::{Duration, Instant};

use kit::middleware::Metrics;
use kit::middleware::metrics::prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use sqlx::any::{AnyPoolOptions, AnyRow};
use sqlx::error::ErrorKind;
use sqlx::migrate::Migrate;
use sqlx::{AnyConnection, AnyPool, Connection, Row};
use tokio::sync::Mutex;

use crate::{Order, OrderItem, Repository, RepositoryError};

/// The migrations in `migrations/`, compiled in.
static MIGRATOR: sqlx::migrate::Migrator = sqlx::migrate!();

/// How long a call waits for a connection from the pool: longer means that
/// the database is down, or the pool too small for the load.
const ACQUIRE_TIMEOUT: Duration = Duration::from_secs(2);

/// Orders in a SQL database, through a pool of connections. Cloning shares
/// the pool.
#[derive(Clone, Debug)]
pub struct SqlRepository {
    pool: AnyPool,
    /// How long calls waited for a connection, in seconds.
    waits: Histogram,
    /// The database's URL, for [`SqlRepository::ping`]'s connection.
    url: Arc<str>,
    /// A connection of its own for [`SqlRepository::ping`], outside the
    /// pool: a pool busy with calls is not a database that is down.
    probe: Arc<Mutex<Option<AnyConnection>>>,
}

impl SqlRepository {
    /// Connects to the database at `url` (`sqlite://orders.db?mode=rwc`,
    /// `sqlite::memory:`, `postgres://user:password@host/db`) with a pool of
    /// at most `max_connections`. Fails at once if it cannot be reached.
    pub async fn connect(url: &str, max_connections: u32) -> Result<Self, kit::Error> {
        sqlx::any::install_default_drivers();
        let options = AnyPoolOptions::new()
            .max_connections(max_connections)
            .acquire_timeout(ACQUIRE_TIMEOUT)
            .after_connect(tune);
        // An in-memory SQLite database lives as long as its connection:
        // keep exactly one.
        let options = if url.starts_with("sqlite::memory:") || url.contains("mode=memory") {
            options
                .min_connections(1)
                .max_connections(1)
                .idle_timeout(None)
                .max_lifetime(None)
        } else {
            options
        };
        let pool = options.connect(url).await.map_err(|error| {
            kit::Error::unavailable(format!(
                "cannot connect to the database at {}: {error}",
                without_password(url)
            ))
        })?;
        tracing::info!(database = %without_password(url), max_connections, "connected to the database");
        Ok(SqlRepository {
            pool,
            waits: Histogram::new(exponential_buckets(0.0001, 4.0, 10)),
            url: url.into(),
            probe: Arc::default(),
        })
    }

    /// Applies the migrations in `migrations/` that the database lacks.
    pub async fn migrate(&self) -> Result<(), kit::Error> {
        MIGRATOR
            .run(&self.pool)
            .await
            .map_err(|error| kit::Error::unavailable(format!("cannot migrate the database: {error}")))
    }

    /// Fails, naming them, if some migrations in `migrations/` are not
    /// applied: the queries here would fail on every call.
    pub async fn check_migrated(&self) -> Result<(), kit::Error> {
        let mut connection = self.pool.acquire().await.map_err(|error| {
            kit::Error::unavailable(format!("cannot reach the database: {error}"))
        })?;
        let connection: &mut AnyConnection = &mut connection;
        let applied = match connection.list_applied_migrations().await {
            Ok(applied) => applied,
            // Its table is missing, and the database answers: none applied.
            Err(_) if connection.ping().await.is_ok() => Vec::new(),
            Err(error) => {
                return Err(kit::Error::unavailable(format!(
                    "cannot read the migrations applied: {error}"
                )));
            }
        };
        let mut missing = Vec::new();
        for migration in MIGRATOR.iter() {
            let name = format!("{} ({})", migration.version, migration.description);
            match applied.iter().find(|done| done.version == migration.version) {
                Some(done) if done.checksum != migration.checksum => {
                    return Err(kit::Error::new(
                        kit::Code::FailedPrecondition,
                        format!("migration {name} was changed after it was applied: add a new one instead"),
                    ));
                }
                Some(_) => {}
                None => missing.push(name),
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        Err(kit::Error::new(
            kit::Code::FailedPrecondition,
            format!(
                "the database lacks migrations {}: start with --migrate=true, or apply migrations/ with sqlx-cli",
                missing.join(", ")
            ),
        ))
    }

    /// Succeeds when the database answers, on a connection of its own
    /// (made again after it breaks): the readiness check. Calls waiting for
    /// the pool's connections do not make it fail.
    pub async fn ping(&self) -> Result<(), kit::Error> {
        let mut probe = self.probe.lock().await;
        let answered = match probe.as_mut() {
            Some(connection) => connection.ping().await,
            None => match AnyConnection::connect(&self.url).await {
                Ok(connection) => {
                    *probe = Some(connection);
                    Ok(())
                }
                Err(error) => Err(error),
            },
        };
        answered.map_err(|error| {
            // Broken, or never made: make a new one next time.
            *probe = None;
            kit::Error::unavailable(format!("the database does not answer: {error}"))
        })
    }

    /// Adds the pool's metrics to `metrics`: connections open and in use,
    /// and how long calls waited for one.
    pub fn register_metrics(&self, metrics: &Metrics) {
        let pool = self.pool.clone();
        metrics.gauge_fn("db_pool_connections", "Connections the pool holds open", move || {
            i64::from(pool.size())
        });
        let pool = self.pool.clone();
        metrics.gauge_fn("db_pool_connections_in_use", "Connections lent to calls now", move || {
            i64::from(pool.size()) - pool.num_idle() as i64
        });
        metrics.register(
            "db_pool_acquire_seconds",
            "How long calls waited for a connection from the pool, in seconds",
            self.waits.clone(),
        );
    }

    /// Closes every connection, waiting up to `within` for those in use to
    /// come back.
    pub async fn close(&self, within: Duration) {
        if tokio::time::timeout(within, self.pool.close()).await.is_err() {
            tracing::warn!(?within, "connections still in use after the wait: closing regardless");
        }
        if let Some(probe) = self.probe.lock().await.take() {
            let _ = probe.close().await;
        }
    }

    /// A connection from the pool, timed; within the call's deadline.
    async fn connection(
        &self,
        ctx: &kit::Context,
    ) -> Result<sqlx::pool::PoolConnection<sqlx::Any>, RepositoryError> {
        let started = Instant::now();
        let acquire = self.pool.acquire();
        let acquired = match ctx.deadline() {
            Some(deadline) => tokio::time::timeout_at(deadline.into(), acquire)
                .await
                .unwrap_or(Err(sqlx::Error::PoolTimedOut)),
            None => acquire.await,
        };
        self.waits.observe(started.elapsed().as_secs_f64());
        acquired.map_err(classify)
    }
}

impl Repository for SqlRepository {
    async fn create_order(&self, ctx: &kit::Context, order: &Order) -> Result<(), RepositoryError> {
        let mut connection = self.connection(ctx).await?;
        let mut transaction = sqlx::Connection::begin(&mut *connection).await.map_err(classify)?;
        sqlx::query(
            "INSERT INTO orders (id, customer_id, status, created_on, restaurant_id)
             VALUES ($1, $2, $3, $4, $5)",
        )
        .bind(&order.id)
        .bind(&order.customer_id)
        .bind(&order.status)
        .bind(order.created_on)
        .bind(&order.restaurant_id)
        .execute(&mut *transaction)
        .await
        .map_err(|error| {
            if is_unique_violation(&error) {
                RepositoryError::AlreadyExists(order.id.clone())
            } else {
                classify(error)
            }
        })?;
        if !order.order_items.is_empty() {
            // One statement for every item: one round trip to the database.
            let sql = items_insert(order.order_items.len());
            let mut insert = sqlx::query(&sql);
            for (line, item) in (0..).zip(&order.order_items) {
                insert = insert
                    .bind(&order.id)
                    .bind(line)
                    .bind(&item.product_code)
                    .bind(&item.name)
                    .bind(f64::from(item.unit_price))
                    .bind(item.quantity);
            }
            insert.execute(&mut *transaction).await.map_err(classify)?;
        }
        transaction.commit().await.map_err(classify)
    }

    async fn get_order_by_id(&self, ctx: &kit::Context, id: &str) -> Result<Order, RepositoryError> {
        let mut connection = self.connection(ctx).await?;
        load(&mut connection, id).await
    }

    async fn change_order_status(
        &self,
        ctx: &kit::Context,
        id: &str,
        status: &str,
    ) -> Result<Order, RepositoryError> {
        let mut connection = self.connection(ctx).await?;
        let mut transaction = sqlx::Connection::begin(&mut *connection).await.map_err(classify)?;
        let changed = sqlx::query("UPDATE orders SET status = $1 WHERE id = $2")
            .bind(status)
            .bind(id)
            .execute(&mut *transaction)
            .await
            .map_err(classify)?;
        if changed.rows_affected() == 0 {
            return Err(RepositoryError::NotFound);
        }
        let order = load(&mut transaction, id).await?;
        transaction.commit().await.map_err(classify)?;
        Ok(order)
    }
}

/// Sets up a new connection: on SQLite, readers do not wait for the
/// writer, and commits wait for the disk only at checkpoints.
fn tune(
    connection: &mut AnyConnection,
    _: sqlx::pool::PoolConnectionMetadata,
) -> futures_util::future::BoxFuture<'_, Result<(), sqlx::Error>> {
    Box::pin(async move {
        if connection.backend_name() == "SQLite" {
            for pragma in ["PRAGMA journal_mode = WAL", "PRAGMA synchronous = NORMAL"] {
                sqlx::query(pragma).execute(&mut *connection).await?;
            }
        }
        Ok(())
    })
}

/// The SQL that inserts `count` items, with `$n` placeholders, which both
/// databases take. (sqlx's `QueryBuilder` writes `?` for `Any`, which
/// Postgres does not.) sqlx prepares it once per connection and count.
fn items_insert(count: usize) -> String {
    let rows: Vec<String> = (0..count)
        .map(|row| {
            let first = row * 6 + 1;
            let places: Vec<String> = (first..first + 6).map(|n| format!("${n}")).collect();
            format!("({})", places.join(", "))
        })
        .collect();
    format!(
        "INSERT INTO order_items (order_id, line, product_code, name, unit_price, quantity) VALUES {}",
        rows.join(", ")
    )
}

/// The order with `id` and its items, read on `connection` in one query.
async fn load(connection: &mut AnyConnection, id: &str) -> Result<Order, RepositoryError> {
    let rows = sqlx::query(
        "SELECT o.id, o.customer_id, o.status, o.created_on, o.restaurant_id,
                i.product_code, i.name, i.unit_price, i.quantity
         FROM orders o LEFT JOIN order_items i ON i.order_id = o.id
         WHERE o.id = $1
         ORDER BY i.line",
    )
    .bind(id)
    .fetch_all(&mut *connection)
    .await
    .map_err(classify)?;
    let first = rows.first().ok_or(RepositoryError::NotFound)?;
    let order = Order {
        id: first.try_get("id").map_err(classify)?,
        customer_id: first.try_get("customer_id").map_err(classify)?,
        status: first.try_get("status").map_err(classify)?,
        created_on: first.try_get("created_on").map_err(classify)?,
        restaurant_id: first.try_get("restaurant_id").map_err(classify)?,
        order_items: rows
            .iter()
            .filter_map(|row| item(row).transpose())
            .collect::<Result<_, _>>()
            .map_err(classify)?,
    };
    Ok(order)
}

/// The item in a row of [`load`]'s join: none for an order without items.
fn item(row: &AnyRow) -> Result<Option<OrderItem>, sqlx::Error> {
    let Some(product_code) = row.try_get("product_code")? else {
        return Ok(None);
    };
    Ok(Some(OrderItem {
        product_code,
        name: row.try_get("name")?,
        // Stored as a double, which holds every f32 exactly.
        unit_price: row.try_get::<f64, _>("unit_price")? as f32,
        quantity: row.try_get("quantity")?,
    }))
}

/// What a sqlx error means to the service.
fn classify(error: sqlx::Error) -> RepositoryError {
    match &error {
        sqlx::Error::RowNotFound => RepositoryError::NotFound,
        sqlx::Error::Database(database) => match database.kind() {
            ErrorKind::UniqueViolation
            | ErrorKind::ForeignKeyViolation
            | ErrorKind::NotNullViolation
            | ErrorKind::CheckViolation => RepositoryError::Invalid(error.into()),
            _ if database.code().is_some_and(|code| {
                let sqlite = database.try_downcast_ref::<sqlx::sqlite::SqliteError>().is_some();
                is_unavailable(&code, sqlite)
            }) =>
            {
                RepositoryError::Unavailable(error.into())
            }
            _ => RepositoryError::Failed(error.into()),
        },
        sqlx::Error::Io(_)
        | sqlx::Error::Tls(_)
        | sqlx::Error::PoolTimedOut
        | sqlx::Error::PoolClosed
        | sqlx::Error::WorkerCrashed => RepositoryError::Unavailable(error.into()),
        _ => RepositoryError::Failed(error.into()),
    }
}

/// Whether a database's error code says it cannot serve now, and trying
/// again may: Postgres's connection exceptions (class 08), shutting down or
/// starting up (57P0x), too many connections (53300), serialization failures
/// and deadlocks (40001, 40P01); SQLite's busy and locked (5 and 6, with
/// their extended codes).
fn is_unavailable(code: &str, sqlite: bool) -> bool {
    if sqlite {
        return code.parse::<i32>().is_ok_and(|code| matches!(code & 0xff, 5 | 6));
    }
    code.starts_with("08") || code.starts_with("57P0") || matches!(code, "53300" | "40001" | "40P01")
}

/// Whether `error` is a unique constraint's: the id is taken.
fn is_unique_violation(error: &sqlx::Error) -> bool {
    error
        .as_database_error()
        .is_some_and(|database| database.kind() == ErrorKind::UniqueViolation)
}

/// `url` with its password, if any, replaced: for logs and errors.
fn without_password(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut parsed) if parsed.password().is_some() => {
            let _ = parsed.set_password(Some("***"));
            parsed.to_string()
        }
        _ => url.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn repository() -> SqlRepository {
        let repository = SqlRepository::connect("sqlite::memory:", 1).await.unwrap();
        repository.migrate().await.unwrap();
        repository
    }

    fn order(id: &str, quantity: i32) -> Order {
        Order {
            id: id.to_owned(),
            customer_id: "c-1".to_owned(),
            status: "Pending".to_owned(),
            created_on: 1_700_000_000,
            restaurant_id: "r-1".to_owned(),
            order_items: vec![OrderItem {
                product_code: "p-1".to_owned(),
                name: "Pizza".to_owned(),
                unit_price: 9.99,
                quantity,
            }],
        }
    }

    #[tokio::test]
    async fn an_order_comes_back_as_it_was_stored() {
        let repository = repository().await;
        let ctx = kit::Context::new();
        repository.create_order(&ctx, &order("o-1", 2)).await.unwrap();
        assert_eq!(repository.get_order_by_id(&ctx, "o-1").await.unwrap(), order("o-1", 2));
        let changed = repository.change_order_status(&ctx, "o-1", "Delivered").await.unwrap();
        assert_eq!(changed.status, "Delivered");
        assert_eq!(changed.order_items, order("o-1", 2).order_items);
        // Items come back in their order; no items is no items.
        let mut three = order("o-2", 1);
        for name in ["Salad", "Tiramisu"] {
            three.order_items.push(OrderItem { name: name.to_owned(), ..three.order_items[0].clone() });
        }
        let empty = Order { order_items: vec![], ..order("o-3", 1) };
        for stored in [three, empty] {
            repository.create_order(&ctx, &stored).await.unwrap();
            assert_eq!(repository.get_order_by_id(&ctx, &stored.id).await.unwrap(), stored);
        }
    }

    #[tokio::test]
    async fn constraints_become_repository_errors_and_keep_nothing() {
        let repository = repository().await;
        let ctx = kit::Context::new();
        repository.create_order(&ctx, &order("o-1", 2)).await.unwrap();
        assert!(matches!(
            repository.create_order(&ctx, &order("o-1", 2)).await,
            Err(RepositoryError::AlreadyExists(id)) if id == "o-1"
        ));
        // The items' CHECK constraint, which the service checks first.
        assert!(matches!(
            repository.create_order(&ctx, &order("o-2", 0)).await,
            Err(RepositoryError::Invalid(_))
        ));
        // The transaction rolled back: no order without its items.
        assert!(matches!(
            repository.get_order_by_id(&ctx, "o-2").await,
            Err(RepositoryError::NotFound)
        ));
        assert!(matches!(
            repository.change_order_status(&ctx, "nope", "Delivered").await,
            Err(RepositoryError::NotFound)
        ));
    }

    #[test]
    fn busy_and_broken_connections_are_unavailable() {
        for code in ["5", "6", "261", "517"] {
            assert!(is_unavailable(code, true), "SQLite {code}");
        }
        for code in ["1", "19", "2067"] {
            assert!(!is_unavailable(code, true), "SQLite {code}");
        }
        for code in ["08006", "57P01", "53300", "40001", "40P01"] {
            assert!(is_unavailable(code, false), "Postgres {code}");
        }
        for code in ["23505", "42P01", "22001"] {
            assert!(!is_unavailable(code, false), "Postgres {code}");
        }
    }

    #[tokio::test]
    async fn a_closed_pool_is_unavailable() {
        let repository = repository().await;
        repository.close(Duration::from_secs(1)).await;
        let ctx = kit::Context::new();
        assert!(matches!(
            repository.get_order_by_id(&ctx, "o-1").await,
            Err(RepositoryError::Unavailable(_))
        ));
    }

    #[tokio::test]
    async fn ping_answers_on_a_connection_of_its_own() {
        let dir = std::env::temp_dir().join(format!("{{ s.name }}-ping-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let url = format!("sqlite://{}/orders.db?mode=rwc", dir.display());
        let repository = SqlRepository::connect(&url, 1).await.unwrap();
        // The pool's only connection is taken, as by a long call.
        let busy = repository.connection(&kit::Context::new()).await.unwrap();
        repository.ping().await.unwrap();
        drop(busy);
        repository.close(Duration::from_secs(1)).await;
        // No database at the URL any more (and no file may be made): a
        // ping fails, on a new connection.
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(repository.ping().await.unwrap_err().code(), kit::Code::Unavailable);
    }

    #[tokio::test]
    async fn the_pool_reports_its_connections_and_waits() {
        let repository = repository().await;
        let metrics = Metrics::new();
        repository.register_metrics(&metrics);
        let ctx = kit::Context::new();
        let connection = repository.connection(&ctx).await.unwrap();
        let text = metrics.encode();
        assert!(text.contains("db_pool_connections 1"), "{text}");
        assert!(text.contains("db_pool_connections_in_use 1"), "{text}");
        assert!(text.contains("db_pool_acquire_seconds_count 1"), "{text}");
        // A connection goes back to the pool in a task of its own.
        drop(connection);
        for _ in 0..100 {
            if metrics.encode().contains("db_pool_connections_in_use 0") {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the connection did not go back: {}", metrics.encode());
    }

    #[test]
    fn passwords_stay_out_of_logs() {
        assert_eq!(
            without_password("postgres://orders:s3cret@db:5432/orders"),
            "postgres://orders:***@db:5432/orders"
        );
        assert_eq!(without_password("sqlite://orders.db?mode=rwc"), "sqlite://orders.db?mode=rwc");
    }
}
