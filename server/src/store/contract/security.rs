use std::sync::Arc;

use fieldesk_core::Role;
use fieldesk_core::security::SecurityEventKind;
use fieldesk_core::session_policy::SessionPolicy;

use super::SecurityContractStore;
use super::{two_tenants, user};
use crate::store::Session;
use crate::store::security::{EndSessions, NewSecurityEvent};

fn session(token: &str, tenant_id: i64, user_id: i64, at: i64) -> Session {
    Session {
        token_hash: token.into(),
        tenant_id,
        user_id,
        created_at: at,
        expires_at: at + 3600,
        revoked: false,
        last_seen_at: at,
        client: "127.0.0.1".into(),
        user_agent: "contract".into(),
    }
}

pub async fn session_policies_default_and_are_per_tenant<S: SecurityContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    assert_eq!(
        store.session_policy(a.id).await.unwrap(),
        SessionPolicy::default()
    );
    let policy = SessionPolicy {
        idle_secs: 600,
        max_secs: 7200,
    };
    store.set_session_policy(a.id, policy).await.unwrap();
    assert_eq!(store.session_policy(a.id).await.unwrap(), policy);
    assert_eq!(
        store.session_policy(b.id).await.unwrap(),
        SessionPolicy::default()
    );
}

pub async fn live_sessions_end_one_or_all_but_the_current<S: SecurityContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let alice = user(&*store, &a, "alice", Role::Agent).await;
    for (n, token) in ["s-1", "s-2", "s-3"].iter().enumerate() {
        store
            .create_session(session(token, a.id, alice.id, 1000 + n as i64))
            .await
            .unwrap();
    }
    store.touch_session("s-2", 1500).await.unwrap();
    let live = store.live_sessions(a.id, alice.id, 1600).await.unwrap();
    assert_eq!(live.len(), 3);
    assert_eq!(
        live.iter()
            .find(|s| s.token_hash == "s-2")
            .unwrap()
            .last_seen_at,
        1500
    );
    assert!(
        store
            .live_sessions(b.id, alice.id, 1600)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .live_sessions(a.id, alice.id, 1000 + 3600 + 10)
            .await
            .unwrap()
            .is_empty(),
        "expired"
    );
    let one = live.iter().find(|s| s.token_hash == "s-1").unwrap().id;
    // Not through another tenant.
    assert!(
        store
            .end_sessions(b.id, alice.id, EndSessions::One(one))
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store
            .end_sessions(a.id, alice.id, EndSessions::One(one))
            .await
            .unwrap(),
        vec!["s-1".to_owned()]
    );
    let ended = store
        .end_sessions(a.id, alice.id, EndSessions::AllBut(Some("s-3".into())))
        .await
        .unwrap();
    assert_eq!(ended, vec!["s-2".to_owned()]);
    let left: Vec<String> = store
        .live_sessions(a.id, alice.id, 1600)
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.token_hash)
        .collect();
    assert_eq!(left, vec!["s-3".to_owned()]);
}

pub async fn disabling_or_a_new_role_ends_the_users_sessions<S: SecurityContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let alice = user(&*store, &a, "alice", Role::Agent).await;
    store
        .create_session(session("s-1", a.id, alice.id, 1000))
        .await
        .unwrap();
    // Not through another tenant.
    let ended = store.set_disabled(b.id, alice.id, true).await;
    assert!(ended.is_err() || ended.unwrap().is_empty());
    assert!(!store.user(a.id, alice.id).await.unwrap().unwrap().disabled);
    assert!(!store.session("s-1").await.unwrap().unwrap().revoked);
    assert_eq!(
        store.set_disabled(a.id, alice.id, true).await.unwrap(),
        vec!["s-1".to_owned()]
    );
    assert!(store.user(a.id, alice.id).await.unwrap().unwrap().disabled);
    assert!(store.session("s-1").await.unwrap().unwrap().revoked);
    store.set_disabled(a.id, alice.id, false).await.unwrap();
    assert!(!store.user(a.id, alice.id).await.unwrap().unwrap().disabled);
    store
        .create_session(session("s-2", a.id, alice.id, 1000))
        .await
        .unwrap();
    let ended = store.set_role(b.id, alice.id, Role::Admin).await;
    assert!(ended.is_err() || ended.unwrap().is_empty());
    assert_eq!(
        store.user(a.id, alice.id).await.unwrap().unwrap().role,
        Role::Agent
    );
    assert_eq!(
        store
            .set_role(a.id, alice.id, Role::Supervisor)
            .await
            .unwrap(),
        vec!["s-2".to_owned()]
    );
    assert_eq!(
        store.user(a.id, alice.id).await.unwrap().unwrap().role,
        Role::Supervisor
    );
}

