//! How both backends keep domain values in columns that are not JSON:
//! states, kinds, names and keys.

use fieldesk_core::chat::Notice;
use fieldesk_core::email::auto::Origin;
use fieldesk_core::handoff::HandoffState;
use fieldesk_core::mall::{Buyer, LocationKind};
use fieldesk_core::quick_reply::Tier;

use super::json::{name, parse};
use super::{StoreError, StoreResult};

/// The `state` column and the `resolved` flag: a resolved conversation
/// is stored closed with the flag (the table's CHECK predates it).
pub(crate) fn state_columns(state: HandoffState) -> (&'static str, bool) {
    match state {
        HandoffState::Bot => ("bot", false),
        HandoffState::Queued => ("queued", false),
        HandoffState::Human { .. } => ("human", false),
        HandoffState::Closed => ("closed", false),
        HandoffState::Resolved => ("closed", true),
    }
}

pub(crate) fn notice_name(notice: Notice) -> String {
    serde_json::to_value(notice)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(crate) fn origin(o: Origin) -> &'static str {
    match o {
        Origin::Person => "person",
        Origin::AutoReply => "auto_reply",
        Origin::Bounce => "bounce",
    }
}

pub(crate) fn location_kind(kind: LocationKind) -> &'static str {
    match kind {
        LocationKind::Warehouse => "warehouse",
        LocationKind::Depot => "depot",
    }
}

pub(crate) fn buyer_key(buyer: &Buyer) -> String {
    match buyer {
        Buyer::Customer { customer_id } => format!("c:{customer_id}"),
        Buyer::Provider {
            provider_id,
            user_id,
        } => format!("p:{provider_id}:{user_id}"),
    }
}

pub(crate) fn llm_key(json: &str) -> StoreResult<Option<String>> {
    let llm: serde_json::Value =
        serde_json::from_str(json).map_err(|e| StoreError::database("llm settings", e))?;
    Ok(llm["api_key"]
        .as_str()
        .filter(|k| !k.is_empty())
        .map(str::to_owned))
}

pub(crate) fn tier(owner: Option<i64>) -> Tier {
    if owner.is_some() {
        Tier::Personal
    } else {
        Tier::Enterprise
    }
}

/// An optional role or channel as stored ('' for any).
pub(crate) fn any<T: serde::Serialize>(value: Option<T>) -> String {
    value.map(|v| name(&v)).unwrap_or_default()
}

pub(crate) fn unany<T: serde::de::DeserializeOwned>(text: String) -> StoreResult<Option<T>> {
    if text.is_empty() {
        Ok(None)
    } else {
        parse(text).map(Some)
    }
}

/// The visitor key of an email contact: one row per address and tenant
/// (never a real visitor token).
pub(crate) fn contact_key(tenant_id: i64, address: &str) -> String {
    use sha2::{Digest, Sha256};
    format!(
        "mail:{:x}",
        Sha256::digest(format!("{tenant_id}\0{address}").as_bytes())
    )
}
