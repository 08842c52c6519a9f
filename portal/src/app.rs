//! The chat window: header with the language selector (top right), the
//! welcome message, the conversation, and the forms the conversation
//! asks for (leave a message, satisfaction survey).

use std::rc::Rc;

use fieldesk_core::Locale;
use fieldesk_core::chat::{Author, ChatMessage, Notice, QueuePlace, VisitorCommand, VisitorEvent};
use fieldesk_core::handoff::HandoffState;
use fieldesk_core::identity::SignedIdentity;
use fieldesk_core::transcript;
use fieldesk_core::visit::{VisitContext, validate_pre_chat};
use leptos::prelude::*;

use crate::connection::{self, Target};
use crate::i18n::I18n;
use crate::storage::{load, save};
use crate::text::{Segment, segments};

/// Everything the window shows, as signals.
#[derive(Clone, Copy)]
struct Chat {
    messages: RwSignal<Vec<ChatMessage>>,
    /// Whether older messages than the first shown exist.
    earlier: RwSignal<bool>,
    languages: RwSignal<Vec<Locale>>,
    welcome: RwSignal<String>,
    state: RwSignal<HandoffState>,
    queue: RwSignal<Option<QueuePlace>>,
    agent_name: RwSignal<Option<String>>,
    agent_typing: RwSignal<bool>,
    agent_read_up_to: RwSignal<i64>,
    survey: RwSignal<Option<String>>,
    error: RwSignal<Option<String>>,
    online: RwSignal<bool>,
    /// Sent but not yet acknowledged: shown, resent after a reconnect.
    pending: RwSignal<Vec<Pending>>,
    /// The tenant asks for name and contact before the first message.
    pre_chat: RwSignal<bool>,
    /// The tenant mails transcripts ("Email transcript").
    transcript: RwSignal<bool>,
    /// The transcript form is open.
    transcript_open: RwSignal<bool>,
    /// The transcript asked for and not yet confirmed (client id, address):
    /// asked again, with the same id, after a reconnect.
    transcript_pending: RwSignal<Option<(String, String)>>,
    /// The contact the visitor gave in the pre-chat form (the transcript
    /// form starts with it when it is an email address).
    contact: RwSignal<String>,
}

/// A message the server has not acknowledged yet.
#[derive(Clone, Debug, PartialEq)]
struct Pending {
    client_id: String,
    text: String,
    /// Refused for the rate: waiting to be sent again.
    retrying: bool,
}

/// The fragment's parameters (embed.js puts them there; a fragment never
/// reaches server logs).
fn fragment() -> Option<web_sys::UrlSearchParams> {
    let hash = web_sys::window()?.location().hash().ok()?;
    web_sys::UrlSearchParams::new_with_str(hash.trim_start_matches('#')).ok()
}

/// Where the visit came from: the embedding page and its referrer (from
/// embed.js), else the page that linked to this window; and the browser's
/// language. The server adds the user agent and keeps only what is safe to
/// show.
fn visit_context() -> VisitContext {
    let params = fragment();
    let param = |name: &str| {
        params
            .as_ref()
            .and_then(|p| p.get(name))
            .filter(|v| !v.is_empty())
    };
    let window = web_sys::window();
    let (page_url, referrer) = match param("page_url") {
        Some(page) => (Some(page), param("referrer")),
        None => (
            window
                .as_ref()
                .and_then(|w| w.document())
                .map(|d| d.referrer())
                .filter(|r| !r.is_empty()),
            None,
        ),
    };
    VisitContext {
        page_url,
        referrer,
        user_agent: None,
        language: window.and_then(|w| w.navigator().language()),
    }
}

/// Who the embedding site says the visitor is: `customer_id`,
/// `customer_name` and `customer_hash` in the fragment (from embed.js's
/// `data-customer-*` attributes). The server verifies the hash.
fn identity() -> Option<SignedIdentity> {
    let params = fragment()?;
    Some(SignedIdentity {
        customer_id: params.get("customer_id")?,
        name: params.get("customer_name")?,
        hash: params.get("customer_hash")?,
    })
}

