use std::sync::Arc;

use fieldesk_core::Locale;
use fieldesk_core::chat::Author;
use fieldesk_core::email::auto::Origin;
use fieldesk_core::email::mailbox::{MailboxBody, Security, ServerSettings};
use fieldesk_core::email::quarantine::{QuarantineReason, Unreadable};
use fieldesk_core::email::threading::Lookups;

use super::EmailContractStore;
use super::two_tenants;
use crate::store::chat::ConversationFilter;
use crate::store::inbox::{
    Import, ImportContent, Imported, MailPosition, NewMail, Placement, RawMail,
};

pub(crate) fn mailbox(address: &str) -> MailboxBody {
    let server = |port| ServerSettings {
        host: "mail.example.com".into(),
        port,
        security: Security::StartTls,
        user: address.into(),
    };
    MailboxBody {
        address: address.into(),
        display_name: "客服".into(),
        aliases: vec![],
        smtp: server(587),
        smtp_password: Some("s".into()),
        imap: server(143),
        imap_password: Some("i".into()),
        imap_folder: "INBOX".into(),
        max_message_bytes: 1 << 20,
        group_ids: vec![],
        enabled: true,
    }
}

fn mail(id: &str, from: &str, text: &str) -> NewMail {
    NewMail {
        header_id: Some(id.into()),
        from: from.into(),
        from_name: Some("王小明".into()),
        to: vec!["support@acme.test".into()],
        cc: vec!["boss@customer.test".into()],
        subject: "打印机".into(),
        text: text.into(),
        html: None,
        origin: Origin::Person,
        too_large: None,
        attachments: vec![],
    }
}

fn import(mailbox_id: i64, uid: u32, raw_key: &str, content: ImportContent) -> Import {
    Import {
        mailbox_id,
        folder: "INBOX".into(),
        position: MailPosition {
            uid_validity: 7,
            last_uid: uid,
        },
        raw: RawMail {
            dedup_key: raw_key.into(),
            sha256: format!("hash-{raw_key}"),
            size: 10,
            bytes: Some(b"raw bytes!".to_vec()),
        },
        content,
        at: 1000 + i64::from(uid),
    }
}

fn new_mail(m: NewMail) -> ImportContent {
    ImportContent::Mail {
        participants: vec![m.from.clone(), "boss@customer.test".into()],
        mail: Box::new(m),
        placement: Placement::New {
            linked_to: None,
            group_id: None,
            locale: Locale::ZhCn,
            open: true,
        },
    }
}

