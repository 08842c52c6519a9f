use std::sync::Arc;

use fieldesk_core::email::mailbox::{MailboxBody, Security, ServerSettings};

use super::two_tenants;
use crate::store::mail::MailStore;
use crate::store::tenants::TenantStore;
use crate::store::{Store, StoreError};

fn body(address: &str) -> MailboxBody {
    let server = |host: &str, port| ServerSettings {
        host: host.into(),
        port,
        security: Security::StartTls,
        user: address.into(),
    };
    MailboxBody {
        address: address.into(),
        display_name: "客服".into(),
        aliases: vec![format!("help.{address}")],
        smtp: server("smtp.example.com", 587),
        smtp_password: Some("sealed-smtp".into()),
        imap: server("imap.example.com", 143),
        imap_password: Some("sealed-imap".into()),
        imap_folder: "INBOX".into(),
        max_message_bytes: 1024 * 1024,
        group_ids: vec![],
        enabled: true,
    }
}

pub async fn mailboxes_are_per_tenant_keep_passwords_and_free_their_address_when_deleted<
    S: TenantStore + MailStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let saved = store
        .save_mailbox(a.id, None, body("support@acme.test"), 100)
        .await
        .unwrap();
    assert_eq!(saved.mailbox.address, "support@acme.test");
    assert_eq!(saved.mailbox.aliases, vec!["help.support@acme.test"]);
    assert!(saved.mailbox.smtp_password_set && saved.mailbox.imap_password_set);
    assert_eq!(saved.smtp_password, "sealed-smtp");
    assert_eq!(saved.mailbox.created_at, 100);
    assert_eq!(
        store.mailbox(a.id, saved.mailbox.id).await.unwrap(),
        Some(saved.clone())
    );
    // Another tenant neither sees nor changes it, and may use the address.
    assert_eq!(store.mailbox(b.id, saved.mailbox.id).await.unwrap(), None);
    assert!(store.mailboxes(b.id).await.unwrap().is_empty());
    assert!(matches!(
        store
            .save_mailbox(b.id, Some(saved.mailbox.id), body("x@b.test"), 101)
            .await,
        Err(StoreError::NotFound(_))
    ));
    store
        .save_mailbox(b.id, None, body("support@acme.test"), 101)
        .await
        .unwrap();
    // The same address twice in one tenant is a conflict.
    assert!(matches!(
        store
            .save_mailbox(a.id, None, body("support@acme.test"), 102)
            .await,
        Err(StoreError::Conflict(_))
    ));
    // A change without passwords keeps them; with one, replaces only it.
    let mut change = body("support@acme.test");
    change.display_name = "售后".into();
    change.smtp_password = None;
    change.imap_password = None;
    change.enabled = false;
    let changed = store
        .save_mailbox(a.id, Some(saved.mailbox.id), change.clone(), 103)
        .await
        .unwrap();
    assert_eq!(changed.mailbox.display_name, "售后");
    assert!(!changed.mailbox.enabled);
    assert_eq!(
        (
            changed.smtp_password.as_str(),
            changed.imap_password.as_str()
        ),
        ("sealed-smtp", "sealed-imap")
    );
    assert_eq!(
        (changed.mailbox.created_at, changed.mailbox.updated_at),
        (100, 103)
    );
    change.imap_password = Some("sealed-imap-2".into());
    let changed = store
        .save_mailbox(a.id, Some(saved.mailbox.id), change, 104)
        .await
        .unwrap();
    assert_eq!(
        (
            changed.smtp_password.as_str(),
            changed.imap_password.as_str()
        ),
        ("sealed-smtp", "sealed-imap-2")
    );
    let other = store
        .save_mailbox(a.id, None, body("billing@acme.test"), 105)
        .await
        .unwrap();
    let listed: Vec<String> = store
        .mailboxes(a.id)
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.mailbox.address)
        .collect();
    assert_eq!(listed, vec!["billing@acme.test", "support@acme.test"]);
    // Deleting: another tenant cannot; then it is gone and its address free.
    assert!(matches!(
        store.delete_mailbox(b.id, saved.mailbox.id, 106).await,
        Err(StoreError::NotFound(_))
    ));
    store
        .delete_mailbox(a.id, saved.mailbox.id, 106)
        .await
        .unwrap();
    assert_eq!(store.mailbox(a.id, saved.mailbox.id).await.unwrap(), None);
    assert!(matches!(
        store
            .save_mailbox(a.id, Some(saved.mailbox.id), body("support@acme.test"), 107)
            .await,
        Err(StoreError::NotFound(_))
    ));
    let again = store
        .save_mailbox(a.id, None, body("support@acme.test"), 107)
        .await
        .unwrap();
    assert_ne!(again.mailbox.id, saved.mailbox.id);
    assert_eq!(store.mailboxes(a.id).await.unwrap().len(), 2);
    assert_eq!(
        store
            .mailbox(a.id, other.mailbox.id)
            .await
            .unwrap()
            .map(|m| m.mailbox.address),
        Some("billing@acme.test".into())
    );
}