/// The tenant from `/chat/{tenant}` and the `lang` query parameter.
fn location() -> (String, Option<String>, String) {
    let loc = web_sys::window().expect("a window").location();
    let tenant = crate::page_tenant();
    let lang = web_sys::UrlSearchParams::new_with_str(&loc.search().unwrap_or_default())
        .ok()
        .and_then(|p| p.get("lang"));
    let url = crate::socket_url(&format!("/api/visitor/{tenant}/ws"));
    (tenant, lang, url)
}

fn client_id() -> String {
    format!(
        "v{}-{}",
        js_sys::Date::now() as u64,
        (js_sys::Math::random() * 1e9) as u64
    )
}

impl Chat {
    fn new() -> Self {
        Chat {
            messages: RwSignal::new(vec![]),
            earlier: RwSignal::new(false),
            languages: RwSignal::new(vec![]),
            welcome: RwSignal::new(String::new()),
            state: RwSignal::new(HandoffState::Bot),
            queue: RwSignal::new(None),
            agent_name: RwSignal::new(None),
            agent_typing: RwSignal::new(false),
            agent_read_up_to: RwSignal::new(0),
            survey: RwSignal::new(None),
            error: RwSignal::new(None),
            online: RwSignal::new(false),
            pending: RwSignal::new(vec![]),
            pre_chat: RwSignal::new(false),
            transcript: RwSignal::new(false),
            transcript_open: RwSignal::new(false),
            transcript_pending: RwSignal::new(None),
            contact: RwSignal::new(String::new()),
        }
    }

    /// Sends a message (again, with the same client id: the server keeps
    /// it once).
    fn send(&self, client_id: String, text: String) {
        self.pending.update(|p| {
            if let Some(m) = p.iter_mut().find(|m| m.client_id == client_id) {
                m.retrying = false;
            } else {
                p.push(Pending {
                    client_id: client_id.clone(),
                    text: text.clone(),
                    retrying: false,
                });
            }
        });
        connection::send(&VisitorCommand::Send { client_id, text });
    }

    fn add(&self, m: ChatMessage) {
        self.messages.update(|all| {
            if !all.iter().any(|x| x.id == m.id) {
                let at = all.partition_point(|x| x.id < m.id);
                all.insert(at, m);
            }
        });
    }

