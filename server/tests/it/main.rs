//! Integration tests: the real server binary on 127.0.0.1 with a real
//! SQLite file, driven over HTTP and WebSocket.

mod api;
mod chat;
mod cli;
mod dispatch;
mod field;
mod identity;
mod lifecycle;
mod live;
mod mail;
mod mall;
mod perimeter;
mod sessions;
mod sign_in;
mod transcript;
mod workbench;
mod ws;

/// The server binary under test.
fn bin() -> &'static std::path::Path {
    std::path::Path::new(env!("CARGO_BIN_EXE_fieldesk-server"))
}
