//! Standard operations (标准作业): templates of ordered checklist steps that
//! an engineer runs on every device of a work order, the check of each
//! step result against its kind, and when a work order's steps are done.

use serde::{Deserialize, Serialize};

use crate::device::{FieldDef, FieldType, ScanFieldError, check_scan_field};

#[cfg(feature = "openapi")]
use utoipa::ToSchema;

/// What a step asks for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum StepKind {
    /// Done or not (`true`/`false`).
    Check,
    /// A measurement with its unit and allowed range.
    Number {
        unit: String,
        min: Option<f64>,
        max: Option<f64>,
    },
    Text,
    SingleChoice {
        options: Vec<String>,
    },
    MultiChoice {
        options: Vec<String>,
    },
    /// A photo: the id of an uploaded image (see [`photo_id`]).
    Photo,
    /// A signature image reference.
    Signature,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Step {
    /// Stable within the template.
    pub id: i64,
    pub title: String,
    pub kind: StepKind,
    #[serde(default = "yes")]
    pub required: bool,
}

fn yes() -> bool {
    true
}

/// `POST /api/templates` and `PUT …/{id}` (admins).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct TemplateInput {
    pub name: String,
    pub steps: Vec<Step>,
    /// "Scan to find device": the device field a scan is matched against;
    /// `None` switches scanning off for this template.
    #[serde(default)]
    pub scan_field: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(ToSchema))]
pub struct Template {
    pub id: i64,
    pub name: String,
    pub steps: Vec<Step>,
    pub scan_field: Option<String>,
}

/// Why a template cannot be saved.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum TemplateError {
    #[error("the name is empty or too long")]
    Name,
    #[error("a template needs 1 to 200 steps with distinct ids and titles")]
    Steps,
    #[error("step {0}: choice steps need options; ranges need min <= max")]
    StepKind(i64),
    #[error(transparent)]
    ScanField(#[from] ScanFieldError),
}

impl TemplateInput {
    /// Checks the template against the tenant's device fields.
    pub fn validate(&self, fields: &[FieldDef]) -> Result<(), TemplateError> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 100 {
            return Err(TemplateError::Name);
        }
        let mut ids: Vec<i64> = self.steps.iter().map(|s| s.id).collect();
        ids.sort_unstable();
        ids.dedup();
        if self.steps.is_empty()
            || self.steps.len() > 200
            || ids.len() != self.steps.len()
            || self
                .steps
                .iter()
                .any(|s| s.title.trim().is_empty() || s.title.chars().count() > 200)
        {
            return Err(TemplateError::Steps);
        }
        for step in &self.steps {
            let ok = match &step.kind {
                StepKind::Number {
                    min: Some(a),
                    max: Some(b),
                    ..
                } => a <= b,
                StepKind::SingleChoice { options } | StepKind::MultiChoice { options } => {
                    !options.is_empty() && options.iter().all(|o| !o.trim().is_empty())
                }
                _ => true,
            };
            if !ok {
                return Err(TemplateError::StepKind(step.id));
            }
        }
        if let Some(key) = &self.scan_field {
            check_scan_field(fields, key)?;
        }
        Ok(())
    }
}

/// The built-in device fields every tenant has.
pub fn builtin_fields() -> Vec<FieldDef> {
    ["serial_number", "asset_code", "model"]
        .into_iter()
        .map(|key| FieldDef {
            key: key.into(),
            field_type: FieldType::SingleLineText,
        })
        .collect()
}

/// Why a step result is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StepValueError {
    #[error("the value does not fit the step")]
    Invalid,
    #[error("the number is outside the allowed range")]
    OutOfRange,
}

/// The largest photo or signature image, in bytes.
pub const MAX_PHOTO_BYTES: usize = 4 * 1024 * 1024;

/// A photo's id: the lowercase hex SHA-256 of its bytes (so an upload is
/// idempotent and a step result names exactly one image).
pub fn is_photo_id(s: &str) -> bool {
    s.len() == 64 && s.bytes().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f'))
}

/// The image type of a photo's bytes (PNG or JPEG), by their signature.
pub fn photo_type(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0x89, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a]) {
        Some("image/png")
    } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
        Some("image/jpeg")
    } else {
        None
    }
}

