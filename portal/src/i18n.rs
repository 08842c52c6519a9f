//! The window's language: follows the conversation's language as the
//! server confirms it; `<html lang>` follows too.

use std::sync::Arc;

use fieldesk_core::Locale;
use fieldesk_core::i18n::{Catalog, FluentArgs};
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct I18n {
    pub locale: RwSignal<Locale>,
    catalog: StoredValue<Arc<Catalog>>,
}

impl I18n {
    /// In `first` from the first paint (the negotiated guess: the
    /// visitor's earlier choice, the site's `lang`, the browser's), until
    /// the server confirms the conversation's language.
    pub fn new(first: Locale) -> Self {
        let i18n = I18n {
            locale: RwSignal::new(first),
            catalog: StoredValue::new(Arc::new(Catalog::new())),
        };
        Effect::new(move |_| {
            if let Some(root) = document().document_element() {
                let _ = root.set_attribute("lang", i18n.locale.get().tag());
            }
        });
        i18n
    }

    /// The message `key` in the current language (reactive).
    pub fn t(&self, key: &str) -> String {
        let locale = self.locale.get();
        self.catalog.with_value(|c| c.message(locale, key))
    }

    /// The message `key` now, outside any reactive scope.
    pub fn t_untracked(&self, key: &str) -> String {
        let locale = self.locale.get_untracked();
        self.catalog.with_value(|c| c.message(locale, key))
    }

    pub fn t_with(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let locale = self.locale.get();
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, value.clone());
        }
        self.catalog
            .with_value(|c| c.message_args(locale, key, Some(&fluent)))
    }
}
