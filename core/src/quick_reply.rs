//! Quick replies (快捷回复): personal and enterprise replies and their
//! groups, matching as the agent types on a cached copy (no round-trip
//! per keystroke; see [`Index`]), and filling the variables of the chosen
//! reply.
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

/// The wire form, as in paths (`personal`, `enterprise`).
impl std::fmt::Display for Tier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
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
    pub channels: Vec<crate::channel::Channel>,
}

pub const MAX_TITLE: usize = 100;
pub const MAX_SHORTCUT: usize = 30;
pub const MAX_CONTENT: usize = 2000;

/// `PUT /api/quick-replies/order`: a tier's replies in their new order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OrderBody {
    pub tier: Tier,
    pub ids: Vec<i64>,
}

/// `POST`/`PUT /api/quick-reply-groups/{tier}[/{id}]`: a group's name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GroupBody {
    pub name: String,
}

/// `PUT /api/quick-replies/channels`: the channels quick replies are on in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChannelsBody {
    pub quick_reply_channels: Vec<crate::channel::Channel>,
}

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
        channels: Vec<crate::channel::Channel>,
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
pub fn index(book: &QuickReplyBook) -> Index {
    Index::new(book.replies.clone())
}

/// The fields a query is matched on, in the order of [`Index::fields`].
const SHORTCUT: usize = 0;
const TITLE: usize = 1;
const INITIALS: usize = 2;
const FULL: usize = 3;
const CONTENT: usize = 4;
/// Ends every value in a field's text; never in a query.
const SEP: char = '\u{0}';

/// One search key of every reply, lowercased, as one text: reply `i`'s
/// value is `text[starts[i]..starts[i + 1] - 1]` (a [`SEP`] follows).
#[derive(Debug, Clone, Default)]
struct Field {
    text: String,
    starts: Vec<usize>,
}

impl Field {
    fn push(&mut self, value: &str) {
        if self.starts.is_empty() {
            self.starts.push(0);
        }
        self.text.extend(value.chars().filter(|c| *c != SEP));
        self.text.push(SEP);
        self.starts.push(self.text.len());
    }
}

/// A book's replies with their search keys, built once when the cache is
/// loaded. Each key (shortcut, title, the title's pinyin initials and
/// full spelling, content) is one text, so a keystroke scans five texts
/// with one substring searcher (memchr's `memmem`) instead of five
/// strings per reply.
#[derive(Debug, Clone, Default)]
pub struct Index {
    replies: Vec<QuickReply>,
    /// Titles' lengths in characters (a tie-breaker).
    title_chars: Vec<usize>,
    fields: [Field; 5],
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

impl Index {
    pub fn new(replies: Vec<QuickReply>) -> Self {
        let mut index = Index::default();
        for reply in &replies {
            let (full, initials) = pinyin_keys(&reply.title);
            index.fields[SHORTCUT].push(&reply.shortcut.to_lowercase());
            index.fields[TITLE].push(&reply.title.to_lowercase());
            index.fields[INITIALS].push(&initials);
            index.fields[FULL].push(&full);
            index.fields[CONTENT].push(&reply.content.to_lowercase());
            index.title_chars.push(reply.title.chars().count());
        }
        index.replies = replies;
        index
    }

