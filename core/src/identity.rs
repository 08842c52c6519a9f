//! Who a visitor is. A name typed in the chat window proves nothing: a
//! visitor is linked to a customer only when the embedding site vouches
//! for them — an HMAC-SHA256 of the customer's id and name with the
//! tenant's identity secret, as Chatwoot's identity validation does — or
//! when an agent links them by hand. Only a linked visitor's work orders
//! and earlier conversations reach the agent's sidebar.

use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;

/// The longest customer id or name accepted, in characters.
pub const MAX_CHARS: usize = 200;

/// What the embedding site passes to the chat window (`data-customer-id`,
/// `data-customer-name`, `data-customer-hash` on embed.js).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SignedIdentity {
    /// The customer's id in the site's own records.
    pub customer_id: String,
    /// The customer's name as their work orders name them.
    pub name: String,
    /// Lower-case hex of HMAC-SHA256(secret, `customer_id` + "\n" + `name`).
    pub hash: String,
}

/// Why a signed identity was not accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum IdentityError {
    #[error("customer id or name empty, too long or with a line break")]
    Malformed,
    #[error("the signature does not match")]
    BadSignature,
}

/// Who vouched for a link between a visitor and a customer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "by", rename_all = "snake_case")]
pub enum Verification {
    /// The embedding site's signature.
    Signed,
    /// This agent, by hand.
    Agent { user_id: i64 },
}

/// A visitor's verified customer.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CustomerLink {
    /// The customer's name, as their work orders name them.
    pub name: String,
    /// The site's id for the customer (signed links only).
    #[serde(default)]
    pub external_id: Option<String>,
    pub verified: Verification,
}

impl CustomerLink {
    /// The link a valid signature gives.
    pub fn signed(identity: &SignedIdentity) -> Self {
        CustomerLink {
            name: identity.name.trim().to_owned(),
            external_id: Some(identity.customer_id.trim().to_owned()),
            verified: Verification::Signed,
        }
    }

    /// Whether both name the same customer: by the site's id when both
    /// have one, else by name (surrounding spaces and Latin case aside, as
    /// work orders are matched).
    pub fn same_customer(&self, other: &CustomerLink) -> bool {
        match (&self.external_id, &other.external_id) {
            (Some(a), Some(b)) => a == b,
            _ => same_name(&self.name, &other.name),
        }
    }
}

/// Names compared as work orders' customers are: trimmed, Latin letters
/// in any case.
pub fn same_name(a: &str, b: &str) -> bool {
    a.trim().eq_ignore_ascii_case(b.trim())
}

/// A customer name an agent may link to: not empty, not too long.
pub fn valid_name(name: &str) -> bool {
    let name = name.trim();
    !name.is_empty() && name.chars().count() <= MAX_CHARS && !name.contains(['\n', '\r'])
}

fn mac(secret: &[u8], customer_id: &str, name: &str) -> Hmac<Sha256> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret).expect("HMAC takes keys of any length");
    mac.update(customer_id.as_bytes());
    mac.update(b"\n");
    mac.update(name.as_bytes());
    mac
}

/// The hash the embedding site computes (lower-case hex), for tests and
/// the README's examples.
pub fn sign(secret: &[u8], customer_id: &str, name: &str) -> String {
    mac(secret, customer_id, name)
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Checks the site's signature in constant time.
pub fn verify(secret: &[u8], identity: &SignedIdentity) -> Result<CustomerLink, IdentityError> {
    let (id, name) = (&identity.customer_id, &identity.name);
    if !valid_name(id) || !valid_name(name) || id.trim() != id || name.trim() != name {
        return Err(IdentityError::Malformed);
    }
    let hash = decode_hex(&identity.hash).ok_or(IdentityError::BadSignature)?;
    mac(secret, id, name)
        .verify_slice(&hash)
        .map_err(|_| IdentityError::BadSignature)?;
    Ok(CustomerLink::signed(identity))
}

fn decode_hex(text: &str) -> Option<Vec<u8>> {
    if text.len() != 64 {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(text.get(i..i + 2)?, 16).ok())
        .collect()
}

/// `GET /api/chat/identity` (admins): whether the tenant verifies
/// visitors' identities, since when.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentityStatus {
    pub enabled: bool,
    /// When the current secret was made (Unix seconds).
    #[serde(default)]
    pub created_at: Option<i64>,
}

/// `POST /api/chat/identity/secret` (admins): a new identity secret,
/// shown this once (the server keeps it sealed and never returns it
/// again); the previous one stops verifying at once.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentitySecret {
    pub secret: String,
    pub created_at: i64,
}

/// `PUT /api/chat/conversations/{id}/customer`: an agent links the
/// conversation's visitor to the customer their work orders name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LinkCustomerBody {
    pub name: String,
}

/// What a resumed visit does with the identity its page presents.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OnResume {
    /// Nothing to change.
    Keep,
    /// Link this visitor (or refresh the name of the link).
    Link(CustomerLink),
    /// Another customer signed in on this browser: start a new visitor, so
    /// no one sees another's conversations.
    NewVisitor(CustomerLink),
}

