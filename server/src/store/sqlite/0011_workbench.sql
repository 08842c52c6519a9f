-- Workbench layouts (工作台布局), who sees them, and quick replies (快捷回复).
CREATE TABLE workbench_layouts (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    name            TEXT NOT NULL,
    workbench_name  TEXT NOT NULL,
    buttons         TEXT NOT NULL,   -- JSON [core::layout::Button]
    panels          TEXT NOT NULL,   -- JSON [core::layout::Panel]
    UNIQUE (tenant_id, name)
);

-- '' stands for "any role" / "any channel".
CREATE TABLE layout_assignments (
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    app             TEXT NOT NULL,
    role            TEXT NOT NULL DEFAULT '',
    channel         TEXT NOT NULL DEFAULT '',
    layout_id       INTEGER NOT NULL REFERENCES workbench_layouts(id) ON DELETE CASCADE,
    PRIMARY KEY (tenant_id, app, role, channel)
);

-- owner_id NULL: the enterprise's; else the agent's own.
CREATE TABLE quick_reply_groups (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    owner_id        INTEGER REFERENCES users(id),
    name            TEXT NOT NULL
);
CREATE UNIQUE INDEX quick_reply_group_names
    ON quick_reply_groups (tenant_id, IFNULL(owner_id, 0), name);

CREATE TABLE quick_replies (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    owner_id        INTEGER REFERENCES users(id),
    group_id        INTEGER REFERENCES quick_reply_groups(id) ON DELETE SET NULL,
    title           TEXT NOT NULL,
    shortcut        TEXT NOT NULL DEFAULT '',
    content         TEXT NOT NULL,
    space           TEXT,
    position        INTEGER NOT NULL DEFAULT 0,
    client_id       TEXT
);
CREATE INDEX quick_replies_by_owner ON quick_replies (tenant_id, owner_id);
CREATE UNIQUE INDEX quick_reply_client_ids
    ON quick_replies (tenant_id, IFNULL(owner_id, 0), client_id) WHERE client_id IS NOT NULL;

-- The channels quick replies are on in (JSON [core::layout::Channel]).
CREATE TABLE workbench_settings (
    tenant_id            INTEGER PRIMARY KEY REFERENCES tenants(id),
    quick_reply_channels TEXT NOT NULL
);
