//! Builds the Leptos UI without trunk: cargo for wasm32, then the
//! wasm-bindgen CLI, then the static files, into `ui/dist`.

use std::process::Command;

use crate::shell::{self, step};

pub fn build() -> anyhow::Result<()> {
    step("ui: wasm build");
    shell::cargo(&[
        "build",
        "-p",
        "fieldesk-ui",
        "--target",
        "wasm32-unknown-unknown",
        "--release",
    ])?;
    let dist = std::path::Path::new("ui/dist");
    if dist.exists() {
        std::fs::remove_dir_all(dist)?;
    }
    shell::run(Command::new("wasm-bindgen").args([
        "--target",
        "web",
        "--no-typescript",
        "--out-dir",
        "ui/dist",
        "--out-name",
        "ui",
        "target/wasm32-unknown-unknown/release/fieldesk_ui.wasm",
    ]))?;
    for file in ["index.html", "main.js", "style.css"] {
        std::fs::copy(format!("ui/{file}"), dist.join(file))?;
    }
    let wasm = std::fs::metadata(dist.join("ui_bg.wasm"))?.len();
    println!("ui/dist ready (ui_bg.wasm: {} KiB)", wasm / 1024);
    Ok(())
}
