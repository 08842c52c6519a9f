//! The quarantine, for admins: mail that could not be read, each with
//! its mailbox, sender and subject as far as they could be read, size,
//! the reason in the admin's language and the exact words, and "Retry"
//! (after a fix it is imported into its conversation; otherwise it stays
//! with the new reason).

use fieldesk_core::email::mailbox::{Mailbox, MailboxAnswer, MailboxCommand};
use fieldesk_core::email::quarantine::{QuarantinedMail, RetryOutcome};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::mail;
use crate::i18n::{tr, use_i18n, when};

#[component]
pub fn QuarantinePanel(mailboxes: RwSignal<Vec<Mailbox>>) -> impl IntoView {
    let i18n = use_i18n();
    let held = RwSignal::new(Vec::<QuarantinedMail>::new());
    // What the last retry of each mail said.
    let outcomes = RwSignal::new(Vec::<(i64, RetryOutcome)>::new());
    let error = RwSignal::new(None::<String>);
    let fail = move |e: crate::api::IpcError| error.set(Some(i18n.t(e.code.message_key())));
    let reload = move || {
        spawn_local(async move {
            match mail::call(MailboxCommand::Quarantine).await {
                Ok(MailboxAnswer::Quarantine(list)) => {
                    error.set(None);
                    held.set(list);
                }
                Ok(_) => {}
                Err(e) => fail(e),
            }
        })
    };
    reload();
    let retry = move |id: i64| {
        spawn_local(async move {
            match mail::call(MailboxCommand::Retry { id }).await {
                Ok(MailboxAnswer::Retried(outcome)) => {
                    outcomes.update(|o| {
                        o.retain(|(x, _)| *x != id);
                        o.push((id, outcome));
                    });
                    reload();
                }
                Ok(_) => {}
                Err(e) => fail(e),
            }
        })
    };
    let mailbox_address = move |id: i64| {
        mailboxes.with(|all| {
            all.iter()
                .find(|m| m.id == id)
                .map(|m| m.address.clone())
                .unwrap_or_else(|| format!("#{id}"))
        })
    };
    let said = move |o: &RetryOutcome| match (o.conversation_id, o.reason) {
        (Some(id), _) => i18n.t_with("mail-quarantine-imported", "id", id.to_string()),
        (None, reason) => i18n.t_with(
            "mail-quarantine-still",
            "reason",
            reason.map_or_else(
                || o.error.clone().unwrap_or_default(),
                |r| i18n.t(r.message_key()),
            ),
        ),
    };
    view! {
        <section class="quarantine" data-testid="quarantine">
            <h3>{tr("mail-quarantine")}</h3>
            <p class="muted">{tr("mail-quarantine-help")}</p>
            <div class="actions">
                <button type="button" class="secondary" data-testid="quarantine-refresh"
                    on:click=move |_| reload()>{tr("mail-quarantine-refresh")}</button>
            </div>
            <Show when=move || held.with(Vec::is_empty)>
                <p class="muted" data-testid="quarantine-empty">{tr("mail-quarantine-empty")}</p>
            </Show>
            <ul class="articles">
                <For each=move || held.get() key=|q| (q.id, q.error.clone()) let:q>
                    {
                        let id = q.id;
                        let (size, reason) = (q.size, q.reason);
                        let head = [q.from.clone(), q.subject.clone()]
                            .into_iter()
                            .flatten()
                            .collect::<Vec<_>>()
                            .join(" — ");
                        view! {
                            <li data-testid="quarantined" data-reason=reason.as_str()>
                                <div>
                                    <strong>{head}</strong>" "
                                    <span class="muted">
                                        {mailbox_address(q.mailbox_id)}" · "{when(q.created_at)}" · "
                                        {move || i18n.t_with("mail-quarantine-size", "kib", size.div_ceil(1024).to_string())}
                                    </span>
                                </div>
                                <div data-testid="quarantined-reason">{move || i18n.t(reason.message_key())}</div>
                                <div class="muted" data-testid="quarantined-error">{q.error.clone()}</div>
                                <button class="secondary" data-testid="quarantined-retry"
                                    on:click=move |_| retry(id)>{tr("mail-quarantine-retry")}</button>
                            </li>
                        }
                    }
                </For>
            </ul>
            <ul class="checks" aria-live="polite">
                <For each=move || outcomes.get() key=|(id, o)| (*id, o.conversation_id, o.error.clone()) let:entry>
                    <li data-testid="quarantine-outcome" class:ok=entry.1.conversation_id.is_some()
                        class:error=entry.1.conversation_id.is_none()>
                        {said(&entry.1)}
                    </li>
                </For>
            </ul>
            <Show when=move || error.get().is_some()>
                <div class="error" role="alert" data-testid="quarantine-error">{move || error.get().unwrap_or_default()}</div>
            </Show>
        </section>
    }
}
