//! [`ChatStore`] on PostgreSQL (tables from `0007_chat.sql`). A message
//! is inserted while its conversation's row is locked, so within a
//! conversation ids grow in commit order: a client reading "after id N"
//! never misses one committed later with a lower id, and a retried client
//! id finds the first.

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use fieldesk_core::Locale;
use fieldesk_core::chat::{Author, ChatMessage, MessagePage, TenantText, parse_languages};
use fieldesk_core::handoff::HandoffState;
use fieldesk_core::identity::{CustomerLink, Verification};
use fieldesk_core::visit::VisitContext;
use tokio_postgres::Row;

use super::PgStore;
use crate::clock::now;
use crate::store::chat::{
    ChatSettings, ChatStore, Conversation, ConversationFilter, ConversationPatch, ConversationRow,
    ListPage, NewConversation, NewMessage, Visitor,
};
use crate::store::columns::{notice_name, state_columns};
use crate::store::json::{from_json, to_json};
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

fn conversation_from_row(row: &Row) -> Conversation {
    let state: &str = row.get(4);
    let agent_id: Option<i64> = row.get(5);
    let resolved: bool = row.get(24);
    let state = match (state, agent_id) {
        ("bot", _) => HandoffState::Bot,
        ("queued", _) => HandoffState::Queued,
        ("human", Some(agent_id)) => HandoffState::Human { agent_id },
        _ if resolved => HandoffState::Resolved,
        _ => HandoffState::Closed,
    };
    Conversation {
        id: row.get(0),
        tenant_id: row.get(1),
        visitor_id: row.get(2),
        visitor_name: row.get(3),
        state,
        agent_id,
        locale: Locale::negotiate(row.get(6)),
        queued_at: row.get(7),
        follow_up: row.get(8),
        contact_name: row.get(9),
        contact: row.get(10),
        visitor_read_up_to: row.get(11),
        visitor_delivered_up_to: row.get(12),
        agent_read_up_to: row.get(13),
        created_at: row.get(14),
        updated_at: row.get(15),
        group_id: row.get(16),
        customer: customer_from(row, 17),
        context: VisitContext {
            page_url: row.get(20),
            referrer: row.get(21),
            user_agent: row.get(22),
            language: row.get(23),
        },
        channel: fieldesk_core::channel::Channel::parse(row.get(25)).unwrap_or_default(),
        mailbox_id: row.get(26),
        subject: row.get(27),
        linked_to: row.get(28),
    }
}

/// The customer link in columns `at..at + 3` (name, site id, linked by).
fn customer_from(row: &Row, at: usize) -> Option<CustomerLink> {
    let name: Option<String> = row.get(at);
    let linked_by: Option<i64> = row.get(at + 2);
    Some(CustomerLink {
        name: name?,
        external_id: row.get(at + 1),
        verified: match linked_by {
            Some(user_id) => Verification::Agent { user_id },
            None => Verification::Signed,
        },
    })
}

pub(super) fn message_from_row(row: &Row) -> StoreResult<ChatMessage> {
    let author = match row.get::<_, &str>(3) {
        "visitor" => Author::Visitor,
        "bot" => Author::Bot,
        "agent" => Author::Agent {
            user_id: row.get::<_, Option<i64>>(4).unwrap_or_default(),
            name: row.get::<_, Option<String>>(5).unwrap_or_default(),
        },
        _ => Author::System,
    };
    let notice: Option<String> = row.get(10);
    Ok(ChatMessage {
        id: row.get(0),
        conversation_id: row.get(1),
        client_id: row.get(2),
        author,
        body: row.get(6),
        locale: Locale::negotiate(row.get(7)),
        references: from_json(row.get(8))?,
        ai_generated: row.get(9),
        notice: notice.and_then(|n| serde_json::from_value(serde_json::Value::String(n)).ok()),
        created_at: row.get(11),
    })
}

async fn load_conversation(
    db: &impl GenericClient,
    tenant_id: i64,
    id: i64,
) -> StoreResult<Conversation> {
    db.query_opt(
        &format!(
            "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATION_FROM} WHERE c.tenant_id = $1 AND c.id = $2"
        ),
        &[&tenant_id, &id],
    )
    .await?
    .map(|r| conversation_from_row(&r))
    .ok_or_else(|| StoreError::NotFound(format!("conversation {id}")))
}

