//! Quick replies (快捷回复, issue 6 groundwork): matching as the agent
//! types, on a cached copy (no round-trip per keystroke), and filling the
//! variables of the chosen reply.
//!
//! Ranking of a reply for a query (lower rank first):
//! 0. the shortcut is the query; 1. the shortcut starts with it;
//! 2. the title starts with it; 3. the title's pinyin initials start with
//! it ("tk" → 退款); 4. the title's full pinyin starts with it ("tuikuan");
//! 5. the title contains it; 6. the pinyin (initials or full) contains it;
//! 7. the content contains it. Ties: personal before enterprise, then the
//! shorter title, then the id. Matching ignores case and spaces in pinyin.

use pinyin::ToPinyin;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Tier {
    /// The agent's own.
    Personal,
    /// The tenant's, read-only to agents.
    Enterprise,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReply {
    pub id: i64,
    pub tier: Tier,
    /// The group's id, if grouped.
    #[serde(default)]
    pub group: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub shortcut: String,
    pub content: String,
    /// Enterprise replies: the knowledge space they belong to.
    #[serde(default)]
    pub space: Option<String>,
    /// Order within the tier (the owner's or the admins').
    #[serde(default)]
    pub position: i64,
}

/// A named group of replies, personal or enterprise.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReplyGroup {
    pub id: i64,
    pub tier: Tier,
    pub name: String,
}

/// What an agent may use: their own replies, the enterprise's, the groups
/// of both, and the channels the feature is on in. The app caches it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuickReplyBook {
    pub replies: Vec<QuickReply>,
    pub groups: Vec<QuickReplyGroup>,
    pub channels: Vec<crate::layout::Channel>,
}

pub const MAX_TITLE: usize = 100;
pub const MAX_SHORTCUT: usize = 30;
pub const MAX_CONTENT: usize = 2000;

/// A new or changed reply. `client_id` makes a create safe to retry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct QuickReplyInput {
    pub tier: Tier,
    #[serde(default)]
    pub group: Option<i64>,
    pub title: String,
    #[serde(default)]
    pub shortcut: String,
    pub content: String,
    #[serde(default)]
    pub space: Option<String>,
    #[serde(default)]
    pub client_id: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum QuickReplyError {
    #[error("the title is empty or longer than {MAX_TITLE}")]
    BadTitle,
    #[error("the shortcut has spaces or is longer than {MAX_SHORTCUT}")]
    BadShortcut,
    #[error("the content is empty")]
    EmptyContent,
    #[error("the content is longer than {MAX_CONTENT}")]
    TooLong,
    #[error("the group name is empty or longer than {MAX_TITLE}")]
    BadGroupName,
}

impl QuickReplyError {
    /// The Fluent key and arguments of the localized explanation.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, String)>) {
        let max = |key, n: usize| (key, vec![("max", n.to_string())]);
        match self {
            QuickReplyError::BadTitle => max("quick-reply-error-bad-title", MAX_TITLE),
            QuickReplyError::BadShortcut => max("quick-reply-error-bad-shortcut", MAX_SHORTCUT),
            QuickReplyError::EmptyContent => ("quick-reply-error-empty-content", vec![]),
            QuickReplyError::TooLong => max("quick-reply-error-too-long", MAX_CONTENT),
            QuickReplyError::BadGroupName => max("quick-reply-error-bad-group-name", MAX_TITLE),
        }
    }
}

impl QuickReplyInput {
    /// Trimmed, or why it cannot be saved.
    pub fn normalized(mut self) -> Result<Self, QuickReplyError> {
        self.title = self.title.trim().to_owned();
        self.shortcut = self.shortcut.trim().to_owned();
        self.content = self.content.trim().to_owned();
        self.space = self
            .space
            .map(|s| s.trim().to_owned())
            .filter(|s| !s.is_empty());
        if !(1..=MAX_TITLE).contains(&self.title.chars().count()) {
            return Err(QuickReplyError::BadTitle);
        }
        if self.shortcut.chars().count() > MAX_SHORTCUT
            || self.shortcut.chars().any(char::is_whitespace)
        {
            return Err(QuickReplyError::BadShortcut);
        }
        if self.content.is_empty() {
            return Err(QuickReplyError::EmptyContent);
        }
        if self.content.chars().count() > MAX_CONTENT {
            return Err(QuickReplyError::TooLong);
        }
        if self
            .space
            .as_ref()
            .is_some_and(|s| s.chars().count() > MAX_TITLE)
        {
            return Err(QuickReplyError::BadTitle);
        }
        Ok(self)
    }
}

