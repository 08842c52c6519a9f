//! [`ChatStore`] on SQLite (tables from `0002_chat.sql`).

use async_trait::async_trait;
use fieldesk_core::Locale;
use fieldesk_core::chat::{Author, ChatMessage, MessagePage, TenantText, parse_languages};
use fieldesk_core::handoff::HandoffState;
use fieldesk_core::identity::{CustomerLink, Verification};
use fieldesk_core::visit::VisitContext;
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::SqliteStore;
use crate::clock::now;
use crate::store::chat::{
    ChatSettings, ChatStore, Conversation, ConversationFilter, ConversationPatch, ConversationRow,
    ListPage, NewConversation, NewMessage, Visitor,
};
use crate::store::columns::{notice_name, state_columns};
use crate::store::{StoreError, StoreResult};

const CONVERSATION_COLUMNS: &str = "c.id, c.tenant_id, c.visitor_id, v.name, c.state, c.agent_id,
    c.locale, c.queued_at, c.follow_up, c.contact_name, c.contact, c.visitor_read_up_to,
    c.visitor_delivered_up_to, c.agent_read_up_to, c.created_at, c.updated_at, c.group_id,
    v.customer_name, v.customer_external_id, v.linked_by,
    c.page_url, c.referrer, c.user_agent, c.browser_language, c.resolved,
    c.channel, c.mailbox_id, c.subject, c.linked_to";
/// How many columns `CONVERSATION_COLUMNS` has (queries add theirs after).
const CONVERSATION_COLUMN_COUNT: usize = 29;
const CONVERSATION_FROM: &str = "conversations c JOIN visitors v ON v.id = c.visitor_id";
pub(super) const MESSAGE_COLUMNS: &str = "id, conversation_id, client_id, author_kind, author_id,
    author_name, body, locale, refs, ai, notice, created_at";

pub(super) fn conversion(
    i: usize,
    e: impl std::error::Error + Send + Sync + 'static,
) -> rusqlite::Error {
    rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
}

fn conversation_from_row(row: &Row<'_>) -> rusqlite::Result<Conversation> {
    let state: String = row.get(4)?;
    let agent_id: Option<i64> = row.get(5)?;
    let resolved: bool = row.get(24)?;
    let state = match (state.as_str(), agent_id) {
        ("bot", _) => HandoffState::Bot,
        ("queued", _) => HandoffState::Queued,
        ("human", Some(agent_id)) => HandoffState::Human { agent_id },
        _ if resolved => HandoffState::Resolved,
        _ => HandoffState::Closed,
    };
    let locale: String = row.get(6)?;
    Ok(Conversation {
        id: row.get(0)?,
        tenant_id: row.get(1)?,
        visitor_id: row.get(2)?,
        visitor_name: row.get(3)?,
        state,
        agent_id,
        locale: Locale::negotiate(&locale),
        queued_at: row.get(7)?,
        follow_up: row.get(8)?,
        contact_name: row.get(9)?,
        contact: row.get(10)?,
        visitor_read_up_to: row.get(11)?,
        visitor_delivered_up_to: row.get(12)?,
        agent_read_up_to: row.get(13)?,
        created_at: row.get(14)?,
        updated_at: row.get(15)?,
        group_id: row.get(16)?,
        customer: customer_from(row, 17)?,
        context: VisitContext {
            page_url: row.get(20)?,
            referrer: row.get(21)?,
            user_agent: row.get(22)?,
            language: row.get(23)?,
        },
        channel: fieldesk_core::channel::Channel::parse(&row.get::<_, String>(25)?)
            .unwrap_or_default(),
        mailbox_id: row.get(26)?,
        subject: row.get(27)?,
        linked_to: row.get(28)?,
    })
}