/// The rule for a visitor linked to `current` whose page now presents the
/// verified `presented` (none: a page without identity keeps the visit).
pub fn on_resume(current: Option<&CustomerLink>, presented: Option<CustomerLink>) -> OnResume {
    match (current, presented) {
        (_, None) => OnResume::Keep,
        (None, Some(new)) => OnResume::Link(new),
        (Some(old), Some(new)) if old.same_customer(&new) => {
            if *old == new {
                OnResume::Keep
            } else {
                OnResume::Link(new)
            }
        }
        (Some(_), Some(new)) => OnResume::NewVisitor(new),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &[u8] = b"tenant secret";

    fn identity(id: &str, name: &str) -> SignedIdentity {
        SignedIdentity {
            customer_id: id.into(),
            name: name.into(),
            hash: sign(SECRET, id, name),
        }
    }

    #[test]
    fn sign_is_hmac_sha256_of_id_line_break_name() {
        // Python: hmac.new(b"Jefe", "c-1\n华东医院".encode(), sha256).hexdigest()
        assert_eq!(
            sign(b"Jefe", "c-1", "华东医院"),
            "6083205a116f260af1782563f14602e461d4b8e4994966cda109df83efd98f9c"
        );
    }

    #[test]
    fn a_valid_signature_links_the_customer() {
        let link = verify(SECRET, &identity("c-1", "华东医院")).unwrap();
        assert_eq!(link.name, "华东医院");
        assert_eq!(link.external_id.as_deref(), Some("c-1"));
        assert_eq!(link.verified, Verification::Signed);
        // Upper-case hex is the same signature.
        let mut upper = identity("c-1", "华东医院");
        upper.hash = upper.hash.to_uppercase();
        assert!(verify(SECRET, &upper).is_ok());
    }

    #[test]
    fn forged_or_altered_identities_are_refused() {
        let mut other_name = identity("c-1", "华东医院");
        other_name.name = "华西医院".into();
        assert_eq!(
            verify(SECRET, &other_name),
            Err(IdentityError::BadSignature)
        );
        let mut other_id = identity("c-1", "华东医院");
        other_id.customer_id = "c-2".into();
        assert_eq!(verify(SECRET, &other_id), Err(IdentityError::BadSignature));
        assert_eq!(
            verify(b"another secret", &identity("c-1", "华东医院")),
            Err(IdentityError::BadSignature)
        );
        let mut garbage = identity("c-1", "华东医院");
        garbage.hash = "zz".repeat(32);
        assert_eq!(verify(SECRET, &garbage), Err(IdentityError::BadSignature));
        garbage.hash = "ab".into();
        assert_eq!(verify(SECRET, &garbage), Err(IdentityError::BadSignature));
        // Moving the line break between id and name changes nothing signed
        // because neither may hold one.
        assert_eq!(
            verify(SECRET, &identity("c-1\nx", "y")),
            Err(IdentityError::Malformed)
        );
        assert_eq!(
            verify(SECRET, &identity("", "y")),
            Err(IdentityError::Malformed)
        );
        assert_eq!(
            verify(SECRET, &identity(" c-1", "y")),
            Err(IdentityError::Malformed)
        );
        let long = "长".repeat(MAX_CHARS + 1);
        assert_eq!(
            verify(SECRET, &identity("c-1", &long)),
            Err(IdentityError::Malformed)
        );
    }

    #[test]
    fn same_customer_by_site_id_else_by_name() {
        let signed = |id: &str, name: &str| CustomerLink::signed(&identity(id, name));
        let by_agent = |name: &str| CustomerLink {
            name: name.into(),
            external_id: None,
            verified: Verification::Agent { user_id: 7 },
        };
        assert!(signed("c-1", "Acme").same_customer(&signed("c-1", "ACME Ltd")));
        assert!(!signed("c-1", "Acme").same_customer(&signed("c-2", "Acme")));
        assert!(signed("c-1", "Acme").same_customer(&by_agent(" acme ")));
        assert!(!by_agent("Acme").same_customer(&by_agent("Acme 2")));
    }

    #[test]
    fn a_new_customer_on_the_same_browser_starts_a_new_visitor() {
        let a = CustomerLink::signed(&identity("c-1", "Acme"));
        let a_renamed = CustomerLink::signed(&identity("c-1", "Acme Ltd"));
        let b = CustomerLink::signed(&identity("c-2", "Beta"));
        assert_eq!(on_resume(None, None), OnResume::Keep);
        assert_eq!(on_resume(Some(&a), None), OnResume::Keep);
        assert_eq!(on_resume(None, Some(a.clone())), OnResume::Link(a.clone()));
        assert_eq!(on_resume(Some(&a), Some(a.clone())), OnResume::Keep);
        assert_eq!(
            on_resume(Some(&a), Some(a_renamed.clone())),
            OnResume::Link(a_renamed)
        );
        assert_eq!(
            on_resume(Some(&a), Some(b.clone())),
            OnResume::NewVisitor(b)
        );
    }
}
