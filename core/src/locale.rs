//! The three languages Fieldesk speaks, and the negotiation that maps any
//! requested language tag onto one of them.

use serde::{Deserialize, Serialize};

/// A supported UI and message language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Locale {
    /// Simplified Chinese, the default.
    #[default]
    #[serde(rename = "zh-CN")]
    ZhCn,
    /// Traditional Chinese.
    #[serde(rename = "zh-TW")]
    ZhTw,
    /// English.
    #[serde(rename = "en")]
    En,
}

impl Locale {
    /// The Fluent key of the language's own name (`简体中文`, `English`…).
    pub fn name_key(self) -> &'static str {
        match self {
            Locale::ZhCn => "language-zh-CN",
            Locale::ZhTw => "language-zh-TW",
            Locale::En => "language-en",
        }
    }

    /// Every supported locale, default first.
    pub const ALL: [Locale; 3] = [Locale::ZhCn, Locale::ZhTw, Locale::En];

    /// The BCP 47 tag used in `locales/<tag>/`, `<html lang>` and the API.
    pub fn tag(self) -> &'static str {
        match self {
            Locale::ZhCn => "zh-CN",
            Locale::ZhTw => "zh-TW",
            Locale::En => "en",
        }
    }

    /// Maps a requested language tag onto a supported locale.
    ///
    /// Accepts `_` or `-` separators in any case, script subtags
    /// (`zh-Hans`, `zh-Hant`) and regions (`zh-HK`, `en-US`). Anything
    /// unknown, empty or malformed maps to the default, Simplified Chinese.
    pub fn negotiate(requested: &str) -> Locale {
        Self::try_negotiate(requested).unwrap_or_default()
    }

    /// Like [`Locale::negotiate`] but says `None` when nothing matches, so a
    /// caller can try the next candidate (e.g. in `Accept-Language`).
    pub fn try_negotiate(requested: &str) -> Option<Locale> {
        let normalized = requested.trim().replace('_', "-").to_ascii_lowercase();
        let mut parts = normalized.split('-').filter(|p| !p.is_empty());
        let language = parts.next()?;
        let rest: Vec<&str> = parts.collect();
        match language {
            "en" => Some(Locale::En),
            "zh" => {
                let traditional = rest
                    .iter()
                    .any(|p| matches!(*p, "hant" | "tw" | "hk" | "mo"));
                Some(if traditional {
                    Locale::ZhTw
                } else {
                    Locale::ZhCn
                })
            }
            _ => None,
        }
    }

    /// Picks the best locale from an HTTP `Accept-Language` header, in the
    /// order of its quality values; the default when nothing matches.
    pub fn from_accept_language(header: &str) -> Locale {
        let mut candidates: Vec<(f32, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, item)| {
                let mut fields = item.split(';');
                let tag = fields.next()?.trim();
                let q = fields
                    .find_map(|f| f.trim().strip_prefix("q="))
                    .and_then(|q| q.parse::<f32>().ok())
                    .unwrap_or(1.0);
                (q > 0.0).then_some((q, i, tag))
            })
            .collect();
        candidates.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        candidates
            .into_iter()
            .find_map(|(_, _, tag)| Self::try_negotiate(tag))
            .unwrap_or_default()
    }
}

impl std::fmt::Display for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.tag())
    }
}

#[cfg(test)]
mod tests {
    use super::Locale::{self, *};

    #[test]
    fn negotiates_requested_tags() {
        let cases = [
            ("zh-CN", ZhCn),
            ("zh_cn", ZhCn),
            ("ZH-cn", ZhCn),
            ("zh", ZhCn),
            ("zh-Hans", ZhCn),
            ("zh-Hans-CN", ZhCn),
            ("zh-SG", ZhCn),
            ("zh-TW", ZhTw),
            ("zh_tw", ZhTw),
            ("zh-Hant", ZhTw),
            ("zh-Hant-TW", ZhTw),
            ("zh-HK", ZhTw),
            ("zh-MO", ZhTw),
            ("en", En),
            ("en-US", En),
            ("en_GB", En),
            ("EN", En),
        ];
        for (tag, expected) in cases {
            assert_eq!(Locale::negotiate(tag), expected, "tag {tag:?}");
        }
    }

    #[test]
    fn unknown_or_garbage_falls_back_to_simplified_chinese() {
        for tag in [
            "",
            "   ",
            "-",
            "fr",
            "de-DE",
            "ja",
            "garbage!!",
            "zz-Hant",
            "e",
            "english",
        ] {
            assert_eq!(Locale::negotiate(tag), ZhCn, "tag {tag:?}");
            assert_eq!(Locale::try_negotiate(tag), None, "tag {tag:?}");
        }
    }

    #[test]
    fn tags_round_trip() {
        for locale in Locale::ALL {
            assert_eq!(Locale::negotiate(locale.tag()), locale);
            let json = serde_json::to_string(&locale).unwrap();
            assert_eq!(json, format!("\"{}\"", locale.tag()));
            assert_eq!(serde_json::from_str::<Locale>(&json).unwrap(), locale);
        }
    }

    #[test]
    fn accept_language_respects_quality_and_skips_unknown() {
        assert_eq!(
            Locale::from_accept_language("fr-FR, en;q=0.8, zh-TW;q=0.9"),
            ZhTw
        );
        assert_eq!(Locale::from_accept_language("en-US,en;q=0.9"), En);
        assert_eq!(Locale::from_accept_language("de, fr;q=0.5"), ZhCn);
        assert_eq!(Locale::from_accept_language("en;q=0, zh-HK"), ZhTw);
        assert_eq!(Locale::from_accept_language(""), ZhCn);
    }
}