pub async fn sealed_values_are_listed_and_replaced_all_or_nothing(store: Arc<dyn Store>) {
    use crate::store::sealed::{SealedSlot, SealedValue};
    let (a, b) = two_tenants(&*store).await;
    let one = store
        .save_mailbox(a.id, None, body("support@acme.test"), 100)
        .await
        .unwrap();
    let theirs = store
        .save_mailbox(b.id, None, body("support@b.test"), 100)
        .await
        .unwrap();
    store
        .delete_mailbox(b.id, theirs.mailbox.id, 101)
        .await
        .unwrap();
    store
        .set_identity_secret(a.id, Some("sealed-identity".into()), 100)
        .await
        .unwrap();
    store
        .webhook_secret(b.id, "sealed-webhook".into())
        .await
        .unwrap();
    let values = store.sealed_values().await.unwrap();
    let find = |slot| values.iter().find(|v| v.slot == slot).cloned().unwrap();
    let smtp = find(SealedSlot::SmtpPassword {
        mailbox_id: one.mailbox.id,
    });
    assert_eq!(smtp.value, "sealed-smtp");
    let identity = find(SealedSlot::IdentitySecret { tenant_id: a.id });
    assert_eq!(identity.value, "sealed-identity");
    let webhook = find(SealedSlot::MallWebhookSecret { tenant_id: b.id });
    assert_eq!(webhook.value, "sealed-webhook");
    assert_eq!(
        values.len(),
        6,
        "two per mailbox, deleted ones' too, and the webhook secret: {values:?}"
    );
    // A stale value: conflict, and nothing of the batch is written.
    let stale = SealedValue {
        slot: identity.slot,
        value: "not what is stored".into(),
    };
    assert!(matches!(
        store
            .replace_sealed(vec![(smtp.clone(), "new-smtp".into()), (stale, "x".into())])
            .await,
        Err(StoreError::Conflict(_))
    ));
    assert_eq!(store.sealed_values().await.unwrap(), values);
    store
        .replace_sealed(vec![
            (smtp, "new-smtp".into()),
            (identity, "new-identity".into()),
            (webhook, "new-webhook".into()),
        ])
        .await
        .unwrap();
    assert_eq!(
        store
            .mall_settings(b.id)
            .await
            .unwrap()
            .webhook_secret
            .as_deref(),
        Some("new-webhook")
    );
    let now = store.mailbox(a.id, one.mailbox.id).await.unwrap().unwrap();
    assert_eq!(
        (now.smtp_password.as_str(), now.imap_password.as_str()),
        ("new-smtp", "sealed-imap")
    );
    assert_eq!(
        store.identity_secret(a.id).await.unwrap().map(|(s, _)| s),
        Some("new-identity".into())
    );
}
