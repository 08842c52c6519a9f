//! The Fieldesk UI: a Leptos CSR app in the Tauri webview. It reaches the
//! device and the server only through the shell, via [`api`].

pub mod api;
pub mod chat;
pub mod dispatch;
pub mod field;
pub mod files;
pub mod i18n;
pub mod login;
pub mod mail;
pub mod mall;
pub mod security;
pub mod shell;
pub mod workbench;

use wasm_bindgen::prelude::wasm_bindgen;

#[wasm_bindgen(start)]
pub fn start() {
    leptos::mount::mount_to_body(shell::App);
}
