//! Dispatch (派单) screens: for admins and supervisors the dispatch board
//! (new orders, unassigned and recently dispatched ones with "why", re-run
//! and override), the rules and the resources (skill catalog, providers,
//! what groups and providers maintain); for provider admins their inbox
//! (received orders, lead and collaborators).

mod board;
mod picker;
mod provider;
mod resources;
mod rules;

use std::sync::LazyLock;

use fieldesk_core::dispatch::TargetKind;
use fieldesk_core::ipc::{ConfigChange, DispatchConfig};
use fieldesk_core::region::DivisionTable;
use leptos::prelude::*;
use leptos::task::spawn_local;

pub use provider::ProviderInbox;

use crate::api::dispatch as api;
use crate::i18n::{I18n, tr};

/// The shipped GB/T 2260 table: the picker and names work offline.
pub(crate) fn divisions() -> &'static DivisionTable {
    static TABLE: LazyLock<DivisionTable> = LazyLock::new(DivisionTable::shipped);
    &TABLE
}

/// "广东省 深圳市 南山区" for a code (the code itself if unknown).
pub(crate) fn division_path(code: u32) -> String {
    let path = divisions().path(code);
    if path.is_empty() {
        return code.to_string();
    }
    path.iter()
        .map(|d| d.name.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

pub(crate) use crate::i18n::error_text;

pub(crate) fn kind_key(kind: TargetKind) -> &'static str {
    match kind {
        TargetKind::ServiceGroup => "dispatch-kind-group",
        TargetKind::ServiceProvider => "dispatch-kind-provider",
    }
}

pub(crate) fn parse_kind(value: &str) -> TargetKind {
    if value == TargetKind::ServiceProvider.as_str() {
        TargetKind::ServiceProvider
    } else {
        TargetKind::ServiceGroup
    }
}

/// Comma-separated values (ASCII or full-width commas), trimmed.
pub(crate) fn split(text: &str) -> Vec<String> {
    text.split([',', '，'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The configuration the dispatch pages share, and how they save to it.
#[derive(Clone, Copy)]
pub(crate) struct Config {
    pub data: RwSignal<DispatchConfig>,
    pub i18n: I18n,
}

impl Config {
    /// Saves one change; `status` (the form's status line) is cleared at
    /// once and then says "saved" or why not.
    pub fn save(self, change: ConfigChange, status: RwSignal<Option<Result<(), String>>>) {
        status.set(None);
        spawn_local(async move {
            match api::save(&change).await {
                Ok(config) => {
                    self.data.set(config);
                    status.set(Some(Ok(())));
                }
                Err(e) => status.set(Some(Err(error_text(self.i18n, &e)))),
            }
        });
    }
}

/// Runs an order command; `status` is cleared at once, then says "saved"
/// (and `done` runs) or why not.
pub(crate) fn run_order(
    i18n: I18n,
    command: fieldesk_core::ipc::OrderCommand,
    status: RwSignal<Option<Result<(), String>>>,
    done: impl FnOnce() + 'static,
) {
    status.set(None);
    spawn_local(async move {
        match api::order(&command).await {
            Ok(_) => {
                status.set(Some(Ok(())));
                done();
            }
            Err(e) => status.set(Some(Err(error_text(i18n, &e)))),
        }
    });
}

/// The status line under a form: "Saved." or the error.
pub(crate) fn status_line(
    status: RwSignal<Option<Result<(), String>>>,
    testid: impl Into<String>,
) -> impl IntoView {
    let testid = testid.into();
    move || {
        let testid = testid.clone();
        status.get().map(|s| match s {
            Ok(()) => view! { <p class="ok" data-testid=testid>{tr("admin-saved")}</p> }.into_any(),
            Err(m) => view! { <p class="error" role="alert" data-testid=testid>{m}</p> }.into_any(),
        })
    }
}

/// A skill and level row: a group's or provider's skill, or a skill check's
/// required skill with its minimum level.
#[derive(Clone, Copy)]
struct SkillLevelDraft {
    pub key: usize,
    pub skill: RwSignal<String>,
    pub level: RwSignal<String>,
}

impl SkillLevelDraft {
    pub fn new(key: usize, skill: String, level: String) -> Self {
        SkillLevelDraft {
            key,
            skill: RwSignal::new(skill),
            level: RwSignal::new(level),
        }
    }
}

/// Rows of skill + level pickers (levels from the catalog), with add and
/// remove; `testid` prefixes each row's selects (`{testid}-skill-{key}`).
#[component]
fn SkillLevelRows(
    config: Config,
    rows: RwSignal<Vec<SkillLevelDraft>>,
    testid: &'static str,
) -> impl IntoView {
    let i18n = config.i18n;
    let levels_of = move |skill: String| {
        config.data.with(|c| {
            c.settings
                .catalog
                .iter()
                .find(|d| d.key == skill)
                .map(|d| d.levels.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <For each=move || rows.get() key=|r| r.key let:r>
            <div class="condition">
                <select data-testid=format!("{testid}-skill-{}", r.key) aria-label=move || i18n.t("dispatch-skills")
                    on:change=move |ev| {
                        let s = event_target_value(&ev);
                        r.level.set(levels_of(s.clone()).first().cloned().unwrap_or_default());
                        r.skill.set(s);
                    }>
                    <option value="">"—"</option>
                    {move || config.data.get().settings.catalog.into_iter().map(|d| {
                        let k = d.key.clone();
                        view! { <option value=d.key.clone() selected=move || r.skill.get() == k>{d.name.clone()}</option> }
                    }).collect_view()}
                </select>
                <select data-testid=format!("{testid}-level-{}", r.key) aria-label=move || i18n.t("dispatch-min-level")
                    on:change=move |ev| r.level.set(event_target_value(&ev))>
                    {move || levels_of(r.skill.get()).into_iter().map(|l| {
                        let v = l.clone();
                        view! { <option value=l.clone() selected=move || r.level.get() == v>{l.clone()}</option> }
                    }).collect_view()}
                </select>
                <button type="button" class="link"
                    on:click=move |_| rows.update(|all| all.retain(|x| x.key != r.key))>{tr("field-remove")}</button>
            </div>
        </For>
        <button type="button" class="secondary" data-testid=format!("{testid}-add") on:click=move |_| {
            rows.update(|all| {
                let key = all.iter().map(|r| r.key + 1).max().unwrap_or(0);
                all.push(SkillLevelDraft::new(key, String::new(), String::new()));
            });
        }>{tr("dispatch-skill-add")}</button>
    }
}

#[component]
pub fn DispatchPanel() -> impl IntoView {
    let i18n = crate::i18n::use_i18n();
    let config = Config {
        data: RwSignal::new(DispatchConfig::default()),
        i18n,
    };
    let load_error = RwSignal::new(None::<String>);
    spawn_local(async move {
        match api::config().await {
            Ok(c) => config.data.set(c),
            Err(e) => load_error.set(Some(error_text(i18n, &e))),
        }
    });
    let tab = RwSignal::new("board");
    let tabs = [
        ("board", "dispatch-board"),
        ("rules", "dispatch-rules"),
        ("resources", "dispatch-resources"),
    ];
    view! {
        <section class="dispatch">
            <nav class="subtabs">
                {tabs.into_iter().map(|(t, key)| view! {
                    <button class="tab" class:active=move || tab.get() == t
                        data-testid=format!("dispatch-tab-{t}") on:click=move |_| tab.set(t)>{tr(key)}</button>
                }).collect_view()}
            </nav>
            {move || load_error.get().map(|m| view! { <p class="error" role="alert">{m}</p> })}
            {move || match tab.get() {
                "rules" => view! { <rules::RulesPanel config /> }.into_any(),
                "resources" => view! { <resources::ResourcesPanel config /> }.into_any(),
                _ => view! { <board::Board config /> }.into_any(),
            }}
        </section>
    }
}
