//! Devices (设备) at a work order's site, their typed custom fields, and
//! scan-to-find-device (扫一扫): which fields a scan may be matched
//! against, and how a decoded text is compared with them.
//!
//! Matching rule (chosen and stated): number fields compare numerically
//! (`00123`, `123` and `123.0` are the same device); text fields compare
//! the trimmed text exactly, case included (asset codes are printed as
//! they are stored).

use serde::{Deserialize, Serialize};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// The kind of a device field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum FieldType {
    SingleLineText,
    MultiLineText,
    Number,
    Date,
    Choice { options: Vec<String> },
}

impl FieldType {
    /// Only single-line text and number fields can identify a device by scan.
    pub fn scan_matchable(&self) -> bool {
        matches!(self, FieldType::SingleLineText | FieldType::Number)
    }
}

/// A device field definition: the built-in ones (serial number, asset
/// code, model) and the tenant's custom ones.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct FieldDef {
    /// Stable key, e.g. `serial_number` or `custom.rated_power`.
    pub key: String,
    pub field_type: FieldType,
}

/// A device with its field values, keyed like [`FieldDef::key`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Device {
    pub id: i64,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub fields: serde_json::Map<String, serde_json::Value>,
}

impl Device {
    /// A field's value as text (empty when missing).
    pub fn text(&self, key: &str) -> String {
        match self.fields.get(key) {
            Some(serde_json::Value::String(s)) => s.trim().to_owned(),
            Some(serde_json::Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }
    }

    /// The model field: a part fits the devices of its models.
    pub fn model(&self) -> String {
        self.text("model")
    }

    /// Its name in lists: model and serial number.
    pub fn label(&self) -> String {
        format!("{} {}", self.model(), self.text("serial_number"))
            .trim()
            .to_owned()
    }
}

/// Why a field cannot be used for scanning.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ScanFieldError {
    #[error("no device field {0}")]
    UnknownField(String),
    #[error("field {0} is not single-line text or a number")]
    NotMatchable(String),
}

/// Checks a template's "scan to find device" field choice.
pub fn check_scan_field<'a>(
    defs: &'a [FieldDef],
    key: &str,
) -> Result<&'a FieldDef, ScanFieldError> {
    let def = defs
        .iter()
        .find(|d| d.key == key)
        .ok_or_else(|| ScanFieldError::UnknownField(key.to_owned()))?;
    if def.field_type.scan_matchable() {
        Ok(def)
    } else {
        Err(ScanFieldError::NotMatchable(key.to_owned()))
    }
}

fn as_number(value: &serde_json::Value) -> Option<f64> {
    match value {
        serde_json::Value::Number(n) => n.as_f64(),
        serde_json::Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// The devices whose `field` matches a decoded `text` (usually one; more
/// means the data has duplicates and the engineer picks).
pub fn match_scan(text: &str, field: &FieldDef, devices: &[Device]) -> Vec<i64> {
    let text = text.trim();
    devices
        .iter()
        .filter(|d| {
            let Some(value) = d.fields.get(&field.key) else {
                return false;
            };
            match field.field_type {
                FieldType::Number => match (text.parse::<f64>(), as_number(value)) {
                    (Ok(read), Some(stored)) => read == stored,
                    _ => false,
                },
                _ => value.as_str().is_some_and(|v| v.trim() == text),
            }
        })
        .map(|d| d.id)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn defs() -> Vec<FieldDef> {
        vec![
            FieldDef {
                key: "serial_number".into(),
                field_type: FieldType::SingleLineText,
            },
            FieldDef {
                key: "custom.unit_no".into(),
                field_type: FieldType::Number,
            },
            FieldDef {
                key: "custom.notes".into(),
                field_type: FieldType::MultiLineText,
            },
            FieldDef {
                key: "custom.kind".into(),
                field_type: FieldType::Choice {
                    options: vec!["pump".into()],
                },
            },
        ]
    }

    fn device(id: i64, fields: serde_json::Value) -> Device {
        Device {
            id,
            fields: fields.as_object().unwrap().clone(),
        }
    }

    #[test]
    fn only_single_line_text_and_numbers_can_be_scanned() {
        let defs = defs();
        assert!(check_scan_field(&defs, "serial_number").is_ok());
        assert!(check_scan_field(&defs, "custom.unit_no").is_ok());
        assert_eq!(
            check_scan_field(&defs, "custom.notes"),
            Err(ScanFieldError::NotMatchable("custom.notes".into()))
        );
        assert!(check_scan_field(&defs, "custom.kind").is_err());
        assert_eq!(
            check_scan_field(&defs, "nope"),
            Err(ScanFieldError::UnknownField("nope".into()))
        );
    }

    #[test]
    fn text_matches_trimmed_and_exact_numbers_numerically() {
        let defs = defs();
        let devices = vec![
            device(
                1,
                json!({"serial_number": "SN-0481 ", "custom.unit_no": 123}),
            ),
            device(
                2,
                json!({"serial_number": "sn-0481", "custom.unit_no": "0124"}),
            ),
            device(3, json!({"custom.unit_no": "n/a"})),
        ];
        assert_eq!(match_scan(" SN-0481\n", &defs[0], &devices), vec![1]);
        assert_eq!(match_scan("SN-0482", &defs[0], &devices), Vec::<i64>::new());
        assert_eq!(match_scan("00123", &defs[1], &devices), vec![1]);
        assert_eq!(match_scan("124.0", &defs[1], &devices), vec![2]);
        assert_eq!(match_scan("abc", &defs[1], &devices), Vec::<i64>::new());
    }
}
