//! The agent's chat desk: status, conversation tabs with unread counts,
//! and the chat view (history with the AI transcript, the visitor's
//! language, typing, delivery state, reply, accept, transfer, end). Live
//! through the shell's `chat` events; reloads after a reconnect.

mod admin;
mod composer;
mod mail;
mod sidebar;
mod view;

use std::collections::HashMap;

use fieldesk_core::channel::Channel;
use fieldesk_core::chat::{
    AgentStatus, Author, CONVERSATION_PAGE, ChatAgent, ChatMessage, ConversationSummary,
    HISTORY_PAGE, MAX_CONVERSATION_PAGE, RESUME_PAGE,
};
use fieldesk_core::email::grouping::{DeskPrefs, GroupKey, Grouping, group};
use fieldesk_core::email::part::{MailAnswer, MailCommand, MailPart};
use fieldesk_core::event::ServerEvent;
use fieldesk_core::group::ServiceGroup;
use fieldesk_core::{ErrorCode, Role};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ConnectionState, Latest, chat};
use crate::i18n::{I18n, tr, use_i18n};

pub use admin::{ChatSettingsPanel, GroupsPanel, KnowledgePanel};
pub use composer::{action_key, tier_key};
use sidebar::Sidebar;
pub use sidebar::{panel_key, panel_name};
pub use view::ChatView;
pub(crate) use view::new_client_id;

/// The desk's state, shared by its components.
#[derive(Clone, Copy)]
pub struct Desk {
    pub tab: RwSignal<&'static str>,
    pub list: RwSignal<Vec<ConversationSummary>>,
    /// Whether the tab has more than the rows loaded ("load more").
    pub more: RwSignal<bool>,
    pub counts: RwSignal<(usize, usize)>,
    pub known: RwSignal<HashMap<i64, ConversationSummary>>,
    pub selected: RwSignal<Option<i64>>,
    /// The selected conversation's channel (see [`Desk::channel`]).
    open_channel: Memo<Channel>,
    pub messages: RwSignal<Vec<ChatMessage>>,
    /// Whether older messages than the first shown exist ("load earlier").
    pub earlier: RwSignal<bool>,
    pub typing: RwSignal<Option<i64>>,
    pub status: RwSignal<AgentStatus>,
    pub capacity: RwSignal<u32>,
    pub agents: RwSignal<Vec<ChatAgent>>,
    pub groups: RwSignal<Vec<ServiceGroup>>,
    pub notice: RwSignal<Option<String>>,
    /// The reply being written (kept when the layout changes live).
    pub draft: RwSignal<String>,
    /// List refreshes: only the newest answer is shown.
    pub refreshes: Latest,
    pub drafts: RwSignal<HashMap<i64, String>>,
    /// A custom button's page shown in the sidebar: (title, URL).
    pub side_url: RwSignal<Option<(String, String)>>,
    /// The sidebar panel a button asked to show.
    pub side_focus: RwSignal<Option<String>>,
    pub error: RwSignal<Option<ErrorCode>>,
    /// The mail side of the open email conversation's messages, by id.
    pub mails: RwSignal<HashMap<i64, MailPart>>,
    /// The new-mail form is open.
    pub composing: RwSignal<bool>,
    /// Who the new mail goes to when it was opened for someone (a left
    /// message's contact).
    pub compose_to: RwSignal<String>,
    /// Files to go with the next reply of an email conversation.
    pub reply_files: RwSignal<Vec<fieldesk_core::email::outgoing::OutgoingAttachment>>,
    /// Thread order and list groups, the signed-in user's own.
    pub prefs: RwSignal<DeskPrefs>,
    /// The own-groups editor is open.
    pub editing_groups: RwSignal<bool>,
    pub me: i64,
    pub i18n: I18n,
}

