-- The orders of the Order service and their items, for SQLite and Postgres
-- alike. The service applies it at start-up, once; to change the schema,
-- add a migration rather than edit this one.
CREATE TABLE orders (
    id TEXT PRIMARY KEY,
    customer_id TEXT NOT NULL,
    status TEXT NOT NULL,
    created_on BIGINT NOT NULL,
    restaurant_id TEXT NOT NULL
);

CREATE TABLE order_items (
    order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
    line INTEGER NOT NULL,
    product_code TEXT NOT NULL,
    name TEXT NOT NULL,
    unit_price DOUBLE PRECISION NOT NULL,
    quantity INTEGER NOT NULL CHECK (quantity > 0),
    PRIMARY KEY (order_id, line)
);
