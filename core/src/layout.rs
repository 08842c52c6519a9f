//! Workbench layouts (工作台布局): what an agent's
//! conversation window shows — its buttons and its sidebar panels — and
//! which layout an agent sees, by app, role and channel.
//!
//! Precedence (the first that exists wins, within the agent's app):
//! 1. assigned to the role **and** the channel;
//! 2. to the role (any channel);
//! 3. to the channel (any role);
//! 4. the app's default (no role, no channel).
//!
//! Two assignments of one kind for the same app, role and channel cannot
//! be saved ([`validate_assignments`]).

use serde::{Deserialize, Serialize};

use crate::Role;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum App {
    Desktop,
    Mobile,
}

pub use crate::channel::Channel;

impl App {
    pub const ALL: [App; 2] = [App::Desktop, App::Mobile];

    pub fn as_str(self) -> &'static str {
        match self {
            App::Desktop => "desktop",
            App::Mobile => "mobile",
        }
    }
}

/// A built-in chat-window action.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    QuickReplies,
    Emoji,
    Transfer,
    EndConversation,
    SatisfactionSurvey,
    CreateWorkOrder,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Button {
    Builtin {
        action: Action,
    },
    /// Opens a URL with conversation variables (`{{visitor.id}}`…).
    OpenUrl {
        label: String,
        url: String,
    },
    /// Shows one of the layout's web panels.
    OpenPanel {
        label: String,
        panel: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Panel {
    VisitorProfile,
    ConversationInfo,
    History,
    RelatedWorkOrders,
    KnowledgeSearch,
    QuickReplies,
    AiAgent {
        /// Knowledge spaces it searches.
        spaces: Vec<String>,
        /// Suggests replies while the agent types.
        assist: bool,
        /// Suggestions are inserted only on a click.
        click_to_insert: bool,
    },
    /// A sandboxed iframe with templated URL parameters.
    Web {
        id: String,
        title: String,
        url: String,
    },
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Layout {
    #[serde(default)]
    pub id: i64,
    pub name: String,
    /// The workbench name shown to agents.
    pub workbench_name: String,
    pub buttons: Vec<Button>,
    pub panels: Vec<Panel>,
}

/// `POST /api/layouts/{id}/clone`: the copy's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CloneBody {
    pub name: String,
}

/// Who sees a layout: an app, and optionally a role and a channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Assignment {
    pub layout: i64,
    pub app: App,
    #[serde(default)]
    pub role: Option<Role>,
    #[serde(default)]
    pub channel: Option<Channel>,
}

/// The layout `role` sees on `app` in `channel` (see the precedence above).
pub fn resolve(assignments: &[Assignment], app: App, role: Role, channel: Channel) -> Option<i64> {
    let of_app = || assignments.iter().filter(move |a| a.app == app);
    let find = |role: Option<Role>, channel: Option<Channel>| {
        of_app()
            .find(|a| a.role == role && a.channel == channel)
            .map(|a| a.layout)
    };
    find(Some(role), Some(channel))
        .or_else(|| find(Some(role), None))
        .or_else(|| find(None, Some(channel)))
        .or_else(|| find(None, None))
}

/// At most this many buttons, panels or knowledge spaces in a layout.
pub const MAX_ITEMS: usize = 20;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("a name is empty or too long")]
    BadName,
    #[error("more than {MAX_ITEMS} buttons, panels or spaces")]
    TooMany,
    #[error("{0} is not an https URL (or http on this machine)")]
    ForbiddenUrl(String),
    #[error("a button opens panel {0}, which the layout does not have")]
    UnknownPanel(String),
    #[error("two web panels have the id {0}")]
    DuplicatePanel(String),
    #[error("two assignments for the same app, role and channel")]
    DuplicateAssignment,
}

