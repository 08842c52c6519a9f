-- Service groups (服务组) and the group a conversation waits for.
CREATE TABLE service_groups (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    name            TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE service_group_members (
    group_id        INTEGER NOT NULL REFERENCES service_groups(id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (group_id, user_id)
);

ALTER TABLE conversations ADD COLUMN group_id INTEGER REFERENCES service_groups(id) ON DELETE SET NULL;