impl Desk {
    /// Reloads the current tab (as many rows as are shown, a page at
    /// least) and the counts.
    pub fn refresh(self) {
        let ticket = self.refreshes.ticket();
        spawn_local(async move {
            let tab = self.tab.get_untracked();
            let limit = (self.list.with_untracked(Vec::len) as u32)
                .clamp(CONVERSATION_PAGE, MAX_CONVERSATION_PAGE);
            match chat::conversations(tab, None, limit).await {
                Ok(list) => {
                    self.known.update(|k| {
                        for c in &list {
                            k.insert(c.id, c.clone());
                        }
                    });
                    // An answer overtaken by a newer refresh (e.g. of the tab
                    // switched to meanwhile) is not shown.
                    if self.refreshes.is_newest(ticket) {
                        self.more.set(list.len() as u32 == limit);
                        self.list.set(list);
                    }
                }
                Err(e) => self.error.set(Some(e.code)),
            }
            let count = async |tab| {
                chat::conversations(tab, None, MAX_CONVERSATION_PAGE)
                    .await
                    .map(|l| l.len())
                    .unwrap_or(0)
            };
            let (mine, queued) = (count("mine").await, count("queued").await);
            self.counts.set((mine, queued));
        });
    }

    /// The tab's next page, after the last row shown.
    pub fn load_more(self) {
        let ticket = self.refreshes.ticket();
        spawn_local(async move {
            let tab = self.tab.get_untracked();
            let before = self
                .list
                .with_untracked(|l| l.last().map(|c| c.cursor().to_string()));
            match chat::conversations(tab, before, CONVERSATION_PAGE).await {
                Ok(page) if self.refreshes.is_newest(ticket) => {
                    self.more.set(page.len() as u32 == CONVERSATION_PAGE);
                    self.known.update(|k| {
                        for c in &page {
                            k.insert(c.id, c.clone());
                        }
                    });
                    self.list.update(|l| {
                        for c in page {
                            if !l.iter().any(|x| x.id == c.id) {
                                l.push(c);
                            }
                        }
                    });
                }
                Ok(_) => {}
                Err(e) => self.error.set(Some(e.code)),
            }
        });
    }

    /// Loads the selected conversation's messages after the last one
    /// held (page after page), or its newest page when none is held.
    pub fn load_messages(self) {
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        spawn_local(async move {
            loop {
                let after = self
                    .messages
                    .with_untracked(|m| m.last().map_or(0, |m| m.id));
                match chat::messages(id, after, None).await {
                    Ok(new) if self.selected.get_untracked() == Some(id) => {
                        let full = new.len() as u32
                            == if after == 0 {
                                HISTORY_PAGE
                            } else {
                                RESUME_PAGE
                            };
                        if after == 0 {
                            self.earlier.set(full);
                        }
                        let got = !new.is_empty();
                        for m in new {
                            self.add(m);
                        }
                        if !(full && got && after > 0) {
                            break;
                        }
                    }
                    Ok(_) => return,
                    Err(e) => return self.error.set(Some(e.code)),
                }
            }
            self.mark_read();
        });
    }

    /// "Load earlier": the page before the first message shown.
    pub fn load_earlier(self) {
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        let Some(first) = self.messages.with_untracked(|m| m.first().map(|m| m.id)) else {
            return;
        };
        spawn_local(async move {
            match chat::messages(id, 0, Some(first)).await {
                Ok(older) if self.selected.get_untracked() == Some(id) => {
                    self.earlier.set(older.len() as u32 == HISTORY_PAGE);
                    for m in older {
                        self.add(m);
                    }
                }
                Ok(_) => {}
                Err(e) => self.error.set(Some(e.code)),
            }
        });
    }

    /// Changes the user's reading preferences and keeps them (in the
    /// app's store, per user: they survive a restart).
    pub fn set_prefs(self, change: impl FnOnce(&mut DeskPrefs)) {
        self.prefs.update(change);
        let prefs = self.prefs.get_untracked();
        spawn_local(async move {
            if let Err(e) = crate::api::mail::desk(MailCommand::SavePrefs { prefs }).await {
                self.error.set(Some(e.code));
            }
        });
    }

    /// The open conversation's channel: its layout and quick replies.
    /// Changes only when the channel does (not with every list update),
    /// so what depends on it is not rebuilt under the agent's hands.
    pub fn channel(self) -> Channel {
        self.open_channel.get()
    }

