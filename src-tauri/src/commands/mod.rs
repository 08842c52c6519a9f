//! The IPC surface, one module per feature: thin `#[tauri::command]`s over
//! the use cases in [`crate::session`], [`crate::chat`], [`crate::field`],
//! [`crate::dispatch`], [`crate::workbench`], [`crate::mail`] and
//! [`crate::security`].
//! Errors cross as `{code, message}`.

pub mod chat;
pub mod dispatch;
pub mod field;
pub mod mail;
pub mod mall;
pub mod security;
pub mod session;
pub mod workbench;