    fn apply(&self, event: VisitorEvent, i18n: I18n, token_key: &str, lang_key: &str) {
        match event {
            VisitorEvent::Ready {
                token,
                languages,
                texts,
                state,
                history,
                earlier,
                agent_read_up_to,
                pre_chat,
                transcript,
                ..
            } => {
                self.pre_chat.set(pre_chat);
                self.transcript.set(transcript);
                save(token_key, Some(&token));
                save(lang_key, Some(texts.locale.tag()));
                i18n.locale.set(texts.locale);
                self.languages.set(languages);
                self.welcome.set(texts.welcome);
                self.state.set(state);
                self.agent_read_up_to.set(agent_read_up_to);
                self.error.set(None);
                // A new window gets the newest page; a resumed one what it
                // missed (its earlier flag stays).
                if self.messages.with_untracked(Vec::is_empty) {
                    self.earlier.set(earlier);
                }
                for m in history {
                    self.add(m);
                }
                if !pre_chat {
                    for m in self.pending.get_untracked() {
                        self.send(m.client_id, m.text);
                    }
                }
                if let Some((client_id, to)) = self.transcript_pending.get_untracked() {
                    connection::send(&VisitorCommand::EmailTranscript { client_id, to });
                }
            }
            VisitorEvent::Message(m) => {
                if matches!(m.author, Author::Agent { .. }) {
                    self.agent_typing.set(false);
                }
                self.add(m);
            }
            VisitorEvent::Earlier { messages, more } => {
                self.earlier.set(more);
                for m in messages {
                    self.add(m);
                }
            }
            VisitorEvent::Ack { client_id, .. } => {
                if self
                    .transcript_pending
                    .with_untracked(|p| p.as_ref().is_some_and(|(id, _)| *id == client_id))
                {
                    self.transcript_pending.set(None);
                    self.transcript_open.set(false);
                }
                self.pending
                    .update(|p| p.retain(|m| m.client_id != client_id));
            }
            VisitorEvent::NotSent {
                client_id,
                retry_after_ms,
                ..
            } => {
                self.pending.update(|p| {
                    if let Some(m) = p.iter_mut().find(|m| m.client_id == client_id) {
                        m.retrying = true;
                    }
                });
                let chat = *self;
                set_timeout(
                    move || {
                        let again = chat.pending.with_untracked(|p| {
                            p.iter().find(|m| m.client_id == client_id).cloned()
                        });
                        if let Some(m) = again
                            && chat.online.get_untracked()
                        {
                            chat.send(m.client_id, m.text);
                        }
                    },
                    std::time::Duration::from_millis(u64::from(retry_after_ms.max(200))),
                );
            }
            VisitorEvent::Started { .. } => {
                self.pre_chat.set(false);
                self.error.set(None);
                for m in self.pending.get_untracked() {
                    self.send(m.client_id, m.text);
                }
            }
            VisitorEvent::State {
                state,
                queue,
                agent_name,
            } => {
                self.state.set(state);
                self.queue.set(queue);
                self.agent_name.set(agent_name);
            }
            VisitorEvent::Language { texts } => {
                save(lang_key, Some(texts.locale.tag()));
                i18n.locale.set(texts.locale);
                self.welcome.set(texts.welcome);
            }
            VisitorEvent::AgentTyping => self.agent_typing.set(true),
            VisitorEvent::Read { up_to } => self.agent_read_up_to.set(up_to),
            VisitorEvent::SurveyRequested { question } => self.survey.set(Some(question)),
            VisitorEvent::Error { message, .. } => {
                // A refused transcript can be asked for again.
                self.transcript_pending.set(None);
                self.error.set(Some(message));
            }
            VisitorEvent::Pong { .. } => {}
        }
    }
}

