//! The mailbox screen's use cases over `/api/mail/mailboxes`: list, set
//! up or change, delete, test the connection (passwords only go out),
//! the quarantine and its retry;
//! and the desk's mail: senders, a conversation's mails and their HTML,
//! a new mail.

mod remote_images;

use fieldesk_core::email::html;
use fieldesk_core::email::mailbox::{MailboxAnswer, MailboxCommand as C};
use fieldesk_core::email::part::{MailAnswer, MailCommand};
use fieldesk_core::endpoint as api;

use crate::error::AppResult;
use crate::session::{call as send, fetch};
use crate::state::Shell;

pub async fn call(shell: &Shell, command: C) -> AppResult<MailboxAnswer> {
    Ok(match command {
        C::List => MailboxAnswer::Mailboxes(fetch(shell, &api::ListMailboxes).await?),
        C::Save { id: None, body } => {
            MailboxAnswer::Saved(send(shell, &api::CreateMailbox, &body).await?)
        }
        C::Save { id: Some(id), body } => {
            MailboxAnswer::Saved(send(shell, &api::UpdateMailbox { id }, &body).await?)
        }
        C::Delete { id } => {
            fetch(shell, &api::DeleteMailbox { id }).await?;
            MailboxAnswer::Mailboxes(fetch(shell, &api::ListMailboxes).await?)
        }
        C::Test { test } => MailboxAnswer::Check(send(shell, &api::TestMailbox, &test).await?),
        C::Quarantine => MailboxAnswer::Quarantine(fetch(shell, &api::ListQuarantine).await?),
        C::Retry { id } => {
            MailboxAnswer::Retried(fetch(shell, &api::RetryQuarantined { id }).await?)
        }
    })
}

/// The desk's mail: senders, a conversation's mails, a mail's HTML, a
/// new mail.
pub async fn desk(shell: &Shell, command: MailCommand) -> AppResult<MailAnswer> {
    Ok(match command {
        MailCommand::Senders => MailAnswer::Senders(fetch(shell, &api::ListSenders).await?),
        MailCommand::Parts { conversation_id } => MailAnswer::Parts(
            fetch(
                shell,
                &api::ListMailParts {
                    conversation: conversation_id,
                },
            )
            .await?,
        ),
        MailCommand::Compose { body } => {
            MailAnswer::Sent(send(shell, &api::ComposeMail, &body).await?)
        }
        MailCommand::Reply {
            conversation_id,
            body,
        } => MailAnswer::Sent(
            send(
                shell,
                &api::ReplyByMail {
                    conversation: conversation_id,
                },
                &body,
            )
            .await?,
        ),
        MailCommand::Html {
            conversation_id,
            message_id,
            load_images,
        } => {
            let mut got = fetch(
                shell,
                &api::GetMailHtml {
                    conversation: conversation_id,
                    message: message_id,
                },
            )
            .await?;
            if load_images {
                got.html = remote_images::load(&got.html).await;
                got.remote_images = html::remote_images(&got.html).len() as u32;
            }
            MailAnswer::Html(got)
        }
        MailCommand::Prefs => MailAnswer::Prefs(shell.store.desk_prefs()?),
        MailCommand::SavePrefs { prefs } => {
            shell.store.set_desk_prefs(&prefs)?;
            MailAnswer::Prefs(prefs)
        }
    })
}
