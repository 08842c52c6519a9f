//! The desk's email: a new mail to any address from one of the tenant's
//! mailboxes (or an alias), the headers and status shown on each mail of
//! an email conversation, and its HTML read safely.

use fieldesk_core::email::grouping::{Grouping, MailGroup};
use fieldesk_core::email::html::{MailHtml, frame_document};
use fieldesk_core::email::outgoing::{
    ComposeBody, MAX_ATTACHMENT_BYTES, OutgoingAttachment, SendStatus, check_attachments,
};
use fieldesk_core::email::part::{
    Direction, MailAnswer, MailCommand, MailOrigin, MailPart, Sender,
};
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Desk;
use super::view::new_client_id;
use crate::api::mail;
use crate::i18n::{tr, use_i18n};

/// The files of a mail being written: a picker and the files chosen, each
/// added only if all of them together stay within the limits (`error`
/// says why not).
#[component]
pub fn AttachFiles(
    files: RwSignal<Vec<OutgoingAttachment>>,
    error: RwSignal<Option<String>>,
    testid: &'static str,
) -> impl IntoView {
    let i18n = use_i18n();
    let pick = move |ev: leptos::ev::Event| {
        let input: web_sys::HtmlInputElement = event_target(&ev);
        let Some(list) = input.files() else {
            return;
        };
        let picked: Vec<web_sys::File> = (0..list.length()).filter_map(|i| list.get(i)).collect();
        input.set_value("");
        spawn_local(async move {
            for file in picked {
                let Some(url) = crate::files::read_file(file.clone()).await else {
                    error.set(Some(i18n.t("mail-file-unreadable")));
                    continue;
                };
                let next = OutgoingAttachment {
                    filename: file.name(),
                    content_type: file.type_(),
                    data: crate::files::data_url_base64(&url)
                        .unwrap_or_default()
                        .to_owned(),
                };
                let mut all = files.get_untracked();
                all.push(next);
                match check_attachments(&all, MAX_ATTACHMENT_BYTES) {
                    Ok(()) => {
                        error.set(None);
                        files.set(all);
                    }
                    Err(code) => error.set(Some(i18n.t(code.message_key()))),
                }
            }
        });
    };
    view! {
        <label class="attach">
            <span>{tr("mail-attachments")}</span>
            <input type="file" multiple=true data-testid=testid on:change=pick />
        </label>
        <ul class="compose-files">
            {move || files.get().into_iter().enumerate().map(|(at, f)| view! {
                <li data-testid="attached-file">
                    "📎 "{f.filename.clone()}" ("{format!("{} KiB", f.size().div_ceil(1024))}")"
                    <button type="button" class="link" data-testid="attached-file-remove"
                        on:click=move |_| files.update(|all| { all.remove(at); })>{tr("admin-delete")}</button>
                </li>
            }).collect_view()}
        </ul>
    }
}