#[component]
pub fn App() -> impl IntoView {
    let (tenant, lang, url) = location();
    let token_key = format!("fieldesk.visitor.{tenant}");
    let lang_key = format!("fieldesk.visitor.{tenant}.lang");
    let browser = web_sys::window().and_then(|w| w.navigator().language());
    let first = [load(&lang_key), lang.clone(), browser]
        .into_iter()
        .flatten()
        .find_map(|tag| Locale::try_negotiate(&tag))
        .unwrap_or_default();
    let i18n = I18n::new(first);
    let chat = Chat::new();
    let target = Target {
        url,
        resume: {
            let (token_key, lang_key) = (token_key.clone(), lang_key.clone());
            // The visitor's own choice wins; the site's `lang` sets the first one.
            let first = lang.clone();
            let identity = identity();
            let context = visit_context();
            // After a cut: only what came since the last message held.
            Rc::new(move || VisitorCommand::Resume {
                token: load(&token_key),
                after: chat
                    .messages
                    .with_untracked(|m| m.last().map_or(0, |m| m.id)),
                locale: load(&lang_key).or_else(|| first.clone()),
                identity: identity.clone(),
                context: context.clone(),
            })
        },
        on_event: {
            let (token_key, lang_key) = (token_key.clone(), lang_key.clone());
            Rc::new(move |e| chat.apply(e, i18n, &token_key, &lang_key))
        },
        on_open_change: Rc::new(move |open| chat.online.set(open)),
    };
    connection::connect(target.clone(), 0);
    let restart = StoredValue::new_local(target);

    let t = move |key: &'static str| move || i18n.t(key);
    view! {
        <div class="chat">
            <header class="chat-header">
                <h1>{t("portal-title")}</h1>
                <span class="status" data-testid="connection" data-online=move || chat.online.get().to_string()>
                    {move || if chat.online.get() { String::new() } else { i18n.t("portal-connecting") }}
                </span>
                <LanguageSelect chat i18n />
            </header>
            <main class="messages" data-testid="messages">
                <div class="bubble system welcome" data-testid="welcome">{move || chat.welcome.get()}</div>
                <Show when=move || chat.earlier.get()>
                    <button class="link load-earlier" data-testid="load-earlier"
                        on:click=move |_| {
                            if let Some(before) = chat.messages.with_untracked(|m| m.first().map(|m| m.id)) {
                                connection::send(&VisitorCommand::LoadEarlier { before });
                            }
                        }>
                        {t("portal-load-earlier")}
                    </button>
                </Show>
                <For each=move || chat.messages.get() key=|m| m.id let:m>
                    <Message m chat i18n />
                </For>
                <For each=move || unsent(chat) key=|m| (m.client_id.clone(), m.retrying) let:m>
                    <div class="bubble visitor pending" data-testid="pending-message"
                        data-retrying=m.retrying.to_string()>
                        <div class="body">{m.text.clone()}</div>
                        <Show when=move || m.retrying>
                            <div class="not-sent" data-testid="not-sent">{t("portal-not-sent")}</div>
                        </Show>
                    </div>
                </For>
                <Show when=move || chat.agent_typing.get()>
                    <div class="typing" data-testid="agent-typing">{t("portal-agent-typing")}</div>
                </Show>
            </main>
            <StatusLine chat i18n />
            <Show when=move || chat.error.get().is_some()>
                <div class="error" role="alert" data-testid="error">{move || chat.error.get().unwrap_or_default()}</div>
            </Show>
            <Show when=move || chat.survey.get().is_some()>
                <Survey chat i18n />
            </Show>
            <Show when=move || chat.transcript.get() && !chat.messages.with(Vec::is_empty)>
                <Transcript chat i18n />
            </Show>
            <Show when=move || chat.state.get() == HandoffState::Closed || chat.survey.get().is_some()>
                <button class="secondary" data-testid="new-conversation"
                    on:click=move |_| {
                        chat.pending.set(vec![]);
                        chat.messages.set(vec![]);
                        chat.earlier.set(false);
                        chat.survey.set(None);
                        chat.state.set(HandoffState::Bot);
                        restart.with_value(|t| connection::restart(t.clone()));
                    }>
                    {t("portal-new-conversation")}
                </button>
            </Show>
            <Show when=move || chat.messages.get().iter().any(|m| m.notice == Some(Notice::OutOfHours))
                && !chat.messages.get().iter().any(|m| m.notice == Some(Notice::MessageLeft))>
                <LeaveMessage i18n />
            </Show>
            <Show when=move || chat.pre_chat.get() fallback=move || view! { <Composer chat i18n /> }>
                <PreChatForm chat i18n />
            </Show>
        </div>
    }
}

/// Sent messages the server has not confirmed (nor echoed) yet.
fn unsent(chat: Chat) -> Vec<Pending> {
    let pending = chat.pending.get();
    chat.messages.with(|all| {
        pending
            .into_iter()
            .filter(|p| {
                !all.iter().any(|m| {
                    m.client_id.as_deref() == Some(p.client_id.as_str())
                        && m.author == Author::Visitor
                })
            })
            .collect()
    })
}

