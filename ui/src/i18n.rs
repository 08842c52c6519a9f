//! The UI's language: a reactive locale over the shared Fluent catalog,
//! provided as context. `<html lang>` follows it.

use std::sync::Arc;

use fieldesk_core::Locale;
use fieldesk_core::i18n::Catalog;
use leptos::prelude::*;

#[derive(Clone, Copy)]
pub struct I18n {
    pub locale: RwSignal<Locale>,
    catalog: StoredValue<Arc<Catalog>>,
}

impl I18n {
    /// The message `key` in the current locale (reactive).
    pub fn t(&self, key: &str) -> String {
        let locale = self.locale.get();
        self.catalog.with_value(|c| c.message(locale, key))
    }

    /// The message `key` with named arguments (reactive).
    pub fn t_args(&self, key: &str, args: &[(&'static str, String)]) -> String {
        let locale = self.locale.get();
        let mut fluent = fieldesk_core::i18n::FluentArgs::new();
        for (name, value) in args {
            fluent.set(*name, value.clone());
        }
        self.catalog
            .with_value(|c| c.message_args(locale, key, Some(&fluent)))
    }

    /// The message `key` with one named argument (reactive).
    pub fn t_with(&self, key: &str, name: &'static str, value: String) -> String {
        let locale = self.locale.get();
        let mut args = fieldesk_core::i18n::FluentArgs::new();
        args.set(name, value);
        self.catalog
            .with_value(|c| c.message_args(locale, key, Some(&args)))
    }
}

/// Creates the language context and keeps `<html lang>` in step.
pub fn provide_i18n() -> I18n {
    let i18n = I18n {
        locale: RwSignal::new(Locale::default()),
        catalog: StoredValue::new(Arc::new(Catalog::new())),
    };
    provide_context(i18n);
    Effect::new(move |_| {
        let tag = i18n.locale.get().tag();
        if let Some(root) = document().document_element() {
            let _ = root.set_attribute("lang", tag);
        }
    });
    i18n
}

pub fn use_i18n() -> I18n {
    expect_context::<I18n>()
}

/// A reactive text for `key`, for use in `view!`.
pub fn tr(key: &'static str) -> impl Fn() -> String + Copy + Send + Sync + 'static {
    let i18n = use_i18n();
    move || i18n.t(key)
}

/// What to tell the user of a failed command: the server's own message
/// when it lists details (what a group lacks, why a rule, layout or quick
/// reply cannot be saved), else the code's.
pub fn error_text(i18n: I18n, e: &crate::api::IpcError) -> String {
    use fieldesk_core::ErrorCode::*;
    let detailed = matches!(
        e.code,
        MissingSkills | InvalidRule | InvalidLayout | InvalidQuickReply
    );
    if detailed && !e.message.is_empty() {
        e.message.clone()
    } else {
        i18n.t(e.code.message_key())
    }
}

/// "2026-12-01 14:05" in the viewer's local time, from Unix seconds.
pub fn when(at: i64) -> String {
    let d = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(at as f64 * 1000.0));
    format!(
        "{}-{:02}-{:02} {:02}:{:02}",
        d.get_full_year(),
        d.get_month() + 1,
        d.get_date(),
        d.get_hours(),
        d.get_minutes()
    )
}
