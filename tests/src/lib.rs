//! Harnesses on real parts, shared by the server's integration tests and
//! the end-to-end suite:
//! - [`server::TestServer`]: the real `fieldesk-server` binary on
//!   127.0.0.1 with a temporary SQLite data dir;
//! - [`chat::Visitor`] / [`chat::StaffEvents`]: chat clients over real
//!   WebSockets;
//! - [`browser::Browser`]: headless Chromium for the visitor chat window;
//! - [`mail`]: the loopback Postfix + Dovecot (accounts, customer mail in,
//!   a mailbox read back over IMAP);
//! - [`app::AppDriver`] / [`app::AppWindow`]: the real app window through
//!   tauri-driver + WebKitWebDriver, with find/action/check helpers.

pub mod app;
pub mod browser;
pub mod chat;
pub mod mail;
pub mod server;