/// Name and email or phone before the first message (when the tenant
/// asks): checked here by the same rule as on the server.
#[component]
fn PreChatForm(chat: Chat, i18n: I18n) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let invalid = RwSignal::new(None::<String>);
    let field = move |label: &'static str,
                      value: RwSignal<String>,
                      testid: &'static str,
                      kind: &'static str| {
        view! {
            <label>
                <span>{move || i18n.t(label)}</span>
                <input data-testid=testid type=kind prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    view! {
        <form class="pre-chat" data-testid="pre-chat" novalidate on:submit=move |ev| {
            ev.prevent_default();
            let (n, c) = (name.get_untracked(), contact.get_untracked());
            match validate_pre_chat(&n, &c) {
                Ok(_) => {
                    invalid.set(None);
                    chat.error.set(None);
                    chat.contact.set(c.trim().to_owned());
                    connection::send(&VisitorCommand::PreChat { name: n, contact: c });
                }
                Err(code) => invalid.set(Some(i18n.t(code.message_key()))),
            }
        }>
            <h2>{move || i18n.t("portal-prechat-title")}</h2>
            {field("portal-prechat-name", name, "pre-chat-name", "text")}
            {field("portal-prechat-contact", contact, "pre-chat-contact", "text")}
            <Show when=move || invalid.get().is_some()>
                <div class="error" role="alert" data-testid="pre-chat-error">{move || invalid.get().unwrap_or_default()}</div>
            </Show>
            <button type="submit" data-testid="pre-chat-start" disabled=move || !chat.online.get()>
                {move || i18n.t("portal-prechat-start")}
            </button>
        </form>
    }
}

#[component]
fn LanguageSelect(chat: Chat, i18n: I18n) -> impl IntoView {
    view! {
        <select
            class="language"
            data-testid="language-select"
            aria-label=move || i18n.t("language-label")
            prop:value=move || i18n.locale.get().tag()
            on:change=move |ev| {
                connection::send(&VisitorCommand::SetLanguage { locale: event_target_value(&ev) });
            }
        >
            {move || {
                // Before the server says what the tenant offers: the
                // language the window speaks now.
                let offered = chat.languages.get();
                let offered = if offered.is_empty() { vec![i18n.locale.get()] } else { offered };
                offered
                    .into_iter()
                    .map(|l| {
                        let key = l.name_key();
                        view! {
                            <option value=l.tag() selected=move || i18n.locale.get() == l>
                                {move || i18n.t(key)}
                            </option>
                        }
                    })
                    .collect_view()
            }}
        </select>
    }
}

#[component]
fn Message(m: ChatMessage, chat: Chat, i18n: I18n) -> impl IntoView {
    let class = match &m.author {
        Author::Visitor => "bubble visitor",
        Author::Bot => "bubble bot",
        Author::Agent { .. } => "bubble agent",
        Author::System => "bubble system",
    };
    let who = match &m.author {
        Author::Visitor => Some(i18n.t("portal-you")),
        Author::Bot => Some(i18n.t("portal-ai-assistant")),
        Author::Agent { name, .. } => Some(name.clone()),
        Author::System => None,
    };
    let body: Vec<_> = segments(&m.body)
        .into_iter()
        .map(|s| match s {
            Segment::Text(t) => t.to_owned().into_any(),
            Segment::Link(href) => {
                let (href, label) = (href.to_owned(), href.to_owned());
                view! { <a href=href target="_blank" rel="noopener noreferrer nofollow">{label}</a> }
                    .into_any()
            }
        })
        .collect();
    let ai = m.ai_generated;
    let references = m.references.clone();
    let mine = m.author == Author::Visitor;
    let id = m.id;
    let offers_human = m.notice == Some(Notice::NoAnswer);
    view! {
        <div class=class data-testid="message" data-author=format!("{:?}", m.author).to_lowercase()>
            {who.map(|w| view! { <div class="who">{w}</div> })}
            <div class="body">{body}</div>
            <Show when=move || ai>
                <div class="ai-label" data-testid="ai-label">{move || i18n.t("chat-ai-label")}</div>
            </Show>
            {(!references.is_empty()).then(|| view! {
                <div class="references" data-testid="references">
                    <span>{move || i18n.t("chat-references")}</span>
                    <ul>{references.iter().map(|r| view! { <li>{r.title.clone()}</li> }).collect_view()}</ul>
                </div>
            })}
            <Show when=move || offers_human && chat.state.get() == HandoffState::Bot>
                <button class="secondary" on:click=move |_| { connection::send(&VisitorCommand::AskForHuman); }>
                    {move || i18n.t("portal-ask-human")}
                </button>
            </Show>
            <Show when={move || mine && chat.agent_read_up_to.get() >= id}>
                <div class="read">{move || i18n.t("portal-read")}</div>
            </Show>
        </div>
    }
}

