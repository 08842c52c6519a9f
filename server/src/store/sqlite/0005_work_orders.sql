-- Field service: work orders, their devices and engineers, step results
-- with history, and the sync log (operations applied once, in order).

CREATE TABLE work_orders (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    number          TEXT NOT NULL,
    customer        TEXT NOT NULL,
    contact         TEXT NOT NULL,
    address         TEXT NOT NULL,
    order_type      TEXT NOT NULL,
    priority        TEXT NOT NULL,
    status          TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    UNIQUE (tenant_id, number)
);

CREATE TABLE work_order_assignees (
    work_order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (work_order_id, user_id)
);
CREATE INDEX assignees_by_user ON work_order_assignees (user_id);

CREATE TABLE devices (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    work_order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    fields          TEXT NOT NULL
);
CREATE INDEX devices_by_work_order ON devices (work_order_id);

CREATE TABLE step_results (
    work_order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    device_id       INTEGER NOT NULL,
    step_id         INTEGER NOT NULL,
    value           TEXT NOT NULL,
    seq             INTEGER NOT NULL,
    PRIMARY KEY (work_order_id, device_id, step_id)
);

CREATE TABLE step_history (
    id              INTEGER PRIMARY KEY,
    work_order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    device_id       INTEGER NOT NULL,
    step_id         INTEGER NOT NULL,
    value           TEXT NOT NULL,
    replaced_by_seq INTEGER NOT NULL
);

CREATE TABLE sync_changes (
    seq             INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    work_order_id   INTEGER NOT NULL REFERENCES work_orders(id),
    op_id           TEXT NOT NULL,
    user_id         INTEGER NOT NULL,
    op              TEXT NOT NULL,
    at              INTEGER NOT NULL
);
CREATE INDEX changes_by_work_order ON sync_changes (work_order_id, seq);

CREATE TABLE sync_ops (
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    op_id           TEXT NOT NULL,
    user_id         INTEGER NOT NULL,
    outcome         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, op_id)
);