    /// Loads the mails of the open conversation, if it is an email one.
    pub fn load_mails(self) {
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        let email = self
            .known
            .with_untracked(|k| k.get(&id).is_some_and(|c| c.channel == Channel::Email));
        if !email {
            return;
        }
        spawn_local(async move {
            match crate::api::mail::desk(MailCommand::Parts {
                conversation_id: id,
            })
            .await
            {
                Ok(MailAnswer::Parts(parts)) if self.selected.get_untracked() == Some(id) => {
                    self.mails
                        .set(parts.into_iter().map(|p| (p.message_id, p)).collect());
                }
                Ok(_) => {}
                Err(e) => self.error.set(Some(e.code)),
            }
        });
    }

    pub fn add(self, m: ChatMessage) {
        if !self.mails.with_untracked(|p| p.contains_key(&m.id)) {
            self.load_mails();
        }
        self.messages.update(|all| {
            if !all.iter().any(|x| x.id == m.id) {
                let at = all.partition_point(|x| x.id < m.id);
                all.insert(at, m);
            }
        });
    }

    /// Tells the visitor we read their messages (when serving them).
    pub fn mark_read(self) {
        let Some(id) = self.selected.get_untracked() else {
            return;
        };
        let serving = self.known.with_untracked(|k| {
            k.get(&id)
                .is_some_and(|c| c.agent_id == Some(self.me) && c.unread > 0)
        });
        let last = self.messages.with_untracked(|m| {
            m.iter()
                .filter(|m| m.author == Author::Visitor)
                .map(|m| m.id)
                .max()
        });
        if let (true, Some(up_to)) = (serving, last) {
            spawn_local(async move {
                let _ = chat::read(id, up_to).await;
            });
        }
    }

    pub fn select(self, id: i64) {
        // Each conversation keeps its own unsent draft.
        let previous = self.selected.get_untracked();
        let draft = self.draft.get_untracked();
        self.drafts.update(|d| {
            if let Some(prev) = previous {
                d.insert(prev, draft);
            }
        });
        let restored = self
            .drafts
            .with_untracked(|d| d.get(&id).cloned())
            .unwrap_or_default();
        self.draft.set(restored);
        self.side_url.set(None);
        self.selected.set(Some(id));
        self.messages.set(vec![]);
        self.mails.set(HashMap::new());
        self.earlier.set(false);
        self.error.set(None);
        self.composing.set(false);
        self.reply_files.set(vec![]);
        self.load_messages();
    }

    fn on_event(self, event: ServerEvent) {
        match event {
            ServerEvent::ConversationChanged { conversation } => {
                let id = conversation.id;
                self.known.update(|k| {
                    k.insert(id, *conversation);
                });
                self.refresh();
                if self.selected.get_untracked() == Some(id) {
                    self.mark_read();
                }
            }
            ServerEvent::ChatMessage { message }
                if self.selected.get_untracked() == Some(message.conversation_id) =>
            {
                if message.author == Author::Visitor {
                    self.typing.set(None);
                }
                self.add(message);
            }
            ServerEvent::VisitorTyping { conversation_id } => {
                self.typing.set(Some(conversation_id));
                set_timeout(
                    move || {
                        if self.typing.get_untracked() == Some(conversation_id) {
                            self.typing.set(None);
                        }
                    },
                    std::time::Duration::from_secs(4),
                );
            }
            ServerEvent::VisitorMarks {
                conversation_id,
                delivered_up_to,
                read_up_to,
            } => self.known.update(|k| {
                if let Some(c) = k.get_mut(&conversation_id) {
                    c.visitor_delivered_up_to = c.visitor_delivered_up_to.max(delivered_up_to);
                    c.visitor_read_up_to = c.visitor_read_up_to.max(read_up_to);
                }
            }),
            ServerEvent::Transferred {
                from_agent, note, ..
            } => {
                let text = self
                    .i18n
                    .t_args("desk-transferred", &[("agent", from_agent), ("note", note)]);
                self.notice.set(Some(text));
                self.refresh();
            }
            ServerEvent::MailStatus {
                message_id,
                status,
                detail,
                ..
            } => self.mails.update(|m| {
                if let Some(p) = m.get_mut(&message_id) {
                    p.status = Some(status);
                    p.status_detail = Some(detail);
                }
            }),
            // Events were lost: the lists and the open conversation again
            // (messages are kept by id, so nothing shows twice).
            ServerEvent::Resync => {
                self.refresh();
                self.load_messages();
            }
            _ => {}
        }
    }
}

