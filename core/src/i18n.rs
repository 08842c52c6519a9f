//! Localized messages from the Fluent files in `locales/`, compiled in so
//! that the server, the app and the UI all speak from the same source.

pub use fluent_bundle::FluentArgs;
use fluent_bundle::FluentResource;
use fluent_bundle::concurrent::FluentBundle;

use crate::Locale;

/// The Fluent sources, per locale, embedded at build time.
pub const SOURCES: [(Locale, &str); 3] = [
    (
        Locale::ZhCn,
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../locales/zh-CN/fieldesk.ftl"
        )),
    ),
    (
        Locale::ZhTw,
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../locales/zh-TW/fieldesk.ftl"
        )),
    ),
    (
        Locale::En,
        include_str!(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../locales/en/fieldesk.ftl"
        )),
    ),
];

/// All messages in all supported locales.
pub struct Catalog {
    bundles: Vec<(Locale, FluentBundle<FluentResource>)>,
}

impl Default for Catalog {
    fn default() -> Self {
        Self::new()
    }
}

impl Catalog {
    /// Builds the catalog from the embedded sources.
    ///
    /// # Panics
    /// If an embedded Fluent file does not parse; the unit tests below and
    /// `cargo xtask test` make sure none ships that way.
    pub fn new() -> Self {
        let bundles = SOURCES
            .iter()
            .map(|(locale, source)| {
                let resource = FluentResource::try_new((*source).to_owned())
                    .unwrap_or_else(|(_, errors)| panic!("locales/{locale}: {errors:?}"));
                let langid = locale.tag().parse().expect("supported tags are valid");
                let mut bundle = FluentBundle::new_concurrent(vec![langid]);
                // Isolation marks would leak into plain-text places (window
                // titles, test assertions); our arguments are short names.
                bundle.set_use_isolating(false);
                bundle
                    .add_resource(resource)
                    .unwrap_or_else(|errors| panic!("locales/{locale}: {errors:?}"));
                (*locale, bundle)
            })
            .collect();
        Catalog { bundles }
    }

    fn bundle(&self, locale: Locale) -> &FluentBundle<FluentResource> {
        &self
            .bundles
            .iter()
            .find(|(l, _)| *l == locale)
            .expect("every supported locale has a bundle")
            .1
    }

    /// The message `key` in `locale`.
    pub fn message(&self, locale: Locale, key: &str) -> String {
        self.message_args(locale, key, None)
    }

    /// The message `key` in `locale` with arguments. Falls back to the
    /// default locale, then to the key itself, so a missing message is
    /// visible rather than fatal.
    pub fn message_args(&self, locale: Locale, key: &str, args: Option<&FluentArgs>) -> String {
        [locale, Locale::default()]
            .into_iter()
            .find_map(|l| {
                let bundle = self.bundle(l);
                let pattern = bundle.get_message(key)?.value()?;
                let mut errors = vec![];
                Some(
                    bundle
                        .format_pattern(pattern, args, &mut errors)
                        .into_owned(),
                )
            })
            .unwrap_or_else(|| key.to_owned())
    }

    /// Whether `key` exists in `locale`.
    pub fn has(&self, locale: Locale, key: &str) -> bool {
        self.bundle(locale).has_message(key)
    }
}

/// The message ids defined in one Fluent source, in file order.
pub fn message_ids(source: &str) -> Vec<String> {
    let resource = match FluentResource::try_new(source.to_owned()) {
        Ok(r) => r,
        Err((r, _)) => r,
    };
    resource
        .entries()
        .filter_map(|entry| match entry {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{ErrorCode, Role};

    #[test]
    fn every_locale_parses_and_has_the_same_keys() {
        let mut key_sets = SOURCES.iter().map(|(locale, source)| {
            FluentResource::try_new((*source).to_owned())
                .unwrap_or_else(|(_, e)| panic!("{locale}: {e:?}"));
            let mut ids = message_ids(source);
            ids.sort();
            (locale, ids)
        });
        let (first_locale, first) = key_sets.next().unwrap();
        for (locale, ids) in key_sets {
            assert_eq!(ids, first, "{locale} and {first_locale} differ");
        }
    }

    #[test]
    fn every_error_code_role_and_status_has_a_message() {
        let catalog = Catalog::new();
        for locale in Locale::ALL {
            for code in ErrorCode::ALL {
                assert!(catalog.has(locale, code.message_key()), "{locale}: {code}");
            }
            for role in Role::ALL {
                assert!(catalog.has(locale, role.message_key()), "{locale}: {role}");
            }
            for status in crate::work_order::WorkOrderStatus::ALL {
                assert!(
                    catalog.has(locale, status.message_key()),
                    "{locale}: {status:?}"
                );
            }
        }
    }

    #[test]
    fn messages_differ_by_locale_and_take_arguments() {
        let catalog = Catalog::new();
        let en = catalog.message(Locale::En, "logout");
        let cn = catalog.message(Locale::ZhCn, "logout");
        let tw = catalog.message(Locale::ZhTw, "logout");
        assert_eq!(en, "Log out");
        assert_ne!(en, cn);
        assert_ne!(cn, tw);
        let mut args = FluentArgs::new();
        args.set("name", "Li Lei");
        assert_eq!(
            catalog.message_args(Locale::En, "workbench-welcome", Some(&args)),
            "Welcome, Li Lei"
        );
    }

    #[test]
    fn unknown_key_shows_the_key() {
        assert_eq!(
            Catalog::new().message(Locale::En, "no-such-key"),
            "no-such-key"
        );
    }
}
