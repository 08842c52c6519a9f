//! What the agent's workbench shows, as shared state: the layouts they
//! see (by app and channel), the app (desktop, or mobile on a narrow
//! window), and the quick-reply book with its search index. Fetched at
//! sign-in, again on `workbench` events and after a reconnect; the shell
//! answers its cached copy when offline.

use std::sync::Arc;

use fieldesk_core::event::ServerEvent;
use fieldesk_core::layout::{App, Channel, Layout, ResolvedLayout};
use fieldesk_core::quick_reply::{self, Index, QuickReplyBook};
use leptos::prelude::*;
use leptos::task::spawn_local;

use crate::api::{self, ConnectionState, IpcError, IpcResult, Latest, workbench};

/// Narrower than this, the window is a phone: the mobile layout applies.
const MOBILE_MAX_WIDTH: f64 = 600.0;

#[derive(Clone, Copy)]
pub struct WorkbenchState {
    pub layouts: RwSignal<Vec<ResolvedLayout>>,
    pub app: RwSignal<App>,
    pub book: RwSignal<QuickReplyBook>,
    pub index: RwSignal<Arc<Index>>,
    /// The tenant's workbench name (the built-in layout's).
    pub default_name: StoredValue<String>,
    /// The signed-in agent's display name (for `{{agent.name}}`).
    pub agent_name: StoredValue<String>,
    layouts_asked: Latest,
    book_asked: Latest,
}

fn app_for_window() -> App {
    let width = window()
        .inner_width()
        .ok()
        .and_then(|w| w.as_f64())
        .unwrap_or(1200.0);
    if width < MOBILE_MAX_WIDTH {
        App::Mobile
    } else {
        App::Desktop
    }
}

impl WorkbenchState {
    pub fn provide(default_name: String, agent_name: String) -> Self {
        let state = WorkbenchState {
            layouts: RwSignal::new(vec![]),
            app: RwSignal::new(app_for_window()),
            book: RwSignal::new(QuickReplyBook::default()),
            index: RwSignal::new(Arc::new(Index::default())),
            default_name: StoredValue::new(default_name),
            agent_name: StoredValue::new(agent_name),
            layouts_asked: Latest::new(),
            book_asked: Latest::new(),
        };
        provide_context(state);
        let _ = window_event_listener(leptos::ev::resize, move |_| {
            let app = app_for_window();
            if state.app.get_untracked() != app {
                state.app.set(app);
            }
        });
        api::listen(
            workbench::WORKBENCH_EVENT,
            move |event: ServerEvent| match event {
                ServerEvent::LayoutsChanged => state.load_layouts(),
                ServerEvent::QuickRepliesChanged => state.load_replies(),
                // Events were lost (`Resync`): both again.
                _ => {
                    state.load_layouts();
                    state.load_replies();
                }
            },
        );
        api::listen(api::CONNECTION_EVENT, move |s: ConnectionState| {
            if s == ConnectionState::Online {
                state.load_layouts();
                state.load_replies();
            }
        });
        state.load_layouts();
        state.load_replies();
        state
    }

    /// Fetches the layouts (two changes in a row: the second answer wins,
    /// whichever arrives last).
    pub fn load_layouts(self) {
        let ticket = self.layouts_asked.ticket();
        spawn_local(async move {
            match workbench::layouts().await {
                Ok(all) if self.layouts_asked.is_newest(ticket) => self.layouts.set(all),
                Ok(_) => {}
                Err(e) => web_sys::console::warn_1(&format!("layouts: {e:?}").into()),
            }
        });
    }

    pub fn load_replies(self) {
        let done = self.change_replies(workbench::quick_replies());
        spawn_local(async move {
            if let Err(e) = done.await {
                web_sys::console::warn_1(&format!("quick replies: {e:?}").into());
            }
        });
    }

    /// Runs a request that answers the whole quick-reply book and shows
    /// the newest answer; a failure is returned.
    pub fn change_replies(
        self,
        request: impl std::future::Future<Output = IpcResult<QuickReplyBook>> + 'static,
    ) -> impl std::future::Future<Output = Result<(), IpcError>> {
        let ticket = self.book_asked.ticket();
        async move {
            let book = request.await?;
            if self.book_asked.is_newest(ticket) {
                self.index.set(Arc::new(quick_reply::index(&book)));
                self.book.set(book);
            }
            Ok(())
        }
    }

    /// The layout for `channel` in the current app (reactive).
    pub fn layout(self, channel: Channel) -> Layout {
        let app = self.app.get();
        self.layouts
            .with(|all| {
                all.iter()
                    .find(|r| r.app == app && r.channel == channel)
                    .map(|r| r.layout.clone())
            })
            .unwrap_or_else(|| self.default_name.with_value(|n| Layout::builtin(n)))
    }

    /// Whether quick replies are on in `channel` (reactive).
    pub fn replies_on(self, channel: Channel) -> bool {
        self.book.with(|b| b.channels.contains(&channel))
    }
}

pub fn use_workbench() -> Option<WorkbenchState> {
    use_context::<WorkbenchState>()
}