/// The customer link in columns `at..at + 3` (name, site id, linked by).
fn customer_from(row: &Row<'_>, at: usize) -> rusqlite::Result<Option<CustomerLink>> {
    let name: Option<String> = row.get(at)?;
    let linked_by: Option<i64> = row.get(at + 2)?;
    let Some(name) = name else {
        return Ok(None);
    };
    Ok(Some(CustomerLink {
        name,
        external_id: row.get(at + 1)?,
        verified: match linked_by {
            Some(user_id) => Verification::Agent { user_id },
            None => Verification::Signed,
        },
    }))
}

fn visitor_from(row: &Row<'_>) -> rusqlite::Result<Visitor> {
    Ok(Visitor {
        id: row.get(0)?,
        tenant_id: row.get(1)?,
        name: row.get(2)?,
        customer: customer_from(row, 3)?,
    })
}

pub(super) fn message_from_row(row: &Row<'_>) -> rusqlite::Result<ChatMessage> {
    let kind: String = row.get(3)?;
    let author = match kind.as_str() {
        "visitor" => Author::Visitor,
        "bot" => Author::Bot,
        "agent" => Author::Agent {
            user_id: row.get::<_, Option<i64>>(4)?.unwrap_or_default(),
            name: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
        },
        _ => Author::System,
    };
    let locale: String = row.get(7)?;
    let refs: String = row.get(8)?;
    let notice: Option<String> = row.get(10)?;
    Ok(ChatMessage {
        id: row.get(0)?,
        conversation_id: row.get(1)?,
        client_id: row.get(2)?,
        author,
        body: row.get(6)?,
        locale: Locale::negotiate(&locale),
        references: serde_json::from_str(&refs).map_err(|e| conversion(8, e))?,
        ai_generated: row.get(9)?,
        notice: notice.and_then(|n| serde_json::from_value(serde_json::Value::String(n)).ok()),
        created_at: row.get(11)?,
    })
}

fn load_conversation(conn: &Connection, tenant_id: i64, id: i64) -> StoreResult<Conversation> {
    conn.query_row(
        &format!(
            "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATION_FROM} WHERE c.tenant_id = ?1 AND c.id = ?2"
        ),
        params![tenant_id, id],
        conversation_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("conversation {id}")))
}

/// Inserts `m`, or returns the message already stored under its client id.
pub(super) fn insert_message(
    tx: &Transaction<'_>,
    tenant_id: i64,
    conversation_id: i64,
    m: NewMessage,
) -> StoreResult<(ChatMessage, bool)> {
    let (kind, author_id, author_name) = match &m.author {
        Author::Visitor => ("visitor", None, None),
        Author::Bot => ("bot", None, None),
        Author::Agent { user_id, name } => ("agent", Some(*user_id), Some(name.clone())),
        Author::System => ("system", None, None),
    };
    if let Some(client_id) = &m.client_id {
        let existing = tx
            .query_row(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages
                     WHERE conversation_id = ?1 AND author_kind = ?2 AND client_id = ?3"
                ),
                params![conversation_id, kind, client_id],
                message_from_row,
            )
            .optional()?;
        if let Some(existing) = existing {
            return Ok((existing, false));
        }
    }
    let refs = serde_json::to_string(&m.references).expect("references serialize");
    tx.execute(
        "INSERT INTO messages (tenant_id, conversation_id, client_id, author_kind, author_id,
            author_name, body, locale, refs, ai, notice, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
        params![
            tenant_id,
            conversation_id,
            m.client_id,
            kind,
            author_id,
            author_name,
            m.body,
            m.locale.tag(),
            refs,
            m.ai_generated,
            m.notice.map(notice_name),
            now()
        ],
    )?;
    let id = tx.last_insert_rowid();
    tx.execute(
        "UPDATE conversations SET updated_at = ?2 WHERE id = ?1",
        params![conversation_id, now()],
    )?;
    let stored = tx.query_row(
        &format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = ?1"),
        [id],
        message_from_row,
    )?;
    Ok((stored, true))
}

