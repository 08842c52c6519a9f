-- Standard operation templates, tenant device fields, and the template a
-- work order runs.
CREATE TABLE device_fields (
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    key             TEXT NOT NULL,
    field_type      TEXT NOT NULL,
    position        INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, key)
);

CREATE TABLE templates (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    name            TEXT NOT NULL,
    steps           TEXT NOT NULL,
    scan_field      TEXT,
    UNIQUE (tenant_id, name)
);

ALTER TABLE work_orders ADD COLUMN template_id INTEGER REFERENCES templates(id);
