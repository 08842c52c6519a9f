//! Workbench layouts (工作台布局, issue 6 groundwork): what an agent's
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
#[serde(rename_all = "snake_case")]
pub enum App {
    Desktop,
    Mobile,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    WebChat,
    Email,
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

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LayoutError {
    #[error("a name is empty or too long")]
    BadName,
    #[error("{0} is not an https URL (or http on this machine)")]
    ForbiddenUrl(String),
    #[error("a button opens panel {0}, which the layout does not have")]
    UnknownPanel(String),
    #[error("two web panels have the id {0}")]
    DuplicatePanel(String),
    #[error("two assignments for the same app, role and channel")]
    DuplicateAssignment,
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
        let mut web_ids: Vec<&str> = vec![];
        for panel in &self.panels {
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
        let unknown_panel = r#"{"kind": "stock_ticker"}"#;
        assert!(serde_json::from_str::<Panel>(unknown_panel).is_err());
        let unknown_button = r#"{"kind": "builtin", "action": "self_destruct"}"#;
        assert!(serde_json::from_str::<Button>(unknown_button).is_err());
    }
}
