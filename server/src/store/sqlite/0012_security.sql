-- Security (issue 13): who served each conversation, so an agent keeps
-- reading what they served after a transfer and nothing else.

CREATE TABLE conversation_agents (
    conversation_id INTEGER NOT NULL REFERENCES conversations(id),
    agent_id        INTEGER NOT NULL REFERENCES users(id),
    PRIMARY KEY (conversation_id, agent_id)
) WITHOUT ROWID;

INSERT OR IGNORE INTO conversation_agents (conversation_id, agent_id)
    SELECT id, agent_id FROM conversations WHERE agent_id IS NOT NULL;
INSERT OR IGNORE INTO conversation_agents (conversation_id, agent_id)
    SELECT DISTINCT m.conversation_id, m.author_id FROM messages m
    JOIN users u ON u.id = m.author_id
    WHERE m.author_kind = 'agent' AND m.author_id IS NOT NULL;

-- Sync de-duplication is per user: another engineer's op id is not ours.
CREATE TABLE sync_ops_by_user (
    tenant_id       INTEGER NOT NULL REFERENCES tenants(id),
    op_id           TEXT NOT NULL,
    user_id         INTEGER NOT NULL,
    outcome         TEXT NOT NULL,
    PRIMARY KEY (tenant_id, user_id, op_id)
);
INSERT INTO sync_ops_by_user (tenant_id, op_id, user_id, outcome)
    SELECT tenant_id, op_id, user_id, outcome FROM sync_ops;
DROP TABLE sync_ops;
ALTER TABLE sync_ops_by_user RENAME TO sync_ops;
