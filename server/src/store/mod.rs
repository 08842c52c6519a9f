//! Storage behind traits, one per concept, with two backends: embedded
//! SQLite ([`sqlite::SqliteStore`], the default) and PostgreSQL
//! ([`pg::PgStore`]); [`database::Database`] picks one from `--database`.
//! Every method that reads or writes tenant data takes the tenant id.

pub mod chat;
mod columns;
#[cfg(test)]
pub(crate) mod contract;
pub mod database;
pub mod dispatch;
pub mod field;
pub mod group;
pub mod inbox;
mod json;
pub mod knowledge;
pub mod mail;
pub mod mall;
pub mod outbox;
pub mod pg;
pub mod sealed;
pub mod security;
pub mod sqlite;
pub mod tenants;
pub mod workbench;

use fieldesk_core::{Locale, Role};

/// The error a database driver or a codec gave.
pub type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("already exists: {0}")]
    Conflict(String),
    #[error("not found: {0}")]
    NotFound(String),
    /// The database, or what it holds, failed: `context` says where,
    /// `source` (when there is one) why.
    #[error("database error: {context}")]
    Database {
        context: String,
        #[source]
        source: Option<Source>,
    },
}

impl StoreError {
    /// A failure of the database or a codec, keeping its error.
    pub fn database(context: impl Into<String>, source: impl Into<Source>) -> Self {
        StoreError::Database {
            context: context.into(),
            source: Some(source.into()),
        }
    }

    /// A failure this store found itself (no underlying error).
    pub fn invalid(context: impl Into<String>) -> Self {
        StoreError::Database {
            context: context.into(),
            source: None,
        }
    }
}

pub type StoreResult<T> = Result<T, StoreError>;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tenant {
    pub id: i64,
    pub slug: String,
    pub name: String,
    pub workbench_name: String,
    pub default_locale: Locale,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub tenant_id: i64,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    /// Disabled by an admin: no sign-in, no session.
    pub disabled: bool,
}

/// A user with the password hash, for login only.
#[derive(Debug, Clone)]
pub struct Credentials {
    pub user: User,
    pub password_hash: String,
}

#[derive(Debug, Clone)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
}

/// A login session; only the SHA-256 of its bearer token is stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Session {
    pub token_hash: String,
    pub tenant_id: i64,
    pub user_id: i64,
    pub created_at: i64,
    pub expires_at: i64,
    pub revoked: bool,
    /// The last activity (written at most once a minute).
    pub last_seen_at: i64,
    /// Where it signed in from, and the client's `User-Agent`.
    pub client: String,
    pub user_agent: String,
}

/// Everything the server keeps: one trait per concept, one backend
/// implementing them all.
pub trait Store:
    tenants::TenantStore
    + group::GroupStore
    + chat::ChatStore
    + knowledge::KnowledgeStore
    + field::FieldStore
    + dispatch::DispatchStore
    + workbench::WorkbenchStore
    + security::SecurityStore
    + mail::MailStore
    + mall::MallStore
    + inbox::InboxStore
    + outbox::OutboxStore
    + sealed::SealedStore
    + Send
    + Sync
    + 'static
{
}

impl<T> Store for T where
    T: tenants::TenantStore
        + group::GroupStore
        + chat::ChatStore
        + knowledge::KnowledgeStore
        + field::FieldStore
        + dispatch::DispatchStore
        + workbench::WorkbenchStore
        + security::SecurityStore
        + mail::MailStore
        + mall::MallStore
        + inbox::InboxStore
        + outbox::OutboxStore
        + sealed::SealedStore
{
}