impl LayoutError {
    /// The Fluent key and arguments of the localized explanation.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, String)>) {
        let one = |key, v: &String| (key, vec![("value", v.clone())]);
        match self {
            LayoutError::BadName => ("layout-error-bad-name", vec![]),
            LayoutError::TooMany => (
                "layout-error-too-many",
                vec![("max", MAX_ITEMS.to_string())],
            ),
            LayoutError::ForbiddenUrl(v) => one("layout-error-forbidden-url", v),
            LayoutError::UnknownPanel(v) => one("layout-error-unknown-panel", v),
            LayoutError::DuplicatePanel(v) => one("layout-error-duplicate-panel", v),
            LayoutError::DuplicateAssignment => ("layout-error-duplicate-assignment", vec![]),
        }
    }
}

/// Only `https:`, or `http:` to this machine (localhost, 127.0.0.1).
pub fn allowed_url(url: &str) -> bool {
    let url = url.trim();
    let lower = url.to_ascii_lowercase();
    if let Some(rest) = lower.strip_prefix("https://") {
        return !rest.is_empty() && !rest.starts_with('/');
    }
    lower.strip_prefix("http://").is_some_and(|rest| {
        let host = rest.split(['/', '?', '#']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, port)| {
            if port.chars().all(|c| c.is_ascii_digit()) {
                h
            } else {
                host
            }
        });
        matches!(host, "localhost" | "127.0.0.1")
    })
}

impl Layout {
    pub fn validate(&self) -> Result<(), LayoutError> {
        let name_ok = |n: &str| (1..=100).contains(&n.trim().chars().count());
        if !name_ok(&self.name) || !name_ok(&self.workbench_name) {
            return Err(LayoutError::BadName);
        }
        if self.buttons.len() > MAX_ITEMS || self.panels.len() > MAX_ITEMS {
            return Err(LayoutError::TooMany);
        }
        let mut web_ids: Vec<&str> = vec![];
        for panel in &self.panels {
            if let Panel::AiAgent { spaces, .. } = panel {
                if spaces.len() > MAX_ITEMS {
                    return Err(LayoutError::TooMany);
                }
                if !spaces.iter().all(|s| name_ok(s)) {
                    return Err(LayoutError::BadName);
                }
            }
            if let Panel::Web { id, title, url } = panel {
                if !name_ok(id) || !name_ok(title) {
                    return Err(LayoutError::BadName);
                }
                if !allowed_url(url) {
                    return Err(LayoutError::ForbiddenUrl(url.clone()));
                }
                if web_ids.contains(&id.as_str()) {
                    return Err(LayoutError::DuplicatePanel(id.clone()));
                }
                web_ids.push(id);
            }
        }
        for button in &self.buttons {
            match button {
                Button::Builtin { .. } => {}
                Button::OpenUrl { label, url } => {
                    if !name_ok(label) {
                        return Err(LayoutError::BadName);
                    }
                    if !allowed_url(url) {
                        return Err(LayoutError::ForbiddenUrl(url.clone()));
                    }
                }
                Button::OpenPanel { label, panel } => {
                    if !name_ok(label) {
                        return Err(LayoutError::BadName);
                    }
                    if !web_ids.contains(&panel.as_str()) {
                        return Err(LayoutError::UnknownPanel(panel.clone()));
                    }
                }
            }
        }
        Ok(())
    }
}

impl Layout {
    /// What an agent sees when nothing is assigned: the usual buttons and
    /// panels under the tenant's workbench name.
    pub fn builtin(workbench_name: &str) -> Layout {
        use Action::*;
        Layout {
            id: 0,
            name: String::new(),
            workbench_name: workbench_name.to_owned(),
            buttons: [QuickReplies, Emoji, Transfer, EndConversation]
                .into_iter()
                .map(|action| Button::Builtin { action })
                .collect(),
            panels: vec![
                Panel::VisitorProfile,
                Panel::ConversationInfo,
                Panel::QuickReplies,
            ],
        }
    }
}

/// The layout for each app and channel, as the caller sees it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ResolvedLayout {
    pub app: App,
    pub channel: Channel,
    pub layout: Layout,
}