/// One change of quick replies (the app's IPC command).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum QuickReplyChange {
    /// Creates (`id` none) or changes a reply.
    Save {
        id: Option<i64>,
        input: QuickReplyInput,
    },
    Delete {
        id: i64,
    },
    /// The tier's replies in this order.
    Order {
        tier: Tier,
        ids: Vec<i64>,
    },
    /// Creates (`id` none) or renames a group.
    SaveGroup {
        tier: Tier,
        id: Option<i64>,
        name: String,
    },
    DeleteGroup {
        tier: Tier,
        id: i64,
    },
    Channels {
        channels: Vec<crate::layout::Channel>,
    },
}

impl Tier {
    pub fn as_str(self) -> &'static str {
        match self {
            Tier::Personal => "personal",
            Tier::Enterprise => "enterprise",
        }
    }
}

/// A group name, trimmed, or why not.
pub fn group_name(name: &str) -> Result<String, QuickReplyError> {
    let name = name.trim();
    if (1..=MAX_TITLE).contains(&name.chars().count()) {
        Ok(name.to_owned())
    } else {
        Err(QuickReplyError::BadGroupName)
    }
}

/// Builds the search index of a book's replies.
pub fn index(book: &QuickReplyBook) -> Vec<Indexed> {
    book.replies.iter().cloned().map(Indexed::new).collect()
}

/// A reply with its search keys, made once when the cache is loaded.
#[derive(Debug, Clone)]
pub struct Indexed {
    pub reply: QuickReply,
    title: String,
    shortcut: String,
    content: String,
    initials: String,
    full: String,
}

/// The pinyin of a text's Chinese characters, full and initials; other
/// characters are kept (lowercased), spaces dropped.
fn pinyin_keys(text: &str) -> (String, String) {
    let (mut full, mut initials) = (String::new(), String::new());
    for c in text.chars() {
        match c.to_pinyin() {
            Some(p) => {
                full.push_str(p.plain());
                initials.push_str(p.first_letter());
            }
            None if c.is_whitespace() => {}
            None => {
                for l in c.to_lowercase() {
                    full.push(l);
                    initials.push(l);
                }
            }
        }
    }
    (full, initials)
}

impl Indexed {
    pub fn new(reply: QuickReply) -> Self {
        let (full, initials) = pinyin_keys(&reply.title);
        Indexed {
            title: reply.title.to_lowercase(),
            shortcut: reply.shortcut.to_lowercase(),
            content: reply.content.to_lowercase(),
            initials,
            full,
            reply,
        }
    }

    /// The rank for `query` (already lowercased and trimmed), if it matches.
    fn rank(&self, query: &str) -> Option<u8> {
        let compact: String = query.chars().filter(|c| !c.is_whitespace()).collect();
        let rank = if !self.shortcut.is_empty() && self.shortcut == query {
            0
        } else if !self.shortcut.is_empty() && self.shortcut.starts_with(query) {
            1
        } else if self.title.starts_with(query) {
            2
        } else if self.initials.starts_with(&compact) {
            3
        } else if self.full.starts_with(&compact) {
            4
        } else if self.title.contains(query) {
            5
        } else if self.initials.contains(&compact) || self.full.contains(&compact) {
            6
        } else if self.content.contains(query) {
            7
        } else {
            return None;
        };
        Some(rank)
    }
}

/// The best `limit` replies for what the agent typed (see the module's
/// ranking); an empty query matches nothing.
pub fn suggest<'a>(index: &'a [Indexed], query: &str, limit: usize) -> Vec<&'a QuickReply> {
    let query = query.trim().to_lowercase();
    if query.is_empty() {
        return vec![];
    }
    let mut hits: Vec<(u8, &Indexed)> = index
        .iter()
        .filter_map(|i| i.rank(&query).map(|r| (r, i)))
        .collect();
    hits.sort_by(|(ra, a), (rb, b)| {
        (ra, a.reply.tier, a.reply.title.chars().count(), a.reply.id).cmp(&(
            rb,
            b.reply.tier,
            b.reply.title.chars().count(),
            b.reply.id,
        ))
    });
    hits.into_iter()
        .take(limit)
        .map(|(_, i)| &i.reply)
        .collect()
}

