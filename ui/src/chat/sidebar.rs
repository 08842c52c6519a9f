//! The conversation's sidebar: the panels of the agent's layout, in its
//! order — visitor profile, conversation info, history, related work
//! orders, knowledge search, quick replies, the AI agent (suggestions
//! from its knowledge spaces, inserted on a click or put in an empty
//! draft) and custom web panels in sandboxed frames with the
//! conversation's variables in their URL.

use fieldesk_core::identity::{CustomerLink, Verification};
use fieldesk_core::knowledge::{self, Article};
use fieldesk_core::layout::{Panel, fill_url};
use fieldesk_core::template::fill;
use fieldesk_core::work_order::RelatedWorkOrder;
use leptos::prelude::*;
use leptos::task::spawn_local;

use super::Desk;
use super::composer::variables;
use crate::api::{Latest, chat, workbench};
use crate::i18n::{error_text, tr};
use crate::workbench::context::WorkbenchState;

/// The stable name of a panel (test ids, element ids).
pub fn panel_name(panel: &Panel) -> String {
    match panel {
        Panel::VisitorProfile => "visitor_profile".into(),
        Panel::ConversationInfo => "conversation_info".into(),
        Panel::History => "history".into(),
        Panel::RelatedWorkOrders => "related_work_orders".into(),
        Panel::KnowledgeSearch => "knowledge_search".into(),
        Panel::QuickReplies => "quick_replies".into(),
        Panel::AiAgent { .. } => "ai_agent".into(),
        Panel::Web { id, .. } => format!("web-{id}"),
    }
}

pub fn panel_key(panel: &Panel) -> &'static str {
    match panel {
        Panel::VisitorProfile => "panel-visitor-profile",
        Panel::ConversationInfo => "panel-conversation-info",
        Panel::History => "panel-history",
        Panel::RelatedWorkOrders => "panel-related-work-orders",
        Panel::KnowledgeSearch => "panel-knowledge-search",
        Panel::QuickReplies => "panel-quick-replies",
        Panel::AiAgent { .. } => "panel-ai-agent",
        Panel::Web { .. } => "panel-web",
    }
}

/// Appends `text` to the draft (a space between).
fn append(draft: RwSignal<String>, text: &str) {
    draft.update(|d| {
        if !d.trim().is_empty() {
            d.push(' ');
        }
        d.push_str(text);
    });
}

fn vars_filled(desk: Desk, bench: WorkbenchState, f: impl Fn(&[(&str, &str)]) -> String) -> String {
    let vars = variables(desk, bench);
    let refs: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    f(&refs)
}

fn when(seconds: i64) -> String {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(seconds as f64 * 1000.0));
    date.to_locale_string("default", &wasm_bindgen::JsValue::UNDEFINED)
        .as_string()
        .unwrap_or_default()
}

#[component]
pub fn Sidebar(desk: Desk, bench: WorkbenchState) -> impl IntoView {
    let i18n = desk.i18n;
    // The knowledge base, loaded once for the AI agent and search panels.
    let articles = RwSignal::new(Vec::<Article>::new());
    spawn_local(async move {
        if let Ok(all) = chat::articles().await {
            articles.set(all);
        }
    });
    let panels = move || {
        bench
            .layout(desk.channel())
            .panels
            .into_iter()
            .map(|panel| {
                let name = panel_name(&panel);
                let title = match &panel {
                    Panel::Web { title, .. } => title.clone(),
                    other => i18n.t(panel_key(other)),
                };
                let focused = move || desk.side_focus.get().as_deref() == Some(name.as_str());
                let name = panel_name(&panel);
                let body = match panel {
                    Panel::VisitorProfile => view! { <VisitorProfile desk /> }.into_any(),
                    Panel::ConversationInfo => view! { <ConversationInfo desk /> }.into_any(),
                    Panel::History => view! { <History desk /> }.into_any(),
                    Panel::RelatedWorkOrders => view! { <Related desk /> }.into_any(),
                    Panel::KnowledgeSearch => {
                        view! { <KnowledgeSearch desk articles /> }.into_any()
                    }
                    Panel::QuickReplies => view! { <RepliesPanel desk bench /> }.into_any(),
                    Panel::AiAgent {
                        spaces,
                        assist,
                        click_to_insert,
                    } => view! {
                        <AiAgent desk articles spaces assist click_to_insert />
                    }
                    .into_any(),
                    Panel::Web { url, title, .. } => {
                        let src = move || vars_filled(desk, bench, |v| fill_url(&url, v));
                        view! { <WebFrame src=Signal::derive(src) title /> }.into_any()
                    }
                };
                view! {
                    <section class="side-panel" class:focused=focused id=format!("panel-{name}")
                        data-testid=format!("panel-{name}") aria-label=title.clone()>
                        <h3>{title.clone()}</h3>
                        {body}
                    </section>
                }
            })
            .collect_view()
    };
    view! {
        <aside class="sidebar" data-testid="sidebar" aria-label=move || i18n.t("desk-sidebar")>
            <Show when=move || desk.side_url.get().is_some()>
                <section class="side-panel focused" data-testid="panel-link">
                    <div class="panel-head">
                        <h3>{move || desk.side_url.get().map(|(t, _)| t).unwrap_or_default()}</h3>
                        <button class="secondary" aria-label=move || i18n.t("close")
                            on:click=move |_| desk.side_url.set(None)>"×"</button>
                    </div>
                    <WebFrame src=Signal::derive(move || desk.side_url.get().map(|(_, u)| u).unwrap_or_default())
                        title=String::new() />
                </section>
            </Show>
            {panels}
        </aside>
    }
}

