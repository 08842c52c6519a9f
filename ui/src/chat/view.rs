//! One conversation: header (visitor, language, state), messages with
//! the AI transcript, typing, delivery state, and the actions.

use fieldesk_core::chat::{Author, ChatMessage, Delivery};
use fieldesk_core::email::address;
use fieldesk_core::email::grouping::ThreadOrder;
use fieldesk_core::email::outgoing::ReplyBody;
use fieldesk_core::email::part::{MailAnswer, MailCommand};
use fieldesk_core::handoff::HandoffState;
use leptos::prelude::*;
use leptos::task::spawn_local;

use fieldesk_core::layout::{Action, Button, Channel};

use super::Desk;
use super::composer::{Composer, ComposerActions};
use crate::api::chat;
use crate::i18n::tr;
use crate::workbench::context::WorkbenchState;

/// A fresh client id (`prefix` tells what for): retries of one send or
/// create carry the same id, so the server stores it once.
pub(crate) fn new_client_id(prefix: &str) -> String {
    format!(
        "{prefix}{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e9) as u64
    )
}

/// Links in chat text become anchors; everything else stays text.
pub(super) fn linkified(text: &str) -> Vec<AnyView> {
    let mut out = Vec::new();
    for (i, word) in text.split(' ').enumerate() {
        if i > 0 {
            out.push(" ".into_any());
        }
        if (word.starts_with("https://") || word.starts_with("http://")) && word.len() > 8 {
            let href = word.to_owned();
            let label = word.to_owned();
            out.push(
                view! { <a href=href target="_blank" rel="noopener noreferrer nofollow">{label}</a> }
                    .into_any(),
            );
        } else {
            out.push(word.to_owned().into_any());
        }
    }
    out
}

