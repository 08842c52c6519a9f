//! The PostgreSQL store (issue 18, growing trait by trait): a pool of
//! tokio-postgres connections (deadpool) and its own versioned
//! migrations, run in one transaction under a transaction-level advisory
//! lock, so replicas starting together never race. It implements every
//! store trait and keeps the same contract as SQLite.

mod chat;
mod dispatch;
pub mod feed;
mod field;
mod group;
mod inbox;
mod knowledge;
mod lease;
mod mail;
mod mall;
mod outbox;
mod sealed;
mod security;
mod team;
mod tenants;
mod workbench;

use deadpool_postgres::{Manager, ManagerConfig, Object, Pool, RecyclingMethod};
use tokio_postgres::NoTls;
use tokio_postgres::error::SqlState;

use super::{StoreError, StoreResult};
use crate::clock::now;

/// Versioned migrations; `schema_migrations` records which ran.
const MIGRATIONS: &[&str] = &[
    include_str!("0001_init.sql"),
    include_str!("0002_workbench.sql"),
    include_str!("0003_feed.sql"),
    include_str!("0004_leases.sql"),
    include_str!("0005_field_dispatch.sql"),
    include_str!("0006_knowledge.sql"),
    include_str!("0007_chat.sql"),
    include_str!("0008_security.sql"),
    include_str!("0009_mailboxes.sql"),
    include_str!("0010_email.sql"),
    include_str!("0011_mall.sql"),
];

/// The advisory lock key that serializes migrations ("fieldesk").
const MIGRATION_LOCK: i64 = 0x6669_656c_6465_736b;

/// Connections per server process.
const POOL_SIZE: usize = 16;

pub struct PgStore {
    pool: Pool,
}

impl From<tokio_postgres::Error> for StoreError {
    fn from(e: tokio_postgres::Error) -> Self {
        StoreError::database("postgres", e)
    }
}

impl From<deadpool_postgres::PoolError> for StoreError {
    fn from(e: deadpool_postgres::PoolError) -> Self {
        StoreError::database("postgres pool", e)
    }
}

/// A unique violation is a conflict naming `what`; anything else stays a
/// database error.
fn conflict_names(
    what: impl FnOnce() -> String,
) -> impl FnOnce(tokio_postgres::Error) -> StoreError {
    move |e| match e.code() {
        Some(code) if *code == SqlState::UNIQUE_VIOLATION => StoreError::Conflict(what()),
        _ => e.into(),
    }
}

impl PgStore {
    /// Connects to `url` (`postgres://user@host:port/db`) and applies
    /// pending migrations.
    pub async fn connect(url: &str) -> StoreResult<Self> {
        let config: tokio_postgres::Config = url
            .parse()
            .map_err(|e| StoreError::database("the PostgreSQL URL", e))?;
        let manager = Manager::from_config(
            config,
            NoTls,
            ManagerConfig {
                recycling_method: RecyclingMethod::Fast,
            },
        );
        let pool = Pool::builder(manager)
            .max_size(POOL_SIZE)
            .build()
            .map_err(|e| StoreError::database("postgres pool", e))?;
        let store = PgStore { pool };
        store.migrate().await?;
        Ok(store)
    }

    async fn client(&self) -> StoreResult<Object> {
        Ok(self.pool.get().await?)
    }

    /// Applies the migrations not yet recorded, all in one transaction
    /// under the advisory lock: a second server starting at the same
    /// moment waits, then finds them done. Answers how many it applied.
    pub async fn migrate(&self) -> StoreResult<usize> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        tx.execute("SELECT pg_advisory_xact_lock($1)", &[&MIGRATION_LOCK])
            .await?;
        tx.batch_execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (
                 version     INTEGER PRIMARY KEY,
                 applied_at  BIGINT NOT NULL
             )",
        )
        .await?;
        let done: i32 = tx
            .query_one(
                "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                &[],
            )
            .await?
            .get(0);
        let done = usize::try_from(done).unwrap_or(0);
        for (i, sql) in MIGRATIONS.iter().enumerate().skip(done) {
            tx.batch_execute(sql)
                .await
                .map_err(|e| StoreError::database(format!("migration {}", i + 1), e))?;
            let version = i32::try_from(i + 1).expect("few migrations");
            tx.execute(
                "INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)",
                &[&version, &now()],
            )
            .await?;
        }
        tx.commit().await?;
        Ok(MIGRATIONS.len().saturating_sub(done))
    }
}

#[cfg(test)]
pub(crate) mod testing {
    //! A database of its own for each test, in the cluster
    //! `FIELDESK_TEST_POSTGRES` names (`cargo xtask setup` starts one on
    //! 127.0.0.1:55432; that one is used when the variable is unset).

    use tokio_postgres::NoTls;

    pub const DEFAULT_URL: &str = "postgres://postgres@127.0.0.1:55432/postgres";

    /// A new, empty database; answers its URL.
    pub async fn fresh_database() -> String {
        let url = std::env::var("FIELDESK_TEST_POSTGRES").unwrap_or_else(|_| DEFAULT_URL.into());
        let (client, connection) = tokio_postgres::connect(&url, NoTls)
            .await
            .unwrap_or_else(|e| {
                panic!("no PostgreSQL at {url} ({e}): `cargo xtask setup` starts one")
            });
        tokio::spawn(connection);
        let name = format!("fieldesk_test_{}_{}", std::process::id(), rand_suffix());
        client
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .await
            .expect("creating a test database");
        let (base, _) = url.rsplit_once('/').expect("a URL with a database");
        format!("{base}/{name}")
    }

    fn rand_suffix() -> u64 {
        let mut bytes = [0u8; 8];
        getrandom::fill(&mut bytes).expect("random bytes");
        u64::from_le_bytes(bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 4)]
    async fn replicas_starting_together_migrate_once() {
        let url = testing::fresh_database().await;
        let starts = (0..4).map(|_| {
            let url = url.clone();
            tokio::spawn(async move { PgStore::connect(&url).await.map(|_| ()) })
        });
        for start in starts {
            start.await.unwrap().unwrap();
        }
        let store = PgStore::connect(&url).await.unwrap();
        assert_eq!(store.migrate().await.unwrap(), 0, "nothing left to apply");
        let client = store.client().await.unwrap();
        let versions: Vec<i32> = client
            .query(
                "SELECT version FROM schema_migrations ORDER BY version",
                &[],
            )
            .await
            .unwrap()
            .iter()
            .map(|r| r.get(0))
            .collect();
        assert_eq!(versions, (1..=MIGRATIONS.len() as i32).collect::<Vec<_>>());
    }
}

#[cfg(test)]
mod contract {
    use std::sync::Arc;

    use super::*;

    /// PostgreSQL keeps the whole store contract SQLite keeps, each
    /// contract on a database of its own.
    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn postgres_keeps_the_store_contract() {
        let urls = std::sync::Mutex::new(Vec::new());
        let mut stores = Vec::new();
        for _ in 0..crate::store::contract::count() {
            let url = testing::fresh_database().await;
            stores.push(Arc::new(PgStore::connect(&url).await.unwrap()));
            urls.lock().unwrap().push(url);
        }
        let stores = std::sync::Mutex::new(stores);
        crate::store::contract::run(|| {
            stores.lock().unwrap().pop().expect("a store per contract")
                as Arc<dyn crate::store::Store>
        })
        .await;
    }
}