/// A custom web page, sandboxed: scripts and forms run, but it cannot
/// reach the app, its storage or navigate the window.
#[component]
fn WebFrame(src: Signal<String>, title: String) -> impl IntoView {
    view! {
        <iframe class="web-panel" src=move || src.get() title=title data-testid="web-frame"
            sandbox="allow-scripts allow-forms allow-popups" referrerpolicy="no-referrer"></iframe>
    }
}

fn summary(desk: Desk) -> Option<fieldesk_core::chat::ConversationSummary> {
    let id = desk.selected.get()?;
    desk.known.with(|k| k.get(&id).cloned())
}

/// The visitor's verified customer and who vouched for it, or that no
/// one did.
fn customer_text(i18n: crate::i18n::I18n, customer: Option<&CustomerLink>) -> String {
    match customer {
        Some(c) => format!(
            "{} ({})",
            c.name,
            i18n.t(match c.verified {
                Verification::Signed => "desk-customer-signed",
                Verification::Agent { .. } => "desk-customer-agent",
            })
        ),
        None => i18n.t("desk-unverified"),
    }
}

#[component]
fn VisitorProfile(desk: Desk) -> impl IntoView {
    let i18n = desk.i18n;
    view! {
        <dl class="facts">
            <dt>{tr("desk-visitor")}</dt>
            <dd data-testid="profile-name">{move || summary(desk).map(|c| c.visitor_name).unwrap_or_default()}</dd>
            <dt>{tr("desk-customer")}</dt>
            <dd data-testid="profile-customer"
                class:unverified=move || summary(desk).is_some_and(|c| c.customer.is_none())>
                {move || summary(desk).map(|c| customer_text(i18n, c.customer.as_ref())).unwrap_or_default()}
            </dd>
            <dt>{tr("language")}</dt>
            <dd>{move || summary(desk).map(|c| i18n.t(c.locale.name_key())).unwrap_or_default()}</dd>
            <dt>{tr("desk-profile-contact")}</dt>
            <dd data-testid="profile-contact">{fact(desk, |c| c.contact)}</dd>
            <dt>{tr("desk-profile-page")}</dt>
            <dd data-testid="profile-page">{fact(desk, |c| c.context.page_url)}</dd>
            <dt>{tr("desk-profile-referrer")}</dt>
            <dd data-testid="profile-referrer">{fact(desk, |c| c.context.referrer)}</dd>
            <dt>{tr("desk-profile-browser")}</dt>
            <dd data-testid="profile-browser">{fact(desk, |c| c.context.user_agent)}</dd>
            <dt>{tr("desk-profile-language")}</dt>
            <dd data-testid="profile-browser-language">{fact(desk, |c| c.context.language)}</dd>
        </dl>
    }
}

/// One fact of the visit, as text (never a link: the window reported
/// it), or "not reported".
fn fact(
    desk: Desk,
    pick: impl Fn(fieldesk_core::chat::ConversationSummary) -> Option<String> + Copy + 'static,
) -> impl Fn() -> String {
    let i18n = desk.i18n;
    move || {
        summary(desk)
            .and_then(pick)
            .unwrap_or_else(|| i18n.t("desk-profile-none"))
    }
}

#[component]
fn ConversationInfo(desk: Desk) -> impl IntoView {
    let i18n = desk.i18n;
    view! {
        <dl class="facts">
            <dt>{tr("desk-conversation-number")}</dt>
            <dd>{move || summary(desk).map(|c| format!("#{}", c.id)).unwrap_or_default()}</dd>
            <dt>{tr("desk-conversation-state")}</dt>
            <dd>{move || summary(desk).map(|c| i18n.t(c.state.label_key())).unwrap_or_default()}</dd>
            <dt>{tr("desk-conversation-started")}</dt>
            <dd>{move || summary(desk).map(|c| when(c.created_at)).unwrap_or_default()}</dd>
            <dt>{tr("desk-conversation-messages")}</dt>
            <dd>{move || desk.messages.with(|m| m.len()).to_string()}</dd>
        </dl>
    }
}

