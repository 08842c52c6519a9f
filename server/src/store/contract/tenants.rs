use std::sync::Arc;

use fieldesk_core::{Locale, Role};

use super::{two_tenants, user};
use crate::store::tenants::TenantStore;
use crate::store::{Session, StoreError};

pub async fn tenants_have_unique_slugs_and_are_found_by_id_and_slug<S: TenantStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    assert_ne!(a.id, b.id);
    assert_eq!(a.default_locale, Locale::ZhCn);
    assert_eq!(store.tenant(a.id).await.unwrap(), Some(a.clone()));
    assert_eq!(store.tenant_by_slug("b").await.unwrap(), Some(b.clone()));
    assert_eq!(store.tenant_by_slug("c").await.unwrap(), None);
    assert_eq!(store.tenant(b.id + 100).await.unwrap(), None);
    assert!(matches!(
        store.create_tenant("a", "again", "x").await,
        Err(StoreError::Conflict(_))
    ));
}

pub async fn users_are_scoped_to_their_tenant<S: TenantStore + ?Sized>(store: Arc<S>) {
    let (a, b) = two_tenants(&*store).await;
    let alice = user(&*store, &a, "alice", Role::Agent).await;
    // The same user name may exist in another tenant.
    let other = user(&*store, &b, "alice", Role::Admin).await;
    assert!(matches!(
        store
            .create_user(
                a.id,
                crate::store::NewUser {
                    username: "alice".into(),
                    display_name: "x".into(),
                    role: Role::Agent,
                    password_hash: "h".into(),
                }
            )
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.user(a.id, alice.id).await.unwrap(),
        Some(alice.clone())
    );
    assert_eq!(store.user(b.id, alice.id).await.unwrap(), None);
    assert_eq!(store.users(a.id).await.unwrap(), vec![alice.clone()]);
    assert_eq!(store.users(b.id).await.unwrap(), vec![other.clone()]);
    let creds = store.credentials(a.id, "alice").await.unwrap().unwrap();
    assert_eq!(
        (creds.user, creds.password_hash.as_str()),
        (alice, "hash-of-alice")
    );
    assert!(store.credentials(a.id, "bob").await.unwrap().is_none());
    assert_eq!(
        store
            .credentials(b.id, "alice")
            .await
            .unwrap()
            .unwrap()
            .user,
        other
    );
}

fn session(token: &str, tenant_id: i64, user_id: i64) -> Session {
    Session {
        token_hash: token.into(),
        tenant_id,
        user_id,
        created_at: 100,
        expires_at: i64::MAX,
        revoked: false,
        last_seen_at: 100,
        client: "127.0.0.1".into(),
        user_agent: "contract".into(),
    }
}

pub async fn sessions_are_found_by_token_and_revoked_idempotently<S: TenantStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let alice = user(&*store, &a, "alice", Role::Agent).await;
    let s = session("t-1", a.id, alice.id);
    store.create_session(s.clone()).await.unwrap();
    assert_eq!(store.session("t-1").await.unwrap(), Some(s));
    assert_eq!(store.session("t-2").await.unwrap(), None);
    // Another tenant cannot revoke it.
    store.revoke_session(b.id, "t-1").await.unwrap();
    assert!(!store.session("t-1").await.unwrap().unwrap().revoked);
    store.revoke_session(a.id, "t-1").await.unwrap();
    store.revoke_session(a.id, "t-1").await.unwrap();
    assert!(store.session("t-1").await.unwrap().unwrap().revoked);
}

pub async fn a_new_password_revokes_the_users_sessions<S: TenantStore + ?Sized>(store: Arc<S>) {
    let (a, b) = two_tenants(&*store).await;
    let bob = user(&*store, &a, "bob", Role::Engineer).await;
    let bob_b = user(&*store, &b, "bob", Role::Engineer).await;
    store
        .create_session(session("x", a.id, bob.id))
        .await
        .unwrap();
    store
        .create_session(session("y", b.id, bob_b.id))
        .await
        .unwrap();
    store.set_password(a.id, "bob", "new").await.unwrap();
    assert!(store.session("x").await.unwrap().unwrap().revoked);
    assert!(
        !store.session("y").await.unwrap().unwrap().revoked,
        "other tenant's bob"
    );
    let creds = store.credentials(a.id, "bob").await.unwrap().unwrap();
    assert_eq!(creds.password_hash, "new");
    assert!(matches!(
        store.set_password(a.id, "nobody", "new").await,
        Err(StoreError::NotFound(_))
    ));
}
