-- The email channel's conversations and mail (issue 16). An email
-- conversation has one contact (a visitors row per address, its
-- token_hash 'mail:' || hash, never a real token), belongs to a mailbox,
-- and may be linked to the first conversation of its thread.
ALTER TABLE conversations ADD COLUMN channel TEXT NOT NULL DEFAULT 'web_chat'
    CHECK (channel IN ('web_chat', 'email'));
ALTER TABLE conversations ADD COLUMN mailbox_id INTEGER REFERENCES mailboxes(id);
ALTER TABLE conversations ADD COLUMN subject TEXT;
ALTER TABLE conversations ADD COLUMN linked_to INTEGER REFERENCES conversations(id);

-- Each tenant's key for reply tokens and Message-IDs, sealed.
CREATE TABLE mail_keys (
    tenant_id   INTEGER PRIMARY KEY REFERENCES tenants(id),
    sealed      TEXT NOT NULL,
    created_at  INTEGER NOT NULL
);

-- How far each mailbox's folder has been read: (UIDVALIDITY, last UID).
CREATE TABLE mail_positions (
    mailbox_id   INTEGER NOT NULL REFERENCES mailboxes(id),
    folder       TEXT NOT NULL,
    uid_validity INTEGER NOT NULL,
    last_uid     INTEGER NOT NULL,
    PRIMARY KEY (mailbox_id, folder)
);

-- Each raw mail once per mailbox: by Message-ID, else by its SHA-256.
CREATE TABLE mail_raw (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id),
    dedup_key   TEXT NOT NULL,
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    raw         BLOB,                 -- NULL: over the mailbox's limit, not fetched
    received_at INTEGER NOT NULL,
    UNIQUE (mailbox_id, dedup_key)
);

-- The mail side of a message of an email conversation.
CREATE TABLE mail_messages (
    message_id      INTEGER PRIMARY KEY REFERENCES messages(id),
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    raw_id          INTEGER REFERENCES mail_raw(id),
    direction       TEXT NOT NULL CHECK (direction IN ('in', 'out')),
    header_id       TEXT,             -- its Message-ID, cleaned
    from_address    TEXT NOT NULL,
    from_name       TEXT,
    to_addresses    TEXT NOT NULL DEFAULT '[]',
    cc_addresses    TEXT NOT NULL DEFAULT '[]',
    subject         TEXT NOT NULL,
    html            TEXT,             -- sanitized
    origin          TEXT NOT NULL DEFAULT 'person' CHECK (origin IN ('person', 'auto_reply', 'bounce')),
    too_large       INTEGER           -- its size, when not imported
);
CREATE INDEX mail_messages_by_header ON mail_messages (tenant_id, header_id);

-- Every address on an email conversation's mails but ours.
CREATE TABLE mail_participants (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    address         TEXT NOT NULL,
    PRIMARY KEY (conversation_id, address)
);

-- Attachments by content hash, once per tenant.
CREATE TABLE mail_attachments (
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    sha256      TEXT NOT NULL,
    size        INTEGER NOT NULL,
    content     BLOB NOT NULL,
    PRIMARY KEY (tenant_id, sha256)
);
CREATE TABLE mail_message_attachments (
    message_id   INTEGER NOT NULL REFERENCES messages(id),
    sha256       TEXT NOT NULL,
    filename     TEXT NOT NULL,
    content_type TEXT NOT NULL,
    content_id   TEXT,
    size         INTEGER NOT NULL
);
CREATE INDEX mail_message_attachments_by_message ON mail_message_attachments (message_id);

-- Mail that could not be read: admins see it and retry it.
CREATE TABLE mail_quarantine (
    id          INTEGER PRIMARY KEY,
    tenant_id   INTEGER NOT NULL REFERENCES tenants(id),
    mailbox_id  INTEGER NOT NULL REFERENCES mailboxes(id),
    raw_id      INTEGER NOT NULL REFERENCES mail_raw(id),
    error       TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    resolved_at INTEGER
);

-- Mail the agents send: built once (its Message-ID fixed), sent by the
-- outbox task, retried with backoff, never twice for one client key.
CREATE TABLE mail_outbox (
    message_id      INTEGER PRIMARY KEY REFERENCES messages(id),
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    mailbox_id      INTEGER NOT NULL REFERENCES mailboxes(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    client_key      TEXT NOT NULL,
    envelope_from   TEXT NOT NULL,
    recipients      TEXT NOT NULL,    -- JSON [address]
    raw             BLOB NOT NULL,
    status          TEXT NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'sent', 'failed')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    detail          TEXT,             -- the SMTP server's last answer
    sent_at         INTEGER,
    UNIQUE (tenant_id, client_key)
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);
