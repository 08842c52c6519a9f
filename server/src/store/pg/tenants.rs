//! Tenants, their staff and sign-in sessions on PostgreSQL.

use async_trait::async_trait;
use fieldesk_core::Locale;
use tokio_postgres::Row;

use super::{PgStore, conflict_names};
use crate::clock::now;
use crate::store::tenants::TenantStore;
use crate::store::{Credentials, NewUser, Session, StoreError, StoreResult, Tenant, User};

const TENANT_COLUMNS: &str = "id, slug, name, workbench_name, default_locale";
const USER_COLUMNS: &str = "id, tenant_id, username, display_name, role, disabled";
const SESSION_COLUMNS: &str = "token_hash, tenant_id, user_id, created_at, expires_at, revoked_at,
    last_seen_at, client, user_agent";

fn tenant_from_row(row: &Row) -> Tenant {
    Tenant {
        id: row.get(0),
        slug: row.get(1),
        name: row.get(2),
        workbench_name: row.get(3),
        default_locale: Locale::negotiate(row.get(4)),
    }
}

fn user_from_row(row: &Row) -> StoreResult<User> {
    let role: &str = row.get(4);
    Ok(User {
        id: row.get(0),
        tenant_id: row.get(1),
        username: row.get(2),
        display_name: row.get(3),
        role: role
            .parse()
            .map_err(|e| StoreError::database(format!("role {role}"), e))?,
        disabled: row.get(5),
    })
}

fn session_from_row(row: &Row) -> Session {
    let revoked_at: Option<i64> = row.get(5);
    Session {
        token_hash: row.get(0),
        tenant_id: row.get(1),
        user_id: row.get(2),
        created_at: row.get(3),
        expires_at: row.get(4),
        revoked: revoked_at.is_some(),
        last_seen_at: row.get(6),
        client: row.get(7),
        user_agent: row.get(8),
    }
}

#[async_trait]
impl TenantStore for PgStore {
    async fn create_tenant(
        &self,
        slug: &str,
        name: &str,
        workbench_name: &str,
    ) -> StoreResult<Tenant> {
        let client = self.client().await?;
        let row = client
            .query_one(
                &format!(
                    "INSERT INTO tenants (slug, name, workbench_name, created_at)
                     VALUES ($1, $2, $3, $4) RETURNING {TENANT_COLUMNS}"
                ),
                &[&slug, &name, &workbench_name, &now()],
            )
            .await
            .map_err(conflict_names(|| format!("tenant {slug}")))?;
        Ok(tenant_from_row(&row))
    }

    async fn tenant_by_slug(&self, slug: &str) -> StoreResult<Option<Tenant>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE slug = $1"),
                &[&slug],
            )
            .await?;
        Ok(row.as_ref().map(tenant_from_row))
    }

    async fn tenant(&self, tenant_id: i64) -> StoreResult<Option<Tenant>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {TENANT_COLUMNS} FROM tenants WHERE id = $1"),
                &[&tenant_id],
            )
            .await?;
        Ok(row.as_ref().map(tenant_from_row))
    }

    async fn create_user(&self, tenant_id: i64, user: NewUser) -> StoreResult<User> {
        let client = self.client().await?;
        let row = client
            .query_one(
                &format!(
                    "INSERT INTO users (tenant_id, username, display_name, role, password_hash, created_at)
                     VALUES ($1, $2, $3, $4, $5, $6) RETURNING {USER_COLUMNS}"
                ),
                &[
                    &tenant_id,
                    &user.username,
                    &user.display_name,
                    &user.role.as_str(),
                    &user.password_hash,
                    &now(),
                ],
            )
            .await
            .map_err(conflict_names(|| format!("user {}", user.username)))?;
        user_from_row(&row)
    }

    async fn set_password(&self, tenant_id: i64, username: &str, hash: &str) -> StoreResult<()> {
        let mut client = self.client().await?;
        let tx = client.transaction().await?;
        let changed = tx
            .execute(
                "UPDATE users SET password_hash = $3 WHERE tenant_id = $1 AND username = $2",
                &[&tenant_id, &username, &hash],
            )
            .await?;
        if changed == 0 {
            return Err(StoreError::NotFound(format!("user {username}")));
        }
        // A new password ends every session of that user.
        tx.execute(
            "UPDATE sessions SET revoked_at = $3 WHERE tenant_id = $1 AND revoked_at IS NULL
             AND user_id = (SELECT id FROM users WHERE tenant_id = $1 AND username = $2)",
            &[&tenant_id, &username, &now()],
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    async fn credentials(
        &self,
        tenant_id: i64,
        username: &str,
    ) -> StoreResult<Option<Credentials>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!(
                    "SELECT {USER_COLUMNS}, password_hash FROM users
                     WHERE tenant_id = $1 AND username = $2"
                ),
                &[&tenant_id, &username],
            )
            .await?;
        row.map(|row| {
            Ok(Credentials {
                user: user_from_row(&row)?,
                password_hash: row.get(6),
            })
        })
        .transpose()
    }

    async fn user(&self, tenant_id: i64, user_id: i64) -> StoreResult<Option<User>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 AND id = $2"),
                &[&tenant_id, &user_id],
            )
            .await?;
        row.as_ref().map(user_from_row).transpose()
    }

    async fn users(&self, tenant_id: i64) -> StoreResult<Vec<User>> {
        let client = self.client().await?;
        // Byte order, as SQLite sorts text (the cluster's locale aside).
        let rows = client
            .query(
                &format!(
                    "SELECT {USER_COLUMNS} FROM users WHERE tenant_id = $1 ORDER BY username COLLATE \"C\""
                ),
                &[&tenant_id],
            )
            .await?;
        rows.iter().map(user_from_row).collect()
    }

    async fn create_session(&self, s: Session) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute(
                "INSERT INTO sessions (token_hash, tenant_id, user_id, created_at, expires_at,
                     last_seen_at, client, user_agent)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                &[
                    &s.token_hash,
                    &s.tenant_id,
                    &s.user_id,
                    &s.created_at,
                    &s.expires_at,
                    &s.last_seen_at,
                    &s.client,
                    &s.user_agent,
                ],
            )
            .await?;
        Ok(())
    }

    async fn session(&self, token_hash: &str) -> StoreResult<Option<Session>> {
        let client = self.client().await?;
        let row = client
            .query_opt(
                &format!("SELECT {SESSION_COLUMNS} FROM sessions WHERE token_hash = $1"),
                &[&token_hash],
            )
            .await?;
        Ok(row.as_ref().map(session_from_row))
    }

    async fn revoke_session(&self, tenant_id: i64, token_hash: &str) -> StoreResult<()> {
        let client = self.client().await?;
        client
            .execute(
                "UPDATE sessions SET revoked_at = $3
                 WHERE tenant_id = $1 AND token_hash = $2 AND revoked_at IS NULL",
                &[&tenant_id, &token_hash, &now()],
            )
            .await?;
        Ok(())
    }
}
