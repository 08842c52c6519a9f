//! How the workbench groups its conversation list: by normalized subject
//! (a reply and its original side by side, whatever the prefixes and
//! tags), or by the agent's own groups — rules on mailbox, sender and
//! subject words. The agent's groups and the thread order are kept per
//! user by the app.

use serde::{Deserialize, Serialize};

use super::subject;
use crate::channel::Channel;
use crate::chat::ConversationSummary;

/// How the list is grouped.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Grouping {
    /// One list, newest activity first.
    #[default]
    None,
    /// By normalized subject.
    Subject,
    /// By the agent's own groups, then the rest.
    Custom,
}

impl Grouping {
    pub const ALL: [Grouping; 3] = [Grouping::None, Grouping::Subject, Grouping::Custom];

    pub fn as_str(self) -> &'static str {
        match self {
            Grouping::None => "none",
            Grouping::Subject => "subject",
            Grouping::Custom => "custom",
        }
    }

    pub fn parse(s: &str) -> Option<Grouping> {
        Grouping::ALL.into_iter().find(|g| g.as_str() == s)
    }
}

/// Which mail of a thread comes first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ThreadOrder {
    /// The first mail on top, as the thread was written.
    #[default]
    OldestFirst,
    NewestFirst,
}

impl ThreadOrder {
    pub fn as_str(self) -> &'static str {
        match self {
            ThreadOrder::OldestFirst => "oldest_first",
            ThreadOrder::NewestFirst => "newest_first",
        }
    }

    pub fn parse(s: &str) -> Option<ThreadOrder> {
        [ThreadOrder::OldestFirst, ThreadOrder::NewestFirst]
            .into_iter()
            .find(|o| o.as_str() == s)
    }

    pub fn flipped(self) -> ThreadOrder {
        match self {
            ThreadOrder::OldestFirst => ThreadOrder::NewestFirst,
            ThreadOrder::NewestFirst => ThreadOrder::OldestFirst,
        }
    }
}

/// One of the agent's own groups. A conversation belongs to the first
/// group whose every rule given holds; a group with no rule holds none.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MailGroup {
    pub name: String,
    /// Mail of this mailbox only.
    #[serde(default)]
    pub mailbox_id: Option<i64>,
    /// A part of the customer's address (`@example.cn`, `wang`), any case.
    #[serde(default)]
    pub sender: String,
    /// Any of these words in the subject, any case.
    #[serde(default)]
    pub subject_words: Vec<String>,
}

impl MailGroup {
    fn has_rules(&self) -> bool {
        self.mailbox_id.is_some()
            || !self.sender.trim().is_empty()
            || self.subject_words.iter().any(|w| !w.trim().is_empty())
    }

    pub fn holds(&self, c: &ConversationSummary) -> bool {
        if !self.has_rules() {
            return false;
        }
        if self.mailbox_id.is_some() && c.mailbox_id != self.mailbox_id {
            return false;
        }
        let sender = self.sender.trim().to_lowercase();
        if !sender.is_empty()
            && !c
                .contact
                .as_deref()
                .is_some_and(|a| a.to_lowercase().contains(&sender))
        {
            return false;
        }
        let words: Vec<String> = self
            .subject_words
            .iter()
            .map(|w| w.trim().to_lowercase())
            .filter(|w| !w.is_empty())
            .collect();
        if !words.is_empty() {
            let subject = subject::normalize(c.subject.as_deref().unwrap_or_default());
            if !words.iter().any(|w| subject.contains(w.as_str())) {
                return false;
            }
        }
        true
    }
}

/// How one agent reads their mail in the desk, kept per user by the app.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct DeskPrefs {
    #[serde(default)]
    pub thread_order: ThreadOrder,
    #[serde(default)]
    pub grouping: Grouping,
    #[serde(default)]
    pub groups: Vec<MailGroup>,
}

/// A group's heading in the list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum GroupKey {
    /// A normalized subject; `title` is how its newest conversation
    /// writes it (case kept, prefixes and tags gone).
    Subject { normalized: String, title: String },
    /// The agent's group at this index.
    Custom(usize),
    /// Web chats and mail without a subject (grouping by subject), or
    /// what no group holds.
    Other,
}

