use std::sync::Arc;

use fieldesk_core::Locale;
use fieldesk_core::Role;
use fieldesk_core::chat::Author;
use fieldesk_core::email::outgoing::SendStatus;

use super::EmailContractStore;
use super::{two_tenants, user};
use crate::store::chat::NewMessage;
use crate::store::inbox::MailAttachment;
use crate::store::outbox::{MailBuilder, OutMail, OutTarget, SendResult};

pub(crate) fn message(text: &str, agent: i64) -> NewMessage {
    NewMessage {
        client_id: Some("c1".into()),
        author: Author::Agent {
            user_id: agent,
            name: "Alice".into(),
        },
        body: text.into(),
        locale: Locale::En,
        references: vec![],
        ai_generated: false,
        notice: None,
    }
}

pub(crate) fn builder(mailbox_id: i64, header: &'static str) -> MailBuilder {
    Box::new(move |conversation_id| {
        Ok(OutMail {
            mailbox_id,
            header_id: format!("{header}.c{conversation_id}@acme.test"),
            from: "support@acme.test".into(),
            from_name: Some("客服".into()),
            to: vec!["wang@customer.test".into()],
            cc: vec![],
            subject: "Quote [#1]".into(),
            html: Some("<p>hi</p>".into()),
            raw: b"From: support@acme.test\r\n\r\nhi".to_vec(),
            attachments: vec![MailAttachment {
                filename: "报价单.pdf".into(),
                content_type: "application/pdf".into(),
                content_id: None,
                sha256: "abc123".into(),
                bytes: b"%PDF-1.7".to_vec(),
            }],
        })
    })
}

pub async fn outgoing_mail_is_queued_once_sent_or_retried_and_stays_in_its_tenant<
    S: EmailContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    let (a, b) = two_tenants(&*store).await;
    let alice = user(&*store, &a, "alice", Role::Agent).await;
    let mailbox = store
        .save_mailbox(a.id, None, super::inbox::mailbox("support@acme.test"), 1)
        .await
        .unwrap()
        .mailbox;
    let target = || OutTarget::New {
        mailbox_id: mailbox.id,
        contact: "wang@customer.test".into(),
        subject: "Quote".into(),
        agent_id: alice.id,
        locale: Locale::En,
    };
    let (first, new) = store
        .queue_mail(
            a.id,
            target(),
            "u1:c1".into(),
            message("hi", alice.id),
            builder(mailbox.id, "fd.1"),
            100,
        )
        .await
        .unwrap();
    assert!(new);
    let (again, new) = store
        .queue_mail(
            a.id,
            target(),
            "u1:c1".into(),
            message("hi", alice.id),
            builder(mailbox.id, "fd.2"),
            101,
        )
        .await
        .unwrap();
    assert!(!new, "one mail per client key");
    assert_eq!(again.id, first.id);
    let conversation = first.conversation_id;

    // A builder that fails writes nothing.
    let failing: MailBuilder = Box::new(|_| Err("no".into()));
    assert!(
        store
            .queue_mail(
                a.id,
                target(),
                "u1:c2".into(),
                message("x", alice.id),
                failing,
                102
            )
            .await
            .is_err()
    );
    let due = store.due_mail(200, 10).await.unwrap();
    assert_eq!(due.len(), 1, "{due:?}");
    assert_eq!(due[0].message_id, first.id);
    assert_eq!(due[0].recipients, vec!["wang@customer.test"]);
    assert!(
        store.due_mail(99, 10).await.unwrap().is_empty(),
        "not yet due"
    );
    assert_eq!(store.next_due().await.unwrap(), Some(100));

    // Its mail as the agent sees it, files included.
    let parts = store.mail_parts(a.id, conversation).await.unwrap();
    assert_eq!(parts.len(), 1);
    assert_eq!(parts[0].status, Some(SendStatus::Queued));
    assert_eq!(parts[0].attachments[0].filename, "报价单.pdf");
    assert_eq!(parts[0].attachments[0].size, 8);
    assert!(
        store
            .mail_parts(b.id, conversation)
            .await
            .unwrap()
            .is_empty()
    );
    let thread = store.mail_thread(a.id, conversation).await.unwrap();
    assert_eq!(
        thread.last_id.as_deref(),
        Some(format!("fd.1.c{conversation}@acme.test").as_str())
    );

    // Retried later, then sent: no longer due.
    store
        .record_send(
            first.id,
            SendResult::Retry {
                error: "421 busy".into(),
                next_at: 500,
            },
            200,
        )
        .await
        .unwrap();
    assert!(store.due_mail(400, 10).await.unwrap().is_empty());
    assert_eq!(store.due_mail(500, 10).await.unwrap()[0].attempts, 1);
    store.wake_outbox(mailbox.id, 300).await.unwrap();
    assert_eq!(
        store.next_due().await.unwrap(),
        Some(300),
        "woken by a mended mailbox"
    );
    store
        .record_send(
            first.id,
            SendResult::Sent {
                answer: "250 ok".into(),
            },
            301,
        )
        .await
        .unwrap();
    assert!(store.due_mail(10_000, 10).await.unwrap().is_empty());
    let parts = store.mail_parts(a.id, conversation).await.unwrap();
    assert_eq!(parts[0].status, Some(SendStatus::Sent));
    assert_eq!(parts[0].status_detail.as_deref(), Some("250 ok"));

    // A bounce fails it, found only in its own tenant.
    let header = format!("fd.1.c{conversation}@acme.test");
    assert_eq!(
        store.mark_bounced(b.id, &header, "full").await.unwrap(),
        None
    );
    assert_eq!(
        store
            .mark_bounced(a.id, &header, "The mailbox is full.")
            .await
            .unwrap(),
        Some((conversation, first.id))
    );
    let parts = store.mail_parts(a.id, conversation).await.unwrap();
    assert_eq!(parts[0].status, Some(SendStatus::Failed));
    assert_eq!(
        parts[0].status_detail.as_deref(),
        Some("The mailbox is full.")
    );

    // Another tenant cannot reply into the conversation.
    let res = store
        .queue_mail(
            b.id,
            OutTarget::Conversation {
                conversation_id: conversation,
            },
            "u9:c1".into(),
            message("x", alice.id),
            builder(mailbox.id, "fd.3"),
            400,
        )
        .await;
    assert!(res.is_err());
}