pub async fn received_mail_is_kept_once_threads_within_its_tenant_and_moves_the_position<
    S: EmailContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let inbox = store
        .save_mailbox(a.id, None, mailbox("support@acme.test"), 1)
        .await
        .unwrap()
        .mailbox;
    let theirs = store
        .save_mailbox(b.id, None, mailbox("support@b.test"), 1)
        .await
        .unwrap()
        .mailbox;
    assert_eq!(store.mail_position(inbox.id, "INBOX").await.unwrap(), None);

    let first = store
        .import_mail(
            a.id,
            import(
                inbox.id,
                3,
                "m1@c",
                new_mail(mail("m1@c", "wang@customer.test", "你好")),
            ),
        )
        .await
        .unwrap();
    let Imported::Added {
        conversation_id,
        message,
        new_conversation: true,
    } = first
    else {
        panic!("{first:?}")
    };
    assert_eq!(message.author, Author::Visitor);
    assert_eq!(message.body, "你好");
    let c = store
        .conversation(a.id, conversation_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(c.channel, fieldesk_core::channel::Channel::Email);
    assert_eq!(c.subject.as_deref(), Some("打印机"));
    assert_eq!(c.contact.as_deref(), Some("wang@customer.test"));
    assert_eq!(c.state, fieldesk_core::handoff::HandoffState::Queued);
    assert!(
        store.queue(a.id).await.unwrap().is_empty(),
        "email waits in the list, not in the chat queue"
    );
    let queued = store
        .conversations(
            a.id,
            ConversationFilter::Queued,
            crate::store::chat::ListPage::first(50),
        )
        .await
        .unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        store.mail_position(inbox.id, "INBOX").await.unwrap(),
        Some(MailPosition {
            uid_validity: 7,
            last_uid: 3
        })
    );

    // The same mail again: not kept twice, the position still moves.
    let again = store
        .import_mail(
            a.id,
            import(
                inbox.id,
                4,
                "m1@c",
                new_mail(mail("m1@c", "wang@customer.test", "你好")),
            ),
        )
        .await
        .unwrap();
    assert_eq!(again, Imported::Duplicate);
    assert_eq!(
        store
            .mail_position(inbox.id, "INBOX")
            .await
            .unwrap()
            .unwrap()
            .last_uid,
        4
    );

    // What threading learns: the Message-ID and the thread's addresses,
    // only in the tenant.
    let lookups = Lookups {
        conversation_ids: vec![],
        message_ids: vec!["m1@c".into()],
    };
    let known = store.known_threads(a.id, lookups.clone()).await.unwrap();
    assert_eq!(known.message_ids.get("m1@c"), Some(&conversation_id));
    assert_eq!(known.conversations.len(), 1);
    assert_eq!(known.conversations[0].contact, "wang@customer.test");
    assert!(known.conversations[0].open);
    assert_eq!(
        known.conversations[0].participants,
        vec!["boss@customer.test", "wang@customer.test"]
    );
    let elsewhere = store.known_threads(b.id, lookups).await.unwrap();
    assert!(elsewhere.message_ids.is_empty() && elsewhere.conversations.is_empty());
    let named = Lookups {
        conversation_ids: vec![conversation_id],
        message_ids: vec![],
    };
    assert!(
        store
            .known_threads(b.id, named)
            .await
            .unwrap()
            .conversations
            .is_empty()
    );

    // A reply joins; another tenant cannot put mail into it.
    let join = |m: NewMail| ImportContent::Mail {
        participants: vec![m.from.clone()],
        mail: Box::new(m),
        placement: Placement::Join { conversation_id },
    };
    let reply = store
        .import_mail(
            a.id,
            import(
                inbox.id,
                5,
                "m2@c",
                join(mail("m2@c", "wang@customer.test", "还在吗")),
            ),
        )
        .await
        .unwrap();
    assert!(matches!(
        reply,
        Imported::Added {
            new_conversation: false,
            ..
        }
    ));
    assert!(
        store
            .import_mail(
                b.id,
                import(
                    theirs.id,
                    1,
                    "x@c",
                    join(mail("x@c", "eve@evil.test", "hi"))
                )
            )
            .await
            .is_err()
    );
    let bodies: Vec<String> = store
        .messages(
            a.id,
            conversation_id,
            fieldesk_core::chat::MessagePage::After(0),
            10,
        )
        .await
        .unwrap()
        .into_iter()
        .map(|m| m.body)
        .collect();
    assert_eq!(bodies, vec!["你好", "还在吗"]);

    // Unreadable mail waits in the quarantine; a retry that reads it
    // moves it into a conversation.
    let held = store
        .import_mail(
            a.id,
            import(
                inbox.id,
                6,
                "sha256:bad",
                ImportContent::Quarantine(Unreadable {
                    reason: QuarantineReason::NoSender,
                    error: "no sender".into(),
                    from: None,
                    subject: Some("打印机".into()),
                }),
            ),
        )
        .await
        .unwrap();
    let Imported::Quarantined { id } = held else {
        panic!("{held:?}")
    };
    let list = store.quarantine(a.id).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!((list[0].id, list[0].error.as_str()), (id, "no sender"));
    assert_eq!(list[0].reason, QuarantineReason::NoSender);
    assert_eq!(
        (list[0].from.as_deref(), list[0].subject.as_deref()),
        (None, Some("打印机"))
    );
    assert!(store.quarantine(b.id).await.unwrap().is_empty());
    assert_eq!(store.quarantined_raw(b.id, id).await.unwrap(), None);
    assert_eq!(
        store.quarantined_raw(a.id, id).await.unwrap(),
        Some((inbox.id, b"raw bytes!".to_vec()))
    );
    let retried = store
        .retry_quarantined(
            a.id,
            id,
            new_mail(mail("m3@c", "li@customer.test", "fixed")),
            2000,
        )
        .await
        .unwrap();
    assert!(matches!(
        retried,
        Imported::Added {
            new_conversation: true,
            ..
        }
    ));
    assert!(store.quarantine(a.id).await.unwrap().is_empty());

    // One mail key per tenant: the first one made stays.
    assert_eq!(store.mail_key(a.id, "k1".into(), 1).await.unwrap(), "k1");
    assert_eq!(store.mail_key(a.id, "k2".into(), 2).await.unwrap(), "k1");
    assert_eq!(store.mail_key(b.id, "k3".into(), 3).await.unwrap(), "k3");
}
