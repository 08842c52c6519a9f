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
