//! The desk's email: a new mail to any address from one of the tenant's
//! mailboxes (or an alias), and the headers and status shown on each mail
//! of an email conversation.

use fieldesk_core::email::outgoing::{ComposeBody, SendStatus};
use fieldesk_core::email::part::{
    Direction, MailAnswer, MailCommand, MailOrigin, MailPart, Sender,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Desk;
use super::view::new_client_id;
use crate::api::mail;
use crate::i18n::tr;

/// The form for a new mail; on success the new conversation opens.
#[component]
pub fn ComposeMail(desk: Desk) -> impl IntoView {
    let i18n = desk.i18n;
    let senders = RwSignal::new(Vec::<Sender>::new());
    // "mailbox id|address"
    let from = RwSignal::new(String::new());
    let to = RwSignal::new(String::new());
    let cc = RwSignal::new(String::new());
    let subject = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // One id per mail being written: a retry after a failure sends once.
    let client_id = RwSignal::new(new_client_id("m"));
    spawn_local(async move {
        match mail::desk(MailCommand::Senders).await {
            Ok(MailAnswer::Senders(list)) => {
                if let Some(first) = list
                    .first()
                    .and_then(|s| s.addresses.first().map(|a| format!("{}|{a}", s.mailbox_id)))
                {
                    from.set(first);
                }
                senders.set(list);
            }
            Ok(_) => {}
            Err(e) => error.set(Some(i18n.t(e.code.message_key()))),
        }
    });
    let send = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let chosen = from.get_untracked();
        let Some((mailbox, address)) = chosen.split_once('|') else {
            error.set(Some(i18n.t("mail-no-mailbox")));
            return;
        };
        let Ok(mailbox_id) = mailbox.parse() else {
            return;
        };
        let body = ComposeBody {
            client_id: client_id.get_untracked(),
            mailbox_id,
            from: Some(address.to_owned()),
            to: to.get_untracked(),
            cc: vec![cc.get_untracked()]
                .into_iter()
                .filter(|c| !c.trim().is_empty())
                .collect(),
            subject: subject.get_untracked(),
            text: text.get_untracked(),
        };
        sending.set(true);
        spawn_local(async move {
            match mail::desk(MailCommand::Compose { body }).await {
                Ok(MailAnswer::Sent(message)) => {
                    client_id.set(new_client_id("m"));
                    desk.composing.set(false);
                    desk.tab.set("mine");
                    desk.refresh();
                    desk.select(message.conversation_id);
                }
                Ok(_) => {}
                Err(e) => error.set(Some(i18n.t(e.code.message_key()))),
            }
            sending.set(false);
        });
    };
    view! {
        <section class="chat-view compose" data-testid="compose">
            <h2>{tr("mail-compose")}</h2>
            <form class="admin compose-form" on:submit=send>
                <label>
                    <span>{tr("mail-from")}</span>
                    <select data-testid="compose-from" prop:value=move || from.get()
                        on:change=move |ev| from.set(event_target_value(&ev))>
                        {move || senders.get().into_iter().flat_map(|s| {
                            let id = s.mailbox_id;
                            let name = s.display_name.clone();
                            s.addresses.into_iter().map(move |a| {
                                let value = format!("{id}|{a}");
                                let label = if name.is_empty() { a.clone() } else { format!("{name} <{a}>") };
                                view! { <option value=value>{label}</option> }
                            }).collect::<Vec<_>>()
                        }).collect_view()}
                    </select>
                </label>
                <Show when=move || senders.with(Vec::is_empty)>
                    <p class="muted" data-testid="compose-no-mailbox">{tr("mail-no-mailbox")}</p>
                </Show>
                <label>
                    <span>{tr("mail-to")}</span>
                    <input data-testid="compose-to" type="email" multiple=true prop:value=move || to.get()
                        on:input=move |ev| to.set(event_target_value(&ev)) />
                </label>
                <label>
                    <span>{tr("mail-cc")}</span>
                    <input data-testid="compose-cc" prop:value=move || cc.get()
                        on:input=move |ev| cc.set(event_target_value(&ev)) />
                </label>
                <label>
                    <span>{tr("mail-subject")}</span>
                    <input data-testid="compose-subject" prop:value=move || subject.get()
                        on:input=move |ev| subject.set(event_target_value(&ev)) />
                </label>
                <label>
                    <span>{tr("mail-text")}</span>
                    <textarea data-testid="compose-text" rows="8" prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                </label>
                <div class="actions">
                    <button type="submit" data-testid="compose-send" prop:disabled=move || sending.get()>
                        {tr("mail-send")}
                    </button>
                    <button type="button" class="secondary" on:click=move |_| desk.composing.set(false)>
                        {tr("admin-cancel")}
                    </button>
                </div>
                <Show when=move || error.get().is_some()>
                    <div class="error" role="alert" data-testid="compose-error">{move || error.get().unwrap_or_default()}</div>
                </Show>
            </form>
        </section>
    }
}

fn status_key(s: SendStatus) -> &'static str {
    match s {
        SendStatus::Queued => "mail-status-queued",
        SendStatus::Sent => "mail-status-sent",
        SendStatus::Failed => "mail-status-failed",
    }
}

/// A mail's headers above its text: who to whom, the subject, and for
/// sent mail where it is.
#[component]
pub fn MailHead(part: MailPart) -> impl IntoView {
    let from = match &part.from_name {
        Some(name) => format!("{name} <{}>", part.from),
        None => part.from.clone(),
    };
    let mut to = part.to.join(", ");
    if !part.cc.is_empty() {
        to = format!("{to} · Cc {}", part.cc.join(", "));
    }
    let status = part.status;
    let detail = part.status_detail.clone().unwrap_or_default();
    view! {
        <div class="mail-head" data-testid="mail-head">
            <div class="mail-subject" data-testid="mail-subject">{part.subject.clone()}</div>
            <div class="muted">{from}" → "{to}</div>
            {matches!(part.origin, MailOrigin::AutoReply).then(|| view! {
                <span class="badge" data-testid="mail-auto-reply">{tr("mail-auto-reply")}</span>
            })}
            {part.too_large.map(|size| view! {
                <span class="badge warning" data-testid="mail-too-large">
                    {tr("mail-too-large")}" ("{format!("{:.1} MiB", size as f64 / 1_048_576.0)}")"
                </span>
            })}
            {(part.direction == Direction::Out).then(|| status.map(|s| view! {
                <span class="badge mail-status" data-testid="mail-status" data-status=s.as_str()
                    class:error=s == SendStatus::Failed title=detail.clone()>
                    {tr(status_key(s))}
                </span>
            }))}
            {(!part.attachments.is_empty()).then(|| view! {
                <div class="attachments" data-testid="mail-attachments">
                    {part.attachments.iter().map(|a| view! {
                        <span class="attachment">"📎 "{a.filename.clone()}" ("{format!("{} KiB", a.size.div_ceil(1024))}")"</span>
                    }).collect_view()}
                </div>
            })}
        </div>
    }
}