/// Locks the tenant's conversation until the transaction ends.
pub(super) async fn lock_conversation(
    tx: &impl GenericClient,
    tenant_id: i64,
    id: i64,
) -> StoreResult<()> {
    tx.query_opt(
        "SELECT 1 FROM conversations WHERE tenant_id = $1 AND id = $2 FOR UPDATE",
        &[&tenant_id, &id],
    )
    .await?
    .map(|_| ())
    .ok_or_else(|| StoreError::NotFound(format!("conversation {id}")))
}

/// Inserts `m` (its conversation locked), or returns the message already
/// stored under its client id.
pub(super) async fn insert_message(
    tx: &impl GenericClient,
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
            .query_opt(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages
                     WHERE conversation_id = $1 AND author_kind = $2 AND client_id = $3"
                ),
                &[&conversation_id, &kind, client_id],
            )
            .await?;
        if let Some(existing) = existing {
            return Ok((message_from_row(&existing)?, false));
        }
    }
    let row = tx
        .query_one(
            &format!(
                "INSERT INTO messages (tenant_id, conversation_id, client_id, author_kind, author_id,
                    author_name, body, locale, refs, ai, notice, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
                 RETURNING {MESSAGE_COLUMNS}"
            ),
            &[
                &tenant_id,
                &conversation_id,
                &m.client_id,
                &kind,
                &author_id,
                &author_name,
                &m.body,
                &m.locale.tag(),
                &to_json(&m.references),
                &m.ai_generated,
                &m.notice.map(notice_name),
                &now(),
            ],
        )
        .await?;
    tx.execute(
        "UPDATE conversations SET updated_at = $2 WHERE id = $1",
        &[&conversation_id, &now()],
    )
    .await?;
    Ok((message_from_row(&row)?, true))
}

/// Conversations matching `condition` (on `$2` = `arg`), newest activity
/// first, a page at a time.
async fn conversation_rows(
    db: &impl GenericClient,
    tenant_id: i64,
    condition: &str,
    arg: i64,
    page: ListPage,
) -> StoreResult<Vec<ConversationRow>> {
    let (before_at, before_id) = page.before.unwrap_or((i64::MAX, i64::MAX));
    let rows = db
        .query(
            &format!(
                "SELECT {CONVERSATION_COLUMNS},
                    (SELECT body FROM messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1),
                    (SELECT created_at FROM messages m WHERE m.conversation_id = c.id ORDER BY m.id DESC LIMIT 1),
                    (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id
                        AND m.author_kind = 'visitor' AND m.id > c.agent_read_up_to)
                 FROM {CONVERSATION_FROM}
                 WHERE c.tenant_id = $1 AND {condition} AND (c.updated_at, c.id) < ($3, $4)
                 ORDER BY c.updated_at DESC, c.id DESC LIMIT $5"
            ),
            &[&tenant_id, &arg, &before_at, &before_id, &i64::from(page.limit)],
        )
        .await?;
    Ok(rows
        .iter()
        .map(|r| {
            let conversation = conversation_from_row(r);
            let extra = CONVERSATION_COLUMN_COUNT;
            ConversationRow {
                last_message_at: r
                    .get::<_, Option<i64>>(extra + 1)
                    .unwrap_or(conversation.created_at),
                conversation,
                last_message: r.get(extra),
                unread: u32::try_from(r.get::<_, i64>(extra + 2)).unwrap_or(u32::MAX),
            }
        })
        .collect())
}

