//! Look and keyboard: light or dark theme and comfortable or compact
//! density (kept in this window's local storage, applied as
//! `data-theme` / `data-density` on `<html>`, which the CSS variables
//! follow), and the keyboard shortcuts with their help overlay (`?` or
//! Ctrl+/).

use leptos::prelude::*;

use crate::i18n::{tr, use_i18n};

/// The shortcuts, as (keys, message key); the handlers live with the
/// components they act on.
pub const SHORTCUTS: [(&str, &str); 10] = [
    ("? · Ctrl+/", "shortcut-help"),
    ("Alt+1 … Alt+9", "shortcut-views"),
    ("Alt+↑ · Alt+↓", "shortcut-conversations"),
    ("Alt+R", "shortcut-reply"),
    ("/", "shortcut-slash"),
    ("↑ · ↓ · Enter", "shortcut-suggestions"),
    ("Esc", "shortcut-escape"),
    ("Alt+Q", "shortcut-quick-replies"),
    ("Alt+E", "shortcut-emoji"),
    ("Alt+T", "shortcut-theme"),
];

fn storage() -> Option<web_sys::Storage> {
    window().local_storage().ok().flatten()
}

fn stored(key: &str) -> Option<String> {
    storage()?.get_item(key).ok().flatten()
}

fn apply(name: &str, value: &str) {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute(name, value);
    }
}

#[derive(Clone, Copy)]
pub struct Prefs {
    pub theme: RwSignal<&'static str>,
    pub density: RwSignal<&'static str>,
    pub help: RwSignal<bool>,
}

impl Prefs {
    pub fn provide() -> Prefs {
        let dark_by_default = window()
            .match_media("(prefers-color-scheme: dark)")
            .ok()
            .flatten()
            .is_some_and(|m| m.matches());
        let theme = match stored("fieldesk.theme").as_deref() {
            Some("dark") => "dark",
            Some("light") => "light",
            _ if dark_by_default => "dark",
            _ => "light",
        };
        let density = match stored("fieldesk.density").as_deref() {
            Some("compact") => "compact",
            _ => "comfortable",
        };
        let prefs = Prefs {
            theme: RwSignal::new(theme),
            density: RwSignal::new(density),
            help: RwSignal::new(false),
        };
        Effect::new(move |_| {
            let theme = prefs.theme.get();
            apply("data-theme", theme);
            if let Some(s) = storage() {
                let _ = s.set_item("fieldesk.theme", theme);
            }
        });
        Effect::new(move |_| {
            let density = prefs.density.get();
            apply("data-density", density);
            if let Some(s) = storage() {
                let _ = s.set_item("fieldesk.density", density);
            }
        });
        let handle = window_event_listener(leptos::ev::keydown, move |ev| {
            let typing = ev
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .is_some_and(|e| matches!(e.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT"));
            let help = (ev.key() == "?" && !typing) || (ev.ctrl_key() && ev.key() == "/");
            if help {
                ev.prevent_default();
                prefs.help.update(|h| *h = !*h);
            } else if ev.key() == "Escape" && prefs.help.get_untracked() {
                prefs.help.set(false);
            } else if ev.alt_key() && ev.code() == "KeyT" {
                ev.prevent_default();
                prefs.toggle_theme();
            }
        });
        on_cleanup(move || handle.remove());
        prefs
    }

    pub fn toggle_theme(self) {
        self.theme
            .update(|t| *t = if *t == "dark" { "light" } else { "dark" });
    }
}

/// The theme and density switches and the shortcuts button (top bar).
#[component]
pub fn PrefsControls(prefs: Prefs) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <button class="secondary icon" data-testid="theme-toggle"
            aria-label=move || i18n.t("workbench-theme")
            title=move || i18n.t("workbench-theme")
            aria-pressed=move || (prefs.theme.get() == "dark").to_string()
            on:click=move |_| prefs.toggle_theme()>
            {move || if prefs.theme.get() == "dark" { "☀" } else { "☾" }}
        </button>
        <select data-testid="density" aria-label=move || i18n.t("workbench-density")
            on:change=move |ev| prefs.density.set(if event_target_value(&ev) == "compact" { "compact" } else { "comfortable" })>
            <option value="comfortable" selected=move || prefs.density.get() == "comfortable">{tr("workbench-density-comfortable")}</option>
            <option value="compact" selected=move || prefs.density.get() == "compact">{tr("workbench-density-compact")}</option>
        </select>
        <button class="secondary icon" data-testid="shortcuts-button"
            aria-label=move || i18n.t("workbench-shortcuts") title=move || i18n.t("workbench-shortcuts")
            on:click=move |_| prefs.help.set(true)>"?"</button>
    }
}