fn notice(client_id: &str) -> NewMessage {
    NewMessage {
        client_id: Some(client_id.into()),
        author: Author::System,
        body: "The transcript is on its way.".into(),
        locale: Locale::En,
        references: vec![],
        ai_generated: false,
        notice: Some(fieldesk_core::chat::Notice::TranscriptSent),
    }
}

pub async fn transcripts_are_queued_once_per_key_up_to_the_limit_and_thread_nothing<
    S: EmailContractStore + ?Sized,
>(
    store: Arc<S>,
) {
    use crate::store::chat::NewConversation;
    let (a, b) = two_tenants(&*store).await;
    let mailbox = store
        .save_mailbox(a.id, None, super::inbox::mailbox("support@acme.test"), 1)
        .await
        .unwrap()
        .mailbox;
    let visitor = store.create_visitor(a.id, "vt-transcript").await.unwrap();
    let chat = store
        .create_conversation(a.id, visitor.id, NewConversation::in_locale(Locale::En))
        .await
        .unwrap()
        .id;
    let target = |conversation_id| OutTarget::Transcript {
        conversation_id,
        max: 2,
    };
    let queue = |tenant: i64, conversation: i64, key: &str, at: i64| {
        let store = store.clone();
        let key = key.to_owned();
        async move {
            store
                .queue_mail(
                    tenant,
                    target(conversation),
                    key.clone(),
                    notice(&key),
                    builder(mailbox.id, "transcript.x"),
                    at,
                )
                .await
        }
    };
    let (first, new) = queue(a.id, chat, "t:1", 10).await.unwrap();
    assert!(new);
    assert_eq!(first.conversation_id, chat);
    assert_eq!(
        first.notice,
        Some(fieldesk_core::chat::Notice::TranscriptSent)
    );
    let (again, new) = queue(a.id, chat, "t:1", 11).await.unwrap();
    assert!(!new, "one mail per client key");
    assert_eq!(again.id, first.id);
    assert!(queue(a.id, chat, "t:2", 12).await.unwrap().1);
    // Past the limit a new key is refused and writes nothing; a retry of
    // one queued still answers it.
    assert!(matches!(
        queue(a.id, chat, "t:3", 13).await,
        Err(crate::store::StoreError::Conflict(_))
    ));
    assert_eq!(queue(a.id, chat, "t:1", 14).await.unwrap().0.id, first.id);
    let due = store.due_mail(100, 10).await.unwrap();
    assert_eq!(due.len(), 2, "{due:?}");
    assert!(due.iter().all(|d| d.conversation_id == chat));
    // It sends, but no email thread is made of the chat.
    assert_eq!(
        store.mail_thread(a.id, chat).await.unwrap(),
        Default::default()
    );
    assert!(store.mail_parts(a.id, chat).await.unwrap().is_empty());

    // Only a chat of the tenant's own: not another tenant's, not an email
    // conversation.
    assert!(queue(b.id, chat, "t:9", 15).await.is_err());
    let alice = user(&*store, &a, "alice", Role::Agent).await;
    let (mail, _) = store
        .queue_mail(
            a.id,
            OutTarget::New {
                mailbox_id: mailbox.id,
                contact: "wang@customer.test".into(),
                subject: "Quote".into(),
                agent_id: alice.id,
                locale: Locale::En,
            },
            "u1:c1".into(),
            message("hi", alice.id),
            builder(mailbox.id, "fd.1"),
            16,
        )
        .await
        .unwrap();
    assert!(queue(a.id, mail.conversation_id, "t:10", 17).await.is_err());
}
