-- Dispatch (派单): service providers and their members, what groups and
-- providers maintain (skills, qualifications, regions), tenant regions,
-- the two kinds of rules, the settings, and each order's dispatch.
CREATE TABLE service_providers (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    name            TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

CREATE TABLE service_provider_members (
    provider_id     INTEGER NOT NULL REFERENCES service_providers(id) ON DELETE CASCADE,
    user_id         INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (provider_id, user_id)
);
CREATE INDEX provider_members_by_user ON service_provider_members (user_id);

-- kind: 'service_group' | 'service_provider'; profile: DispatchProfile JSON.
CREATE TABLE dispatch_profiles (
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    kind            TEXT NOT NULL,
    target_id       INTEGER NOT NULL,
    profile         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, kind, target_id)
);

CREATE TABLE named_regions (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    name            TEXT NOT NULL,
    region          TEXT NOT NULL,
    UNIQUE (tenant_id, name)
);

-- kind: 'skill' | 'auto'; rule: SkillRule / AutoRule JSON (its id is the row's).
CREATE TABLE dispatch_rules (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    kind            TEXT NOT NULL,
    name            TEXT NOT NULL,
    rule            TEXT NOT NULL,
    UNIQUE (tenant_id, kind, name)
);

CREATE TABLE dispatch_settings (
    tenant_id       INTEGER PRIMARY KEY REFERENCES tenants(id),
    settings        TEXT NOT NULL
);

ALTER TABLE work_orders ADD COLUMN product_category TEXT NOT NULL DEFAULT '';
ALTER TABLE work_orders ADD COLUMN target_kind TEXT;
ALTER TABLE work_orders ADD COLUMN target_id INTEGER;
ALTER TABLE work_orders ADD COLUMN lead_id INTEGER;
-- DispatchRecord JSON of the last dispatch.
ALTER TABLE work_orders ADD COLUMN dispatch TEXT;
ALTER TABLE work_orders ADD COLUMN dispatched_at INTEGER;
CREATE INDEX work_orders_by_target ON work_orders (tenant_id, target_kind, target_id);

-- Users may now be provider admins: SQLite changes a CHECK constraint by
-- rebuilding the table (references are checked before the commit).
CREATE TABLE users_new (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    username        TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL
        CHECK (role IN ('admin', 'supervisor', 'agent', 'engineer', 'provider_admin')),
    password_hash   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (tenant_id, username)
);
INSERT INTO users_new SELECT id, tenant_id, username, display_name, role, password_hash, created_at
    FROM users;
DROP TABLE users;
ALTER TABLE users_new RENAME TO users;