/// Conversations matching `condition` (on `?2` = `arg`), newest activity
/// first, a page at a time.
fn conversation_rows(
    conn: &Connection,
    tenant_id: i64,
    condition: &str,
    arg: i64,
    page: ListPage,
) -> StoreResult<Vec<ConversationRow>> {
    let (before_at, before_id) = page.before.unwrap_or((i64::MAX, i64::MAX));
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {CONVERSATION_COLUMNS},
            (SELECT body FROM messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1),
            (SELECT created_at FROM messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1),
            (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id
                AND m.author_kind = 'visitor' AND m.id > c.agent_read_up_to)
         FROM {CONVERSATION_FROM}
         WHERE c.tenant_id = ?1 AND {condition} AND (c.updated_at, c.id) < (?3, ?4)
         ORDER BY c.updated_at DESC, c.id DESC LIMIT ?5"
    ))?;
    let rows = stmt
        .query_map(
            params![tenant_id, arg, before_at, before_id, i64::from(page.limit)],
            |r| {
                let conversation = conversation_from_row(r)?;
                let extra = CONVERSATION_COLUMN_COUNT;
                Ok(ConversationRow {
                    last_message_at: r
                        .get::<_, Option<i64>>(extra + 1)?
                        .unwrap_or(conversation.created_at),
                    conversation,
                    last_message: r.get(extra)?,
                    unread: r.get(extra + 2)?,
                })
            },
        )?
        .collect::<rusqlite::Result<Vec<_>>>()?;
    Ok(rows)
}

