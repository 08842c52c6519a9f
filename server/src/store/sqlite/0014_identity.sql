-- Verified visitor identity: the customer a visitor is linked to, by the
-- embedding site's signature (linked_by NULL) or by an agent; and each
-- tenant's identity secret, sealed with the server key (secret.key).

ALTER TABLE visitors ADD COLUMN customer_name TEXT;
ALTER TABLE visitors ADD COLUMN customer_external_id TEXT;
ALTER TABLE visitors ADD COLUMN linked_by INTEGER REFERENCES users(id);

CREATE TABLE identity_secrets (
    tenant_id       INTEGER PRIMARY KEY REFERENCES tenants(id),
    sealed          TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);
