-- Online service: chat settings, visitors, conversations, messages,
-- surveys, agents' chat settings, knowledge spaces.

CREATE TABLE chat_settings (
    tenant_id       INTEGER PRIMARY KEY REFERENCES tenants(id),
    languages       TEXT NOT NULL DEFAULT 'zh-CN,zh-TW,en',
    business_hours  TEXT,            -- JSON BusinessHours; NULL: always open
    avg_handle_secs INTEGER NOT NULL DEFAULT 300
);

CREATE TABLE tenant_texts (
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    key             TEXT NOT NULL,
    locale          TEXT NOT NULL,
    body            TEXT NOT NULL,
    PRIMARY KEY (tenant_id, key, locale)
);

CREATE TABLE visitors (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    token_hash      TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE TABLE conversations (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    visitor_id      INTEGER NOT NULL REFERENCES visitors(id),
    state           TEXT NOT NULL CHECK (state IN ('bot', 'queued', 'human', 'closed')),
    agent_id        INTEGER REFERENCES users(id),
    locale          TEXT NOT NULL,
    queued_at       INTEGER,
    follow_up       INTEGER NOT NULL DEFAULT 0,
    contact_name    TEXT,
    contact         TEXT,
    visitor_read_up_to      INTEGER NOT NULL DEFAULT 0,
    visitor_delivered_up_to INTEGER NOT NULL DEFAULT 0,
    agent_read_up_to        INTEGER NOT NULL DEFAULT 0,
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL,
    CHECK ((state = 'human') = (agent_id IS NOT NULL) OR state = 'closed')
);
CREATE INDEX conversations_by_state ON conversations (tenant_id, state, queued_at);
CREATE INDEX conversations_by_visitor ON conversations (tenant_id, visitor_id, id);

CREATE TABLE messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    client_id       TEXT,
    author_kind     TEXT NOT NULL CHECK (author_kind IN ('visitor', 'bot', 'agent', 'system')),
    author_id       INTEGER,
    author_name     TEXT,
    body            TEXT NOT NULL,
    locale          TEXT NOT NULL,
    refs            TEXT NOT NULL DEFAULT '[]',
    ai              INTEGER NOT NULL DEFAULT 0,
    notice          TEXT,
    created_at      INTEGER NOT NULL,
    UNIQUE (conversation_id, author_kind, client_id)
);
CREATE INDEX messages_by_conversation ON messages (conversation_id, id);

CREATE TABLE surveys (
    conversation_id INTEGER PRIMARY KEY REFERENCES conversations(id),
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    agent_id        INTEGER REFERENCES users(id),
    rating          INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
    comment         TEXT NOT NULL,
    created_at      INTEGER NOT NULL
);

CREATE TABLE agent_chat (
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    user_id         INTEGER PRIMARY KEY REFERENCES users(id),
    capacity        INTEGER NOT NULL DEFAULT 5,
    last_assigned_at INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE knowledge_articles (
    id              INTEGER PRIMARY KEY,
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    space           TEXT NOT NULL,
    title           TEXT NOT NULL,
    body            TEXT NOT NULL,
    locale          TEXT NOT NULL,
    tags            TEXT NOT NULL DEFAULT '[]',
    updated_at      INTEGER NOT NULL
);
CREATE INDEX knowledge_by_tenant ON knowledge_articles (tenant_id, space);

-- Terms from fieldesk_core::knowledge::index_text; rowid = article id.
CREATE VIRTUAL TABLE knowledge_fts USING fts5(terms, tokenize = 'unicode61');
