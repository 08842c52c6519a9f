-- Sessions like a bank's (issue 13): last activity, where a session
-- signed in from, each tenant's idle and absolute lifetimes, disabled
-- accounts, and the security event log.

ALTER TABLE sessions ADD COLUMN last_seen_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sessions ADD COLUMN client TEXT NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN user_agent TEXT NOT NULL DEFAULT '';
UPDATE sessions SET last_seen_at = created_at;
CREATE INDEX sessions_by_expiry ON sessions (expires_at);

ALTER TABLE users ADD COLUMN disabled INTEGER NOT NULL DEFAULT 0;

CREATE TABLE session_policies (
    tenant_id       INTEGER PRIMARY KEY REFERENCES tenants(id),
    idle_secs       INTEGER NOT NULL,
    max_secs        INTEGER NOT NULL
);

CREATE TABLE security_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    at              INTEGER NOT NULL,
    kind            TEXT NOT NULL,
    username        TEXT NOT NULL,
    client          TEXT NOT NULL,
    detail          TEXT NOT NULL
);
CREATE INDEX security_events_by_tenant ON security_events (tenant_id, id);