pub async fn security_events_page_newest_first_per_tenant<S: SecurityContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    for n in 0..5 {
        let event = NewSecurityEvent {
            kind: SecurityEventKind::SignInFailed,
            username: format!("user-{n}"),
            client: "10.0.0.1".into(),
            detail: String::new(),
        };
        store.log_security_event(a.id, event).await.unwrap();
    }
    let first = store.security_events(a.id, None, 3).await.unwrap();
    let names: Vec<&str> = first.iter().map(|e| e.username.as_str()).collect();
    assert_eq!(names, vec!["user-4", "user-3", "user-2"]);
    let next = store
        .security_events(a.id, Some(first[2].id), 3)
        .await
        .unwrap();
    let names: Vec<&str> = next.iter().map(|e| e.username.as_str()).collect();
    assert_eq!(names, vec!["user-1", "user-0"]);
    assert!(
        store
            .security_events(b.id, None, 10)
            .await
            .unwrap()
            .is_empty()
    );
}

pub async fn purge_drops_ended_sessions_and_visitors_who_never_wrote<
    S: SecurityContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    use crate::store::chat::{NewConversation, NewMessage};
    use crate::store::security::Purged;
    use fieldesk_core::Locale;
    use fieldesk_core::chat::{Author, Notice};

    let t = store.create_tenant("a", "A", "A").await.unwrap();
    let silent = store.create_visitor(t.id, "h1").await.unwrap();
    let c = store
        .create_conversation(t.id, silent.id, NewConversation::in_locale(Locale::En))
        .await
        .unwrap();
    let notice = NewMessage::system(Notice::Queued, Locale::En, "queued".into());
    store.add_message(t.id, c.id, notice).await.unwrap();
    let talker = store.create_visitor(t.id, "h2").await.unwrap();
    let c2 = store
        .create_conversation(t.id, talker.id, NewConversation::in_locale(Locale::En))
        .await
        .unwrap();
    let said = NewMessage {
        client_id: Some("q1".into()),
        author: Author::Visitor,
        ..NewMessage::system(Notice::Queued, Locale::En, "hello".into())
    };
    store.add_message(t.id, c2.id, said).await.unwrap();

    let user = store
        .create_user(
            t.id,
            crate::store::NewUser {
                username: "bob".into(),
                display_name: "Bob".into(),
                role: fieldesk_core::Role::Agent,
                password_hash: "x".into(),
            },
        )
        .await
        .unwrap();
    for (hash, expires_at) in [("old", 5), ("live", i64::MAX)] {
        let session = crate::store::Session {
            token_hash: hash.into(),
            tenant_id: t.id,
            user_id: user.id,
            created_at: 1,
            expires_at,
            revoked: false,
            last_seen_at: 1,
            client: String::new(),
            user_agent: String::new(),
        };
        store.create_session(session).await.unwrap();
    }
    let later = crate::clock::now() + 10;
    // Nothing is old enough yet.
    assert_eq!(store.purge(0, 0).await.unwrap(), Purged::default());
    let purged = store.purge(later, later).await.unwrap();
    assert_eq!(purged.visitors, 1);
    assert_eq!(purged.sessions, 1);
    assert!(store.session("old").await.unwrap().is_none());
    assert!(store.session("live").await.unwrap().is_some());
    assert!(store.visitor_by_token(t.id, "h1").await.unwrap().is_none());
    assert!(store.conversation(t.id, c.id).await.unwrap().is_none());
    assert!(store.visitor_by_token(t.id, "h2").await.unwrap().is_some());
    assert_eq!(
        store
            .messages(t.id, c2.id, fieldesk_core::chat::MessagePage::After(0), 10)
            .await
            .unwrap()
            .len(),
        1
    );
}