/// Checks a result against its step.
pub fn check_value(kind: &StepKind, value: &serde_json::Value) -> Result<(), StepValueError> {
    use serde_json::Value;
    let ok = match (kind, value) {
        (StepKind::Check, Value::Bool(_)) => true,
        (StepKind::Number { min, max, .. }, Value::Number(n)) => {
            let n = n.as_f64().ok_or(StepValueError::Invalid)?;
            if min.is_some_and(|m| n < m) || max.is_some_and(|m| n > m) {
                return Err(StepValueError::OutOfRange);
            }
            true
        }
        (StepKind::Text, Value::String(s)) => s.chars().count() <= 4000,
        (StepKind::SingleChoice { options }, Value::String(s)) => options.contains(s),
        (StepKind::MultiChoice { options }, Value::Array(items)) => items
            .iter()
            .all(|i| i.as_str().is_some_and(|s| options.iter().any(|o| o == s))),
        (StepKind::Photo | StepKind::Signature, Value::String(s)) => is_photo_id(s),
        _ => false,
    };
    if ok {
        Ok(())
    } else {
        Err(StepValueError::Invalid)
    }
}

/// Whether every required step has a result on every device.
pub fn steps_done(template: &Template, devices: &[i64], results: &[(i64, i64)]) -> bool {
    devices.iter().all(|device| {
        template
            .steps
            .iter()
            .filter(|s| s.required)
            .all(|s| results.contains(&(*device, s.id)))
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn template() -> TemplateInput {
        TemplateInput {
            name: "Chiller yearly check".into(),
            steps: vec![
                Step {
                    id: 1,
                    title: "Power off".into(),
                    kind: StepKind::Check,
                    required: true,
                },
                Step {
                    id: 2,
                    title: "Outlet temperature".into(),
                    kind: StepKind::Number {
                        unit: "°C".into(),
                        min: Some(4.0),
                        max: Some(12.0),
                    },
                    required: true,
                },
                Step {
                    id: 3,
                    title: "Remarks".into(),
                    kind: StepKind::Text,
                    required: false,
                },
            ],
            scan_field: Some("serial_number".into()),
        }
    }

    #[test]
    fn templates_are_checked_with_the_scan_field() {
        let mut fields = builtin_fields();
        fields.push(FieldDef {
            key: "custom.notes".into(),
            field_type: FieldType::MultiLineText,
        });
        assert_eq!(template().validate(&fields), Ok(()));
        let mut t = template();
        t.scan_field = Some("custom.notes".into());
        assert_eq!(
            t.validate(&fields),
            Err(TemplateError::ScanField(ScanFieldError::NotMatchable(
                "custom.notes".into()
            )))
        );
        let mut t = template();
        t.steps[1].id = 1;
        assert_eq!(t.validate(&fields), Err(TemplateError::Steps));
        let mut t = template();
        t.steps[1].kind = StepKind::Number {
            unit: "°C".into(),
            min: Some(5.0),
            max: Some(1.0),
        };
        assert_eq!(t.validate(&fields), Err(TemplateError::StepKind(2)));
    }

    #[test]
    fn values_fit_their_steps() {
        let steps = template().steps;
        assert_eq!(check_value(&steps[0].kind, &json!(true)), Ok(()));
        assert_eq!(
            check_value(&steps[0].kind, &json!("yes")),
            Err(StepValueError::Invalid)
        );
        assert_eq!(check_value(&steps[1].kind, &json!(7.5)), Ok(()));
        assert_eq!(
            check_value(&steps[1].kind, &json!(30)),
            Err(StepValueError::OutOfRange)
        );
        let choice = StepKind::MultiChoice {
            options: vec!["filter".into(), "belt".into()],
        };
        assert_eq!(check_value(&choice, &json!(["belt"])), Ok(()));
        assert!(check_value(&choice, &json!(["motor"])).is_err());
    }

    #[test]
    fn done_means_every_required_step_on_every_device() {
        let t = Template {
            id: 1,
            name: "x".into(),
            steps: template().steps,
            scan_field: None,
        };
        let results = vec![(10, 1), (10, 2), (11, 1)];
        assert!(!steps_done(&t, &[10, 11], &results));
        let results = vec![(10, 1), (10, 2), (11, 1), (11, 2)];
        assert!(steps_done(&t, &[10, 11], &results), "remarks are optional");
    }

    #[test]
    fn photos_and_signatures_are_uploaded_image_ids() {
        let id = "a".repeat(64);
        for kind in [StepKind::Photo, StepKind::Signature] {
            assert_eq!(check_value(&kind, &json!(id)), Ok(()));
            for bad in [
                json!("photo.jpg"),
                json!("A".repeat(64)),
                json!(""),
                json!(true),
            ] {
                assert!(check_value(&kind, &bad).is_err(), "{bad}");
            }
        }
        assert_eq!(photo_type(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(photo_type(&[0xff, 0xd8, 0xff, 0xe0]), Some("image/jpeg"));
        assert_eq!(photo_type(b"GIF89a"), None);
    }
}
