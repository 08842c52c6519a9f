//! [`KnowledgeStore`] on SQLite: articles and their FTS5 index of terms
//! (`0002_chat.sql`), ranked by bm25.

use async_trait::async_trait;
use fieldesk_core::Locale;
use fieldesk_core::knowledge::{Article, ArticleInput, document_terms};
use rusqlite::{Connection, OptionalExtension, Row, Transaction, params};

use super::SqliteStore;
use super::chat::conversion;
use crate::clock::now;
use crate::store::knowledge::KnowledgeStore;
use crate::store::{StoreError, StoreResult};

const ARTICLE_COLUMNS: &str = "id, space, title, body, locale, tags, updated_at";

fn article_from_row(row: &Row<'_>) -> rusqlite::Result<Article> {
    let locale: String = row.get(4)?;
    let tags: String = row.get(5)?;
    Ok(Article {
        id: row.get(0)?,
        space: row.get(1)?,
        title: row.get(2)?,
        body: row.get(3)?,
        locale: Locale::negotiate(&locale),
        tags: serde_json::from_str(&tags).map_err(|e| conversion(5, e))?,
        updated_at: row.get(6)?,
    })
}

/// Replaces the article's terms in the FTS5 index.
fn index_article(tx: &Transaction<'_>, id: i64, input: &ArticleInput) -> StoreResult<()> {
    tx.execute("DELETE FROM knowledge_fts WHERE rowid = ?1", [id])?;
    tx.execute(
        "INSERT INTO knowledge_fts (rowid, terms) VALUES (?1, ?2)",
        params![
            id,
            document_terms(&input.title, &input.body, &input.tags).join(" ")
        ],
    )?;
    Ok(())
}

fn load_article(conn: &Connection, tenant_id: i64, id: i64) -> StoreResult<Article> {
    conn.query_row(
        &format!(
            "SELECT {ARTICLE_COLUMNS} FROM knowledge_articles WHERE tenant_id = ?1 AND id = ?2"
        ),
        params![tenant_id, id],
        article_from_row,
    )
    .optional()?
    .ok_or_else(|| StoreError::NotFound(format!("article {id}")))
}

#[async_trait]
impl KnowledgeStore for SqliteStore {
    async fn create_article(&self, tenant_id: i64, input: ArticleInput) -> StoreResult<Article> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            tx.execute(
                "INSERT INTO knowledge_articles (tenant_id, space, title, body, locale, tags, updated_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                params![
                    tenant_id,
                    input.space,
                    input.title,
                    input.body,
                    input.locale.tag(),
                    serde_json::to_string(&input.tags).expect("tags serialize"),
                    now()
                ],
            )?;
            let id = tx.last_insert_rowid();
            index_article(&tx, id, &input)?;
            let article = load_article(&tx, tenant_id, id)?;
            tx.commit()?;
            Ok(article)
        })
        .await
    }

    async fn update_article(
        &self,
        tenant_id: i64,
        id: i64,
        input: ArticleInput,
    ) -> StoreResult<Article> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "UPDATE knowledge_articles SET space = ?3, title = ?4, body = ?5, locale = ?6, tags = ?7,
                    updated_at = ?8 WHERE tenant_id = ?1 AND id = ?2",
                params![
                    tenant_id,
                    id,
                    input.space,
                    input.title,
                    input.body,
                    input.locale.tag(),
                    serde_json::to_string(&input.tags).expect("tags serialize"),
                    now()
                ],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("article {id}")));
            }
            index_article(&tx, id, &input)?;
            let article = load_article(&tx, tenant_id, id)?;
            tx.commit()?;
            Ok(article)
        })
        .await
    }

    async fn delete_article(&self, tenant_id: i64, id: i64) -> StoreResult<()> {
        self.write(move |conn| {
            let tx = conn.transaction()?;
            let changed = tx.execute(
                "DELETE FROM knowledge_articles WHERE tenant_id = ?1 AND id = ?2",
                params![tenant_id, id],
            )?;
            if changed == 0 {
                return Err(StoreError::NotFound(format!("article {id}")));
            }
            tx.execute("DELETE FROM knowledge_fts WHERE rowid = ?1", [id])?;
            tx.commit()?;
            Ok(())
        })
        .await
    }

    async fn articles(&self, tenant_id: i64) -> StoreResult<Vec<Article>> {
        self.read(move |conn| {
            let mut stmt = conn.prepare(&format!(
                "SELECT {ARTICLE_COLUMNS} FROM knowledge_articles WHERE tenant_id = ?1 ORDER BY space, title"
            ))?;
            let rows = stmt
                .query_map([tenant_id], article_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
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
        // An FTS5 expression of quoted terms: any of them.
        let fts_query = terms
            .iter()
            .map(|t| format!("\"{}\"", t.replace('"', "")))
            .collect::<Vec<_>>()
            .join(" OR ");
        self.read(move |conn| {
            let mut stmt = conn.prepare(
                "SELECT a.id, a.space, a.title, a.body, a.locale, a.tags, a.updated_at
                 FROM knowledge_fts f JOIN knowledge_articles a ON a.id = f.rowid
                 WHERE knowledge_fts MATCH ?2 AND a.tenant_id = ?1
                 ORDER BY bm25(knowledge_fts) LIMIT ?3",
            )?;
            let rows = stmt
                .query_map(params![tenant_id, fts_query, limit], article_from_row)?
                .collect::<rusqlite::Result<Vec<_>>>()?;
            Ok(rows)
        })
        .await
    }
}
