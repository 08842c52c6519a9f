//! The AI agent (智能客服): answers from the tenant's knowledge spaces by
//! retrieval, quoting the best passages with their articles as references.

use fieldesk_core::chat::{Author, ChatMessage, Notice, Reference};
use fieldesk_core::knowledge::{answer, match_query};

use super::{ChatResult, ChatService};
use crate::store::chat::{Conversation, NewMessage};

/// Candidate articles fetched from the index per question.
const CANDIDATES: u32 = 8;

impl ChatService {
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
        let mut candidates = match match_query(&question.body) {
            Some(q) => {
                self.store
                    .search_articles(tenant_id, &q, CANDIDATES)
                    .await?
            }
            None => Vec::new(),
        };
        // Articles in the visitor's language first; the index order otherwise.
        candidates.sort_by_key(|a| a.locale != locale);
        let quotes = answer(&question.body, &candidates);
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
            self.deliver(tenant_id, std::slice::from_ref(&stored));
        }
        Ok(())
    }
}
