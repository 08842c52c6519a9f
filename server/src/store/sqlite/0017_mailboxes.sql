-- Service mailboxes (issue 16). Passwords are sealed by the server key
-- (secret_box: never in the clear here, never returned by the API). A
-- deleted mailbox keeps its row for the mail it received; its address
-- may be set up again.
CREATE TABLE mailboxes (
    id                INTEGER PRIMARY KEY,
    tenant_id         INTEGER NOT NULL REFERENCES tenants(id),
    address           TEXT NOT NULL,
    display_name      TEXT NOT NULL,
    aliases           TEXT NOT NULL DEFAULT '[]',   -- JSON [address]
    smtp_host         TEXT NOT NULL,
    smtp_port         INTEGER NOT NULL,
    smtp_security     TEXT NOT NULL CHECK (smtp_security IN ('starttls', 'tls', 'none')),
    smtp_user         TEXT NOT NULL,
    smtp_password     TEXT NOT NULL,                -- sealed
    imap_host         TEXT NOT NULL,
    imap_port         INTEGER NOT NULL,
    imap_security     TEXT NOT NULL CHECK (imap_security IN ('starttls', 'tls', 'none')),
    imap_user         TEXT NOT NULL,
    imap_password     TEXT NOT NULL,                -- sealed
    imap_folder       TEXT NOT NULL,
    max_message_bytes INTEGER NOT NULL,
    group_ids         TEXT NOT NULL DEFAULT '[]',   -- JSON [group id]
    enabled           INTEGER NOT NULL DEFAULT 1,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL,
    deleted_at        INTEGER
);
CREATE UNIQUE INDEX mailboxes_address ON mailboxes (tenant_id, address) WHERE deleted_at IS NULL;
