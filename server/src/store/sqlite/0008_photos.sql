-- Photos and signatures of step results: images stored once per tenant
-- under the SHA-256 of their bytes (uploads are idempotent).
CREATE TABLE photos (
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    id              TEXT NOT NULL,
    content_type    TEXT NOT NULL,
    bytes           BLOB NOT NULL,
    uploaded_by     INTEGER NOT NULL,
    at              INTEGER NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
