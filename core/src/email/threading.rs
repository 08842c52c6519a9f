//! Which conversation an incoming mail belongs to, decided once from its
//! headers, its recipients, its subject and what the store knows, and
//! saying why. In order:
//!
//! 1. a reply token in a recipient address (`support+c12-…@`);
//! 2. `In-Reply-To`, then `References` newest first: our own Message-IDs
//!    (which verify by themselves) and any Message-ID stored before in the
//!    tenant, inbound or outbound;
//! 3. a ticket tag `[#12]` in the subject;
//! 4. otherwise a new conversation.
//!
//! A conversation has one contact; a thread is a first conversation and
//! those linked to it. A mail found by a rule joins its sender's open
//! conversation on the thread. Another address that was on the thread (a
//! recipient of ours, a Cc) gets a conversation of its own, linked to the
//! first (replies to one mail sent to many customers stay apart per
//! contact); a sender who was never on the thread never joins (a new
//! conversation, not linked). A reply when the sender's conversation is
//! closed opens a new one, linked. The store is asked only within the tenant, and tokens and
//! our Message-IDs carry the tenant's MAC: nothing threads across tenants.

use std::collections::HashMap;

use super::address::normalize;
use super::subject;
use super::token::MailKey;

/// The headers of an incoming mail that threading reads.
#[derive(Debug, Clone, Default)]
pub struct Incoming {
    /// The sender's address (`From`).
    pub from: String,
    /// `To`, `Cc` and `Delivered-To` addresses.
    pub recipients: Vec<String>,
    pub subject: String,
    /// `In-Reply-To` ids, as written (angle brackets optional).
    pub in_reply_to: Vec<String>,
    /// `References` ids, oldest first as written.
    pub references: Vec<String>,
}

/// What the store knows of a conversation a mail may belong to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KnownConversation {
    pub id: i64,
    /// The customer's address the conversation is with.
    pub contact: String,
    /// Every other address that was on its mails (From, To, Cc), ours
    /// excepted.
    pub participants: Vec<String>,
    pub open: bool,
    /// The thread's first conversation, for one split off it (another
    /// contact on the thread) or following it (a reply after it was
    /// closed); `None` for a first conversation.
    pub linked_to: Option<i64>,
}

/// What the caller reads from the store (within the tenant) before
/// deciding: see [`lookups`].
#[derive(Debug, Clone, Default)]
pub struct Known {
    /// Stored Message-IDs (without brackets, as [`clean_id`] gives them)
    /// and their conversation.
    pub message_ids: HashMap<String, i64>,
    /// Each conversation named by [`Lookups::conversation_ids`] or by the
    /// Message-IDs above, with its whole thread (the first conversation
    /// and every one linked to it).
    pub conversations: Vec<KnownConversation>,
}

/// What to read from the store first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Lookups {
    /// Conversations named by a verified token, our Message-IDs or the tag.
    pub conversation_ids: Vec<i64>,
    /// Message-IDs to look up (cleaned).
    pub message_ids: Vec<String>,
}

/// The rule that found a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rule {
    ReplyToken,
    InReplyTo,
    References,
    SubjectTag,
}

/// Why a mail starts a conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NewBecause {
    /// No rule found a conversation.
    NothingMatched,
    /// The conversation found is closed (the new one is linked to it).
    Closed(Rule),
    /// The sender was on the thread but is not its contact (linked).
    AnotherContact(Rule),
    /// The sender was never on the thread found (not linked).
    NotOnThread(Rule),
}

/// The decision.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Threading {
    Join {
        conversation_id: i64,
        rule: Rule,
    },
    New {
        linked_to: Option<i64>,
        because: NewBecause,
    },
}

/// A Message-ID without angle brackets or spaces, lower case (ids are
/// compared case-insensitively: some clients fold them).
pub fn clean_id(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .trim()
        .to_ascii_lowercase()
}

