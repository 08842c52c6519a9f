//! [`KnowledgeStore`] on PostgreSQL (`0006_knowledge.sql`): the terms
//! table instead of FTS5, ranked by the same BM25 (k1 = 1.2, b = 0.75),
//! over the tenant's own articles.

use std::collections::BTreeMap;

use async_trait::async_trait;
use deadpool_postgres::GenericClient;
use fieldesk_core::Locale;
use fieldesk_core::knowledge::{Article, ArticleInput, document_terms};
use tokio_postgres::Row;

use super::PgStore;
use crate::clock::now;
use crate::store::json::{from_json, to_json};
use crate::store::knowledge::KnowledgeStore;
use crate::store::{StoreError, StoreResult};

const ARTICLE_COLUMNS: &str = "id, space, title, body, locale, tags, updated_at";

fn article_from_row(row: &Row) -> StoreResult<Article> {
    Ok(Article {
        id: row.get(0),
        space: row.get(1),
        title: row.get(2),
        body: row.get(3),
        locale: Locale::negotiate(row.get(4)),
        tags: from_json(row.get(5))?,
        updated_at: row.get(6),
    })
}

/// Replaces the article's terms and length in the index.
async fn index_article(
    tx: &impl GenericClient,
    tenant_id: i64,
    id: i64,
    input: &ArticleInput,
) -> StoreResult<()> {
    let terms = document_terms(&input.title, &input.body, &input.tags);
    let mut counts: BTreeMap<&str, i64> = BTreeMap::new();
    for t in &terms {
        *counts.entry(t.as_str()).or_default() += 1;
    }
    tx.execute("DELETE FROM knowledge_terms WHERE article_id = $1", &[&id])
        .await?;
    let (words, tfs): (Vec<&str>, Vec<i64>) = counts.into_iter().unzip();
    tx.execute(
        "INSERT INTO knowledge_terms (tenant_id, article_id, term, tf)
         SELECT $1, $2, t.term, t.tf FROM unnest($3::TEXT[], $4::BIGINT[]) AS t(term, tf)",
        &[&tenant_id, &id, &words, &tfs],
    )
    .await?;
    tx.execute(
        "UPDATE knowledge_articles SET term_count = $2 WHERE id = $1",
        &[&id, &(terms.len() as i64)],
    )
    .await?;
    Ok(())
}

async fn load_article(tx: &impl GenericClient, tenant_id: i64, id: i64) -> StoreResult<Article> {
    let row = tx
        .query_opt(
            &format!(
                "SELECT {ARTICLE_COLUMNS} FROM knowledge_articles WHERE tenant_id = $1 AND id = $2"
            ),
            &[&tenant_id, &id],
        )
        .await?
        .ok_or_else(|| StoreError::NotFound(format!("article {id}")))?;
    article_from_row(&row)
}

#[async_trait]
impl KnowledgeStore for PgStore {
    async fn create_article(&self, tenant_id: i64, input: ArticleInput) -> StoreResult<Article> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let id: i64 = tx
            .query_one(
                "INSERT INTO knowledge_articles (tenant_id, space, title, body, locale, tags, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id",
                &[
                    &tenant_id,
                    &input.space,
                    &input.title,
                    &input.body,
                    &input.locale.tag(),
                    &to_json(&input.tags),
                    &now(),
                ],
            )
            .await?
            .get(0);
        index_article(&tx, tenant_id, id, &input).await?;
        let article = load_article(&tx, tenant_id, id).await?;
        tx.commit().await?;
        Ok(article)
    }

    async fn update_article(
        &self,
        tenant_id: i64,
        id: i64,
        input: ArticleInput,
    ) -> StoreResult<Article> {
        let mut db = self.client().await?;
        let tx = db.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE knowledge_articles SET space = $3, title = $4, body = $5, locale = $6,
                    tags = $7, updated_at = $8 WHERE tenant_id = $1 AND id = $2",
                &[
                    &tenant_id,
                    &id,
                    &input.space,
                    &input.title,
                    &input.body,
                    &input.locale.tag(),
                    &to_json(&input.tags),
                    &now(),
                ],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("article {id}")));
        }
        index_article(&tx, tenant_id, id, &input).await?;
        let article = load_article(&tx, tenant_id, id).await?;
        tx.commit().await?;
        Ok(article)
    }

    async fn delete_article(&self, tenant_id: i64, id: i64) -> StoreResult<()> {
        let db = self.client().await?;
        // Its terms go with it (ON DELETE CASCADE).
        let changed = db
            .execute(
                "DELETE FROM knowledge_articles WHERE tenant_id = $1 AND id = $2",
                &[&tenant_id, &id],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("article {id}")));
        }
        Ok(())
    }

    async fn articles(&self, tenant_id: i64) -> StoreResult<Vec<Article>> {
        let db = self.client().await?;
        db.query(
            &format!(
                "SELECT {ARTICLE_COLUMNS} FROM knowledge_articles WHERE tenant_id = $1
                 ORDER BY space COLLATE \"C\", title COLLATE \"C\""
            ),
            &[&tenant_id],
        )
        .await?
        .iter()
        .map(article_from_row)
        .collect()
    }

    async fn search_articles(
        &self,
        tenant_id: i64,
        terms: Vec<String>,
        limit: u32,
    ) -> StoreResult<Vec<Article>> {
        if terms.is_empty() {
            return Ok(vec![]);
        }
        let db = self.client().await?;
        // BM25 as FTS5: idf = ln((N − n + 0.5) / (n + 0.5)), at least a
        // little above zero; tf saturated by k1 and normalised by length.
        let rows = db
            .query(
                "WITH q AS (SELECT DISTINCT unnest($2::TEXT[]) AS term),
                 docs AS (
                     SELECT COUNT(*)::FLOAT8 AS n, GREATEST(AVG(term_count), 1)::FLOAT8 AS avgdl
                     FROM knowledge_articles WHERE tenant_id = $1),
                 df AS (
                     SELECT t.term, COUNT(*)::FLOAT8 AS n FROM knowledge_terms t
                     JOIN q ON q.term = t.term WHERE t.tenant_id = $1 GROUP BY t.term),
                 scored AS (
                     SELECT t.article_id,
                         SUM(GREATEST(ln((docs.n - df.n + 0.5) / (df.n + 0.5)), 0.000001)
                             * (t.tf * 2.2) / (t.tf + 1.2 * (0.25 + 0.75 * a.term_count / docs.avgdl)))
                           AS score
                     FROM knowledge_terms t
                     JOIN df ON df.term = t.term
                     JOIN knowledge_articles a ON a.id = t.article_id
                     CROSS JOIN docs
                     WHERE t.tenant_id = $1
                     GROUP BY t.article_id)
                 SELECT a.id, a.space, a.title, a.body, a.locale, a.tags, a.updated_at
                 FROM scored s JOIN knowledge_articles a ON a.id = s.article_id
                 ORDER BY s.score DESC, a.id LIMIT $3",
                &[&tenant_id, &terms, &i64::from(limit)],
            )
            .await?;
        rows.iter().map(article_from_row).collect()
    }
}
