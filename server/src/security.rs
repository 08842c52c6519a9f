//! Sign-in security use cases: a user's sessions (list, end one, sign out
//! everywhere), an admin's over their users (sessions, disable), the
//! tenant's session policy, and the security event log. Routes check the
//! role and call; every ended session is told to its sockets at once.

use std::sync::Arc;

use fieldesk_core::ErrorCode;
use fieldesk_core::event::ServerEvent;
use fieldesk_core::security::{SecurityEvent, SecurityEventKind, SessionInfo};
use fieldesk_core::session_policy::SessionPolicy;

use crate::auth::Caller;
use crate::clock::now;
use crate::error::ApiError;
use crate::hub::{Audience, Envelope, Hub};
use crate::store::security::{EndSessions, NewSecurityEvent};
use crate::store::{Store, User};

pub type SecurityResult<T> = Result<T, ApiError>;

/// Events listed per page.
pub const EVENTS_PAGE: u32 = 100;

pub struct SecurityService {
    store: Arc<dyn Store>,
    hub: Hub,
    /// The server's own longest session (`serve --token-ttl-secs`).
    cap_secs: i64,
}

impl SecurityService {
    pub fn new(store: Arc<dyn Store>, hub: Hub, cap_secs: i64) -> Self {
        SecurityService {
            store,
            hub,
            cap_secs,
        }
    }

    /// When a session signed in `created_at` ends at the latest.
    pub fn expires_at(&self, policy: &SessionPolicy, created_at: i64) -> i64 {
        created_at + policy.max_secs.min(self.cap_secs)
    }

    /// Writes an entry of the log; a failure to write is logged, never
    /// fails the request it records.
    pub async fn record(
        &self,
        tenant_id: i64,
        kind: SecurityEventKind,
        username: &str,
        client: &str,
        detail: impl Into<String>,
    ) {
        let event = NewSecurityEvent {
            kind,
            username: username.to_owned(),
            client: client.to_owned(),
            detail: detail.into(),
        };
        tracing::info!(tenant_id, kind = kind.as_str(), %username, %client, detail = %event.detail, "security event");
        if let Err(e) = self.store.log_security_event(tenant_id, event).await {
            tracing::error!(%e, "the security event log could not be written");
        }
    }

    fn announce_ended(&self, tenant_id: i64, hashes: &[String]) {
        for hash in hashes {
            self.hub.publish(Envelope {
                tenant_id,
                audience: Audience::Session(hash.clone()),
                event: ServerEvent::SessionRevoked,
            });
        }
    }

    /// Ends everything of a user at once: the sessions just ended, and
    /// the sockets of sessions that ended another way (they listen too).
    fn sign_out(&self, tenant_id: i64, user_id: i64, ended: &[String]) {
        self.announce_ended(tenant_id, ended);
        self.hub.publish(Envelope {
            tenant_id,
            audience: Audience::User(user_id),
            event: ServerEvent::SessionRevoked,
        });
    }

    /// `user`'s live sessions; `current`: the caller's own token hash.
    pub async fn sessions(&self, user: &User, current: &str) -> SecurityResult<Vec<SessionInfo>> {
        let policy = self.store.session_policy(user.tenant_id).await?;
        let now = now();
        Ok(self
            .store
            .live_sessions(user.tenant_id, user.id, now)
            .await?
            .into_iter()
            .filter(|s| policy.alive(s.created_at, s.last_seen_at, s.expires_at, now))
            .map(|s| SessionInfo {
                id: s.id,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                ends_at: policy.ends_at(s.created_at, s.last_seen_at, s.expires_at),
                client: s.client,
                user_agent: s.user_agent,
                current: s.token_hash == current,
            })
            .collect())
    }