/// Earlier conversations the desk has seen with the same visitor (the
/// same chat window) or the same verified customer; never by a typed
/// name, which anyone can type.
#[component]
fn History(desk: Desk) -> impl IntoView {
    let earlier = move || {
        let current = summary(desk)?;
        let mut all: Vec<_> = desk.known.with(|k| {
            k.values()
                .filter(|c| {
                    let same_customer = match (&c.customer, &current.customer) {
                        (Some(a), Some(b)) => a.same_customer(b),
                        _ => false,
                    };
                    c.id != current.id && (c.visitor_id == current.visitor_id || same_customer)
                })
                .cloned()
                .collect()
        });
        all.sort_by_key(|c| std::cmp::Reverse(c.created_at));
        Some(all)
    };
    view! {
        <ul class="side-list">
            {move || earlier().unwrap_or_default().into_iter().map(|c| {
                let id = c.id;
                view! {
                    <li><button class="link" on:click=move |_| desk.select(id)>
                        {format!("#{} · {}", c.id, when(c.created_at))}
                    </button> <span class="muted">{c.last_message.unwrap_or_default()}</span></li>
                }
            }).collect_view()}
        </ul>
        <Show when=move || earlier().is_none_or(|e| e.is_empty())>
            <p class="muted">{tr("desk-history-none")}</p>
        </Show>
    }
}

/// The verified customer's work orders; for a visitor nobody verified,
/// a form to link them to a customer by hand (an agent's explicit link).
#[component]
fn Related(desk: Desk) -> impl IntoView {
    let i18n = desk.i18n;
    let orders = RwSignal::new(None::<Vec<RelatedWorkOrder>>);
    let asked = Latest::new();
    let name = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    // Asked again whenever the conversation or its customer changes.
    let key = Memo::new(move |_| summary(desk).map(|c| (c.id, c.customer)));
    Effect::new(move |_| {
        let Some((id, customer)) = key.get() else {
            return;
        };
        error.set(None);
        if customer.is_none() {
            orders.set(None);
            return;
        }
        let ticket = asked.ticket();
        spawn_local(async move {
            // Nothing to show when it cannot be read (e.g. offline).
            let list = workbench::related_work_orders(id).await.unwrap_or_default();
            if asked.is_newest(ticket) {
                orders.set(Some(list));
            }
        });
    });
    let customer = move || summary(desk).and_then(|c| c.customer);
    let link = move |to: Option<String>| {
        let Some(id) = desk.selected.get_untracked() else {
            return;
        };
        spawn_local(async move {
            match workbench::link_customer(id, to).await {
                Ok(()) => {
                    error.set(None);
                    name.set(String::new());
                }
                Err(e) => error.set(Some(error_text(i18n, &e))),
            }
        });
    };
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let typed = name.get_untracked();
        if !typed.trim().is_empty() {
            link(Some(typed));
        }
    };
    view! {
        <Show when=move || customer().is_some()
            fallback=move || view! {
                <p class="muted" data-testid="related-unverified">{tr("desk-customer-none")}" "{tr("desk-customer-link-hint")}</p>
                <form class="inline-form" on:submit=submit>
                    <input data-testid="customer-link-name" aria-label=move || i18n.t("desk-customer-name")
                        placeholder=move || i18n.t("desk-customer-name")
                        prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev)) />
                    <button type="submit" data-testid="customer-link">{tr("desk-customer-link")}</button>
                </form>
            }>
            <p class="verified" data-testid="related-customer">
                {move || customer_text(i18n, customer().as_ref())}
                <Show when=move || customer().is_some_and(|c| c.verified != Verification::Signed)>
                    " "<button class="link" data-testid="customer-unlink" on:click=move |_| link(None)>
                        {tr("desk-customer-unlink")}
                    </button>
                </Show>
            </p>
            <ul class="side-list" data-testid="related-orders">
                {move || orders.get().unwrap_or_default().into_iter().map(|o| view! {
                    <li><strong>{o.number}</strong>" · "{o.order_type}" · "{i18n.t(o.status.message_key())}</li>
                }).collect_view()}
            </ul>
            <Show when=move || orders.get().is_some_and(|o| o.is_empty())>
                <p class="muted">{tr("desk-related-none")}</p>
            </Show>
        </Show>
        {move || error.get().map(|e| view! { <p class="error" role="alert" data-testid="customer-link-error">{e}</p> })}
    }
}

