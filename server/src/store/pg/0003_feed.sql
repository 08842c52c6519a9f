-- The change feed: what clients must see, per tenant, numbered in commit
-- order. A writer takes the next number by updating its tenant's head
-- row, which it holds locked until it commits: number N+1 cannot exist
-- before N is committed, so a reader that has seen N+1 has seen every
-- earlier one (no gaps, whatever the concurrency). The row is appended in
-- the writer's transaction; `pg_notify` (sent at commit) wakes the other
-- replicas, who read the rows after the last number they saw.
CREATE TABLE feed_heads (
    tenant_id   BIGINT PRIMARY KEY REFERENCES tenants(id),
    seq         BIGINT NOT NULL
);

CREATE TABLE feed (
    tenant_id   BIGINT NOT NULL REFERENCES tenants(id),
    seq         BIGINT NOT NULL,
    event       TEXT NOT NULL,
    at          BIGINT NOT NULL,
    PRIMARY KEY (tenant_id, seq)
);