/// Fills `{{name}}` variables (e.g. `visitor.name`, `agent.name`); an
/// unknown variable is left as written, so the agent sees it.
pub fn fill(content: &str, vars: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(content.len());
    let mut rest = content;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let after = &rest[start + 2..];
        match after.find("}}") {
            Some(end) => {
                let name = after[..end].trim();
                match vars.iter().find(|(k, _)| *k == name) {
                    Some((_, value)) => out.push_str(value),
                    None => out.push_str(&rest[start..start + 2 + end + 2]),
                }
                rest = &after[end + 2..];
            }
            None => {
                out.push_str(&rest[start..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(id: i64, tier: Tier, title: &str, shortcut: &str, content: &str) -> QuickReply {
        QuickReply {
            id,
            tier,
            group: None,
            title: title.into(),
            shortcut: shortcut.into(),
            content: content.into(),
            space: None,
            position: 0,
        }
    }

    #[test]
    fn inputs_are_checked_and_errors_localized() {
        let input = |title: &str, shortcut: &str, content: &str| QuickReplyInput {
            tier: Tier::Personal,
            group: None,
            title: title.into(),
            shortcut: shortcut.into(),
            content: content.into(),
            space: Some("  ".into()),
            client_id: None,
        };
        let ok = input(" 问候 ", "hi", " 您好 ").normalized().unwrap();
        assert_eq!((ok.title.as_str(), ok.content.as_str()), ("问候", "您好"));
        assert_eq!(ok.space, None);
        let cases = [
            (input("", "", "x"), QuickReplyError::BadTitle),
            (input(&"长".repeat(101), "", "x"), QuickReplyError::BadTitle),
            (input("t", "a b", "x"), QuickReplyError::BadShortcut),
            (input("t", "", "  "), QuickReplyError::EmptyContent),
            (input("t", "", &"字".repeat(2001)), QuickReplyError::TooLong),
        ];
        for (i, expected) in cases {
            assert_eq!(i.normalized(), Err(expected));
        }
        assert!(input("t", "", &"字".repeat(2000)).normalized().is_ok());
        assert_eq!(group_name(" 售后 "), Ok("售后".into()));
        assert_eq!(group_name(" "), Err(QuickReplyError::BadGroupName));
        let catalog = crate::i18n::Catalog::new();
        let errors = [
            QuickReplyError::BadTitle,
            QuickReplyError::BadShortcut,
            QuickReplyError::EmptyContent,
            QuickReplyError::TooLong,
            QuickReplyError::BadGroupName,
        ];
        for locale in crate::Locale::ALL {
            for e in &errors {
                let key = e.message().0;
                assert!(catalog.has(locale, key), "{key} in {locale:?}");
            }
        }
        let unknown = r#"{"tier":"personal","title":"t","content":"c","owner":3}"#;
        assert!(serde_json::from_str::<QuickReplyInput>(unknown).is_err());
    }

    fn index() -> Vec<Indexed> {
        [
            reply(
                1,
                Tier::Enterprise,
                "退款流程",
                "",
                "退款将在 3 个工作日内原路退回。",
            ),
            reply(
                2,
                Tier::Personal,
                "问候",
                "hi",
                "您好 {{visitor.name}}，我是 {{agent.name}}。",
            ),
            reply(
                3,
                Tier::Enterprise,
                "Refund policy",
                "refund",
                "Refunds take 3 days.",
            ),
            reply(4, Tier::Personal, "退款", "", "已为您登记退款。"),
            reply(
                5,
                Tier::Enterprise,
                "发票",
                "fp",
                "发票会随货寄出；退款后作废。",
            ),
        ]
        .into_iter()
        .map(Indexed::new)
        .collect()
    }

    fn ids(query: &str) -> Vec<i64> {
        let index = index();
        suggest(&index, query, 10).iter().map(|r| r.id).collect()
    }

    #[test]
    fn pinyin_initials_and_full_spelling_find_chinese_titles() {
        assert_eq!(
            ids("tk"),
            vec![4, 1],
            "personal 退款 before enterprise 退款流程"
        );
        assert_eq!(ids("tuikuan"), vec![4, 1]);
        assert_eq!(ids("TuiKuan"), vec![4, 1], "case does not matter");
        assert_eq!(
            ids("tui kuan"),
            vec![4, 1],
            "spaces in pinyin do not matter"
        );
        assert_eq!(ids("lc"), vec![1], "initials inside the title");
    }

    #[test]
    fn ranking_puts_shortcuts_then_titles_then_content() {
        assert_eq!(ids("hi"), vec![2], "shortcut");
        assert_eq!(ids("ref"), vec![3], "shortcut prefix");
        assert_eq!(ids("退款"), vec![4, 1, 5], "title prefix, then content");
        assert_eq!(ids("流程"), vec![1], "title substring");
        assert_eq!(ids("3 days"), vec![3], "content");
        assert!(ids("").is_empty());
        assert!(ids("xyz").is_empty());
        let index = index();
        assert_eq!(suggest(&index, "退款", 1).len(), 1, "limit");
    }

    #[test]
    fn variables_are_filled_and_unknown_ones_kept() {
        let vars = [("visitor.name", "王女士"), ("agent.name", "李娜")];
        assert_eq!(
            fill("您好 {{visitor.name}}，我是 {{ agent.name }}。", &vars),
            "您好 王女士，我是 李娜。"
        );
        assert_eq!(fill("{{order.id}} 已收到", &vars), "{{order.id}} 已收到");
        assert_eq!(
            fill("不完整 {{visitor.name", &vars),
            "不完整 {{visitor.name"
        );
        assert_eq!(
            fill("{{visitor.name}}{{visitor.name}}", &vars),
            "王女士王女士"
        );
    }
}
