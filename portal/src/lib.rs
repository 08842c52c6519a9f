//! The visitor chat window (咨询窗口): a Leptos CSR app at
//! `/chat/{tenant}`, embeddable with `/chat/embed.js`. It speaks the
//! visitor protocol of [`fieldesk_core::chat`] over one WebSocket, keeps
//! the visitor token in local storage, and shows every text in the
//! conversation's language.

pub mod app;
pub mod connection;
pub mod i18n;
pub mod text;

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(app::App);
}
