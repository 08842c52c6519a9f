use std::sync::Arc;

use fieldesk_core::Role;
use fieldesk_core::layout::{App, Assignment, Channel, Layout};
use fieldesk_core::quick_reply::{QuickReplyInput, Tier};

use super::{two_tenants, user};
use crate::store::StoreError;
use crate::store::tenants::TenantStore;
use crate::store::workbench::WorkbenchStore;

fn reply(tier: Tier, title: &str, client_id: Option<&str>) -> QuickReplyInput {
    QuickReplyInput {
        tier,
        group: None,
        title: title.into(),
        shortcut: String::new(),
        content: format!("{title}…"),
        space: None,
        client_id: client_id.map(str::to_owned),
    }
}

pub async fn quick_replies_are_the_users_and_the_tenants_and_saved_once<
    S: TenantStore + WorkbenchStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let alice = user(&*store, &a, "alice", Role::Agent).await;
    let bob = user(&*store, &a, "bob", Role::Agent).await;
    let mine = store
        .save_quick_reply(
            a.id,
            Some(alice.id),
            None,
            reply(Tier::Personal, "您好", Some("c-1")),
        )
        .await
        .unwrap();
    // A retry with the same client id is the same reply.
    let again = store
        .save_quick_reply(
            a.id,
            Some(alice.id),
            None,
            reply(Tier::Personal, "您好", Some("c-1")),
        )
        .await
        .unwrap();
    assert_eq!(again.id, mine.id);
    let shared = store
        .save_quick_reply(a.id, None, None, reply(Tier::Enterprise, "营业时间", None))
        .await
        .unwrap();
    let (alices, _) = store.quick_replies(a.id, alice.id).await.unwrap();
    assert_eq!(
        alices.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![mine.id, shared.id],
        "personal first"
    );
    let (bobs, _) = store.quick_replies(a.id, bob.id).await.unwrap();
    assert_eq!(
        bobs.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![shared.id],
        "not alice's"
    );
    assert!(
        store
            .quick_replies(b.id, alice.id)
            .await
            .unwrap()
            .0
            .is_empty()
    );
    assert_eq!(
        store.quick_reply_owner(a.id, mine.id).await.unwrap(),
        Some(Some(alice.id))
    );
    assert_eq!(
        store.quick_reply_owner(a.id, shared.id).await.unwrap(),
        Some(None)
    );
    assert_eq!(store.quick_reply_owner(b.id, mine.id).await.unwrap(), None);
    // Only its owner changes or deletes a reply.
    assert!(matches!(
        store
            .save_quick_reply(
                a.id,
                Some(bob.id),
                Some(mine.id),
                reply(Tier::Personal, "x", None)
            )
            .await,
        Err(StoreError::NotFound(_))
    ));
    assert!(matches!(
        store.delete_quick_reply(a.id, Some(bob.id), mine.id).await,
        Err(StoreError::NotFound(_))
    ));
    assert!(
        store
            .delete_quick_reply(b.id, None, shared.id)
            .await
            .is_err()
    );
    // Order, groups and channels.
    let second = store
        .save_quick_reply(
            a.id,
            Some(alice.id),
            None,
            reply(Tier::Personal, "再见", None),
        )
        .await
        .unwrap();
    store
        .order_quick_replies(a.id, Some(alice.id), vec![second.id, mine.id])
        .await
        .unwrap();
    let (ordered, _) = store.quick_replies(a.id, alice.id).await.unwrap();
    assert_eq!(
        ordered.iter().map(|r| r.id).collect::<Vec<_>>(),
        vec![second.id, mine.id, shared.id]
    );
    let group = store
        .save_quick_reply_group(a.id, Some(alice.id), None, "问候".into())
        .await
        .unwrap();
    assert!(matches!(
        store
            .save_quick_reply_group(a.id, Some(alice.id), None, "问候".into())
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(
        store.quick_replies(a.id, alice.id).await.unwrap().1,
        vec![group.clone()]
    );
    assert!(
        store
            .quick_replies(a.id, bob.id)
            .await
            .unwrap()
            .1
            .is_empty()
    );
    store
        .delete_quick_reply_group(a.id, Some(alice.id), group.id)
        .await
        .unwrap();
    assert!(
        store
            .quick_replies(a.id, alice.id)
            .await
            .unwrap()
            .1
            .is_empty()
    );
    store
        .delete_quick_reply(a.id, Some(alice.id), mine.id)
        .await
        .unwrap();
    assert_eq!(store.quick_reply_owner(a.id, mine.id).await.unwrap(), None);
    store
        .set_quick_reply_channels(a.id, vec![Channel::WebChat])
        .await
        .unwrap();
    assert_eq!(
        store.quick_reply_channels(a.id).await.unwrap(),
        vec![Channel::WebChat]
    );
    assert_ne!(
        store.quick_reply_channels(b.id).await.unwrap(),
        vec![Channel::WebChat]
    );
}

fn layout(name: &str) -> Layout {
    Layout {
        id: 0,
        name: name.into(),
        workbench_name: format!("{name} desk"),
        buttons: vec![],
        panels: vec![],
    }
}

pub async fn layouts_and_their_assignments_are_per_tenant<
    S: TenantStore + WorkbenchStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let before = store.layout_book(a.id).await.unwrap();
    let saved = store.save_layout(a.id, None, layout("售后")).await.unwrap();
    assert!(saved.id > 0);
    assert!(matches!(
        store.save_layout(a.id, None, layout("售后")).await,
        Err(StoreError::Conflict(_))
    ));
    let renamed = store
        .save_layout(a.id, Some(saved.id), layout("售后 2"))
        .await
        .unwrap();
    assert_eq!(renamed.id, saved.id);
    assert!(
        store
            .save_layout(b.id, Some(saved.id), layout("x"))
            .await
            .is_err(),
        "not another tenant's"
    );
    let assignment = Assignment {
        layout: saved.id,
        app: App::Desktop,
        role: Some(Role::Agent),
        channel: Some(Channel::Email),
    };
    store.set_assignments(a.id, vec![assignment]).await.unwrap();
    let book = store.layout_book(a.id).await.unwrap();
    assert_eq!(book.layouts.len(), before.layouts.len() + 1);
    assert!(book.layouts.contains(&renamed));
    assert_eq!(book.assignments, vec![assignment]);
    let other = store.layout_book(b.id).await.unwrap();
    assert!(!other.layouts.iter().any(|l| l.id == saved.id) && other.assignments.is_empty());
    assert!(
        store.set_assignments(b.id, vec![assignment]).await.is_err(),
        "another tenant's layout"
    );
    assert!(store.delete_layout(b.id, saved.id).await.is_err());
    store.set_assignments(a.id, vec![]).await.unwrap();
    store.delete_layout(a.id, saved.id).await.unwrap();
    assert!(
        !store
            .layout_book(a.id)
            .await
            .unwrap()
            .layouts
            .iter()
            .any(|l| l.id == saved.id)
    );
}