    /// Ends sessions of `user` on behalf of `by` (themselves or an admin).
    pub async fn end(
        &self,
        by: &Caller,
        client: &str,
        user: &User,
        which: EndSessions,
    ) -> SecurityResult<u32> {
        let detail = match &which {
            EndSessions::One(id) => format!("{} #{id}", user.username),
            EndSessions::AllBut(Some(_)) => format!("{} (all others)", user.username),
            EndSessions::AllBut(None) => format!("{} (all)", user.username),
        };
        let one = matches!(which, EndSessions::One(_));
        let ended = self
            .store
            .end_sessions(user.tenant_id, user.id, which)
            .await?;
        if one && ended.is_empty() {
            return Err(ApiError::new(ErrorCode::NotFound));
        }
        self.announce_ended(user.tenant_id, &ended);
        if !ended.is_empty() {
            self.record(
                user.tenant_id,
                SecurityEventKind::SessionsEnded,
                &by.user.username,
                client,
                detail,
            )
            .await;
        }
        Ok(ended.len() as u32)
    }

    /// Disables (ending every session and socket at once) or enables a
    /// user; an admin cannot disable themselves.
    pub async fn set_disabled(
        &self,
        by: &Caller,
        client: &str,
        user_id: i64,
        disabled: bool,
    ) -> SecurityResult<User> {
        if disabled && user_id == by.user.id {
            return Err(ApiError::new(ErrorCode::Conflict));
        }
        let user = self.user(by.tenant_id(), user_id).await?;
        let ended = self
            .store
            .set_disabled(by.tenant_id(), user_id, disabled)
            .await?;
        if disabled {
            self.sign_out(by.tenant_id(), user_id, &ended);
        } else {
            self.announce_ended(by.tenant_id(), &ended);
        }
        let kind = if disabled {
            SecurityEventKind::UserDisabled
        } else {
            SecurityEventKind::UserEnabled
        };
        self.record(
            by.tenant_id(),
            kind,
            &by.user.username,
            client,
            user.username,
        )
        .await;
        self.user(by.tenant_id(), user_id).await
    }

    /// Gives a user another role (not oneself: an admin cannot demote
    /// themselves out of the tenant's administration); their sessions end
    /// so that every screen and socket starts again with the new role.
    pub async fn set_role(
        &self,
        by: &Caller,
        client: &str,
        user_id: i64,
        role: fieldesk_core::Role,
    ) -> SecurityResult<User> {
        if user_id == by.user.id {
            return Err(ApiError::new(ErrorCode::Conflict));
        }
        let user = self.user(by.tenant_id(), user_id).await?;
        if user.role == role {
            return Ok(user);
        }
        let ended = self.store.set_role(by.tenant_id(), user_id, role).await?;
        self.sign_out(by.tenant_id(), user_id, &ended);
        self.record(
            by.tenant_id(),
            SecurityEventKind::RoleChanged,
            &by.user.username,
            client,
            format!("{}: {} → {}", user.username, user.role, role),
        )
        .await;
        self.user(by.tenant_id(), user_id).await
    }

    pub async fn user(&self, tenant_id: i64, user_id: i64) -> SecurityResult<User> {
        self.store
            .user(tenant_id, user_id)
            .await?
            .ok_or(ApiError::new(ErrorCode::NotFound))
    }

    pub async fn policy(&self, tenant_id: i64) -> SecurityResult<SessionPolicy> {
        Ok(self.store.session_policy(tenant_id).await?)
    }

    pub async fn set_policy(
        &self,
        by: &Caller,
        client: &str,
        policy: SessionPolicy,
    ) -> SecurityResult<SessionPolicy> {
        if !policy.check() {
            return Err(ApiError::new(ErrorCode::BadRequest));
        }
        self.store
            .set_session_policy(by.tenant_id(), policy)
            .await?;
        self.record(
            by.tenant_id(),
            SecurityEventKind::SettingsChanged,
            &by.user.username,
            client,
            format!(
                "sessions: idle {} min, at most {} h",
                policy.idle_secs / 60,
                policy.max_secs / 3600
            ),
        )
        .await;
        Ok(policy)
    }

    pub async fn events(
        &self,
        tenant_id: i64,
        before: Option<i64>,
    ) -> SecurityResult<Vec<SecurityEvent>> {
        Ok(self
            .store
            .security_events(tenant_id, before, EVENTS_PAGE)
            .await?)
    }
}
