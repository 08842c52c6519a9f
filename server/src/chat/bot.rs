//! The AI agent (智能客服): answers from the tenant's knowledge spaces by
//! retrieval, quoting the best passages with their articles as references.
//! With a tenant's LLM endpoint configured, the model phrases the answer
//! from the same passages (never from nothing: no passages, no LLM call).

use fieldesk_core::Locale;
use fieldesk_core::chat::{Author, ChatMessage, Notice, Reference};
use fieldesk_core::knowledge::{Quote, answer, query_terms};

use super::{ChatResult, ChatService};
use crate::outbound::OutboundError;
use crate::secret_box::SecretBox;
use crate::store::chat::{Conversation, LlmConfig, NewMessage};

/// Candidate articles fetched from the index per question.
const CANDIDATES: u32 = 8;

#[derive(Debug, thiserror::Error)]
pub enum LlmError {
    #[error(transparent)]
    Outbound(#[from] OutboundError),
    #[error("the answer had no text")]
    Empty,
}

impl ChatService {
    /// The tenant's LLM key as stored: sealed with the server key (a key
    /// saved before sealing existed is used as it is until saved again;
    /// one that does not open is no key).
    fn llm_key(&self, stored: &str) -> String {
        if !SecretBox::is_sealed(stored) {
            return stored.to_owned();
        }
        self.secrets
            .open(stored)
            .ok()
            .and_then(|key| String::from_utf8(key).ok())
            .unwrap_or_default()
    }

    /// Asks the tenant's OpenAI-compatible endpoint to answer `question`
    /// from `quotes` only, in `locale`.
    async fn phrase(
        &self,
        llm: &LlmConfig,
        locale: Locale,
        question: &str,
        quotes: &[Quote],
    ) -> Result<String, LlmError> {
        let passages: Vec<String> = quotes
            .iter()
            .map(|q| format!("[{}] {}", q.title, q.passage))
            .collect();
        let instructions = self.text(locale, "chat-llm-instructions", &[]);
        let body = serde_json::json!({
            "model": llm.model,
            "temperature": 0.2,
            "messages": [
                {"role": "system", "content": format!("{instructions}\n\n{}", passages.join("\n\n"))},
                {"role": "user", "content": question},
            ],
        });
        let answer = self
            .outbound
            .post_json(
                &format!("{}/chat/completions", llm.base_url),
                Some(&self.llm_key(&llm.api_key)),
                &body,
            )
            .await?;
        let text = answer["choices"][0]["message"]["content"]
            .as_str()
            .map(str::trim)
            .filter(|t| !t.is_empty())
            .ok_or(LlmError::Empty)?;
        Ok(text
            .chars()
            .take(fieldesk_core::chat::MAX_MESSAGE_CHARS)
            .collect())
    }

    /// Answers `question` in the conversation's language. The reply's
    /// client id is derived from the question's id, so a question is
    /// answered once however often it is retried.
    pub(super) async fn bot_reply(
        &self,
        conversation: &Conversation,
        question: &ChatMessage,
    ) -> ChatResult<()> {
        let tenant_id = conversation.tenant_id;
        let locale = conversation.locale;
        let terms = query_terms(&question.body);
        let mut candidates = if terms.is_empty() {
            Vec::new()
        } else {
            self.store
                .search_articles(tenant_id, terms, CANDIDATES)
                .await?
        };
        // Articles in the visitor's language first; the index order otherwise.
        candidates.sort_by_key(|a| a.locale != locale);
        let quotes = answer(&question.body, &candidates);
        let settings = self.store.chat_settings(tenant_id).await?;
        let (body, references, notice) = if quotes.is_empty() {
            (
                self.text(locale, "chat-no-answer", &[]),
                Vec::new(),
                Some(Notice::NoAnswer),
            )
        } else {
            let mut references: Vec<Reference> = Vec::new();
            let mut body = self.text(locale, "chat-ai-intro", &[]);
            for q in &quotes {
                body.push_str("\n\n");
                body.push_str(&q.passage);
                if !references.iter().any(|r| r.article_id == q.article_id) {
                    references.push(Reference {
                        article_id: q.article_id,
                        title: q.title.clone(),
                    });
                }
            }
            // An LLM may phrase the answer from the same passages; any
            // failure keeps the retrieval answer.
            let body = match &settings.llm {
                Some(llm) => match self.phrase(llm, locale, &question.body, &quotes).await {
                    Ok(phrased) => phrased,
                    Err(e) => {
                        tracing::warn!(%e, "LLM backend failed; answering from retrieval");
                        body
                    }
                },
                None => body,
            };
            (body, references, None)
        };
        let reply = NewMessage {
            client_id: Some(format!("re:{}", question.id)),
            author: Author::Bot,
            body,
            locale,
            references,
            ai_generated: true,
            notice,
        };
        let (stored, new) = self
            .store
            .add_message(tenant_id, conversation.id, reply)
            .await?;
        if new {
            self.deliver(tenant_id, std::slice::from_ref(&stored))
                .await?;
        }
        Ok(())
    }
}
