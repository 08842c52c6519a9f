-- The parts mall: catalog, price lists, stock per location, customer
-- accounts, orders with their events, payments, shipments, idempotency
-- keys and the mall's own mail (codes, order updates).

CREATE TABLE mall_settings (
    tenant_id       INTEGER PRIMARY KEY REFERENCES tenants(id),
    enabled         INTEGER NOT NULL DEFAULT 0,
    currency        TEXT NOT NULL DEFAULT 'CNY',
    mailbox_id      INTEGER,             -- no foreign key: a deleted mailbox is only marked
    payment_methods TEXT NOT NULL DEFAULT '["manual"]',
    webhook_secret  TEXT                 -- sealed with the server key
);

CREATE TABLE mall_items (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    sku         TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('part', 'service')),
    name        TEXT NOT NULL,           -- JSON LocalizedText
    description TEXT NOT NULL,
    original    INTEGER NOT NULL,
    unit        TEXT NOT NULL,
    category    TEXT NOT NULL,
    photos      TEXT NOT NULL,           -- JSON [sha256]
    models      TEXT NOT NULL,           -- JSON [model]
    list_price  INTEGER NOT NULL CHECK (list_price >= 0),
    currency    TEXT NOT NULL,
    enabled     INTEGER NOT NULL,
    updated_at  INTEGER NOT NULL,
    UNIQUE (tenant_id, sku COLLATE NOCASE)
);
CREATE INDEX mall_items_by_category ON mall_items (tenant_id, category);
-- One row per (item, model key): "the parts for this device".
CREATE TABLE mall_item_models (
    tenant_id INTEGER NOT NULL,
    model_key TEXT NOT NULL,
    item_id   INTEGER NOT NULL REFERENCES mall_items(id),
    PRIMARY KEY (tenant_id, model_key, item_id)
) WITHOUT ROWID;
CREATE INDEX mall_item_models_by_item ON mall_item_models (item_id);
-- Terms from fieldesk_core::mall::catalog::ItemBody::search_terms; rowid = item id.
CREATE VIRTUAL TABLE mall_items_fts USING fts5(terms, tokenize = 'unicode61');

CREATE TABLE mall_price_lists (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    name        TEXT NOT NULL,
    audience    TEXT NOT NULL,           -- 'customers' | 'provider:<tier>'
    currency    TEXT NOT NULL,
    valid_from  INTEGER,
    valid_until INTEGER,
    prices      TEXT NOT NULL            -- JSON {item id: minor}
);
CREATE INDEX mall_price_lists_by_audience ON mall_price_lists (tenant_id, audience);

CREATE TABLE mall_provider_tiers (
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    provider_id INTEGER NOT NULL REFERENCES service_providers(id),
    tier        TEXT NOT NULL,
    PRIMARY KEY (tenant_id, provider_id)
);

CREATE TABLE mall_locations (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    name        TEXT NOT NULL,
    kind        TEXT NOT NULL CHECK (kind IN ('warehouse', 'depot')),
    provider_id INTEGER REFERENCES service_providers(id),
    ships       INTEGER NOT NULL DEFAULT 0,
    UNIQUE (tenant_id, name)
);

-- Never below zero, never more reserved than on hand, whatever the
-- concurrency: the database refuses it.
CREATE TABLE mall_stock (
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    item_id     INTEGER NOT NULL REFERENCES mall_items(id),
    location_id INTEGER NOT NULL REFERENCES mall_locations(id),
    on_hand     INTEGER NOT NULL CHECK (on_hand >= 0),
    reserved    INTEGER NOT NULL DEFAULT 0 CHECK (reserved >= 0 AND reserved <= on_hand),
    PRIMARY KEY (item_id, location_id)
);

CREATE TABLE mall_customers (
    id            INTEGER PRIMARY KEY,
    tenant_id     INTEGER NOT NULL REFERENCES tenants(id),
    email         TEXT NOT NULL,
    name          TEXT NOT NULL,
    locale        TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    verified_at   INTEGER,
    created_at    INTEGER NOT NULL,
    UNIQUE (tenant_id, email)
);
-- The customer's email code: only its SHA-256, spent after a few wrong tries.
CREATE TABLE mall_codes (
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    customer_id INTEGER NOT NULL REFERENCES mall_customers(id),
    code_hash   TEXT NOT NULL,
    expires_at  INTEGER NOT NULL,
    attempts    INTEGER NOT NULL DEFAULT 0,
    sent_at     INTEGER NOT NULL
);
CREATE INDEX mall_codes_by_customer ON mall_codes (customer_id, sent_at);
CREATE TABLE mall_customer_sessions (
    token_hash  TEXT PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    customer_id INTEGER NOT NULL REFERENCES mall_customers(id),
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    revoked_at  INTEGER
);

