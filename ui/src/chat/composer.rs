//! The reply composer: the layout's chat-window buttons, the message
//! input with quick-reply type-ahead (as you type; `/` for quick replies
//! only; ↑ ↓ to choose, Enter to insert, Esc to close), the quick-reply
//! picker (personal / enterprise tabs, groups, search) and the emoji
//! palette. Variables are filled on insertion. Matching runs here, on the
//! cached book (`core::quick_reply::suggest`): no round-trip per key.

use fieldesk_core::chat::Author;
use fieldesk_core::layout::{Action, Button, Channel, fill_url};
use fieldesk_core::quick_reply::{QuickReply, Tier, suggest};
use fieldesk_core::template::fill;
use leptos::prelude::*;

use super::Desk;
use crate::i18n::tr;
use crate::workbench::context::WorkbenchState;

/// How many suggestions the type-ahead shows.
const SUGGESTIONS: usize = 6;
/// The emoji palette.
const EMOJI: [&str; 16] = [
    "😀", "😊", "🙂", "😉", "😅", "🙏", "👍", "👌", "👏", "🎉", "❤️", "✅", "⏳", "📦", "📞", "💡",
];

/// The message key of a built-in action's button.
pub fn action_key(action: Action) -> &'static str {
    match action {
        Action::QuickReplies => "desk-button-quick-replies",
        Action::Emoji => "desk-button-emoji",
        Action::Transfer => "desk-button-transfer",
        Action::EndConversation => "desk-button-end",
        Action::SatisfactionSurvey => "desk-button-survey",
        Action::CreateWorkOrder => "desk-button-work-order",
    }
}

/// The values of `{{…}}` variables in the selected conversation.
pub fn variables(desk: Desk, bench: WorkbenchState) -> Vec<(&'static str, String)> {
    let summary = desk
        .selected
        .get_untracked()
        .and_then(|id| desk.known.with_untracked(|k| k.get(&id).cloned()));
    let mut vars = vec![("agent.name", bench.agent_name.get_value())];
    if let Some(c) = summary {
        vars.push(("visitor.name", c.visitor_name));
        vars.push(("visitor.language", c.locale.tag().to_owned()));
        vars.push(("conversation.id", c.id.to_string()));
    }
    vars
}

fn filled(reply: &QuickReply, desk: Desk, bench: WorkbenchState) -> String {
    let vars = variables(desk, bench);
    let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    fill(&reply.content, &refs)
}

/// What the composer asks of the chat view around it.
#[derive(Clone, Copy)]
pub struct ComposerActions {
    pub send: Callback<String>,
    pub end: Callback<()>,
    pub transfer_open: RwSignal<bool>,
    /// Opens a URL (a custom button's) in the sidebar.
    pub open_url: Callback<(String, String)>,
    /// Shows one of the layout's sidebar panels.
    pub open_panel: Callback<String>,
    pub create_work_order: Option<Callback<()>>,
}

