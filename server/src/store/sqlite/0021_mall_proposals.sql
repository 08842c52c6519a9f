-- Parts proposals: the cart an engineer prepares on site for a work
-- order's device and sends the customer (by email address). The
-- customer's checkout of it approves it, in the order's transaction.

CREATE TABLE mall_proposals (
    id             INTEGER PRIMARY KEY,
    tenant_id      INTEGER NOT NULL REFERENCES tenants(id),
    work_order_id  INTEGER NOT NULL REFERENCES work_orders(id),
    device_id      INTEGER NOT NULL,
    email          TEXT NOT NULL,        -- normalized
    lines          TEXT NOT NULL,        -- JSON [ProposedItem]
    note           TEXT NOT NULL,
    status         TEXT NOT NULL,
    order_id       INTEGER REFERENCES mall_orders(id),
    sent_by        INTEGER NOT NULL REFERENCES users(id),
    idem_key       TEXT NOT NULL,
    fingerprint    TEXT NOT NULL,
    created_at     INTEGER NOT NULL,
    decided_at     INTEGER,
    UNIQUE (tenant_id, sent_by, idem_key)
);
CREATE INDEX mall_proposals_by_work_order ON mall_proposals (tenant_id, work_order_id);
CREATE INDEX mall_proposals_by_email ON mall_proposals (tenant_id, email, id);