/// The list in groups, each keeping the list's order; groups come in
/// the order of their newest conversation, the agent's groups in the
/// agent's order, and the rest last.
pub fn group<'a>(
    grouping: Grouping,
    groups: &[MailGroup],
    list: &'a [ConversationSummary],
) -> Vec<(GroupKey, Vec<&'a ConversationSummary>)> {
    let mut out: Vec<(GroupKey, Vec<&'a ConversationSummary>)> = Vec::new();
    let mut other = Vec::new();
    match grouping {
        Grouping::None => return vec![(GroupKey::Other, list.iter().collect())],
        Grouping::Subject => {
            for c in list {
                let s = c.subject.as_deref().unwrap_or_default();
                let normalized = subject::normalize(s);
                if c.channel != Channel::Email || normalized.is_empty() {
                    other.push(c);
                    continue;
                }
                match out.iter_mut().find(|(k, _)| {
                    matches!(k, GroupKey::Subject { normalized: n, .. } if *n == normalized)
                }) {
                    Some((_, members)) => members.push(c),
                    None => out.push((
                        GroupKey::Subject {
                            normalized,
                            title: subject::base(s),
                        },
                        vec![c],
                    )),
                }
            }
        }
        Grouping::Custom => {
            let mut held: Vec<Vec<&'a ConversationSummary>> = vec![Vec::new(); groups.len()];
            for c in list {
                match groups.iter().position(|g| g.holds(c)) {
                    Some(at) => held[at].push(c),
                    None => other.push(c),
                }
            }
            out = held
                .into_iter()
                .enumerate()
                .map(|(at, members)| (GroupKey::Custom(at), members))
                .collect();
        }
    }
    if !other.is_empty() {
        out.push((GroupKey::Other, other));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mail(id: i64, subject: &str, contact: &str, mailbox: i64) -> ConversationSummary {
        let mut c: ConversationSummary = serde_json::from_value(serde_json::json!({
            "id": id, "visitor_name": contact, "state": {"state": "queued"}, "locale": "en",
            "agent_id": null, "queue": null, "follow_up": false, "last_message": null,
            "last_message_at": 0, "unread": 0, "visitor_delivered_up_to": 0,
            "visitor_read_up_to": 0, "created_at": 0,
        }))
        .expect("a summary");
        c.channel = Channel::Email;
        c.subject = Some(subject.to_owned());
        c.contact = Some(contact.to_owned());
        c.mailbox_id = Some(mailbox);
        c
    }

    fn ids(members: &[&ConversationSummary]) -> Vec<i64> {
        members.iter().map(|c| c.id).collect()
    }

    #[test]
    fn replies_and_forwards_group_with_their_original_in_list_order() {
        let mut chat = mail(5, "", "", 1);
        chat.channel = Channel::WebChat;
        chat.subject = None;
        let list = [
            mail(6, "Re: [#9]", "li@example.cn", 1),
            mail(4, "回复：Pump broken [#1]", "li@example.cn", 1),
            mail(3, "Delivery date", "wang@example.cn", 1),
            chat,
            mail(2, "Fwd: RE:  pump  BROKEN", "zhao@example.net", 2),
            mail(1, "Pump broken", "wang@example.cn", 1),
        ];
        let groups = group(Grouping::Subject, &[], &list);
        assert_eq!(groups.len(), 3);
        assert_eq!(
            groups[0].0,
            GroupKey::Subject {
                normalized: "pump broken".into(),
                title: "Pump broken".into()
            }
        );
        assert_eq!(ids(&groups[0].1), [4, 2, 1]);
        assert!(
            matches!(&groups[1].0, GroupKey::Subject { title, .. } if title == "Delivery date")
        );
        assert_eq!(ids(&groups[1].1), [3]);
        assert_eq!(groups[2].0, GroupKey::Other);
        assert_eq!(ids(&groups[2].1), [6, 5], "no subject left, and the chat");
    }

    #[test]
    fn own_groups_match_every_rule_given_first_group_wins() {
        let list = [
            mail(1, "Invoice for May", "wang@example.cn", 1),
            mail(2, "发票问题", "li@shop.cn", 2),
            mail(3, "Pump broken", "zhao@shop.cn", 2),
            mail(4, "Invoice again", "zhao@shop.cn", 2),
        ];
        let groups = [
            MailGroup {
                name: "Shop invoices".into(),
                mailbox_id: Some(2),
                sender: "@SHOP.cn".into(),
                subject_words: vec!["invoice".into(), " 发票 ".into()],
            },
            MailGroup {
                name: "Shop".into(),
                sender: "shop".into(),
                ..MailGroup::default()
            },
            MailGroup {
                name: "Empty".into(),
                subject_words: vec!["  ".into()],
                ..MailGroup::default()
            },
        ];
        let out = group(Grouping::Custom, &groups, &list);
        assert_eq!(out[0].0, GroupKey::Custom(0));
        assert_eq!(ids(&out[0].1), [2, 4]);
        assert_eq!(out[1].0, GroupKey::Custom(1));
        assert_eq!(ids(&out[1].1), [3]);
        // A group without rules holds nothing; it is still shown, empty.
        assert_eq!(out[2].0, GroupKey::Custom(2));
        assert!(out[2].1.is_empty());
        assert_eq!(out[3].0, GroupKey::Other);
        assert_eq!(ids(&out[3].1), [1]);
    }

    #[test]
    fn no_grouping_is_the_list_itself() {
        let list = [mail(2, "b", "x@y.cn", 1), mail(1, "a", "x@y.cn", 1)];
        let out = group(Grouping::None, &[], &list);
        assert_eq!(out.len(), 1);
        assert_eq!(ids(&out[0].1), [2, 1]);
    }

    #[test]
    fn settings_round_trip_by_name() {
        for g in Grouping::ALL {
            assert_eq!(Grouping::parse(g.as_str()), Some(g));
        }
        let o = ThreadOrder::default();
        assert_eq!(o, ThreadOrder::OldestFirst);
        assert_eq!(
            ThreadOrder::parse(o.flipped().as_str()),
            Some(ThreadOrder::NewestFirst)
        );
        assert_eq!(ThreadOrder::parse("sideways"), None);
    }
}