#[component]
fn StatusLine(chat: Chat, i18n: I18n) -> impl IntoView {
    let line = move || match (chat.state.get(), chat.queue.get(), chat.agent_name.get()) {
        (HandoffState::Queued, Some(q), _) => i18n.t_with(
            "portal-queue",
            &[
                ("position", q.position.to_string()),
                (
                    "minutes",
                    q.estimated_wait_secs.div_ceil(60).max(1).to_string(),
                ),
            ],
        ),
        (HandoffState::Human { .. }, _, Some(agent)) => {
            i18n.t_with("portal-served-by", &[("agent", agent)])
        }
        _ => String::new(),
    };
    view! { <div class="status-line" data-testid="status-line">{line}</div> }
}

#[component]
fn Survey(chat: Chat, i18n: I18n) -> impl IntoView {
    let rating = RwSignal::new(0u8);
    let comment = RwSignal::new(String::new());
    let sent = RwSignal::new(false);
    view! {
        <form class="survey" data-testid="survey" on:submit=move |ev| {
            ev.prevent_default();
            if rating.get_untracked() > 0 {
                connection::send(&VisitorCommand::Survey { rating: rating.get_untracked(), comment: comment.get_untracked() });
                sent.set(true);
            }
        }>
            <p>{move || chat.survey.get().unwrap_or_default()}</p>
            <div class="stars">
                {(1..=5u8).map(|n| view! {
                    <button type="button" class:chosen={move || rating.get() >= n}
                        data-testid=format!("rating-{n}")
                        on:click=move |_| rating.set(n)>{n.to_string()}</button>
                }).collect_view()}
            </div>
            <input data-testid="survey-comment" placeholder=move || i18n.t("portal-survey-comment") prop:value=move || comment.get()
                on:input=move |ev| comment.set(event_target_value(&ev)) />
            <button type="submit" data-testid="survey-submit" disabled=move || sent.get() || rating.get() == 0>
                {move || i18n.t("portal-survey-submit")}
            </button>
        </form>
    }
}

/// "Email transcript": the conversation so far, mailed to the address
/// the visitor gives (checked here by the rule the server applies).
#[component]
fn Transcript(chat: Chat, i18n: I18n) -> impl IntoView {
    let to = RwSignal::new(String::new());
    let invalid = RwSignal::new(None::<String>);
    let open = move |_| {
        let contact = chat.contact.get_untracked();
        if to.get_untracked().is_empty() && transcript::check(&contact).is_ok() {
            to.set(contact);
        }
        invalid.set(None);
        chat.transcript_open.set(true);
    };
    view! {
        <Show when=move || chat.transcript_open.get()
            fallback=move || view! {
                <button type="button" class="link transcript-open" data-testid="transcript-open" on:click=open>
                    {move || i18n.t("portal-transcript")}
                </button>
            }>
            <form class="transcript" data-testid="transcript" novalidate on:submit=move |ev| {
                ev.prevent_default();
                match transcript::check(&to.get_untracked()) {
                    Ok(address) => {
                        invalid.set(None);
                        chat.error.set(None);
                        let id = client_id();
                        chat.transcript_pending.set(Some((id.clone(), address.clone())));
                        connection::send(&VisitorCommand::EmailTranscript { client_id: id, to: address });
                    }
                    Err(code) => invalid.set(Some(i18n.t(code.message_key()))),
                }
            }>
                <label>
                    <span>{move || i18n.t("portal-transcript-address")}</span>
                    <input type="email" data-testid="transcript-address" autocomplete="email"
                        prop:value=move || to.get() on:input=move |ev| to.set(event_target_value(&ev)) />
                </label>
                <Show when=move || invalid.get().is_some()>
                    <div class="error" role="alert" data-testid="transcript-error">{move || invalid.get().unwrap_or_default()}</div>
                </Show>
                <button type="submit" data-testid="transcript-send"
                    disabled=move || !chat.online.get() || chat.transcript_pending.get().is_some()>
                    {move || i18n.t("portal-transcript-send")}
                </button>
                <button type="button" class="secondary" data-testid="transcript-cancel"
                    on:click=move |_| {
                        chat.transcript_pending.set(None);
                        chat.transcript_open.set(false);
                    }>
                    {move || i18n.t("portal-transcript-cancel")}
                </button>
            </form>
        </Show>
    }
}

