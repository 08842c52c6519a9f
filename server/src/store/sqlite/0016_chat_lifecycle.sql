-- Live chat lifecycle (issue 15): idle conversations resolved after the
-- tenant's time, the pre-chat form, and where each visit came from.
ALTER TABLE chat_settings ADD COLUMN auto_resolve_minutes INTEGER;
ALTER TABLE chat_settings ADD COLUMN pre_chat INTEGER NOT NULL DEFAULT 0;
ALTER TABLE conversations ADD COLUMN page_url TEXT;
ALTER TABLE conversations ADD COLUMN referrer TEXT;
ALTER TABLE conversations ADD COLUMN user_agent TEXT;
ALTER TABLE conversations ADD COLUMN browser_language TEXT;
-- Resolved for inactivity: stored as closed (the state CHECK of 0002)
-- with this flag; the visitor writing again reopens it.
ALTER TABLE conversations ADD COLUMN resolved INTEGER NOT NULL DEFAULT 0;
-- The idle sweep and the workbench lists read by state and activity.
CREATE INDEX conversations_state_activity ON conversations (state, updated_at);