const TABS: [(&str, &str); 4] = [
    ("mine", "desk-tab-mine"),
    ("queued", "desk-tab-queued"),
    ("follow_up", "desk-tab-follow-up"),
    ("all", "desk-tab-all"),
];

const STATUSES: [(AgentStatus, &str, &str); 3] = [
    (AgentStatus::Online, "online", "desk-status-online"),
    (AgentStatus::Away, "away", "desk-status-away"),
    (AgentStatus::Offline, "offline", "desk-status-offline"),
];

#[component]
pub fn ChatDesk(me: i64, role: Role) -> impl IntoView {
    let i18n = use_i18n();
    let bench =
        crate::workbench::context::use_workbench().expect("the workbench provides its state");
    let create_work_order = role.oversees_chat().then(|| {
        let page =
            use_context::<crate::shell::nav::Page>().expect("the workbench provides its page");
        Callback::new(move |_| page.0.set(crate::shell::nav::View::Dispatch))
    });
    let known = RwSignal::new(HashMap::<i64, ConversationSummary>::new());
    let selected = RwSignal::new(None::<i64>);
    let open_channel = Memo::new(move |_| {
        selected
            .get()
            .and_then(|id| known.with(|k| k.get(&id).map(|c| c.channel)))
            .unwrap_or_default()
    });
    let desk = Desk {
        tab: RwSignal::new("mine"),
        more: RwSignal::new(false),
        list: RwSignal::new(vec![]),
        counts: RwSignal::new((0, 0)),
        known,
        selected,
        open_channel,
        messages: RwSignal::new(vec![]),
        earlier: RwSignal::new(false),
        typing: RwSignal::new(None),
        status: RwSignal::new(AgentStatus::Offline),
        capacity: RwSignal::new(0),
        agents: RwSignal::new(vec![]),
        groups: RwSignal::new(vec![]),
        notice: RwSignal::new(None),
        draft: RwSignal::new(String::new()),
        refreshes: Latest::new(),
        drafts: RwSignal::new(HashMap::new()),
        side_url: RwSignal::new(None),
        side_focus: RwSignal::new(None),
        error: RwSignal::new(None),
        mails: RwSignal::new(HashMap::new()),
        composing: RwSignal::new(false),
        compose_to: RwSignal::new(String::new()),
        reply_files: RwSignal::new(vec![]),
        prefs: RwSignal::new(DeskPrefs::default()),
        editing_groups: RwSignal::new(false),
        me,
        i18n,
    };
    api::listen(chat::CHAT_EVENT, move |event: ServerEvent| {
        desk.on_event(event)
    });
    // After a reconnect: whatever happened meanwhile.
    api::listen(api::CONNECTION_EVENT, move |state: ConnectionState| {
        if state == ConnectionState::Online {
            desk.refresh();
            desk.load_messages();
        }
    });
    spawn_local(async move {
        if let Ok(MailAnswer::Prefs(prefs)) = crate::api::mail::desk(MailCommand::Prefs).await {
            desk.prefs.set(prefs);
        }
        if let Ok(s) = chat::status().await {
            desk.status.set(s.status);
            desk.capacity.set(s.capacity.unwrap_or_default());
        }
        if let Ok(agents) = chat::agents().await {
            desk.agents.set(agents);
        }
        if let Ok(groups) = chat::groups().await {
            desk.groups.set(groups);
        }
    });
    desk.refresh();
    // Alt+↑ / Alt+↓: the previous or next conversation of the list.
    let handle = window_event_listener(leptos::ev::keydown, move |ev| {
        let step: isize = match (ev.alt_key(), ev.key().as_str()) {
            (true, "ArrowUp") => -1,
            (true, "ArrowDown") => 1,
            _ => return,
        };
        let ids: Vec<i64> = desk
            .list
            .with_untracked(|l| l.iter().map(|c| c.id).collect());
        if ids.is_empty() {
            return;
        }
        ev.prevent_default();
        let at = desk
            .selected
            .get_untracked()
            .and_then(|id| ids.iter().position(|x| *x == id));
        let next = match at {
            Some(at) => (at as isize + step).clamp(0, ids.len() as isize - 1) as usize,
            None => 0,
        };
        desk.select(ids[next]);
    });
    on_cleanup(move || handle.remove());

    let set_status = move |ev| {
        let value = event_target_value(&ev);
        let Some((status, _, _)) = STATUSES.iter().find(|(_, v, _)| *v == value) else {
            return;
        };
        let status = *status;
        spawn_local(async move {
            match chat::set_status(status, None).await {
                Ok(s) => desk.status.set(s.status),
                Err(e) => desk.error.set(Some(e.code)),
            }
        });
    };
    let set_capacity = move |ev| {
        let Ok(capacity) = event_target_value(&ev).trim().parse::<u32>() else {
            desk.error.set(Some(ErrorCode::BadRequest));
            return;
        };
        spawn_local(async move {
            match chat::set_status(desk.status.get_untracked(), Some(capacity)).await {
                Ok(s) => {
                    desk.error.set(None);
                    desk.capacity.set(s.capacity.unwrap_or(capacity));
                }
                Err(e) => desk.error.set(Some(e.code)),
            }
        });
    };
    let tabs = TABS
        .into_iter()
        .filter(|(tab, _)| *tab != "all" || role.oversees_chat())
        .map(|(tab, key)| {
            let count = move || match tab {
                "mine" => count_text(desk.counts.get().0),
                "queued" => count_text(desk.counts.get().1),
                _ => String::new(),
            };
            view! {
                <button class="tab" class:active=move || desk.tab.get() == tab
                    data-testid=format!("tab-{tab}")
                    on:click=move |_| { desk.tab.set(tab); desk.refresh(); }>
                    {tr(key)}" "<span class="count">{count}</span>
                </button>
            }
        })
        .collect_view();

    view! {
        <section class="desk" data-testid="chat-desk">
            <aside class="desk-list">
                <label class="desk-status">
                    <span>{tr("desk-status-label")}</span>
                    <select data-testid="agent-status" on:change=set_status
                        prop:value=move || STATUSES.iter().find(|(s, _, _)| *s == desk.status.get()).map_or("offline", |(_, v, _)| *v)>
                        {STATUSES.into_iter().map(|(status, value, key)| view! {
                            <option value=value selected=move || desk.status.get() == status>{tr(key)}</option>
                        }).collect_view()}
                    </select>
                </label>
                <label class="desk-status">
                    <span>{tr("desk-capacity")}</span>
                    <input type="number" min="0" max="50" data-testid="agent-capacity"
                        prop:value=move || desk.capacity.get().to_string() on:change=set_capacity />
                </label>
                <button class="secondary compose-open" data-testid="compose-mail"
                    title=move || i18n.t("mail-compose")
                    on:click=move |_| {
                        desk.compose_to.set(String::new());
                        desk.composing.update(|c| *c = !*c);
                    }>"＋ "{tr("mail-compose")}</button>
                <nav class="tabs">{tabs}</nav>
                <div class="group-by">
                    <label>
                        <span>{tr("mail-group-by")}</span>
                        <select data-testid="group-by"
                            on:change=move |ev| {
                                let g = Grouping::parse(&event_target_value(&ev)).unwrap_or_default();
                                desk.set_prefs(|p| p.grouping = g);
                            }>
                            {Grouping::ALL.into_iter().map(|g| view! {
                                <option value=g.as_str() selected=move || desk.prefs.with(|p| p.grouping == g)>
                                    {tr(grouping_key(g))}
                                </option>
                            }).collect_view()}
                        </select>
                    </label>
                    <button class="link" data-testid="edit-groups"
                        on:click=move |_| desk.editing_groups.set(true)>{tr("mail-groups-edit")}</button>
                </div>
                <Show when=move || desk.prefs.with(|p| p.grouping == Grouping::None)
                    fallback=move || view! { <GroupedList desk /> }>
                    <ul class="conversations">
                        <For each=move || desk.list.get() key=|c| (c.id, c.last_message_at, c.unread, c.state) let:c>
                            <ConversationItem c desk />
                        </For>
                    </ul>
                </Show>
                <Show when=move || desk.editing_groups.get()>
                    <mail::GroupsEditor desk />
                </Show>
                <Show when=move || desk.list.get().is_empty()>
                    <p class="muted" data-testid="no-conversations">{tr("desk-no-conversations")}</p>
                </Show>
                <Show when=move || desk.more.get()>
                    <button class="link" data-testid="load-more-conversations"
                        on:click=move |_| desk.load_more()>{tr("desk-load-more")}</button>
                </Show>
            </aside>
            <Show when=move || desk.notice.get().is_some()>
                <div class="notice" data-testid="desk-notice">{move || desk.notice.get().unwrap_or_default()}</div>
            </Show>
            <Show when=move || desk.error.get().is_some()>
                <div class="error" role="alert" data-testid="desk-error">
                    {move || desk.error.get().map(|c| i18n.t(c.message_key())).unwrap_or_default()}
                </div>
            </Show>
            <Show when=move || desk.composing.get()
                fallback=move || view! { <ChatView desk bench create_work_order /> }>
                <mail::ComposeMail desk />
            </Show>
            <Show when=move || desk.selected.get().is_some()>
                <Sidebar desk bench />
            </Show>
        </section>
    }
}

