//! Storage of sign-in security: each tenant's session policy, sessions
//! as their users see them, disabled accounts, the security event log,
//! and the purge of what has expired.

use async_trait::async_trait;
use fieldesk_core::security::{SecurityEvent, SecurityEventKind};
use fieldesk_core::session_policy::SessionPolicy;

use super::StoreResult;

/// A live session as listed to its user (never its token hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRow {
    pub id: i64,
    pub token_hash: String,
    pub created_at: i64,
    pub last_seen_at: i64,
    pub expires_at: i64,
    pub client: String,
    pub user_agent: String,
}

/// Which of a user's sessions to end.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EndSessions {
    One(i64),
    /// All of them but the one with this token hash, if any.
    AllBut(Option<String>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewSecurityEvent {
    pub kind: SecurityEventKind,
    pub username: String,
    pub client: String,
    pub detail: String,
}

/// What a purge removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Purged {
    pub sessions: usize,
    pub visitors: usize,
}

#[async_trait]
pub trait SecurityStore: Send + Sync + 'static {
    async fn session_policy(&self, tenant_id: i64) -> StoreResult<SessionPolicy>;
    async fn set_session_policy(&self, tenant_id: i64, policy: SessionPolicy) -> StoreResult<()>;
    /// Records activity on a session.
    async fn touch_session(&self, token_hash: &str, at: i64) -> StoreResult<()>;
    /// The user's sessions that are not revoked and not past `expires_at`.
    async fn live_sessions(
        &self,
        tenant_id: i64,
        user_id: i64,
        now: i64,
    ) -> StoreResult<Vec<SessionRow>>;
    /// Revokes sessions of a user; answers the token hashes it ended (an
    /// unknown or another user's session id ends nothing).
    async fn end_sessions(
        &self,
        tenant_id: i64,
        user_id: i64,
        which: EndSessions,
    ) -> StoreResult<Vec<String>>;
    /// Disables (ending every session, in the same transaction) or
    /// enables a user; answers the token hashes ended.
    async fn set_disabled(
        &self,
        tenant_id: i64,
        user_id: i64,
        disabled: bool,
    ) -> StoreResult<Vec<String>>;
    /// Gives the user another role and ends their sessions, in one
    /// transaction; answers the token hashes ended.
    async fn set_role(
        &self,
        tenant_id: i64,
        user_id: i64,
        role: fieldesk_core::Role,
    ) -> StoreResult<Vec<String>>;
    async fn log_security_event(&self, tenant_id: i64, event: NewSecurityEvent) -> StoreResult<()>;
    /// Newest first, older than `before` (an id) when given.
    async fn security_events(
        &self,
        tenant_id: i64,
        before: Option<i64>,
        limit: u32,
    ) -> StoreResult<Vec<SecurityEvent>>;
    /// Deletes sessions revoked or expired before `sessions_before`, and
    /// visitors created before `visitors_before` who never wrote (with
    /// their empty conversations).
    async fn purge(&self, sessions_before: i64, visitors_before: i64) -> StoreResult<Purged>;
}
