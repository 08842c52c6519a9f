//! Fieldesk's domain: types and pure rules shared by the server, the app
//! shell and the UI.
//!
//! Invariant: no IO. This crate has no tokio, rusqlite, axum, tauri or
//! web-sys dependency and builds for `wasm32-unknown-unknown`
//! (`cargo xtask test` checks both).

pub mod api;
pub mod apply;
pub mod business_hours;
pub mod channel;
pub mod chat;
pub mod conversation_access;
pub mod device;
pub mod dispatch;
pub mod email;
pub mod endpoint;
pub mod error_code;
pub mod event;
pub mod group;
pub mod handoff;
pub mod hex;
pub mod i18n;
pub mod identity;
pub mod ipc;
pub mod knowledge;
pub mod layout;
pub mod locale;
pub mod login_throttle;
pub mod mall;
pub mod offline;
pub mod outbound;
pub mod password_policy;
pub mod quick_reply;
pub mod region;
pub mod role;
pub mod security;
pub mod session_policy;
pub mod standard_operation;
pub mod sync;
pub mod template;
pub mod transcript;
pub mod visit;
pub mod work_order;

pub use error_code::ErrorCode;
pub use locale::Locale;
pub use role::Role;
