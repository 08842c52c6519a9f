use std::sync::Arc;

use fieldesk_core::chat::Author;
use fieldesk_core::chat::MessagePage::{After, Before};
use fieldesk_core::group::ServiceGroupInput;
use fieldesk_core::handoff::HandoffState;
use fieldesk_core::identity::{CustomerLink, Verification};
use fieldesk_core::{Locale, Role};

use super::ChatContractStore;
use super::{two_tenants, user};
use crate::store::StoreError;
use crate::store::chat::{
    ChatSettings, ConversationFilter, ConversationPatch, ListPage, NewConversation, NewMessage,
};

fn visitor_says(client_id: &str, body: &str) -> NewMessage {
    NewMessage {
        client_id: Some(client_id.into()),
        author: Author::Visitor,
        body: body.into(),
        locale: Locale::ZhCn,
        references: vec![],
        ai_generated: false,
        notice: None,
    }
}

pub async fn chat_settings_default_and_are_per_tenant<S: ChatContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    assert_eq!(
        store.chat_settings(a.id).await.unwrap(),
        ChatSettings::default()
    );
    let settings = ChatSettings {
        languages: vec![Locale::En],
        avg_handle_secs: 120,
        ..ChatSettings::default()
    };
    store
        .set_chat_settings(a.id, settings.clone())
        .await
        .unwrap();
    assert_eq!(store.chat_settings(a.id).await.unwrap(), settings);
    assert_eq!(
        store.chat_settings(b.id).await.unwrap(),
        ChatSettings::default()
    );
}

pub async fn visitors_are_found_by_token_and_linked_to_customers<S: ChatContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let v = store.create_visitor(a.id, "vt-1").await.unwrap();
    assert_eq!(
        store.visitor_by_token(a.id, "vt-1").await.unwrap(),
        Some(v.clone())
    );
    assert_eq!(store.visitor_by_token(b.id, "vt-1").await.unwrap(), None);
    assert_eq!(v.customer, None);
    let link = CustomerLink {
        name: "Acme Hospital".into(),
        external_id: Some("c-42".into()),
        verified: Verification::Signed,
    };
    assert!(
        store
            .link_customer(a.id, v.id, Some(link.clone()))
            .await
            .unwrap()
    );
    assert!(
        !store.link_customer(b.id, v.id, None).await.unwrap(),
        "not another tenant's"
    );
    assert_eq!(
        store
            .visitor_by_token(a.id, "vt-1")
            .await
            .unwrap()
            .unwrap()
            .customer,
        Some(link)
    );
    assert!(store.link_customer(a.id, v.id, None).await.unwrap());
    assert_eq!(
        store
            .visitor_by_token(a.id, "vt-1")
            .await
            .unwrap()
            .unwrap()
            .customer,
        None
    );
    // The identity secret, sealed, per tenant.
    assert_eq!(store.identity_secret(a.id).await.unwrap(), None);
    store
        .set_identity_secret(a.id, Some("v1:sealed".into()), 5)
        .await
        .unwrap();
    assert_eq!(
        store.identity_secret(a.id).await.unwrap(),
        Some(("v1:sealed".into(), 5))
    );
    assert_eq!(store.identity_secret(b.id).await.unwrap(), None);
    store.set_identity_secret(a.id, None, 6).await.unwrap();
    assert_eq!(store.identity_secret(a.id).await.unwrap(), None);
}

pub async fn messages_are_stored_once_per_client_id_and_page_in_order<
    S: ChatContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let v = store.create_visitor(a.id, "vt-1").await.unwrap();
    let c = store
        .create_conversation(a.id, v.id, NewConversation::in_locale(Locale::ZhCn))
        .await
        .unwrap();
    assert_eq!(
        store
            .open_conversation(a.id, v.id)
            .await
            .unwrap()
            .map(|c| c.id),
        Some(c.id)
    );
    assert_eq!(store.conversation(b.id, c.id).await.unwrap(), None);
    let (first, new) = store
        .add_message(a.id, c.id, visitor_says("m-1", "你好"))
        .await
        .unwrap();
    assert!(new);
    let (again, new) = store
        .add_message(a.id, c.id, visitor_says("m-1", "你好"))
        .await
        .unwrap();
    assert!(!new, "a retry");
    assert_eq!(again.id, first.id);
    for n in 2..=5 {
        store
            .add_message(a.id, c.id, visitor_says(&format!("m-{n}"), "…"))
            .await
            .unwrap();
    }
    let all = store.messages(a.id, c.id, After(0), 100).await.unwrap();
    assert_eq!(all.len(), 5);
    assert!(all.windows(2).all(|w| w[0].id < w[1].id));
    assert_eq!(
        store
            .messages(a.id, c.id, After(all[1].id), 2)
            .await
            .unwrap(),
        all[2..4].to_vec()
    );
    // Paging back: the newest first (answered oldest first), then before.
    assert_eq!(
        store.messages(a.id, c.id, Before(None), 2).await.unwrap(),
        all[3..].to_vec()
    );
    assert_eq!(
        store
            .messages(a.id, c.id, Before(Some(all[3].id)), 2)
            .await
            .unwrap(),
        all[1..3].to_vec()
    );
    assert_eq!(
        store
            .messages(a.id, c.id, Before(Some(all[1].id)), 2)
            .await
            .unwrap(),
        all[..1].to_vec()
    );
    assert!(
        store
            .messages(b.id, c.id, After(0), 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .messages(b.id, c.id, Before(None), 100)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        store
            .add_message(b.id, c.id, visitor_says("m-9", "x"))
            .await
            .is_err(),
        "not into another tenant's"
    );
    assert_eq!(
        store
            .messages(a.id, c.id, After(0), 100)
            .await
            .unwrap()
            .len(),
        5
    );
}

