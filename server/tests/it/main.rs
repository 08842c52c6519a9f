//! Integration tests: the real server binary on 127.0.0.1 with a real
//! SQLite file, driven over HTTP and WebSocket.

mod api;
mod cli;
mod common;
mod ws;