fn grouping_key(g: Grouping) -> &'static str {
    match g {
        Grouping::None => "mail-group-none",
        Grouping::Subject => "mail-group-subject",
        Grouping::Custom => "mail-group-custom",
    }
}

/// The list in groups (by subject, or the user's own), each under a
/// heading with its count.
#[component]
fn GroupedList(desk: Desk) -> impl IntoView {
    let i18n = desk.i18n;
    view! {
        <ul class="conversations grouped">
            {move || {
                let prefs = desk.prefs.get();
                desk.list.with(|list| {
                    group(prefs.grouping, &prefs.groups, list)
                        .into_iter()
                        .map(|(key, members)| {
                            let title = match key {
                                GroupKey::Subject { title, .. } => title,
                                GroupKey::Custom(at) => prefs.groups[at].name.clone(),
                                GroupKey::Other => i18n.t("mail-group-other"),
                            };
                            let count = members.len();
                            let items: Vec<ConversationSummary> =
                                members.into_iter().cloned().collect();
                            view! {
                                <li class="group-head" data-testid="conversation-group" data-count=count.to_string()>
                                    <span class="group-name" data-testid="conversation-group-name">{title}</span>
                                    " "<span class="count">{count.to_string()}</span>
                                </li>
                                {items.into_iter().map(|c| view! { <ConversationItem c desk /> }).collect_view()}
                            }
                        })
                        .collect_view()
                })
            }}
        </ul>
    }
}