/// The Message-IDs in the order the rules try them: `In-Reply-To`, then
/// `References` newest (last) first, each once.
fn referenced(mail: &Incoming) -> Vec<(String, Rule)> {
    let mut out: Vec<(String, Rule)> = Vec::new();
    let ids = mail
        .in_reply_to
        .iter()
        .map(|id| (id, Rule::InReplyTo))
        .chain(
            mail.references
                .iter()
                .rev()
                .map(|id| (id, Rule::References)),
        );
    for (id, rule) in ids {
        let id = clean_id(id);
        if !id.is_empty() && !out.iter().any(|(seen, _)| *seen == id) {
            out.push((id, rule));
        }
    }
    out
}

fn token_target(mail: &Incoming, key: &MailKey) -> Option<i64> {
    mail.recipients
        .iter()
        .find_map(|r| key.conversation_of_address(r))
}

/// What to read from the store before [`decide`].
pub fn lookups(mail: &Incoming, key: &MailKey) -> Lookups {
    let mut conversation_ids: Vec<i64> = token_target(mail, key).into_iter().collect();
    let mut message_ids = Vec::new();
    for (id, _) in referenced(mail) {
        if let Some(c) = key.conversation_of_message_id(&id) {
            conversation_ids.push(c);
        }
        message_ids.push(id);
    }
    conversation_ids.extend(subject::find_tag(&mail.subject));
    conversation_ids.dedup();
    Lookups {
        conversation_ids,
        message_ids,
    }
}

/// The candidate by rules 1–3: the first rule that names a conversation
/// the store knows.
fn candidate<'k>(
    mail: &Incoming,
    known: &'k Known,
    key: &MailKey,
) -> Option<(&'k KnownConversation, Rule)> {
    let find = |id: i64| known.conversations.iter().find(|c| c.id == id);
    if let Some(c) = token_target(mail, key).and_then(find) {
        return Some((c, Rule::ReplyToken));
    }
    for (id, rule) in referenced(mail) {
        let named = key
            .conversation_of_message_id(&id)
            .or_else(|| known.message_ids.get(&id).copied());
        if let Some(c) = named.and_then(find) {
            return Some((c, rule));
        }
    }
    // The tag is visible and guessable: only someone on the thread may
    // use it.
    let from = normalize(&mail.from);
    subject::find_tag(&mail.subject)
        .and_then(find)
        .filter(|c| on_thread(c, &from))
        .map(|c| (c, Rule::SubjectTag))
}

fn is(address: &str, from: &str) -> bool {
    normalize(address) == from
}

fn on_thread(c: &KnownConversation, from: &str) -> bool {
    is(&c.contact, from) || c.participants.iter().any(|p| is(p, from))
}

/// The conversation `mail` belongs to, given what the store knows.
pub fn decide(mail: &Incoming, known: &Known, key: &MailKey) -> Threading {
    let Some((found, rule)) = candidate(mail, known, key) else {
        return Threading::New {
            linked_to: None,
            because: NewBecause::NothingMatched,
        };
    };
    let from = normalize(&mail.from);
    // The thread: its first conversation and all linked to it.
    let root = found.linked_to.unwrap_or(found.id);
    let thread = || {
        known
            .conversations
            .iter()
            .filter(move |c| c.id == root || c.linked_to == Some(root))
    };
    if !on_thread(found, &from) && !thread().any(|c| on_thread(c, &from)) {
        return Threading::New {
            linked_to: None,
            because: NewBecause::NotOnThread(rule),
        };
    }
    // The sender's own conversation on the thread: the open one, else the
    // newest.
    let own = thread()
        .filter(|c| is(&c.contact, &from))
        .max_by_key(|c| (c.open, c.id));
    match own {
        Some(c) if c.open => Threading::Join {
            conversation_id: c.id,
            rule,
        },
        Some(_) => Threading::New {
            linked_to: Some(root),
            because: NewBecause::Closed(rule),
        },
        None => Threading::New {
            linked_to: Some(root),
            because: NewBecause::AnotherContact(rule),
        },
    }
}

#[cfg(test)]
mod tests;