#[async_trait]
impl ChatStore for SqliteStore {
    async fn chat_settings(&self, tenant_id: i64) -> StoreResult<ChatSettings> {
        self.read(move |conn| {
            let mut settings = ChatSettings::default();
            let row = conn
                .query_row(
                    "SELECT languages, business_hours, avg_handle_secs, llm, auto_resolve_minutes, pre_chat,
                        transcript_mailbox_id
                     FROM chat_settings WHERE tenant_id = ?1",
                    [tenant_id],
                    |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?, r.get::<_, u32>(2)?, r.get::<_, Option<String>>(3)?,
                        r.get::<_, Option<u32>>(4)?, r.get::<_, bool>(5)?, r.get::<_, Option<i64>>(6)?)),
                )
                .optional()?;
            if let Some((languages, hours, avg, llm, auto_resolve, pre_chat, transcript)) = row {
                settings.auto_resolve_minutes = auto_resolve;
                settings.transcript_mailbox_id = transcript;
                settings.pre_chat = pre_chat;
                settings.llm = match llm {
                    Some(json) => Some(
                        serde_json::from_str(&json)
                            .map_err(|e| StoreError::database("llm settings", e))?,
                    ),
                    None => None,
                };
                settings.languages = parse_languages(&languages);
                settings.business_hours = match hours {
                    Some(json) => Some(
                        serde_json::from_str(&json)
                            .map_err(|e| StoreError::database("business hours", e))?,
                    ),
                    None => None,
                };
                settings.avg_handle_secs = avg;
            }
            let mut stmt = conn
                .prepare("SELECT key, locale, body FROM tenant_texts WHERE tenant_id = ?1 ORDER BY key, locale")?;
            let rows = stmt.query_map([tenant_id], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, String>(1)?, r.get::<_, String>(2)?))
            })?;
            for row in rows {
                let (key, locale, body) = row?;
                if let (Some(text), Some(locale)) = (TenantText::parse(&key), Locale::try_negotiate(&locale)) {
                    settings.texts.push((text, locale, body));
                }
            }
            Ok(settings)
        })
        .await
    }

    async fn set_chat_settings(&self, tenant_id: i64, s: ChatSettings) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let languages: Vec<&str> = s.languages.iter().map(|l| l.tag()).collect();
            let hours = s
                .business_hours
                .as_ref()
                .map(|h| serde_json::to_string(h).expect("business hours serialize"));
            let llm = s
                .llm
                .as_ref()
                .map(|l| serde_json::to_string(l).expect("llm settings serialize"));
            tx.execute(
                "INSERT INTO chat_settings (tenant_id, languages, business_hours, avg_handle_secs, llm,
                    auto_resolve_minutes, pre_chat, transcript_mailbox_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)
                 ON CONFLICT (tenant_id) DO UPDATE SET languages = ?2, business_hours = ?3,
                    avg_handle_secs = ?4, llm = ?5, auto_resolve_minutes = ?6, pre_chat = ?7,
                    transcript_mailbox_id = ?8",
                params![tenant_id, languages.join(","), hours, s.avg_handle_secs, llm,
                    s.auto_resolve_minutes, s.pre_chat, s.transcript_mailbox_id],
            )?;
            tx.execute("DELETE FROM tenant_texts WHERE tenant_id = ?1", [tenant_id])?;
            for (text, locale, body) in &s.texts {
                tx.execute(
                    "INSERT OR REPLACE INTO tenant_texts (tenant_id, key, locale, body) VALUES (?1, ?2, ?3, ?4)",
                    params![tenant_id, text.as_str(), locale.tag(), body],
                )?;
            }
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn create_visitor(&self, tenant_id: i64, token_hash: &str) -> StoreResult<Visitor> {
        let token_hash = token_hash.to_owned();
        self.write(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO visitors (tenant_id, token_hash, name, created_at) VALUES (?1, ?2, '', ?3)",
                params![tenant_id, token_hash, now()],
            )?;
            let id = tx.last_insert_rowid();
            // A short, stable name agents can tell apart.
            let name = format!("#{id}");
            tx.execute("UPDATE visitors SET name = ?2 WHERE id = ?1", params![id, name])?;
            tx.commit()?;
            Ok(Visitor {
                id,
                tenant_id,
                name,
                customer: None,
            })
        })
        .await
    }

    async fn visitor_by_token(
        &self,
        tenant_id: i64,
        token_hash: &str,
    ) -> StoreResult<Option<Visitor>> {
        let token_hash = token_hash.to_owned();
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT id, tenant_id, name, customer_name, customer_external_id, linked_by
                     FROM visitors WHERE tenant_id = ?1 AND token_hash = ?2",
                    params![tenant_id, token_hash],
                    visitor_from,
                )
                .optional()?)
        })
        .await
    }

    async fn link_customer(
        &self,
        tenant_id: i64,
        visitor_id: i64,
        link: Option<CustomerLink>,
    ) -> StoreResult<bool> {
        self.write(move |conn| {
            let (name, external_id, linked_by) = match link {
                Some(l) => {
                    let by = match l.verified {
                        Verification::Agent { user_id } => Some(user_id),
                        Verification::Signed => None,
                    };
                    (Some(l.name), l.external_id, by)
                }
                None => (None, None, None),
            };
            let changed = conn.execute(
                "UPDATE visitors SET customer_name = ?3, customer_external_id = ?4, linked_by = ?5
                 WHERE tenant_id = ?1 AND id = ?2",
                params![tenant_id, visitor_id, name, external_id, linked_by],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn identity_secret(&self, tenant_id: i64) -> StoreResult<Option<(String, i64)>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT sealed, created_at FROM identity_secrets WHERE tenant_id = ?1",
                    params![tenant_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?)
        })
        .await
    }

    async fn set_identity_secret(
        &self,
        tenant_id: i64,
        sealed: Option<String>,
        at: i64,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            match sealed {
                Some(sealed) => conn.execute(
                    "INSERT INTO identity_secrets (tenant_id, sealed, created_at) VALUES (?1, ?2, ?3)
                     ON CONFLICT (tenant_id) DO UPDATE SET sealed = ?2, created_at = ?3",
                    params![tenant_id, sealed, at],
                )?,
                None => conn.execute(
                    "DELETE FROM identity_secrets WHERE tenant_id = ?1",
                    params![tenant_id],
                )?,
            };
            Ok(())
        })
        .await
    }

    async fn open_conversation(
        &self,
        tenant_id: i64,
        visitor_id: i64,
    ) -> StoreResult<Option<Conversation>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    &format!(
                        "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATION_FROM}
                         WHERE c.tenant_id = ?1 AND c.visitor_id = ?2
                           AND (c.state <> 'closed' OR c.resolved = 1)
                         ORDER BY c.id DESC LIMIT 1"
                    ),
                    params![tenant_id, visitor_id],
                    conversation_from_row,
                )
                .optional()?)
        })
        .await
    }

    async fn create_conversation(
        &self,
        tenant_id: i64,
        visitor_id: i64,
        new: NewConversation,
    ) -> StoreResult<Conversation> {
        self.write(move |conn| {
            let t = now();
            let NewConversation { locale, context: x, contact } = new;
            let (name, contact) = contact.unzip();
            conn.execute(
                "INSERT INTO conversations (tenant_id, visitor_id, state, locale, created_at, updated_at,
                    page_url, referrer, user_agent, browser_language, contact_name, contact)
                 VALUES (?1, ?2, 'bot', ?3, ?4, ?4, ?5, ?6, ?7, ?8, ?9, ?10)",
                params![tenant_id, visitor_id, locale.tag(), t, x.page_url, x.referrer,
                    x.user_agent, x.language, name, contact],
            )?;
            load_conversation(conn, tenant_id, conn.last_insert_rowid())
        })
        .await
    }

    async fn idle_conversations(&self, now: i64) -> StoreResult<Vec<Conversation>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare_cached(&format!(
                "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATION_FROM}
                 JOIN chat_settings s ON s.tenant_id = c.tenant_id
                 WHERE s.auto_resolve_minutes IS NOT NULL
                   AND c.state IN ('bot', 'queued', 'human') AND c.channel = 'web_chat'
                   AND c.updated_at <= ?1 - s.auto_resolve_minutes * 60
                 ORDER BY c.updated_at, c.id LIMIT 1000"
            ))?;
            let rows = stmt
                .query_map([now], conversation_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn conversation(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Conversation>> {
        self.read(move |conn| match load_conversation(conn, tenant_id, id) {
            Ok(c) => Ok(Some(c)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        })
        .await
    }

    async fn has_served(&self, tenant_id: i64, id: i64, agent_id: i64) -> StoreResult<bool> {
        self.read(move |conn| {
            Ok(conn.query_row(
                "SELECT EXISTS (SELECT 1 FROM conversation_agents ca \
                 JOIN conversations c ON c.id = ca.conversation_id \
                 WHERE ca.conversation_id = ?1 AND ca.agent_id = ?2 AND c.tenant_id = ?3)",
                params![id, agent_id, tenant_id],
                |r| r.get(0),
            )?)
        })
        .await
    }

    async fn conversations(
        &self,
        tenant_id: i64,
        filter: ConversationFilter,
        page: ListPage,
    ) -> StoreResult<Vec<ConversationRow>> {
        let (condition, arg) = match filter {
            ConversationFilter::AgentActive(agent) => {
                ("c.state = 'human' AND c.agent_id = ?2", agent)
            }
            ConversationFilter::Queued => ("c.state = 'queued' AND ?2 = ?2", 0),
            ConversationFilter::FollowUp => ("c.follow_up = 1 AND ?2 = ?2", 0),
            ConversationFilter::All => {
                ("(c.state <> 'closed' OR c.updated_at > ?2)", now() - 86_400)
            }
        };
        self.read(move |conn| conversation_rows(conn, tenant_id, condition, arg, page))
            .await
    }

    async fn conversation_row(
        &self,
        tenant_id: i64,
        id: i64,
    ) -> StoreResult<Option<ConversationRow>> {
        self.read(move |conn| {
            Ok(conversation_rows(conn, tenant_id, "c.id = ?2", id, ListPage::first(1))?.pop())
        })
        .await
    }

    async fn queue(&self, tenant_id: i64) -> StoreResult<Vec<Conversation>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATION_FROM}
                 WHERE c.tenant_id = ?1 AND c.state = 'queued' AND c.channel = 'web_chat'
                 ORDER BY c.queued_at, c.id"
            ))?;
            let rows = stmt
                .query_map([tenant_id], conversation_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn tenants_with_queue(&self) -> StoreResult<Vec<i64>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT DISTINCT tenant_id FROM conversations
                     WHERE state = 'queued' AND channel = 'web_chat'",
            )?;
            let rows = stmt
                .query_map([], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<i64>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn active_counts(&self, tenant_id: i64) -> StoreResult<Vec<(i64, u32)>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT agent_id, COUNT(*) FROM conversations
                 WHERE tenant_id = ?1 AND state = 'human' AND channel = 'web_chat'
                 GROUP BY agent_id",
            )?;
            let rows = stmt
                .query_map([tenant_id], |r| Ok((r.get(0)?, r.get(1)?)))?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }

    async fn add_message(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        message: NewMessage,
    ) -> StoreResult<(ChatMessage, bool)> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            load_conversation(&tx, tenant_id, conversation_id)?;
            let out = insert_message(&tx, tenant_id, conversation_id, message)?;
            tx.commit()?;
            Ok(out)
        })
        .await
    }

    async fn update_conversation(
        &self,
        tenant_id: i64,
        id: i64,
        patch: ConversationPatch,
        messages: Vec<NewMessage>,
    ) -> StoreResult<(Conversation, Vec<ChatMessage>)> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let before = load_conversation(&tx, tenant_id, id)?;
            if let Some(state) = patch.state {
                let agent = match state {
                    HandoffState::Human { agent_id } => Some(agent_id),
                    HandoffState::Closed | HandoffState::Resolved => before.agent_id,
                    HandoffState::Bot | HandoffState::Queued => None,
                };
                let (name, resolved) = state_columns(state);
                tx.execute(
                    "UPDATE conversations SET state = ?2, agent_id = ?3, resolved = ?4 WHERE id = ?1",
                    params![id, name, agent, resolved],
                )?;
                if let HandoffState::Human { agent_id } = state {
                    tx.execute(
                        "INSERT OR IGNORE INTO conversation_agents (conversation_id, agent_id) VALUES (?1, ?2)",
                        params![id, agent_id],
                    )?;
                }
            }
            if let Some(queued_at) = patch.queued_at {
                tx.execute("UPDATE conversations SET queued_at = ?2 WHERE id = ?1", params![id, queued_at])?;
            }
            if let Some(group_id) = patch.group_id {
                tx.execute("UPDATE conversations SET group_id = ?2 WHERE id = ?1", params![id, group_id])?;
            }
            if let Some(locale) = patch.locale {
                tx.execute("UPDATE conversations SET locale = ?2 WHERE id = ?1", params![id, locale.tag()])?;
            }
            if let Some((name, contact)) = &patch.left_message {
                tx.execute(
                    "UPDATE conversations SET follow_up = 1, contact_name = ?2, contact = ?3 WHERE id = ?1",
                    params![id, name, contact],
                )?;
            }
            // Read and delivery marks only move forward, and never past
            // the conversation's last message.
            for (column, value) in [
                ("visitor_read_up_to", patch.visitor_read_up_to),
                ("visitor_delivered_up_to", patch.visitor_delivered_up_to),
                ("agent_read_up_to", patch.agent_read_up_to),
            ] {
                if let Some(v) = value {
                    tx.execute(
                        &format!(
                            "UPDATE conversations SET {column} = MAX({column}, MIN(?2, \
                             (SELECT COALESCE(MAX(id), 0) FROM messages WHERE conversation_id = ?1))) \
                             WHERE id = ?1"
                        ),
                        params![id, v],
                    )?;
                }
            }
            tx.execute("UPDATE conversations SET updated_at = ?2 WHERE id = ?1", params![id, now()])?;
            let mut stored = Vec::with_capacity(messages.len());
            for m in messages {
                stored.push(insert_message(&tx, tenant_id, id, m)?.0);
            }
            let after = load_conversation(&tx, tenant_id, id)?;
            tx.commit()?;
            Ok((after, stored))
        })
        .await
    }

    async fn messages(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        page: MessagePage,
        limit: u32,
    ) -> StoreResult<Vec<ChatMessage>> {
        self.read(move |conn| {
            let (sql, bound) = match page {
                MessagePage::After(after) => (
                    format!(
                        "SELECT {MESSAGE_COLUMNS} FROM messages
                         WHERE tenant_id = ?1 AND conversation_id = ?2 AND id > ?3
                         ORDER BY id LIMIT ?4"
                    ),
                    after,
                ),
                MessagePage::Before(before) => (
                    format!(
                        "SELECT {MESSAGE_COLUMNS} FROM messages
                         WHERE tenant_id = ?1 AND conversation_id = ?2 AND id < ?3
                         ORDER BY id DESC LIMIT ?4"
                    ),
                    before.unwrap_or(i64::MAX),
                ),
            };
            let mut rows = conn
                .prepare(&sql)?
                .query_map(
                    params![tenant_id, conversation_id, bound, limit],
                    message_from_row,
                )?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            if matches!(page, MessagePage::Before(_)) {
                rows.reverse();
            }
            Ok(rows)
        })
        .await
    }

    async fn save_survey(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        agent_id: Option<i64>,
        rating: u8,
        comment: &str,
    ) -> StoreResult<bool> {
        let comment = comment.to_owned();
        self.write(move |conn| {
            let changed = conn.execute(
                "INSERT OR IGNORE INTO surveys (conversation_id, tenant_id, agent_id, rating, comment, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                params![conversation_id, tenant_id, agent_id, rating, comment, now()],
            )?;
            Ok(changed == 1)
        })
        .await
    }

    async fn survey(
        &self,
        tenant_id: i64,
        conversation_id: i64,
    ) -> StoreResult<Option<(Option<i64>, u8, String)>> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT agent_id, rating, comment FROM surveys WHERE tenant_id = ?1 AND conversation_id = ?2",
                    params![tenant_id, conversation_id],
                    |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)),
                )
                .optional()?)
        })
        .await
    }

    async fn agent_chat(&self, tenant_id: i64, user_id: i64) -> StoreResult<(u32, i64)> {
        self.read(move |conn| {
            Ok(conn
                .query_row(
                    "SELECT capacity, last_assigned_at FROM agent_chat WHERE tenant_id = ?1 AND user_id = ?2",
                    params![tenant_id, user_id],
                    |r| Ok((r.get(0)?, r.get(1)?)),
                )
                .optional()?
                .unwrap_or((5, 0)))
        })
        .await
    }

    async fn set_agent_capacity(
        &self,
        tenant_id: i64,
        user_id: i64,
        capacity: u32,
    ) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO agent_chat (tenant_id, user_id, capacity) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id) DO UPDATE SET capacity = ?3",
                params![tenant_id, user_id, capacity],
            )?;
            Ok(())
        })
        .await
    }

    async fn mark_assigned(&self, tenant_id: i64, user_id: i64, at: i64) -> StoreResult<()> {
        self.write(move |conn| {
            conn.execute(
                "INSERT INTO agent_chat (tenant_id, user_id, last_assigned_at) VALUES (?1, ?2, ?3)
                 ON CONFLICT (user_id) DO UPDATE SET last_assigned_at = ?3",
                params![tenant_id, user_id, at],
            )?;
            Ok(())
        })
        .await
    }
}
