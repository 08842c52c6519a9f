//! The knowledge base (知识库): articles the AI agent answers from, with
//! their search index.

use async_trait::async_trait;
use fieldesk_core::knowledge::{Article, ArticleInput};

use super::StoreResult;

#[async_trait]
pub trait KnowledgeStore: Send + Sync + 'static {
    async fn create_article(&self, tenant_id: i64, input: ArticleInput) -> StoreResult<Article>;
    async fn update_article(
        &self,
        tenant_id: i64,
        id: i64,
        input: ArticleInput,
    ) -> StoreResult<Article>;
    async fn delete_article(&self, tenant_id: i64, id: i64) -> StoreResult<()>;
    async fn articles(&self, tenant_id: i64) -> StoreResult<Vec<Article>>;
    /// Articles with any of `terms` (from `core::knowledge::query_terms`),
    /// best first: more and rarer terms, title terms weighing more.
    async fn search_articles(
        &self,
        tenant_id: i64,
        terms: Vec<String>,
        limit: u32,
    ) -> StoreResult<Vec<Article>>;
}
