//! The mailbox screen's use cases over `/api/mail/mailboxes`: list, set
//! up or change, delete, test the connection. Passwords only go out.

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
    })
}

/// The desk's mail: senders, a conversation's mails, a new mail.
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
    })
}