/// The form for a new mail; on success the new conversation opens.
#[component]
pub fn ComposeMail(desk: Desk) -> impl IntoView {
    let i18n = desk.i18n;
    let senders = RwSignal::new(Vec::<Sender>::new());
    // "mailbox id|address"
    let from = RwSignal::new(String::new());
    // Opened from a left message: to its contact, about it.
    let preset = desk.compose_to.get_untracked();
    let subject = RwSignal::new(if preset.is_empty() {
        String::new()
    } else {
        i18n.t("mail-visitor-subject")
    });
    let to = RwSignal::new(preset);
    let cc = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let sending = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let files = RwSignal::new(Vec::<OutgoingAttachment>::new());
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
            attachments: files.get_untracked(),
        };
        sending.set(true);
        spawn_local(async move {
            match mail::desk(MailCommand::Compose { body }).await {
                Ok(MailAnswer::Sent(message)) => {
                    client_id.set(new_client_id("m"));
                    files.set(vec![]);
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
                <AttachFiles files error testid="compose-files" />
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

/// A received mail's HTML in a sandboxed frame (no script, no request of
/// its own): remote images stay blocked until the agent loads them; the
/// plain text is a click away and the fallback when the HTML fails.
#[component]
pub fn MailBody(conversation_id: i64, message_id: i64, text: String) -> impl IntoView {
    let html = RwSignal::new(None::<MailHtml>);
    let plain = RwSignal::new(false);
    let loading = RwSignal::new(false);
    let load = move |load_images: bool| {
        loading.set(true);
        spawn_local(async move {
            match mail::desk(MailCommand::Html {
                conversation_id,
                message_id,
                load_images,
            })
            .await
            {
                Ok(MailAnswer::Html(got)) => html.set(Some(got)),
                // Unreadable HTML: the text, never a blank.
                _ => plain.set(true),
            }
            loading.set(false);
        });
    };
    load(false);
    let blocked = move || html.with(|h| h.as_ref().map_or(0, |h| h.remote_images));
    view! {
        <Show when=move || !plain.get()
            fallback=move || {
                let text = text.clone();
                view! {
                    <div class="body">{super::view::linkified(&text)}</div>
                    <Show when=move || html.with(Option::is_some)>
                        <button class="link" data-testid="mail-show-html"
                            on:click=move |_| plain.set(false)>{tr("mail-show-html")}</button>
                    </Show>
                }
            }>
            <Show when=move || { blocked() > 0 }>
                <div class="mail-images-blocked" data-testid="mail-images-blocked">
                    {tr("mail-images-blocked")}" "
                    <button class="link" data-testid="load-images" prop:disabled=move || loading.get()
                        on:click=move |_| load(true)>{tr("mail-load-images")}</button>
                </div>
            </Show>
            <iframe class="mail-html" data-testid="mail-html" sandbox=""
                title=tr("mail-html-title")
                srcdoc=move || html.with(|h| h.as_ref().map(|h| frame_document(&h.html)).unwrap_or_default())></iframe>
            <button class="link" data-testid="mail-show-text"
                on:click=move |_| plain.set(true)>{tr("mail-show-text")}</button>
        </Show>
    }
}

/// The user's own groups for the conversation list: each a name and
/// rules on mailbox, sender and subject words; added, removed, moved.
#[component]
pub fn GroupsEditor(desk: Desk) -> impl IntoView {
    let i18n = desk.i18n;
    let senders = RwSignal::new(Vec::<Sender>::new());
    let name = RwSignal::new(String::new());
    let mailbox = RwSignal::new(String::new());
    let sender = RwSignal::new(String::new());
    let words = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    spawn_local(async move {
        if let Ok(MailAnswer::Senders(list)) = mail::desk(MailCommand::Senders).await {
            senders.set(list);
        }
    });
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let group = MailGroup {
            name: name.get_untracked().trim().to_owned(),
            mailbox_id: mailbox.get_untracked().parse().ok(),
            sender: sender.get_untracked().trim().to_owned(),
            subject_words: words
                .get_untracked()
                .split([',', '，', '、'])
                .map(|w| w.trim().to_owned())
                .filter(|w| !w.is_empty())
                .collect(),
        };
        if group.name.is_empty() {
            return error.set(Some(i18n.t("mail-group-name-needed")));
        }
        if group.mailbox_id.is_none() && group.sender.is_empty() && group.subject_words.is_empty() {
            return error.set(Some(i18n.t("mail-group-rule-needed")));
        }
        error.set(None);
        desk.set_prefs(|p| {
            p.groups.push(group);
            if p.grouping == Grouping::None {
                p.grouping = Grouping::Custom;
            }
        });
        name.set(String::new());
        sender.set(String::new());
        words.set(String::new());
    };
    let mailbox_name = move |id: Option<i64>| match id {
        None => i18n.t("mail-group-any-mailbox"),
        Some(id) => senders.with(|s| {
            s.iter().find(|s| s.mailbox_id == id).map_or_else(
                || format!("#{id}"),
                |s| s.addresses.first().cloned().unwrap_or_default(),
            )
        }),
    };
    view! {
        <div class="overlay" on:click=move |_| desk.editing_groups.set(false)>
            <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="groups-title"
                data-testid="groups-editor" on:click=|ev| ev.stop_propagation()>
                <div class="panel-head">
                    <h2 id="groups-title">{tr("mail-groups-edit")}</h2>
                    <button class="secondary icon" aria-label=move || i18n.t("close") data-testid="groups-close"
                        on:click=move |_| desk.editing_groups.set(false)>"×"</button>
                </div>
                <ul class="mail-groups">
                    {move || desk.prefs.get().groups.into_iter().enumerate().map(|(at, g)| {
                        let rules = [
                            mailbox_name(g.mailbox_id),
                            if g.sender.is_empty() { String::new() } else { i18n.t_args("mail-group-sender-is", &[("sender", g.sender.clone())]) },
                            if g.subject_words.is_empty() { String::new() } else { i18n.t_args("mail-group-words-are", &[("words", g.subject_words.join(" / "))]) },
                        ].into_iter().filter(|r| !r.is_empty()).collect::<Vec<_>>().join(" · ");
                        view! {
                            <li data-testid="mail-group">
                                <strong>{g.name.clone()}</strong>" "<span class="muted">{rules}</span>
                                <button class="link" data-testid="mail-group-up" prop:disabled=at == 0
                                    aria-label=move || i18n.t("mail-group-up")
                                    on:click=move |_| desk.set_prefs(|p| p.groups.swap(at - 1, at))>"↑"</button>
                                <button class="link danger" data-testid="mail-group-delete"
                                    on:click=move |_| desk.set_prefs(|p| { p.groups.remove(at); })>{tr("admin-delete")}</button>
                            </li>
                        }
                    }).collect_view()}
                </ul>
                <Show when=move || desk.prefs.with(|p| p.groups.is_empty())>
                    <p class="muted" data-testid="mail-groups-empty">{tr("mail-groups-empty")}</p>
                </Show>
                <form class="admin" on:submit=add>
                    <label>
                        <span>{tr("mail-group-name")}</span>
                        <input data-testid="mail-group-name" prop:value=move || name.get()
                            on:input=move |ev| name.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        <span>{tr("mail-group-mailbox")}</span>
                        <select data-testid="mail-group-mailbox" on:change=move |ev| mailbox.set(event_target_value(&ev))>
                            <option value="">{tr("mail-group-any-mailbox")}</option>
                            {move || senders.get().into_iter().map(|s| view! {
                                <option value=s.mailbox_id.to_string()>{s.addresses.first().cloned().unwrap_or_default()}</option>
                            }).collect_view()}
                        </select>
                    </label>
                    <label>
                        <span>{tr("mail-group-sender")}</span>
                        <input data-testid="mail-group-sender" prop:value=move || sender.get()
                            placeholder="@example.com"
                            on:input=move |ev| sender.set(event_target_value(&ev)) />
                    </label>
                    <label>
                        <span>{tr("mail-group-words")}</span>
                        <input data-testid="mail-group-words" prop:value=move || words.get()
                            on:input=move |ev| words.set(event_target_value(&ev)) />
                    </label>
                    <div class="actions">
                        <button type="submit" data-testid="mail-group-add">{tr("mail-group-add")}</button>
                    </div>
                    <Show when=move || error.get().is_some()>
                        <div class="error" role="alert" data-testid="mail-group-error">{move || error.get().unwrap_or_default()}</div>
                    </Show>
                </form>
            </div>
        </div>
    }
}