CREATE TABLE mall_orders (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
    customer_id    INTEGER REFERENCES mall_customers(id),
    provider_id    INTEGER REFERENCES service_providers(id),
    user_id        INTEGER REFERENCES users(id),
    status         TEXT NOT NULL,
    currency       TEXT NOT NULL,
    total          INTEGER NOT NULL,
    delivery       TEXT NOT NULL,        -- JSON Delivery
    reserved_until INTEGER,
    work_order_id  INTEGER,
    device_id      INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL,
    CHECK ((customer_id IS NULL) <> (provider_id IS NULL))
);
CREATE INDEX mall_orders_by_customer ON mall_orders (tenant_id, customer_id, id);
CREATE INDEX mall_orders_by_provider ON mall_orders (tenant_id, provider_id, id);
CREATE INDEX mall_orders_unpaid ON mall_orders (reserved_until) WHERE status = 'pending_payment';
CREATE INDEX mall_orders_by_work_order ON mall_orders (tenant_id, work_order_id);

CREATE TABLE mall_order_lines (
    order_id   INTEGER NOT NULL REFERENCES mall_orders(id),
    item_id    INTEGER NOT NULL REFERENCES mall_items(id),
    sku        TEXT NOT NULL,
    name       TEXT NOT NULL,            -- JSON LocalizedText, as bought
    quantity   INTEGER NOT NULL CHECK (quantity > 0),
    unit_price INTEGER NOT NULL,
    list_price INTEGER NOT NULL,
    total      INTEGER NOT NULL,
    shipped    INTEGER NOT NULL DEFAULT 0 CHECK (shipped >= 0 AND shipped <= quantity),
    PRIMARY KEY (order_id, item_id)
);

-- What an order holds of a part at a location (`held`), and what of it
-- left with a shipment (`shipped`, restocked on a return).
CREATE TABLE mall_reservations (
    order_id    INTEGER NOT NULL REFERENCES mall_orders(id),
    item_id     INTEGER NOT NULL,
    location_id INTEGER NOT NULL,
    held        INTEGER NOT NULL CHECK (held >= 0),
    shipped     INTEGER NOT NULL DEFAULT 0 CHECK (shipped >= 0),
    PRIMARY KEY (order_id, item_id, location_id),
    FOREIGN KEY (item_id, location_id) REFERENCES mall_stock(item_id, location_id)
);

CREATE TABLE mall_payments (
    order_id   INTEGER PRIMARY KEY REFERENCES mall_orders(id),
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
    method     TEXT NOT NULL,
    status     TEXT NOT NULL,
    amount     INTEGER NOT NULL,
    reference  TEXT NOT NULL UNIQUE,
    updated_at INTEGER NOT NULL
);

CREATE TABLE mall_shipments (
    id         INTEGER PRIMARY KEY,
    tenant_id  INTEGER NOT NULL REFERENCES tenants(id),
    order_id   INTEGER NOT NULL REFERENCES mall_orders(id),
    carrier    TEXT NOT NULL,
    tracking   TEXT NOT NULL,
    url        TEXT,
    status     TEXT NOT NULL,
    lines      TEXT NOT NULL,            -- JSON {item id: units}
    shipped_at INTEGER NOT NULL
);
CREATE INDEX mall_shipments_by_order ON mall_shipments (order_id);

CREATE TABLE mall_order_events (
    id       INTEGER PRIMARY KEY,
    order_id INTEGER NOT NULL REFERENCES mall_orders(id),
    at       INTEGER NOT NULL,
    what     TEXT NOT NULL,
    status   TEXT NOT NULL,
    detail   TEXT
);
CREATE INDEX mall_order_events_by_order ON mall_order_events (order_id, id);

-- A checkout's Idempotency-Key: per buyer, with the body's fingerprint.
CREATE TABLE mall_idempotency (
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    buyer       TEXT NOT NULL,           -- 'c:<customer>' | 'p:<provider>:<user>'
    key         TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    order_id    INTEGER NOT NULL REFERENCES mall_orders(id),
    created_at  INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, buyer, key)
);

-- The mall's own mail: sign-up codes, order updates. Sent by the mail
-- service's sender, retried like conversation mail.
CREATE TABLE mall_mail (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    mailbox_id      INTEGER NOT NULL,
    client_key      TEXT NOT NULL,
    envelope_from   TEXT NOT NULL,
    recipients      TEXT NOT NULL,       -- JSON [address]
    raw             BLOB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    detail          TEXT,
    sent_at         INTEGER,
    UNIQUE (tenant_id, client_key)
);
CREATE INDEX mall_mail_due ON mall_mail (status, next_attempt_at);