async fn conversation_list(
    db: &impl GenericClient,
    sql: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> StoreResult<Vec<Conversation>> {
    Ok(db
        .query(sql, params)
        .await?
        .iter()
        .map(conversation_from_row)
        .collect())
}

#[async_trait]
impl ChatStore for PgStore {
    async fn chat_settings(&self, tenant_id: i64) -> StoreResult<ChatSettings> {
        let db = self.client().await?;
        let mut settings = ChatSettings::default();
        let row = db
            .query_opt(
                "SELECT languages, business_hours, avg_handle_secs, llm, auto_resolve_minutes,
                    pre_chat, transcript_mailbox_id
                 FROM chat_settings WHERE tenant_id = $1",
                &[&tenant_id],
            )
            .await?;
        if let Some(r) = row {
            settings.languages = parse_languages(r.get(0));
            settings.business_hours = r.get::<_, Option<&str>>(1).map(from_json).transpose()?;
            settings.avg_handle_secs = u32::try_from(r.get::<_, i64>(2)).unwrap_or(300);
            settings.llm = r.get::<_, Option<&str>>(3).map(from_json).transpose()?;
            settings.auto_resolve_minutes = r
                .get::<_, Option<i64>>(4)
                .and_then(|m| u32::try_from(m).ok());
            settings.pre_chat = r.get(5);
            settings.transcript_mailbox_id = r.get(6);
        }
        let texts = db
            .query(
                "SELECT key, locale, body FROM tenant_texts WHERE tenant_id = $1
                 ORDER BY key COLLATE \"C\", locale COLLATE \"C\"",
                &[&tenant_id],
            )
            .await?;
        for r in texts {
            if let (Some(text), Some(locale)) =
                (TenantText::parse(r.get(0)), Locale::try_negotiate(r.get(1)))
            {
                settings.texts.push((text, locale, r.get(2)));
            }
        }
        Ok(settings)
    }

    async fn set_chat_settings(&self, tenant_id: i64, s: ChatSettings) -> StoreResult<()> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let languages: Vec<&str> = s.languages.iter().map(|l| l.tag()).collect();
        let hours = s.business_hours.as_ref().map(to_json);
        let llm = s.llm.as_ref().map(to_json);
        tx.execute(
            "INSERT INTO chat_settings (tenant_id, languages, business_hours, avg_handle_secs, llm,
                auto_resolve_minutes, pre_chat, transcript_mailbox_id)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (tenant_id) DO UPDATE SET languages = EXCLUDED.languages,
                business_hours = EXCLUDED.business_hours, avg_handle_secs = EXCLUDED.avg_handle_secs,
                llm = EXCLUDED.llm, auto_resolve_minutes = EXCLUDED.auto_resolve_minutes,
                pre_chat = EXCLUDED.pre_chat, transcript_mailbox_id = EXCLUDED.transcript_mailbox_id",
            &[
                &tenant_id,
                &languages.join(","),
                &hours,
                &i64::from(s.avg_handle_secs),
                &llm,
                &s.auto_resolve_minutes.map(i64::from),
                &s.pre_chat,
                &s.transcript_mailbox_id,
            ],
        )
        .await?;
        tx.execute(
            "DELETE FROM tenant_texts WHERE tenant_id = $1",
            &[&tenant_id],
        )
        .await?;
        for (text, locale, body) in &s.texts {
            tx.execute(
                "INSERT INTO tenant_texts (tenant_id, key, locale, body) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (tenant_id, key, locale) DO UPDATE SET body = EXCLUDED.body",
                &[&tenant_id, &text.as_str(), &locale.tag(), body],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    async fn create_visitor(&self, tenant_id: i64, token_hash: &str) -> StoreResult<Visitor> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO visitors (tenant_id, token_hash, name, created_at)
                 VALUES ($1, $2, '', $3) RETURNING id",
                &[&tenant_id, &token_hash, &now()],
            )
            .await?
            .get(0);
        // A short, stable name agents can tell apart.
        let name = format!("#{id}");
        tx.execute("UPDATE visitors SET name = $2 WHERE id = $1", &[&id, &name])
            .await?;
        tx.commit().await?;
        Ok(Visitor {
            id,
            tenant_id,
            name,
            customer: None,
        })
    }

    async fn visitor_by_token(
        &self,
        tenant_id: i64,
        token_hash: &str,
    ) -> StoreResult<Option<Visitor>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT id, tenant_id, name, customer_name, customer_external_id, linked_by
                 FROM visitors WHERE tenant_id = $1 AND token_hash = $2",
                &[&tenant_id, &token_hash],
            )
            .await?
            .map(|r| Visitor {
                id: r.get(0),
                tenant_id: r.get(1),
                name: r.get(2),
                customer: customer_from(&r, 3),
            }))
    }

    async fn link_customer(
        &self,
        tenant_id: i64,
        visitor_id: i64,
        link: Option<CustomerLink>,
    ) -> StoreResult<bool> {
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
        let db = self.client().await?;
        let changed = db
            .execute(
                "UPDATE visitors SET customer_name = $3, customer_external_id = $4, linked_by = $5
                 WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &visitor_id, &name, &external_id, &linked_by],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn identity_secret(&self, tenant_id: i64) -> StoreResult<Option<(String, i64)>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT sealed, created_at FROM identity_secrets WHERE tenant_id = $1",
                &[&tenant_id],
            )
            .await?
            .map(|r| (r.get(0), r.get(1))))
    }

    async fn set_identity_secret(
        &self,
        tenant_id: i64,
        sealed: Option<String>,
        at: i64,
    ) -> StoreResult<()> {
        let db = self.client().await?;
        match sealed {
            Some(sealed) => {
                db.execute(
                    "INSERT INTO identity_secrets (tenant_id, sealed, created_at) VALUES ($1, $2, $3)
                     ON CONFLICT (tenant_id) DO UPDATE SET sealed = EXCLUDED.sealed,
                        created_at = EXCLUDED.created_at",
                    &[&tenant_id, &sealed, &at],
                )
                .await?
            }
            None => {
                db.execute(
                    "DELETE FROM identity_secrets WHERE tenant_id = $1",
                    &[&tenant_id],
                )
                .await?
            }
        };
        Ok(())
    }

    async fn open_conversation(
        &self,
        tenant_id: i64,
        visitor_id: i64,
    ) -> StoreResult<Option<Conversation>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                &format!(
                    "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATION_FROM}
                     WHERE c.tenant_id = $1 AND c.visitor_id = $2
                       AND (c.state <> 'closed' OR c.resolved)
                     ORDER BY c.id DESC LIMIT 1"
                ),
                &[&tenant_id, &visitor_id],
            )
            .await?
            .map(|r| conversation_from_row(&r)))
    }

    async fn create_conversation(
        &self,
        tenant_id: i64,
        visitor_id: i64,
        new: NewConversation,
    ) -> StoreResult<Conversation> {
        let db = self.client().await?;
        let t = now();
        let NewConversation {
            locale,
            context: x,
            contact,
        } = new;
        let (name, contact) = contact.unzip();
        let id: i64 = db
            .query_one(
                "INSERT INTO conversations (tenant_id, visitor_id, state, locale, created_at,
                    updated_at, page_url, referrer, user_agent, browser_language, contact_name, contact)
                 VALUES ($1, $2, 'bot', $3, $4, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
                &[
                    &tenant_id,
                    &visitor_id,
                    &locale.tag(),
                    &t,
                    &x.page_url,
                    &x.referrer,
                    &x.user_agent,
                    &x.language,
                    &name,
                    &contact,
                ],
            )
            .await?
            .get(0);
        load_conversation(&db, tenant_id, id).await
    }

    async fn idle_conversations(&self, now: i64) -> StoreResult<Vec<Conversation>> {
        let db = self.client().await?;
        conversation_list(
            &db,
            &format!(
                "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATION_FROM}
                 JOIN chat_settings s ON s.tenant_id = c.tenant_id
                 WHERE s.auto_resolve_minutes IS NOT NULL
                   AND c.state IN ('bot', 'queued', 'human') AND c.channel = 'web_chat'
                   AND c.updated_at <= $1 - s.auto_resolve_minutes * 60
                 ORDER BY c.updated_at, c.id LIMIT 1000"
            ),
            &[&now],
        )
        .await
    }

    async fn conversation(&self, tenant_id: i64, id: i64) -> StoreResult<Option<Conversation>> {
        let db = self.client().await?;
        match load_conversation(&db, tenant_id, id).await {
            Ok(c) => Ok(Some(c)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn has_served(&self, tenant_id: i64, id: i64, agent_id: i64) -> StoreResult<bool> {
        let db = self.client().await?;
        Ok(db
            .query_one(
                "SELECT EXISTS (SELECT 1 FROM conversation_agents ca
                 JOIN conversations c ON c.id = ca.conversation_id
                 WHERE ca.conversation_id = $1 AND ca.agent_id = $2 AND c.tenant_id = $3)",
                &[&id, &agent_id, &tenant_id],
            )
            .await?
            .get(0))
    }

    async fn conversations(
        &self,
        tenant_id: i64,
        filter: ConversationFilter,
        page: ListPage,
    ) -> StoreResult<Vec<ConversationRow>> {
        let (condition, arg) = match filter {
            ConversationFilter::AgentActive(agent) => {
                ("c.state = 'human' AND c.agent_id = $2", agent)
            }
            ConversationFilter::Queued => ("c.state = 'queued' AND $2::BIGINT = $2::BIGINT", 0),
            ConversationFilter::FollowUp => ("c.follow_up AND $2::BIGINT = $2::BIGINT", 0),
            ConversationFilter::All => {
                ("(c.state <> 'closed' OR c.updated_at > $2)", now() - 86_400)
            }
        };
        let db = self.client().await?;
        conversation_rows(&db, tenant_id, condition, arg, page).await
    }

    async fn conversation_row(
        &self,
        tenant_id: i64,
        id: i64,
    ) -> StoreResult<Option<ConversationRow>> {
        let db = self.client().await?;
        Ok(
            conversation_rows(&db, tenant_id, "c.id = $2", id, ListPage::first(1))
                .await?
                .pop(),
        )
    }

    async fn queue(&self, tenant_id: i64) -> StoreResult<Vec<Conversation>> {
        let db = self.client().await?;
        conversation_list(
            &db,
            &format!(
                "SELECT {CONVERSATION_COLUMNS} FROM {CONVERSATION_FROM}
                 WHERE c.tenant_id = $1 AND c.state = 'queued' AND c.channel = 'web_chat'
                 ORDER BY c.queued_at, c.id"
            ),
            &[&tenant_id],
        )
        .await
    }

    async fn tenants_with_queue(&self) -> StoreResult<Vec<i64>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT DISTINCT tenant_id FROM conversations
                 WHERE state = 'queued' AND channel = 'web_chat'",
                &[],
            )
            .await?
            .iter()
            .map(|r| r.get(0))
            .collect())
    }

    async fn active_counts(&self, tenant_id: i64) -> StoreResult<Vec<(i64, u32)>> {
        let db = self.client().await?;
        Ok(db
            .query(
                "SELECT agent_id, COUNT(*) FROM conversations
                 WHERE tenant_id = $1 AND state = 'human' AND channel = 'web_chat'
                 GROUP BY agent_id",
                &[&tenant_id],
            )
            .await?
            .iter()
            .map(|r| {
                (
                    r.get(0),
                    u32::try_from(r.get::<_, i64>(1)).unwrap_or(u32::MAX),
                )
            })
            .collect())
    }

    async fn add_message(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        message: NewMessage,
    ) -> StoreResult<(ChatMessage, bool)> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        lock_conversation(&tx, tenant_id, conversation_id).await?;
        let out = insert_message(&tx, tenant_id, conversation_id, message).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn update_conversation(
        &self,
        tenant_id: i64,
        id: i64,
        patch: ConversationPatch,
        messages: Vec<NewMessage>,
    ) -> StoreResult<(Conversation, Vec<ChatMessage>)> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        lock_conversation(&tx, tenant_id, id).await?;
        let before = load_conversation(&tx, tenant_id, id).await?;
        if let Some(state) = patch.state {
            let agent = match state {
                HandoffState::Human { agent_id } => Some(agent_id),
                HandoffState::Closed | HandoffState::Resolved => before.agent_id,
                HandoffState::Bot | HandoffState::Queued => None,
            };
            let (name, resolved) = state_columns(state);
            tx.execute(
                "UPDATE conversations SET state = $2, agent_id = $3, resolved = $4 WHERE id = $1",
                &[&id, &name, &agent, &resolved],
            )
            .await?;
            if let HandoffState::Human { agent_id } = state {
                tx.execute(
                    "INSERT INTO conversation_agents (conversation_id, agent_id) VALUES ($1, $2)
                     ON CONFLICT DO NOTHING",
                    &[&id, &agent_id],
                )
                .await?;
            }
        }
        if let Some(queued_at) = patch.queued_at {
            tx.execute(
                "UPDATE conversations SET queued_at = $2 WHERE id = $1",
                &[&id, &queued_at],
            )
            .await?;
        }
        if let Some(group_id) = patch.group_id {
            tx.execute(
                "UPDATE conversations SET group_id = $2 WHERE id = $1",
                &[&id, &group_id],
            )
            .await?;
        }
        if let Some(locale) = patch.locale {
            tx.execute(
                "UPDATE conversations SET locale = $2 WHERE id = $1",
                &[&id, &locale.tag()],
            )
            .await?;
        }
        if let Some((name, contact)) = &patch.left_message {
            tx.execute(
                "UPDATE conversations SET follow_up = TRUE, contact_name = $2, contact = $3
                 WHERE id = $1",
                &[&id, name, contact],
            )
            .await?;
        }
        // Read and delivery marks only move forward, and never past the
        // conversation's last message.
        for (column, value) in [
            ("visitor_read_up_to", patch.visitor_read_up_to),
            ("visitor_delivered_up_to", patch.visitor_delivered_up_to),
            ("agent_read_up_to", patch.agent_read_up_to),
        ] {
            if let Some(v) = value {
                tx.execute(
                    &format!(
                        "UPDATE conversations SET {column} = GREATEST({column}, LEAST($2::BIGINT,
                         (SELECT COALESCE(MAX(id), 0) FROM messages WHERE conversation_id = $1)))
                         WHERE id = $1"
                    ),
                    &[&id, &v],
                )
                .await?;
            }
        }
        tx.execute(
            "UPDATE conversations SET updated_at = $2 WHERE id = $1",
            &[&id, &now()],
        )
        .await?;
        let mut stored = Vec::with_capacity(messages.len());
        for m in messages {
            stored.push(insert_message(&tx, tenant_id, id, m).await?.0);
        }
        let after = load_conversation(&tx, tenant_id, id).await?;
        tx.commit().await?;
        Ok((after, stored))
    }

    async fn messages(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        page: MessagePage,
        limit: u32,
    ) -> StoreResult<Vec<ChatMessage>> {
        let (sql, bound) = match page {
            MessagePage::After(after) => (
                format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages
                     WHERE tenant_id = $1 AND conversation_id = $2 AND id > $3
                     ORDER BY id LIMIT $4"
                ),
                after,
            ),
            MessagePage::Before(before) => (
                format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages
                     WHERE tenant_id = $1 AND conversation_id = $2 AND id < $3
                     ORDER BY id DESC LIMIT $4"
                ),
                before.unwrap_or(i64::MAX),
            ),
        };
        let db = self.client().await?;
        let mut rows = db
            .query(
                &sql,
                &[&tenant_id, &conversation_id, &bound, &i64::from(limit)],
            )
            .await?
            .iter()
            .map(message_from_row)
            .collect::<StoreResult<Vec<_>>>()?;
        if matches!(page, MessagePage::Before(_)) {
            rows.reverse();
        }
        Ok(rows)
    }

    async fn save_survey(
        &self,
        tenant_id: i64,
        conversation_id: i64,
        agent_id: Option<i64>,
        rating: u8,
        comment: &str,
    ) -> StoreResult<bool> {
        let db = self.client().await?;
        let changed = db
            .execute(
                "INSERT INTO surveys (conversation_id, tenant_id, agent_id, rating, comment, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                &[
                    &conversation_id,
                    &tenant_id,
                    &agent_id,
                    &i64::from(rating),
                    &comment,
                    &now(),
                ],
            )
            .await?;
        Ok(changed == 1)
    }

    async fn survey(
        &self,
        tenant_id: i64,
        conversation_id: i64,
    ) -> StoreResult<Option<(Option<i64>, u8, String)>> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT agent_id, rating, comment FROM surveys
                 WHERE tenant_id = $1 AND conversation_id = $2",
                &[&tenant_id, &conversation_id],
            )
            .await?
            .map(|r| {
                (
                    r.get(0),
                    u8::try_from(r.get::<_, i64>(1)).unwrap_or(0),
                    r.get(2),
                )
            }))
    }

    async fn agent_chat(&self, tenant_id: i64, user_id: i64) -> StoreResult<(u32, i64)> {
        let db = self.client().await?;
        Ok(db
            .query_opt(
                "SELECT capacity, last_assigned_at FROM agent_chat
                 WHERE tenant_id = $1 AND user_id = $2",
                &[&tenant_id, &user_id],
            )
            .await?
            .map_or((5, 0), |r| {
                (u32::try_from(r.get::<_, i64>(0)).unwrap_or(0), r.get(1))
            }))
    }

    async fn set_agent_capacity(
        &self,
        tenant_id: i64,
        user_id: i64,
        capacity: u32,
    ) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO agent_chat (tenant_id, user_id, capacity) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET capacity = EXCLUDED.capacity",
            &[&tenant_id, &user_id, &i64::from(capacity)],
        )
        .await?;
        Ok(())
    }

    async fn mark_assigned(&self, tenant_id: i64, user_id: i64, at: i64) -> StoreResult<()> {
        let db = self.client().await?;
        db.execute(
            "INSERT INTO agent_chat (tenant_id, user_id, last_assigned_at) VALUES ($1, $2, $3)
             ON CONFLICT (user_id) DO UPDATE SET last_assigned_at = EXCLUDED.last_assigned_at",
            &[&tenant_id, &user_id, &at],
        )
        .await?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashSet;
    use std::sync::Arc;

    use super::*;
    use crate::store::pg::testing;
    use crate::store::tenants::TenantStore;

    /// Visitors and agents write at once; each message (sent twice, as a
    /// retry would) is stored once, and a reader following "after the last
    /// id I saw" gets every one of them.
    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn concurrent_writers_store_each_message_once_and_a_follower_misses_none() {
        let url = testing::fresh_database().await;
        let store = Arc::new(PgStore::connect(&url).await.unwrap());
        let tenant = store.create_tenant("a", "A", "A").await.unwrap().id;
        let visitor = store.create_visitor(tenant, "t").await.unwrap();
        let conversation = store
            .create_conversation(tenant, visitor.id, NewConversation::in_locale(Locale::ZhCn))
            .await
            .unwrap()
            .id;
        let writers: Vec<_> = (0..8)
            .map(|w| {
                let store = store.clone();
                tokio::spawn(async move {
                    for i in 0..25 {
                        let message = NewMessage {
                            client_id: Some(format!("w{w}-{i}")),
                            author: Author::Visitor,
                            body: format!("w{w}-{i}"),
                            locale: Locale::ZhCn,
                            references: vec![],
                            ai_generated: false,
                            notice: None,
                        };
                        let first = store
                            .add_message(tenant, conversation, message.clone())
                            .await
                            .unwrap();
                        let again = store
                            .add_message(tenant, conversation, message)
                            .await
                            .unwrap();
                        assert!(first.1 && !again.1);
                        assert_eq!(first.0.id, again.0.id);
                    }
                })
            })
            .collect();
        let follower = {
            let store = store.clone();
            tokio::spawn(async move {
                let mut seen = vec![];
                let mut last = 0;
                while seen.len() < 200 {
                    let page = store
                        .messages(tenant, conversation, MessagePage::After(last), 50)
                        .await
                        .unwrap();
                    for m in page {
                        assert!(m.id > last);
                        last = m.id;
                        seen.push(m.body);
                    }
                    tokio::task::yield_now().await;
                }
                seen
            })
        };
        for w in writers {
            w.await.unwrap();
        }
        let seen = tokio::time::timeout(std::time::Duration::from_secs(20), follower)
            .await
            .expect("the follower got them all")
            .unwrap();
        assert_eq!(seen.iter().collect::<HashSet<_>>().len(), 200);
        let all = store
            .messages(tenant, conversation, MessagePage::After(0), 1000)
            .await
            .unwrap();
        assert_eq!(all.len(), 200, "each once");
    }
}
