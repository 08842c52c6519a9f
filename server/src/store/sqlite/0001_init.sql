CREATE TABLE tenants (
    id              INTEGER PRIMARY KEY,
    slug            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    workbench_name  TEXT NOT NULL,
    default_locale  TEXT NOT NULL DEFAULT 'zh-CN',
    created_at      INTEGER NOT NULL
);

CREATE TABLE users (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    username        TEXT NOT NULL,
    display_name    TEXT NOT NULL,
    role            TEXT NOT NULL CHECK (role IN ('admin', 'supervisor', 'agent', 'engineer')),
    password_hash   TEXT NOT NULL,
    created_at      INTEGER NOT NULL,
    UNIQUE (tenant_id, username)
);

CREATE TABLE sessions (
    token_hash      TEXT PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    user_id         INTEGER NOT NULL REFERENCES users(id),
    created_at      INTEGER NOT NULL,
    expires_at      INTEGER NOT NULL,
    revoked_at      INTEGER
);
CREATE INDEX sessions_by_user ON sessions (tenant_id, user_id);
