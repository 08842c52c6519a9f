//! The JSON codec of stored values: structured columns hold JSON, enum
//! columns their serde names.

use crate::store::{StoreError, StoreResult};

pub(crate) fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).expect("serializes")
}

pub(crate) fn from_json<T: serde::de::DeserializeOwned>(text: &str) -> StoreResult<T> {
    serde_json::from_str(text).map_err(|e| StoreError::database("stored JSON", e))
}

/// A status or priority as its serde name.
pub(crate) fn name<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_value(value)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

pub(crate) fn parse<T: serde::de::DeserializeOwned>(text: String) -> StoreResult<T> {
    serde_json::from_value(serde_json::Value::String(text))
        .map_err(|e| StoreError::database("stored name", e))
}