#[component]
fn LeaveMessage(i18n: I18n) -> impl IntoView {
    let name = RwSignal::new(String::new());
    let contact = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let id = StoredValue::new(client_id());
    let field = move |label: &'static str, value: RwSignal<String>, testid: &'static str| {
        view! {
            <label>
                <span>{move || i18n.t(label)}</span>
                <input data-testid=testid prop:value=move || value.get()
                    on:input=move |ev| value.set(event_target_value(&ev)) />
            </label>
        }
    };
    view! {
        <form class="leave-message" data-testid="leave-message" on:submit=move |ev| {
            ev.prevent_default();
            connection::send(&VisitorCommand::LeaveMessage {
                client_id: id.get_value(),
                name: name.get_untracked(),
                contact: contact.get_untracked(),
                text: text.get_untracked(),
            });
        }>
            <h2>{move || i18n.t("portal-leave-title")}</h2>
            {field("portal-leave-name", name, "leave-name")}
            {field("portal-leave-contact", contact, "leave-contact")}
            {field("portal-leave-text", text, "leave-text")}
            <button type="submit" data-testid="leave-submit">{move || i18n.t("portal-leave-submit")}</button>
        </form>
    }
}

#[component]
fn Composer(chat: Chat, i18n: I18n) -> impl IntoView {
    let draft = RwSignal::new(String::new());
    let submit = move || {
        let text = draft.get_untracked().trim().to_owned();
        if text.is_empty() {
            return;
        }
        chat.send(client_id(), text);
        draft.set(String::new());
    };
    view! {
        <form class="composer" on:submit=move |ev| { ev.prevent_default(); submit(); }>
            <input data-testid="chat-input" maxlength="4000"
                placeholder=move || i18n.t("portal-input-placeholder")
                prop:value=move || draft.get()
                on:input=move |ev| {
                    draft.set(event_target_value(&ev));
                    connection::send(&VisitorCommand::Typing);
                } />
            <button type="submit" data-testid="chat-send">{move || i18n.t("portal-send")}</button>
            <Show when=move || chat.state.get() == HandoffState::Bot>
                <button type="button" class="secondary" data-testid="ask-human"
                    on:click=move |_| { connection::send(&VisitorCommand::AskForHuman); }>
                    {move || i18n.t("portal-ask-human")}
                </button>
            </Show>
            <Show when=move || !chat.messages.with(Vec::is_empty)
                && matches!(chat.state.get(), HandoffState::Bot | HandoffState::Queued | HandoffState::Human { .. })>
                <button type="button" class="secondary" data-testid="end-chat"
                    on:click=move |_| { connection::send(&VisitorCommand::End); }>
                    {move || i18n.t("portal-end-chat")}
                </button>
            </Show>
        </form>
    }
}