#[component]
pub fn ChatView(
    desk: Desk,
    bench: WorkbenchState,
    create_work_order: Option<Callback<()>>,
) -> impl IntoView {
    let i18n = desk.i18n;
    let summary = move || {
        let id = desk.selected.get()?;
        desk.known.with(|k| k.get(&id).cloned())
    };
    let serving =
        move || summary().is_some_and(|c| c.state == (HandoffState::Human { agent_id: desk.me }));
    let email = move || summary().is_some_and(|c| c.channel == Channel::Email);
    // Mail threads read in the user's order; chats always oldest first.
    let newest_first = move || {
        email()
            && desk
                .prefs
                .with(|p| p.thread_order == ThreadOrder::NewestFirst)
    };
    let transfer_open = RwSignal::new(false);
    let has_end = move || {
        bench.layout(desk.channel()).buttons.iter().any(|b| {
            matches!(
                b,
                Button::Builtin {
                    action: Action::EndConversation
                }
            )
        })
    };
    // Replies not yet confirmed: (client id, text, failed).
    let pending = RwSignal::new(Vec::<(String, String, bool)>::new());
    let transfer_to = RwSignal::new(String::new());
    let transfer_note = RwSignal::new(String::new());

    let send_reply = move |client_id: String, text: String| {
        let Some(id) = desk.selected.get_untracked() else {
            return;
        };
        pending.update(|p| {
            p.retain(|(c, _, _)| *c != client_id);
            p.push((client_id.clone(), text.clone(), false));
        });
        let files = desk.reply_files.get_untracked();
        spawn_local(async move {
            let sent = if files.is_empty() {
                chat::send(id, &client_id, &text).await
            } else {
                let body = ReplyBody {
                    client_id: client_id.clone(),
                    text: text.clone(),
                    from: None,
                    cc: vec![],
                    attachments: files,
                };
                match crate::api::mail::desk(MailCommand::Reply {
                    conversation_id: id,
                    body,
                })
                .await
                {
                    Ok(MailAnswer::Sent(m)) => {
                        desk.reply_files.set(vec![]);
                        Ok(m)
                    }
                    Ok(_) => return,
                    Err(e) => Err(e),
                }
            };
            match sent {
                Ok(m) => {
                    pending.update(|p| p.retain(|(c, _, _)| *c != client_id));
                    desk.add(m);
                }
                Err(e) => {
                    pending.update(|p| {
                        for x in p.iter_mut().filter(|x| x.0 == client_id) {
                            x.2 = true;
                        }
                    });
                    desk.error.set(Some(e.code));
                }
            }
        });
    };
    let action = move |what: &'static str| {
        let Some(id) = desk.selected.get_untracked() else {
            return;
        };
        spawn_local(async move {
            let result = match what {
                "accept" => chat::accept(id).await,
                _ => chat::end(id).await,
            };
            match result {
                Ok(()) => {
                    desk.error.set(None);
                    desk.refresh();
                    desk.load_messages();
                }
                Err(e) => desk.error.set(Some(e.code)),
            }
        });
    };
    let transfer = move |_| {
        let Some(id) = desk.selected.get_untracked() else {
            return;
        };
        // "agent:ID" or "group:ID".
        let target = transfer_to.get_untracked();
        let (to_agent, to_group) = match target.split_once(':') {
            Some(("agent", n)) => (n.parse().ok(), None),
            Some(("group", n)) => (None, n.parse().ok()),
            _ => return,
        };
        let note = transfer_note.get_untracked();
        spawn_local(async move {
            match chat::transfer(id, to_agent, to_group, &note).await {
                Ok(()) => {
                    transfer_note.set(String::new());
                    desk.refresh();
                }
                Err(e) => desk.error.set(Some(e.code)),
            }
        });
    };

    let message_view = move |m: ChatMessage| {
        let (class, who) = match &m.author {
            Author::Visitor => ("msg visitor", i18n.t("desk-visitor")),
            Author::Bot => ("msg bot", i18n.t("portal-ai-assistant")),
            Author::Agent { name, .. } => ("msg agent", name.clone()),
            Author::System => ("msg system", String::new()),
        };
        // Mail shows where it is in its head (queued, sent, failed).
        let mine = matches!(m.author, Author::Agent { user_id, .. } if user_id == desk.me)
            && summary().is_none_or(|c| c.channel != Channel::Email);
        let id = m.id;
        let delivery = move || {
            let c = summary()?;
            let key = match Delivery::of(id, c.visitor_delivered_up_to, c.visitor_read_up_to) {
                Delivery::Sent => "desk-delivery-sent",
                Delivery::Delivered => "desk-delivery-delivered",
                Delivery::Read => "desk-delivery-read",
            };
            Some(i18n.t(key))
        };
        let author = match &m.author {
            Author::Visitor => "visitor",
            Author::Bot => "bot",
            Author::Agent { .. } => "agent",
            Author::System => "system",
        };
        let ai = m.ai_generated;
        // Changes once, when the mails arrive: the frame is not rebuilt
        // by later status updates.
        let (conversation_id, text) = (m.conversation_id, m.body.clone());
        let has_html =
            Memo::new(move |_| desk.mails.with(|p| p.get(&id).is_some_and(|p| p.has_html)));
        let references: Vec<String> = m.references.iter().map(|r| r.title.clone()).collect();
        view! {
            <div class=class data-testid="chat-message" data-author=author>
                {(!who.is_empty()).then(|| view! { <div class="who">{who}</div> })}
                {move || desk.mails.with(|p| p.get(&id).cloned()).map(|part| view! { <super::mail::MailHead part /> })}
                <Show when=move || has_html.get()
                    fallback={
                        let body = m.body.clone();
                        move || view! { <div class="body">{linkified(&body)}</div> }
                    }>
                    <super::mail::MailBody conversation_id message_id=id text=text.clone() />
                </Show>
                {ai.then(|| view! { <span class="ai-label">{tr("chat-ai-label")}</span> })}
                {(!references.is_empty()).then(|| view! {
                    <div class="references">{tr("chat-references")}": "{references.join(" · ")}</div>
                })}
                {mine.then(|| view! { <div class="delivery" data-testid="delivery">{delivery}</div> })}
            </div>
        }
    };

    view! {
        <section class="chat-view">
            <Show when=move || summary().is_some()
                fallback=move || view! { <p class="muted placeholder">{tr("desk-pick-conversation")}</p> }>
                <header class="chat-head">
                    <h2 data-testid="chat-visitor">{move || summary().map(|c| c.visitor_name).unwrap_or_default()}</h2>
                    <span class="badge identity" data-testid="visitor-identity"
                        class:verified=move || summary().is_some_and(|c| c.customer.is_some())
                        class:unverified=move || summary().is_some_and(|c| c.customer.is_none())>
                        {move || summary().map(|c| match c.customer {
                            Some(l) => i18n.t_args("desk-verified", &[("customer", l.name)]),
                            None => i18n.t("desk-unverified"),
                        }).unwrap_or_default()}
                    </span>
                    <span class="badge" data-testid="visitor-language">
                        {move || summary().map(|c| i18n.t(c.locale.name_key())).unwrap_or_default()}
                    </span>
                    <span class="badge" data-testid="chat-state">
                        {move || summary().map(|c| i18n.t(c.state.label_key())).unwrap_or_default()}
                    </span>
                    <div class="spacer"></div>
                    <Show when=move || summary().and_then(|c| c.contact).is_some_and(|a| !email() && address::is_valid(&a))>
                        <button class="secondary" data-testid="mail-visitor"
                            on:click=move |_| {
                                desk.compose_to.set(summary().and_then(|c| c.contact).unwrap_or_default());
                                desk.composing.set(true);
                            }>{tr("mail-visitor")}</button>
                    </Show>
                    <Show when=email>
                        <button class="secondary" data-testid="thread-order"
                            data-order=move || desk.prefs.with(|p| p.thread_order.as_str())
                            title=move || i18n.t("mail-order-toggle")
                            on:click=move |_| desk.set_prefs(|p| p.thread_order = p.thread_order.flipped())>
                            {move || match desk.prefs.with(|p| p.thread_order) {
                                ThreadOrder::OldestFirst => i18n.t("mail-order-oldest"),
                                ThreadOrder::NewestFirst => i18n.t("mail-order-newest"),
                            }}
                        </button>
                    </Show>
                    <Show when=move || summary().is_some_and(|c| matches!(c.state, HandoffState::Queued | HandoffState::Bot))>
                        <button data-testid="accept" on:click=move |_| action("accept")>{tr("desk-accept")}</button>
                    </Show>
                    <Show when=move || serving() && has_end()>
                        <button class="secondary" data-testid="end" title=move || i18n.t("desk-end-hint")
                            on:click=move |_| action("end")>{tr("desk-end")}</button>
                    </Show>
                </header>
                <div class="chat-messages" data-testid="chat-messages">
                    <Show when=move || desk.earlier.get() && !newest_first()>
                        <button class="link load-earlier" data-testid="load-earlier"
                            on:click=move |_| desk.load_earlier()>{tr("desk-load-earlier")}</button>
                    </Show>
                    <For each=move || {
                            let mut all = desk.messages.get();
                            if newest_first() {
                                all.reverse();
                            }
                            all
                        } key=|m| m.id let:m>
                        {message_view(m)}
                    </For>
                    <Show when=move || desk.earlier.get() && newest_first()>
                        <button class="link load-earlier" data-testid="load-earlier"
                            on:click=move |_| desk.load_earlier()>{tr("desk-load-earlier")}</button>
                    </Show>
                    <For each=move || pending.get() key=|p| (p.0.clone(), p.2) let:p>
                        <div class="msg agent pending" data-testid="pending">
                            <div class="body">{p.1.clone()}</div>
                            <div class="delivery">
                                {if p.2 { tr("desk-failed")() } else { tr("desk-sending")() }}
                                {p.2.then(|| {
                                    let (id, text) = (p.0.clone(), p.1.clone());
                                    view! { <button class="link" on:click=move |_| send_reply(id.clone(), text.clone())>{tr("desk-retry")}</button> }
                                })}
                            </div>
                        </div>
                    </For>
                </div>
                <Show when=move || desk.typing.get().is_some() && desk.typing.get() == desk.selected.get()>
                    <div class="typing" data-testid="visitor-typing">{tr("desk-visitor-typing")}</div>
                </Show>
                <Show when=serving>
                    <Composer desk bench draft=desk.draft actions=ComposerActions {
                        send: Callback::new(move |text: String| send_reply(new_client_id("a"), text)),
                        end: Callback::new(move |_| action("end")),
                        transfer_open,
                        open_url: Callback::new(move |(title, url): (String, String)| desk.side_url.set(Some((title, url)))),
                        open_panel: Callback::new(move |panel: String| {
                            let name = format!("web-{panel}");
                            desk.side_focus.set(Some(name.clone()));
                            if let Some(el) = document().get_element_by_id(&format!("panel-{name}")) {
                                el.scroll_into_view();
                            }
                        }),
                        create_work_order,
                    } />
                    <div class="transfer" class:hidden=move || !transfer_open.get()>
                        <select data-testid="transfer-to" on:change=move |ev| transfer_to.set(event_target_value(&ev))>
                            <option value="">{tr("desk-transfer-to")}</option>
                            <optgroup label=move || i18n.t("desk-agents")>
                                {move || desk.agents.get().into_iter().filter(|a| a.user_id != desk.me).map(|a| view! {
                                    <option value=format!("agent:{}", a.user_id)>{a.display_name}</option>
                                }).collect_view()}
                            </optgroup>
                            <optgroup label=move || i18n.t("desk-groups")>
                                {move || desk.groups.get().into_iter().map(|g| view! {
                                    <option value=format!("group:{}", g.id)>{g.name}</option>
                                }).collect_view()}
                            </optgroup>
                        </select>
                        <input data-testid="transfer-note" placeholder=move || i18n.t("desk-transfer-note")
                            prop:value=move || transfer_note.get()
                            on:input=move |ev| transfer_note.set(event_target_value(&ev)) />
                        <button class="secondary" data-testid="transfer" on:click=transfer>{tr("desk-transfer")}</button>
                    </div>
                </Show>
            </Show>
        </section>
    }
}
