//! Reply tokens and our own Message-IDs. Both name a conversation and
//! carry a MAC under the tenant's mail key, so a reply is threaded by them
//! without trusting anything the sender could invent: a forged, altered or
//! other tenant's token simply does not verify.
//!
//! - The reply token rides in the `Reply-To` address's detail part:
//!   `support+c1234-0123456789abcdef@example.com`.
//! - Our Message-IDs: `fd.<unique>.c1234.0123456789abcdef@example.com`.
//!
//! Lower-case hex and digits only: mail servers may fold the case of a
//! local part.

use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::hex::{decode as unhex, encode as hex};

/// Hex digits of the MAC kept (64 bits).
const MAC_HEX: usize = 16;

/// A tenant's key for reply tokens and Message-IDs (the server keeps it
/// sealed; see the server's `secret_box`).
#[derive(Clone)]
pub struct MailKey(Vec<u8>);

impl std::fmt::Debug for MailKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MailKey(..)")
    }
}

impl MailKey {
    pub fn new(secret: &[u8]) -> Self {
        MailKey(secret.to_vec())
    }

    fn mac(&self, purpose: &str, parts: &[&str]) -> Hmac<Sha256> {
        let mut mac =
            Hmac::<Sha256>::new_from_slice(&self.0).expect("HMAC takes keys of any length");
        mac.update(purpose.as_bytes());
        for p in parts {
            mac.update(&[0]);
            mac.update(p.as_bytes());
        }
        mac
    }

    fn sign(&self, purpose: &str, parts: &[&str]) -> String {
        let tag = self.mac(purpose, parts).finalize().into_bytes();
        hex(&tag[..MAC_HEX / 2])
    }

    fn verify(&self, purpose: &str, parts: &[&str], tag: &str) -> bool {
        let Some(bytes) = unhex(tag).filter(|b| b.len() == MAC_HEX / 2) else {
            return false;
        };
        self.mac(purpose, parts)
            .verify_truncated_left(&bytes)
            .is_ok()
    }

    /// The token for replies to `conversation_id`.
    pub fn reply_token(&self, conversation_id: i64) -> String {
        let id = conversation_id.to_string();
        format!("c{id}-{}", self.sign("reply", &[&id]))
    }

    /// The conversation a token names, if it verifies.
    pub fn open_reply_token(&self, token: &str) -> Option<i64> {
        let token = token.to_ascii_lowercase();
        let (id, tag) = token.strip_prefix('c')?.split_once('-')?;
        let conversation_id = positive_id(id)?;
        self.verify("reply", &[id], tag).then_some(conversation_id)
    }

    /// `local+token@domain` for a mailbox address `local@domain`.
    pub fn reply_address(&self, mailbox: &str, conversation_id: i64) -> String {
        let (local, domain) = mailbox.rsplit_once('@').unwrap_or((mailbox, ""));
        let local = local.split_once('+').map_or(local, |(l, _)| l);
        format!("{local}+{}@{domain}", self.reply_token(conversation_id))
    }

    /// The conversation named by a token in an address's detail part.
    pub fn conversation_of_address(&self, address: &str) -> Option<i64> {
        let (local, _) = address.rsplit_once('@')?;
        let (_, detail) = local.split_once('+')?;
        self.open_reply_token(detail)
    }

    /// A Message-ID of ours (without angle brackets) for a mail of
    /// `conversation_id`; `unique` tells mails of one conversation apart
    /// (letters, digits, `-`).
    pub fn message_id(&self, conversation_id: i64, unique: &str, domain: &str) -> String {
        let id = conversation_id.to_string();
        let tag = self.sign("message-id", &[unique, &id]);
        format!("fd.{unique}.c{id}.{tag}@{domain}")
    }

    /// The conversation of one of our Message-IDs, if it verifies.
    pub fn conversation_of_message_id(&self, message_id: &str) -> Option<i64> {
        let id = message_id
            .trim()
            .trim_start_matches('<')
            .trim_end_matches('>');
        let (local, _) = id.rsplit_once('@')?;
        let local = local.to_ascii_lowercase();
        let rest = local.strip_prefix("fd.")?;
        let (rest, tag) = rest.rsplit_once('.')?;
        let (unique, conversation) = rest.rsplit_once('.')?;
        let conversation = conversation.strip_prefix('c')?;
        let conversation_id = positive_id(conversation)?;
        self.verify("message-id", &[unique, conversation], tag)
            .then_some(conversation_id)
    }
}

/// Digits only (no sign, no leading `+`), a positive id.
fn positive_id(s: &str) -> Option<i64> {
    if s.is_empty() || s.len() > 18 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    s.parse().ok().filter(|id| *id > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> MailKey {
        MailKey::new(b"tenant one's key")
    }

    #[test]
    fn a_reply_address_names_its_conversation() {
        let k = key();
        let address = k.reply_address("support@support.test", 1234);
        assert!(address.starts_with("support+c1234-"), "{address}");
        assert!(address.ends_with("@support.test"));
        assert_eq!(k.conversation_of_address(&address), Some(1234));
        // Servers that fold case do not break it.
        assert_eq!(
            k.conversation_of_address(&address.to_uppercase()),
            Some(1234)
        );
        // A detail already on the mailbox is replaced, not stacked.
        let again = k.reply_address("support+old@support.test", 7);
        assert_eq!(again.matches('+').count(), 1);
        assert_eq!(k.conversation_of_address(&again), Some(7));
    }

    #[test]
    fn forged_altered_and_foreign_tokens_do_not_verify() {
        let k = key();
        let token = k.reply_token(1234);
        let other_tenant = MailKey::new(b"tenant two's key");
        assert_eq!(other_tenant.open_reply_token(&token), None);
        // Another conversation's number with this MAC.
        let forged = token.replacen("c1234", "c1235", 1);
        assert_eq!(k.open_reply_token(&forged), None);
        // A flipped MAC digit, a cut MAC, garbage.
        let mut flipped = token.clone().into_bytes();
        let last = flipped.len() - 1;
        flipped[last] = if flipped[last] == b'0' { b'1' } else { b'0' };
        assert_eq!(
            k.open_reply_token(&String::from_utf8(flipped).unwrap()),
            None
        );
        assert_eq!(k.open_reply_token(&token[..token.len() - 2]), None);
        for junk in [
            "",
            "c",
            "c-",
            "c1234",
            "c-1-00",
            "c+1-0011223344556677",
            "x1234-00",
        ] {
            assert_eq!(k.open_reply_token(junk), None, "{junk:?}");
        }
        assert_eq!(
            k.conversation_of_address("support+nonsense@support.test"),
            None
        );
        assert_eq!(k.conversation_of_address("support@support.test"), None);
    }

    #[test]
    fn our_message_ids_name_their_conversation_and_verify() {
        let k = key();
        let id = k.message_id(42, "q17", "support.test");
        assert!(id.starts_with("fd.q17.c42."), "{id}");
        assert_eq!(k.conversation_of_message_id(&format!("<{id}>")), Some(42));
        assert_eq!(k.conversation_of_message_id(&id), Some(42));
        assert_eq!(MailKey::new(b"other").conversation_of_message_id(&id), None);
        let moved = id.replacen(".c42.", ".c43.", 1);
        assert_eq!(k.conversation_of_message_id(&moved), None);
        let renamed = id.replacen("q17", "q18", 1);
        assert_eq!(k.conversation_of_message_id(&renamed), None);
        assert_eq!(
            k.conversation_of_message_id("<CAF=abc@mail.gmail.com>"),
            None
        );
    }
}