/// The layouts an agent sees, in every app and channel (cached by the app).
pub fn resolve_all(
    layouts: &[Layout],
    assignments: &[Assignment],
    role: Role,
    workbench_name: &str,
) -> Vec<ResolvedLayout> {
    let mut out = vec![];
    for app in App::ALL {
        for channel in Channel::ALL {
            let layout = resolve(assignments, app, role, channel)
                .and_then(|id| layouts.iter().find(|l| l.id == id))
                .cloned()
                .unwrap_or_else(|| Layout::builtin(workbench_name));
            out.push(ResolvedLayout {
                app,
                channel,
                layout,
            });
        }
    }
    out
}

/// The tenant's layouts and who sees which (for supervisors and admins).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LayoutBook {
    pub layouts: Vec<Layout>,
    pub assignments: Vec<Assignment>,
}

/// One change of the layout screens (the app's IPC command).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum LayoutChange {
    /// Creates (`id` none) or replaces a layout.
    Save {
        id: Option<i64>,
        layout: Layout,
    },
    Clone {
        id: i64,
        name: String,
    },
    Delete {
        id: i64,
    },
    /// Replaces who sees which layout.
    Assign {
        assignments: Vec<Assignment>,
    },
}

/// Fills `{{name}}` variables of a custom URL, each value percent-encoded
/// (so a visitor's name cannot change the URL's shape).
pub fn fill_url(url: &str, vars: &[(&str, &str)]) -> String {
    let encoded: Vec<(&str, String)> = vars.iter().map(|(k, v)| (*k, encode(v))).collect();
    let refs: Vec<(&str, &str)> = encoded.iter().map(|(k, v)| (*k, v.as_str())).collect();
    crate::template::fill(url, &refs)
}