#[component]
fn KnowledgeSearch(desk: Desk, articles: RwSignal<Vec<Article>>) -> impl IntoView {
    let i18n = desk.i18n;
    let query = RwSignal::new(String::new());
    let found = move || {
        let q = query.get().trim().to_lowercase();
        if q.is_empty() {
            return vec![];
        }
        articles.with(|all| {
            all.iter()
                .filter(|a| {
                    a.title.to_lowercase().contains(&q) || a.body.to_lowercase().contains(&q)
                })
                .take(5)
                .cloned()
                .collect::<Vec<_>>()
        })
    };
    view! {
        <input type="search" data-testid="knowledge-search" aria-label=move || i18n.t("panel-knowledge-search")
            placeholder=move || i18n.t("desk-knowledge-placeholder")
            prop:value=move || query.get() on:input=move |ev| query.set(event_target_value(&ev)) />
        <ul class="side-list">
            {move || found().into_iter().map(|a| {
                let passage = knowledge::passages(&a.body).first().map(|p| p.to_string()).unwrap_or_default();
                let text = passage.clone();
                view! {
                    <li class="article">
                        <strong>{a.title.clone()}</strong>
                        <p>{passage}</p>
                        <button class="link" on:click=move |_| append(desk.draft, &text)>{tr("desk-insert")}</button>
                    </li>
                }
            }).collect_view()}
        </ul>
    }
}

#[component]
fn RepliesPanel(desk: Desk, bench: WorkbenchState) -> impl IntoView {
    let i18n = desk.i18n;
    let filter = RwSignal::new(String::new());
    let shown = move || {
        let q = filter.get();
        let index = bench.index.get();
        if q.trim().is_empty() {
            index.replies().to_vec()
        } else {
            fieldesk_core::quick_reply::suggest(&index, &q, 50)
                .into_iter()
                .cloned()
                .collect()
        }
    };
    view! {
        <input type="search" aria-label=move || i18n.t("quick-reply-search")
            placeholder=move || i18n.t("quick-reply-search")
            prop:value=move || filter.get() on:input=move |ev| filter.set(event_target_value(&ev)) />
        <ul class="side-list">
            {move || shown().into_iter().map(|r| {
                let content = r.content.clone();
                view! {
                    <li><button class="link" data-testid="panel-reply" on:click=move |_| {
                        let text = vars_filled(desk, bench, |v| fill(&content, v));
                        append(desk.draft, &text);
                    }>{r.title.clone()}</button></li>
                }
            }).collect_view()}
        </ul>
    }
}

/// The AI agent: what its knowledge spaces say about the visitor's last
/// question (or, with agent assist, about what the agent is typing).
#[component]
fn AiAgent(
    desk: Desk,
    articles: RwSignal<Vec<Article>>,
    spaces: Vec<String>,
    assist: bool,
    click_to_insert: bool,
) -> impl IntoView {
    let last_question = Memo::new(move |_| {
        desk.messages.with(|all| {
            all.iter()
                .rev()
                .find(|m| m.author == fieldesk_core::chat::Author::Visitor)
                .map(|m| (m.id, m.body.clone()))
        })
    });
    let suggestion = Memo::new(move |_| {
        let candidates: Vec<Article> = articles.with(|all| {
            all.iter()
                .filter(|a| spaces.is_empty() || spaces.contains(&a.space))
                .cloned()
                .collect()
        });
        let best = |question: &str| {
            knowledge::answer(question, &candidates)
                .into_iter()
                .next()
                .map(|q| (q.title, q.passage))
        };
        // With agent assist, what the agent is typing first; else (or
        // when that finds nothing) the visitor's last question.
        let draft = desk.draft.get();
        let from_draft = (assist && draft.trim().chars().count() >= 2)
            .then(|| best(&draft))
            .flatten();
        from_draft.or_else(|| best(&last_question.get()?.1))
    });
    // Without "click to insert", a new question's suggestion is put in an
    // empty draft for the agent to edit.
    Effect::new(move |previous: Option<Option<i64>>| {
        let id = last_question.get().map(|(id, _)| id);
        if !click_to_insert
            && previous.is_some()
            && id != previous.flatten()
            && desk.draft.get_untracked().trim().is_empty()
            && let Some((_, passage)) = suggestion.get_untracked()
        {
            desk.draft.set(passage);
        }
        id
    });
    view! {
        <div class="ai-suggestion" data-testid="ai-suggestion">
            {move || match suggestion.get() {
                Some((title, passage)) => {
                    let text = passage.clone();
                    view! {
                        <p class="muted">{title}</p>
                        <p>{passage}</p>
                        <button class="secondary" data-testid="ai-insert"
                            on:click=move |_| append(desk.draft, &text)>{tr("desk-insert")}</button>
                    }.into_any()
                }
                None => view! { <p class="muted">{tr("desk-ai-nothing")}</p> }.into_any(),
            }}
        </div>
    }
}