pub async fn a_patch_and_its_messages_are_one_write<S: ChatContractStore + ?Sized>(store: Arc<S>) {
    let (a, b) = two_tenants(&*store).await;
    let alice = user(&*store, &a, "alice", Role::Agent).await;
    let v = store.create_visitor(a.id, "vt-1").await.unwrap();
    let c = store
        .create_conversation(a.id, v.id, NewConversation::in_locale(Locale::ZhCn))
        .await
        .unwrap();
    assert_eq!(c.state, HandoffState::Bot);
    let queue = ConversationPatch {
        state: Some(HandoffState::Queued),
        queued_at: Some(Some(100)),
        ..ConversationPatch::default()
    };
    let (queued, written) = store
        .update_conversation(a.id, c.id, queue, vec![visitor_says("q-1", "转人工")])
        .await
        .unwrap();
    assert_eq!(
        (queued.state, queued.queued_at, written.len()),
        (HandoffState::Queued, Some(100), 1)
    );
    assert_eq!(
        store
            .queue(a.id)
            .await
            .unwrap()
            .iter()
            .map(|c| c.id)
            .collect::<Vec<_>>(),
        vec![c.id]
    );
    assert_eq!(store.tenants_with_queue().await.unwrap(), vec![a.id]);
    assert!(store.queue(b.id).await.unwrap().is_empty());
    assert!(matches!(
        store
            .update_conversation(b.id, c.id, ConversationPatch::default(), vec![])
            .await,
        Err(StoreError::NotFound(_))
    ));
    let take = ConversationPatch {
        state: Some(HandoffState::Human { agent_id: alice.id }),
        queued_at: Some(None),
        ..ConversationPatch::default()
    };
    let (served, _) = store
        .update_conversation(a.id, c.id, take, vec![])
        .await
        .unwrap();
    assert_eq!(served.agent_id, Some(alice.id));
    assert!(store.queue(a.id).await.unwrap().is_empty());
    assert!(store.has_served(a.id, c.id, alice.id).await.unwrap());
    assert_eq!(
        store.active_counts(a.id).await.unwrap(),
        vec![(alice.id, 1)]
    );
    let rows = store
        .conversations(
            a.id,
            ConversationFilter::AgentActive(alice.id),
            ListPage::first(50),
        )
        .await
        .unwrap();
    assert_eq!(
        rows.iter().map(|r| r.conversation.id).collect::<Vec<_>>(),
        vec![c.id]
    );
    assert_eq!(rows[0].last_message.as_deref(), Some("转人工"));
    assert_eq!(
        store
            .conversation_row(a.id, c.id)
            .await
            .unwrap()
            .unwrap()
            .unread,
        1
    );
    assert_eq!(store.conversation_row(b.id, c.id).await.unwrap(), None);
    assert!(
        store
            .conversations(b.id, ConversationFilter::All, ListPage::first(50))
            .await
            .unwrap()
            .is_empty()
    );
    // A survey, once.
    assert!(
        store
            .save_survey(a.id, c.id, Some(alice.id), 5, "好")
            .await
            .unwrap()
    );
    assert!(
        !store
            .save_survey(a.id, c.id, Some(alice.id), 1, "again")
            .await
            .unwrap()
    );
    assert_eq!(
        store.survey(a.id, c.id).await.unwrap(),
        Some((Some(alice.id), 5, "好".into()))
    );
    assert_eq!(store.survey(b.id, c.id).await.unwrap(), None);
}

pub async fn agents_capacity_and_groups_are_per_tenant<S: ChatContractStore + ?Sized>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let alice = user(&*store, &a, "alice", Role::Agent).await;
    let (default_capacity, _) = store.agent_chat(a.id, alice.id).await.unwrap();
    store
        .set_agent_capacity(a.id, alice.id, default_capacity + 3)
        .await
        .unwrap();
    store.mark_assigned(a.id, alice.id, 777).await.unwrap();
    assert_eq!(
        store.agent_chat(a.id, alice.id).await.unwrap(),
        (default_capacity + 3, 777)
    );
    let group = store
        .save_group(
            a.id,
            None,
            ServiceGroupInput {
                name: "售后".into(),
                member_ids: vec![alice.id],
            },
        )
        .await
        .unwrap();
    assert_eq!(store.groups(a.id).await.unwrap(), vec![group.clone()]);
    assert!(store.groups(b.id).await.unwrap().is_empty());
    assert!(matches!(
        store.delete_group(b.id, group.id).await,
        Err(StoreError::NotFound(_))
    ));
    store.delete_group(a.id, group.id).await.unwrap();
    assert!(store.groups(a.id).await.unwrap().is_empty());
}

