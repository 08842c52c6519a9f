//! The visitor chat window (咨询窗口): a Leptos CSR app at
//! `/chat/{tenant}`, embeddable with `/chat/embed.js`. It speaks the
//! visitor protocol of [`fieldesk_core::chat`] over one WebSocket, keeps
//! the visitor token in local storage, and shows every text in the
//! conversation's language. At `/shop/{tenant}` the same bundle is the
//! customer portal's parts mall ([`shop`]).

pub mod app;
pub mod connection;
pub mod i18n;
pub mod shop;
pub mod storage;
pub mod text;

/// The page's tenant: the last part of `/chat/{tenant}` or `/shop/{tenant}`.
pub fn page_tenant() -> String {
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}

/// A WebSocket URL of this server for `path` (`/api/…`), `wss` on https.
pub fn socket_url(path: &str) -> String {
    let loc = web_sys::window().expect("a window").location();
    let scheme = if loc.protocol().unwrap_or_default() == "https:" {
        "wss"
    } else {
        "ws"
    };
    format!("{scheme}://{}{path}", loc.host().unwrap_or_default())
}

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    let path = web_sys::window()
        .and_then(|w| w.location().pathname().ok())
        .unwrap_or_default();
    if path.starts_with("/shop/") {
        leptos::mount::mount_to_body(shop::ShopApp);
    } else {
        leptos::mount::mount_to_body(app::App);
    }
}