/// A tab's count; a full page of counting reads "200+".
fn count_text(n: usize) -> String {
    if n >= MAX_CONVERSATION_PAGE as usize {
        format!("{MAX_CONVERSATION_PAGE}+")
    } else {
        n.to_string()
    }
}

#[component]
fn ConversationItem(c: ConversationSummary, desk: Desk) -> impl IntoView {
    let id = c.id;
    let unread = c.unread;
    view! {
        <li>
            <button class="conversation" class:selected=move || desk.selected.get() == Some(id)
                data-testid="conversation" data-id=id.to_string()
                on:click=move |_| desk.select(id)>
                <span class="name">{c.customer.as_ref().map_or(c.visitor_name.clone(), |l| l.name.clone())}</span>
                {match &c.customer {
                    Some(_) => view! { <span class="identity verified" data-testid="conversation-verified">"✓"</span> }.into_any(),
                    None => view! { <span class="identity unverified" data-testid="conversation-unverified">{tr("desk-unverified")}</span> }.into_any(),
                }}
                <span class="lang">{tr(c.locale.name_key())}</span>
                {(c.channel == Channel::Email).then(|| view! {
                    <span class="channel email" data-testid="conversation-channel" data-channel="email">
                        "✉ "{tr("layout-channel-email")}
                    </span>
                })}
                {c.subject.clone().map(|s| view! { <span class="subject" data-testid="conversation-subject">{s}</span> })}
                {(unread > 0).then(|| view! { <span class="unread" data-testid="unread">{unread.to_string()}</span> })}
                <span class="last">{c.last_message.clone().unwrap_or_default()}</span>
            </button>
        </li>
    }
}