pub async fn idle_conversations_are_found_by_their_tenants_time_and_keep_their_visit<
    S: ChatContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    use fieldesk_core::visit::VisitContext;
    let (a, b) = two_tenants(&*store).await;
    let context = VisitContext {
        page_url: Some("https://shop.example.com/pumps".into()),
        referrer: Some("https://search.example.com/?q=pump".into()),
        user_agent: Some("Mozilla/5.0 (X11; Linux x86_64)".into()),
        language: Some("en-GB".into()),
    };
    let va = store.create_visitor(a.id, "vt-idle-a").await.unwrap();
    let vb = store.create_visitor(b.id, "vt-idle-b").await.unwrap();
    let ca = store
        .create_conversation(
            a.id,
            va.id,
            NewConversation {
                locale: Locale::En,
                context: context.clone(),
                contact: Some(("Wang Wei".into(), "wang@example.cn".into())),
            },
        )
        .await
        .unwrap();
    assert_eq!(ca.context, context);
    assert_eq!(ca.contact_name.as_deref(), Some("Wang Wei"));
    assert_eq!(ca.contact.as_deref(), Some("wang@example.cn"));
    let cb = store
        .create_conversation(b.id, vb.id, NewConversation::in_locale(Locale::En))
        .await
        .unwrap();
    assert_eq!(cb.context, VisitContext::default());
    let later = ca.updated_at + 3600;
    // No tenant set an idle time: nothing is idle.
    assert!(store.idle_conversations(later).await.unwrap().is_empty());
    let settings = ChatSettings {
        auto_resolve_minutes: Some(30),
        pre_chat: true,
        transcript_mailbox_id: Some(7),
        ..ChatSettings::default()
    };
    store
        .set_chat_settings(a.id, settings.clone())
        .await
        .unwrap();
    assert_eq!(store.chat_settings(a.id).await.unwrap(), settings);
    assert!(!store.chat_settings(b.id).await.unwrap().pre_chat);
    let idle: Vec<i64> = store
        .idle_conversations(later)
        .await
        .unwrap()
        .iter()
        .map(|c| c.id)
        .collect();
    assert_eq!(idle, [ca.id], "only tenant a set an idle time");
    assert!(
        store
            .idle_conversations(ca.updated_at + 29 * 60)
            .await
            .unwrap()
            .is_empty(),
        "29 of 30 minutes"
    );
    // Resolved: not idle again, still the visitor's open conversation.
    let patch = ConversationPatch {
        state: Some(HandoffState::Resolved),
        ..Default::default()
    };
    let (resolved, _) = store
        .update_conversation(a.id, ca.id, patch, vec![])
        .await
        .unwrap();
    assert_eq!(resolved.state, HandoffState::Resolved);
    assert!(store.idle_conversations(later).await.unwrap().is_empty());
    assert_eq!(
        store
            .open_conversation(a.id, va.id)
            .await
            .unwrap()
            .map(|c| (c.id, c.state)),
        Some((ca.id, HandoffState::Resolved))
    );
}

pub async fn conversation_lists_page_by_activity_without_gaps_or_repeats<
    S: ChatContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let mut made = Vec::new();
    for n in 0..23 {
        let v = store
            .create_visitor(a.id, &format!("vt-page-{n}"))
            .await
            .unwrap();
        let c = store
            .create_conversation(a.id, v.id, NewConversation::in_locale(Locale::En))
            .await
            .unwrap();
        made.push(c.id);
    }
    let other = store.create_visitor(b.id, "vt-page-b").await.unwrap();
    store
        .create_conversation(b.id, other.id, NewConversation::in_locale(Locale::En))
        .await
        .unwrap();
    // Paging while a conversation moves to the top (new activity) never
    // repeats one nor skips one that stayed.
    let mut seen = Vec::new();
    let mut page = ListPage::first(10);
    loop {
        let rows = store
            .conversations(a.id, ConversationFilter::All, page)
            .await
            .unwrap();
        assert!(rows.len() <= 10);
        for pair in rows.windows(2) {
            let key = |r: &crate::store::chat::ConversationRow| {
                (r.conversation.updated_at, r.conversation.id)
            };
            assert!(key(&pair[0]) > key(&pair[1]), "newest activity first");
        }
        seen.extend(rows.iter().map(|r| r.conversation.id));
        let Some(last) = rows.last() else { break };
        page.before = Some((last.conversation.updated_at, last.conversation.id));
        if rows.len() < 10 {
            break;
        }
    }
    let mut sorted = seen.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), seen.len(), "no repeats");
    made.sort_unstable();
    assert_eq!(sorted, made, "every conversation of the tenant, no other");
}