/// The keyboard shortcuts, listed.
#[component]
pub fn ShortcutsHelp(prefs: Prefs) -> impl IntoView {
    let i18n = use_i18n();
    view! {
        <Show when=move || prefs.help.get()>
            <div class="overlay" on:click=move |_| prefs.help.set(false)>
                <div class="dialog" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title"
                    data-testid="shortcuts-help" on:click=|ev| ev.stop_propagation()>
                    <div class="panel-head">
                        <h2 id="shortcuts-title">{tr("workbench-shortcuts")}</h2>
                        <button class="secondary icon" aria-label=move || i18n.t("close")
                            on:click=move |_| prefs.help.set(false)>"×"</button>
                    </div>
                    <table class="shortcuts">
                        <tbody>
                            {SHORTCUTS.into_iter().map(|(keys, key)| view! {
                                <tr><td><kbd>{keys}</kbd></td><td>{tr(key)}</td></tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </div>
            </div>
        </Show>
    }
}

#[cfg(test)]
mod tests {
    /// The variables of the first CSS block that starts with `selector`.
    fn tokens(css: &str, selector: &str) -> Vec<(String, String)> {
        let start = css.find(selector).expect("the block exists");
        let block = &css[start..start + css[start..].find('}').expect("the block ends")];
        block
            .lines()
            .filter_map(|l| {
                let (name, value) = l.trim().strip_prefix("--")?.split_once(':')?;
                Some((
                    name.to_owned(),
                    value.trim().trim_end_matches(';').to_owned(),
                ))
            })
            .collect()
    }

    fn luminance(hex: &str) -> f64 {
        let hex = hex.trim_start_matches('#');
        let channel = |i: usize| {
            let c =
                f64::from(u8::from_str_radix(&hex[i..i + 2], 16).expect("a hex colour")) / 255.0;
            if c <= 0.039_28 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        };
        0.2126 * channel(0) + 0.7152 * channel(2) + 0.0722 * channel(4)
    }

    fn contrast(a: &str, b: &str) -> f64 {
        let (la, lb) = (luminance(a), luminance(b));
        (la.max(lb) + 0.05) / (la.min(lb) + 0.05)
    }

    /// Text colours on the backgrounds they are used on meet WCAG AA
    /// (4.5:1) in both themes.
    #[test]
    fn both_themes_meet_wcag_aa_contrast() {
        let css = include_str!("../../style.css");
        let light = tokens(css, ":root {");
        let dark = tokens(css, ":root[data-theme=\"dark\"] {");
        let pairs = [
            ("ink", "panel"),
            ("ink", "bg"),
            ("ink", "field"),
            ("ink", "brand-soft"),
            ("muted", "panel"),
            ("muted", "bg"),
            ("muted", "brand-soft"),
            ("brand", "panel"),
            ("brand-ink", "brand"),
            ("accent-ink", "accent"),
            ("danger", "danger-bg"),
            ("danger", "panel"),
            ("ok", "panel"),
            ("ink", "warn-bg"),
        ];
        for (theme, own) in [("light", &light), ("dark", &dark)] {
            let get = |name: &str| {
                own.iter()
                    .chain(light.iter())
                    .find(|(n, _)| n == name)
                    .map(|(_, v)| v.clone())
                    .unwrap_or_else(|| panic!("--{name} in {theme}"))
            };
            for (fg, bg) in pairs {
                let ratio = contrast(&get(fg), &get(bg));
                assert!(ratio >= 4.5, "{theme}: --{fg} on --{bg} is {ratio:.2}:1");
            }
        }
    }
}
