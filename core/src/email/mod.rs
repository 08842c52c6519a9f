//! The email channel's pure rules: addresses, subjects and ticket tags,
//! reply tokens and our Message-IDs, which conversation an incoming mail
//! belongs to, and which mail no person wrote. The server's mail service
//! carries the decisions out (IMAP, SMTP, the store).

pub mod address;
pub mod auto;
pub mod grouping;
pub mod html;
pub mod mailbox;
pub mod outgoing;
pub mod part;
pub mod quarantine;
pub mod subject;
pub mod threading;
pub mod token;

pub use threading::{Incoming, Known, KnownConversation, Lookups, NewBecause, Rule, Threading};
pub use token::MailKey;