#[component]
pub fn Composer(
    desk: Desk,
    bench: WorkbenchState,
    draft: RwSignal<String>,
    actions: ComposerActions,
) -> impl IntoView {
    let i18n = desk.i18n;
    let channel = move || desk.channel();
    let picker_open = RwSignal::new(false);
    let emoji_open = RwSignal::new(false);
    // The suggestion chosen with the arrow keys. Without `/`, Enter sends
    // the draft until the agent moves into the list; with `/`, the first
    // suggestion is chosen from the start.
    let highlighted = RwSignal::new(None::<usize>);
    // The draft for which the agent closed the suggestions (Esc).
    let dismissed = RwSignal::new(None::<String>);
    let input_ref = NodeRef::<leptos::html::Textarea>::new();
    let file_error = RwSignal::new(None::<String>);
    // Mail: a reply to the customer's last mail, or a follow-up appended
    // to ours (the same thread either way).
    let send_key = move || {
        if channel() != Channel::Email {
            return "desk-send";
        }
        let ours_last = desk.messages.with(|m| {
            m.iter()
                .rev()
                .find(|m| !matches!(m.author, Author::System))
                .is_some_and(|m| matches!(m.author, Author::Agent { .. }))
        });
        if ours_last {
            "mail-append"
        } else {
            "mail-reply"
        }
    };

    let suggestions = Memo::new(move |_| {
        let text = draft.get();
        if !bench.replies_on(channel()) || dismissed.get().as_deref() == Some(text.as_str()) {
            return vec![];
        }
        let index = bench.index.get();
        match text.strip_prefix('/') {
            // `/` alone: the first replies in order; `/query`: matches.
            Some(q) if q.trim().is_empty() => {
                index.replies().iter().take(SUGGESTIONS).cloned().collect()
            }
            Some(q) => suggest(&index, q, SUGGESTIONS)
                .into_iter()
                .cloned()
                .collect(),
            None if text.trim().chars().count() >= 2 => suggest(&index, &text, SUGGESTIONS)
                .into_iter()
                .cloned()
                .collect(),
            None => vec![],
        }
    });
    let focus_input = move || {
        if let Some(input) = input_ref.get_untracked() {
            let _ = input.focus();
        }
    };
    let insert = move |reply: QuickReply| {
        draft.set(filled(&reply, desk, bench));
        picker_open.set(false);
        highlighted.set(None);
        focus_input();
    };
    let submit = move || {
        let text = draft.get_untracked().trim().to_owned();
        if !text.is_empty() {
            draft.set(String::new());
            actions.send.run(text);
        }
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        let shown = suggestions.with_untracked(|s| s.len());
        let chosen = highlighted.get_untracked().filter(|h| *h < shown);
        match ev.key().as_str() {
            "ArrowDown" if shown > 0 => {
                ev.prevent_default();
                highlighted.set(Some(chosen.map_or(0, |h| (h + 1) % shown)));
            }
            "ArrowUp" if shown > 0 => {
                ev.prevent_default();
                highlighted.set(Some(chosen.map_or(shown - 1, |h| (h + shown - 1) % shown)));
            }
            "Enter" if !ev.shift_key() && !ev.is_composing() => {
                ev.prevent_default();
                match chosen.and_then(|at| suggestions.with_untracked(|s| s.get(at).cloned())) {
                    Some(reply) => insert(reply),
                    None => submit(),
                }
            }
            "Escape" if shown > 0 => {
                ev.prevent_default();
                dismissed.set(Some(draft.get_untracked()));
            }
            _ => {}
        }
    };
    // Global shortcuts of the composer (listed in the help overlay).
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        if !ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
            return;
        }
        match ev.code().as_str() {
            "KeyQ" if bench.replies_on(channel()) => {
                ev.prevent_default();
                picker_open.update(|o| *o = !*o);
            }
            "KeyE" => {
                ev.prevent_default();
                emoji_open.update(|o| *o = !*o);
            }
            "KeyR" => {
                ev.prevent_default();
                focus_input();
            }
            _ => {}
        }
    });
    on_cleanup(move || handle.remove());

    let buttons = move || {
        let layout = bench.layout(channel());
        layout
            .buttons
            .into_iter()
            .filter_map(|button| {
                let (label, testid, run): (String, String, Box<dyn Fn() + Send + Sync>) =
                    match button {
                        Button::Builtin { action } => {
                            let label = i18n.t(action_key(action));
                            let testid = format!("button-{}", action_name(action));
                            let run: Box<dyn Fn() + Send + Sync> = match action {
                                Action::QuickReplies => {
                                    if !bench.replies_on(channel()) {
                                        return None;
                                    }
                                    Box::new(move || picker_open.update(|o| *o = !*o))
                                }
                                Action::Emoji => Box::new(move || emoji_open.update(|o| *o = !*o)),
                                Action::Transfer => {
                                    Box::new(move || actions.transfer_open.update(|o| *o = !*o))
                                }
                                // "End" sits in the conversation's header.
                                Action::EndConversation => return None,
                                Action::SatisfactionSurvey => Box::new(move || actions.end.run(())),
                                Action::CreateWorkOrder => {
                                    let create = actions.create_work_order?;
                                    Box::new(move || create.run(()))
                                }
                            };
                            (label, testid, run)
                        }
                        Button::OpenUrl { label, url } => {
                            let title = label.clone();
                            let run: Box<dyn Fn() + Send + Sync> = Box::new(move || {
                                let vars = variables(desk, bench);
                                let refs: Vec<(&str, &str)> =
                                    vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
                                actions.open_url.run((title.clone(), fill_url(&url, &refs)));
                            });
                            (label, "button-custom".to_owned(), run)
                        }
                        Button::OpenPanel { label, panel } => {
                            let run: Box<dyn Fn() + Send + Sync> =
                                Box::new(move || actions.open_panel.run(panel.clone()));
                            (label, "button-custom".to_owned(), run)
                        }
                    };
                Some(view! {
                    <button type="button" class="tool" data-testid=testid on:click=move |_| run()>
                        {label}
                    </button>
                })
            })
            .collect_view()
    };

    view! {
        <div class="composer">
            <div class="chat-buttons" role="toolbar" aria-label=move || i18n.t("desk-buttons")
                data-testid="chat-buttons">
                {buttons}
            </div>
            <Show when=move || emoji_open.get()>
                <div class="emoji-palette" data-testid="emoji-palette">
                    {EMOJI.into_iter().map(|e| view! {
                        <button type="button" class="emoji" aria-label=e on:click=move |_| {
                            draft.update(|d| d.push_str(e));
                            emoji_open.set(false);
                            focus_input();
                        }>{e}</button>
                    }).collect_view()}
                </div>
            </Show>
            <Show when=move || picker_open.get()>
                <Picker desk bench on_pick=Callback::new(insert) on_close=Callback::new(move |_| picker_open.set(false)) />
            </Show>
            <form class="reply" on:submit=move |ev| { ev.prevent_default(); submit(); }>
                <div class="typeahead">
                    <Show when=move || suggestions.with(|s| !s.is_empty())>
                        <ul class="suggestions" role="listbox" id="reply-suggestions"
                            aria-label=move || i18n.t("desk-suggestions") data-testid="suggestions">
                            {move || suggestions.get().into_iter().enumerate().map(|(i, reply)| {
                                let chosen = move || highlighted.get() == Some(i);
                                let pick = reply.clone();
                                view! {
                                    <li role="option" class="suggestion" class:active=chosen
                                        aria-selected=move || chosen().to_string()
                                        data-testid="suggestion" data-tier=reply.tier.as_str()
                                        on:mousedown=move |ev| { ev.prevent_default(); insert(pick.clone()); }>
                                        <span class="title">{reply.title.clone()}</span>
                                        {(!reply.shortcut.is_empty()).then(|| view! { <kbd>{format!("/{}", reply.shortcut)}</kbd> })}
                                        <span class="tier">{tr(tier_key(reply.tier))}</span>
                                        <span class="preview">{reply.content.clone()}</span>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    </Show>
                    <textarea data-testid="reply-input" maxlength="4000" rows="2" node_ref=input_ref
                        aria-label=move || i18n.t("desk-reply-placeholder")
                        aria-controls="reply-suggestions"
                        aria-autocomplete="list"
                        placeholder=move || i18n.t("desk-reply-hint")
                        prop:value=move || draft.get()
                        on:keydown=on_keydown
                        on:input=move |ev| {
                            let text = event_target_value(&ev);
                            highlighted.set(text.starts_with('/').then_some(0));
                            draft.set(text);
                            if let Some(id) = desk.selected.get_untracked() {
                                leptos::task::spawn_local(async move { let _ = crate::api::chat::typing(id).await; });
                            }
                        }></textarea>
                </div>
                <button type="submit" data-testid="reply-send">{move || i18n.t(send_key())}</button>
            </form>
            <Show when=move || channel() == Channel::Email>
                <div class="reply-files">
                    <super::mail::AttachFiles files=desk.reply_files error=file_error testid="reply-files" />
                    <Show when=move || file_error.get().is_some()>
                        <div class="error" role="alert" data-testid="reply-files-error">{move || file_error.get().unwrap_or_default()}</div>
                    </Show>
                </div>
            </Show>
        </div>
    }
}

fn action_name(action: Action) -> &'static str {
    match action {
        Action::QuickReplies => "quick-replies",
        Action::Emoji => "emoji",
        Action::Transfer => "transfer",
        Action::EndConversation => "end",
        Action::SatisfactionSurvey => "survey",
        Action::CreateWorkOrder => "work-order",
    }
}

pub fn tier_key(tier: Tier) -> &'static str {
    match tier {
        Tier::Personal => "quick-reply-personal",
        Tier::Enterprise => "quick-reply-enterprise",
    }
}

/// The quick-reply picker: tabs, a group filter and search.
#[component]
fn Picker(
    desk: Desk,
    bench: WorkbenchState,
    on_pick: Callback<QuickReply>,
    on_close: Callback<()>,
) -> impl IntoView {
    let i18n = desk.i18n;
    let tier = RwSignal::new(Tier::Personal);
    let group = RwSignal::new(None::<i64>);
    let search = RwSignal::new(String::new());
    let shown = Memo::new(move |_| {
        let (tier, group, q) = (tier.get(), group.get(), search.get());
        let index = bench.index.get();
        let fits = |r: &QuickReply| r.tier == tier && (group.is_none() || r.group == group);
        if q.trim().is_empty() {
            index
                .replies()
                .iter()
                .filter(|r| fits(r))
                .cloned()
                .collect::<Vec<_>>()
        } else {
            suggest(&index, &q, usize::MAX)
                .into_iter()
                .filter(|r| fits(r))
                .cloned()
                .collect()
        }
    });
    let search_ref = NodeRef::<leptos::html::Input>::new();
    Effect::new(move |_| {
        if let Some(input) = search_ref.get() {
            let _ = input.focus();
        }
    });
    view! {
        <div class="picker" role="dialog" aria-label=move || i18n.t("desk-button-quick-replies")
            data-testid="quick-reply-picker"
            on:keydown=move |ev: leptos::ev::KeyboardEvent| if ev.key() == "Escape" { on_close.run(()) }>
            <div class="picker-tabs" role="tablist">
                {[Tier::Personal, Tier::Enterprise].into_iter().map(|t| view! {
                    <button type="button" role="tab" class="tab" class:active=move || tier.get() == t
                        aria-selected=move || (tier.get() == t).to_string()
                        data-testid=format!("picker-tab-{}", t.as_str())
                        on:click=move |_| { tier.set(t); group.set(None); }>{tr(tier_key(t))}</button>
                }).collect_view()}
                <div class="spacer"></div>
                <button type="button" class="secondary" on:click=move |_| on_close.run(())
                    aria-label=move || i18n.t("close")>"×"</button>
            </div>
            <div class="picker-filters">
                <select data-testid="picker-group" aria-label=move || i18n.t("quick-reply-group")
                    on:change=move |ev| group.set(event_target_value(&ev).parse().ok())>
                    <option value="" selected=move || group.get().is_none()>{tr("quick-reply-all-groups")}</option>
                    {move || bench.book.get().groups.into_iter().filter(|g| g.tier == tier.get()).map(|g| {
                        let id = g.id;
                        view! { <option value=id.to_string() selected=move || group.get() == Some(id)>{g.name}</option> }
                    }).collect_view()}
                </select>
                <input type="search" node_ref=search_ref data-testid="picker-search"
                    aria-label=move || i18n.t("quick-reply-search")
                    placeholder=move || i18n.t("quick-reply-search")
                    prop:value=move || search.get()
                    on:input=move |ev| search.set(event_target_value(&ev)) />
            </div>
            <ul class="picker-list">
                {move || shown.get().into_iter().map(|reply| {
                    let pick = reply.clone();
                    view! {
                        <li>
                            <button type="button" class="picker-item" data-testid="picker-item"
                                on:click=move |_| on_pick.run(pick.clone())>
                                <span class="title">{reply.title.clone()}</span>
                                {(!reply.shortcut.is_empty()).then(|| view! { <kbd>{format!("/{}", reply.shortcut)}</kbd> })}
                                <span class="preview">{reply.content.clone()}</span>
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            <Show when=move || shown.with(|s| s.is_empty())>
                <p class="muted" data-testid="picker-empty">{tr("quick-reply-none")}</p>
            </Show>
        </div>
    }
}