    /// The replies, in the book's order.
    pub fn replies(&self) -> &[QuickReply] {
        &self.replies
    }
}

/// A field's rank for a value equal to the query, starting with it, and
/// containing it elsewhere (`None`: that does not count).
type Ranks = (Option<u8>, Option<u8>, Option<u8>);

/// The best `limit` replies for what the agent typed (see the module's
/// ranking); an empty query matches nothing.
pub fn suggest<'a>(index: &'a Index, query: &str, limit: usize) -> Vec<&'a QuickReply> {
    let query = query.trim().to_lowercase();
    if query.is_empty() || query.contains(SEP) {
        return vec![];
    }
    let compact: String = query.chars().filter(|c| !c.is_whitespace()).collect();
    let mut best = vec![u8::MAX; index.replies.len()];
    let mut hits: Vec<usize> = vec![];
    // (field, needle, rank when the value is the needle, when it starts
    // with it, when it contains it elsewhere)
    let plan: [(usize, &str, Ranks); 5] = [
        (SHORTCUT, &query, (Some(0), Some(1), None)),
        (TITLE, &query, (None, Some(2), Some(5))),
        (INITIALS, &compact, (None, Some(3), Some(6))),
        (FULL, &compact, (None, Some(4), Some(6))),
        (CONTENT, &query, (None, None, Some(7))),
    ];
    for (field, needle, (equal, prefix, inner)) in plan {
        if needle.is_empty() {
            continue;
        }
        let Field { text, starts } = &index.fields[field];
        let (text, finder) = (
            text.as_bytes(),
            memchr::memmem::Finder::new(needle.as_bytes()),
        );
        // Matches come in order: walk the replies along, and after a
        // reply's first (leftmost, so best) match go on at the next reply.
        let (mut pos, mut i) = (0, 0);
        while let Some(found) = finder.find(&text[pos..]) {
            let at = pos + found;
            while starts[i + 1] <= at {
                i += 1;
            }
            let (start, end) = (starts[i], starts[i + 1] - 1);
            let rank = if at != start {
                inner
            } else if end - start == needle.len() {
                equal.or(prefix)
            } else {
                prefix.or(inner)
            };
            if let Some(rank) = rank {
                if best[i] == u8::MAX {
                    hits.push(i);
                }
                best[i] = best[i].min(rank);
            }
            pos = starts[i + 1];
        }
    }
    let key = |&i: &usize| {
        let r = &index.replies[i];
        (best[i], r.tier, index.title_chars[i], r.id)
    };
    // Only the best `limit` are ordered (a short query matches thousands).
    if limit > 0 && hits.len() > limit {
        hits.select_nth_unstable_by_key(limit - 1, key);
        hits.truncate(limit);
    }
    hits.sort_unstable_by_key(key);
    hits.into_iter()
        .take(limit)
        .map(|i| &index.replies[i])
        .collect()
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

    fn index() -> Index {
        Index::new(vec![
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
        ])
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

    /// The ranking as written in the module's documentation, one reply
    /// at a time: what the index must agree with.
    fn reference<'a>(replies: &'a [QuickReply], query: &str, limit: usize) -> Vec<&'a QuickReply> {
        let q = query.trim().to_lowercase();
        if q.is_empty() {
            return vec![];
        }
        let compact: String = q.chars().filter(|c| !c.is_whitespace()).collect();
        let mut hits: Vec<(u8, &QuickReply)> = replies
            .iter()
            .filter_map(|r| {
                let (shortcut, title) = (r.shortcut.to_lowercase(), r.title.to_lowercase());
                let (full, initials) = pinyin_keys(&r.title);
                let rank = if !shortcut.is_empty() && shortcut == q {
                    0
                } else if !shortcut.is_empty() && shortcut.starts_with(&q) {
                    1
                } else if title.starts_with(&q) {
                    2
                } else if initials.starts_with(&compact) {
                    3
                } else if full.starts_with(&compact) {
                    4
                } else if title.contains(&q) {
                    5
                } else if initials.contains(&compact) || full.contains(&compact) {
                    6
                } else if r.content.to_lowercase().contains(&q) {
                    7
                } else {
                    return None;
                };
                Some((rank, r))
            })
            .collect();
        hits.sort_by_key(|(rank, r)| (*rank, r.tier, r.title.chars().count(), r.id));
        hits.into_iter().take(limit).map(|(_, r)| r).collect()
    }

    #[test]
    fn the_index_ranks_as_documented_on_random_books() {
        let words = [
            "退款",
            "发票",
            "tk",
            "Refund",
            "保修",
            "a",
            "aa",
            "维修 单",
            "ТК",
        ];
        let seed = std::cell::Cell::new(0x2545_f491_4f6c_dd1d_u64);
        let next = |n: usize| {
            let mut x = seed.get();
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            seed.set(x);
            (x % n as u64) as usize
        };
        for round in 0..300 {
            let replies: Vec<QuickReply> = (0..1 + next(30))
                .map(|i| {
                    let pick = |k: usize| {
                        (0..k)
                            .map(|_| words[next(words.len())])
                            .collect::<Vec<_>>()
                            .join("")
                    };
                    let tier = if next(2) == 0 {
                        Tier::Personal
                    } else {
                        Tier::Enterprise
                    };
                    let mut r = reply(i as i64 + 1, tier, &pick(1 + next(2)), "", &pick(3));
                    if next(3) == 0 {
                        r.shortcut = pick(1).to_lowercase().replace(' ', "");
                    }
                    r
                })
                .collect();
            let index = Index::new(replies.clone());
            for query in [
                "t", "tk", "tui kuan", "退", "退款", "a", "aa", "fp", "re", "单", "тк", "zz",
            ] {
                let limit = 1 + next(8);
                let got: Vec<i64> = suggest(&index, query, limit).iter().map(|r| r.id).collect();
                let want: Vec<i64> = reference(&replies, query, limit)
                    .iter()
                    .map(|r| r.id)
                    .collect();
                assert_eq!(
                    got, want,
                    "round {round}, query {query:?}, replies {replies:#?}"
                );
            }
        }
    }
}