/// Percent-encodes all but the unreserved characters of RFC 3986.
pub fn encode(value: &str) -> String {
    let mut out = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// No two assignments for the same app, role and channel.
pub fn validate_assignments(assignments: &[Assignment]) -> Result<(), LayoutError> {
    for (i, a) in assignments.iter().enumerate() {
        let clash = assignments[..i]
            .iter()
            .any(|b| (b.app, b.role, b.channel) == (a.app, a.role, a.channel));
        if clash {
            return Err(LayoutError::DuplicateAssignment);
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(layout: i64, app: App, role: Option<Role>, channel: Option<Channel>) -> Assignment {
        Assignment {
            layout,
            app,
            role,
            channel,
        }
    }

    #[test]
    fn the_most_specific_assignment_wins() {
        use App::*;
        use Channel::*;
        let all = [
            at(1, Desktop, None, None),
            at(2, Desktop, None, Some(Email)),
            at(3, Desktop, Some(Role::Supervisor), None),
            at(4, Desktop, Some(Role::Supervisor), Some(Email)),
            at(5, Mobile, None, None),
        ];
        let table = [
            (Desktop, Role::Agent, WebChat, Some(1)),
            (Desktop, Role::Agent, Email, Some(2)),
            (Desktop, Role::Supervisor, WebChat, Some(3)),
            (Desktop, Role::Supervisor, Email, Some(4)),
            (Mobile, Role::Supervisor, Email, Some(5)),
        ];
        for (app, role, channel, expected) in table {
            assert_eq!(
                resolve(&all, app, role, channel),
                expected,
                "{app:?} {role:?} {channel:?}"
            );
        }
        // Role over channel when both exist separately.
        let split = [
            at(7, Desktop, None, Some(Email)),
            at(8, Desktop, Some(Role::Agent), None),
        ];
        assert_eq!(resolve(&split, Desktop, Role::Agent, Email), Some(8));
        assert_eq!(
            resolve(&split, Mobile, Role::Agent, Email),
            None,
            "no app default"
        );
        assert_eq!(
            validate_assignments(&[all[0], at(9, Desktop, None, None)]),
            Err(LayoutError::DuplicateAssignment)
        );
        assert_eq!(validate_assignments(&all), Ok(()));
    }

    #[test]
    fn every_app_and_channel_gets_a_layout() {
        let email = Layout {
            id: 9,
            name: "邮件".into(),
            workbench_name: "邮件工作台".into(),
            buttons: vec![],
            panels: vec![Panel::History],
        };
        let assigned = [at(9, App::Desktop, None, Some(Channel::Email))];
        let all = resolve_all(
            std::slice::from_ref(&email),
            &assigned,
            Role::Agent,
            "客服工作台",
        );
        assert_eq!(all.len(), 4);
        for r in &all {
            let expected = if (r.app, r.channel) == (App::Desktop, Channel::Email) {
                email.clone()
            } else {
                Layout::builtin("客服工作台")
            };
            assert_eq!(r.layout, expected, "{:?} {:?}", r.app, r.channel);
        }
        // An assignment to a deleted layout falls back to the default.
        let gone = resolve_all(&[], &assigned, Role::Agent, "W");
        assert!(gone.iter().all(|r| r.layout == Layout::builtin("W")));
    }

    #[test]
    fn url_variables_are_encoded() {
        assert_eq!(
            fill_url(
                "https://crm.example.com/?name={{visitor.name}}&x={{other}}",
                &[("visitor.name", "王 & co/?")]
            ),
            "https://crm.example.com/?name=%E7%8E%8B%20%26%20co%2F%3F&x={{other}}"
        );
    }

    #[test]
    fn every_error_is_localized() {
        let catalog = crate::i18n::Catalog::new();
        let errors = [
            LayoutError::BadName,
            LayoutError::TooMany,
            LayoutError::ForbiddenUrl("ftp://x".into()),
            LayoutError::UnknownPanel("p".into()),
            LayoutError::DuplicatePanel("p".into()),
            LayoutError::DuplicateAssignment,
        ];
        for locale in crate::Locale::ALL {
            for e in &errors {
                let key = e.message().0;
                assert!(catalog.has(locale, key), "{key} in {locale:?}");
            }
        }
    }

    #[test]
    fn urls_and_panels_are_checked() {
        for ok in [
            "https://crm.example.com/c?v={{visitor.id}}",
            "http://localhost:3000/x",
            "http://127.0.0.1/",
        ] {
            assert!(allowed_url(ok), "{ok}");
        }
        for bad in [
            "javascript:alert(1)",
            "http://example.com",
            "http://localhost.evil.com/",
            "data:text/html,x",
            "https://",
            "ftp://x",
        ] {
            assert!(!allowed_url(bad), "{bad}");
        }
        let mut layout = Layout {
            id: 0,
            name: "邮件布局".into(),
            workbench_name: "客服工作台".into(),
            buttons: vec![
                Button::Builtin {
                    action: Action::QuickReplies,
                },
                Button::OpenPanel {
                    label: "CRM".into(),
                    panel: "crm".into(),
                },
            ],
            panels: vec![
                Panel::AiAgent {
                    spaces: vec!["help".into()],
                    assist: true,
                    click_to_insert: true,
                },
                Panel::Web {
                    id: "crm".into(),
                    title: "CRM".into(),
                    url: "https://crm.example.com/?v={{visitor.id}}".into(),
                },
            ],
        };
        assert_eq!(layout.validate(), Ok(()));
        layout.buttons.push(Button::OpenPanel {
            label: "ERP".into(),
            panel: "erp".into(),
        });
        assert_eq!(
            layout.validate(),
            Err(LayoutError::UnknownPanel("erp".into()))
        );
        layout.buttons.pop();
        layout.buttons.push(Button::OpenUrl {
            label: "Bad".into(),
            url: "javascript:void(0)".into(),
        });
        assert!(matches!(
            layout.validate(),
            Err(LayoutError::ForbiddenUrl(_))
        ));
        layout.buttons.pop();
        layout.panels = (0..=MAX_ITEMS).map(|_| Panel::History).collect();
        assert_eq!(layout.validate(), Err(LayoutError::TooMany));
        let unknown_panel = r#"{"kind": "stock_ticker"}"#;
        assert!(serde_json::from_str::<Panel>(unknown_panel).is_err());
        let unknown_button = r#"{"kind": "builtin", "action": "self_destruct"}"#;
        assert!(serde_json::from_str::<Button>(unknown_button).is_err());
    }
}
