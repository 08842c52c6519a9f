//! Installs what the build and the tests need on Debian 12: system
//! packages (when root, else prints the apt-get line), the wasm target,
//! wasm-bindgen-cli at the version in Cargo.lock, tauri-driver, and the
//! loopback mail server (`mail.rs`) and a throwaway PostgreSQL cluster
//! (`postgres.rs`).

use std::process::Command;

use anyhow::{Context, bail};

use crate::shell::{self, output, step};

/// Debian packages: WebKitGTK and GTK for Tauri, the WebDriver, a virtual
/// display, a session bus and a keychain for headless runs, a CJK font.
pub const PACKAGES: &[&str] = &[
    "build-essential",
    "pkg-config",
    "libwebkit2gtk-4.1-dev",
    "libgtk-3-dev",
    "librsvg2-dev",
    "libayatana-appindicator3-dev",
    "libsoup-3.0-dev",
    "libxdo-dev",
    "libdbus-1-dev",
    "webkit2gtk-driver",
    "xvfb",
    "xauth",
    "dbus-x11",
    "gnome-keyring",
    "fonts-wqy-microhei",
    "chromium",
    "chromium-driver",
];

const TAURI_DRIVER_VERSION: &str = "2.1.0";

pub fn installed(package: &str) -> bool {
    output("dpkg-query", &["-W", "-f=${Status}", package])
        .is_some_and(|s| s.contains("install ok installed"))
}

pub fn is_root() -> bool {
    output("id", &["-u"]).is_some_and(|s| s.trim() == "0")
}

/// Installs Debian packages (as root; else says what to run).
pub fn install(packages: &[&str]) -> anyhow::Result<()> {
    if !is_root() {
        bail!(
            "missing system packages; run:\n  sudo apt-get update && sudo apt-get install -y --no-install-recommends {}",
            packages.join(" ")
        );
    }
    shell::run(Command::new("apt-get").args(["update", "-qq"]))?;
    shell::run(
        Command::new("apt-get")
            .env("DEBIAN_FRONTEND", "noninteractive")
            .args(["install", "-y", "-qq", "--no-install-recommends"])
            .args(packages),
    )
}

pub fn setup() -> anyhow::Result<()> {
    step("setup: system packages");
    let missing: Vec<&str> = PACKAGES.iter().copied().filter(|p| !installed(p)).collect();
    if missing.is_empty() {
        println!("all {} packages present", PACKAGES.len());
    } else {
        install(&missing)?;
    }

    step("setup: wasm target");
    let targets = output("rustup", &["target", "list", "--installed"]).unwrap_or_default();
    if targets
        .lines()
        .any(|t| t.trim() == "wasm32-unknown-unknown")
    {
        println!("wasm32-unknown-unknown present");
    } else {
        shell::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))?;
    }

    step("setup: wasm-bindgen-cli");
    let wanted = locked_version("wasm-bindgen")?;
    let have = output("wasm-bindgen", &["--version"]).unwrap_or_default();
    if have.split_whitespace().nth(1) == Some(wanted.as_str()) {
        println!("wasm-bindgen {wanted} present");
    } else {
        // Not --locked: one of its locked dependencies is gone from crates.io.
        shell::cargo(&[
            "install",
            "wasm-bindgen-cli",
            "--version",
            &wanted,
            "--force",
        ])?;
    }

    step("setup: tauri-driver");
    // tauri-driver has no --version; cargo knows what it installed.
    let installed = output(env!("CARGO"), &["install", "--list"]).unwrap_or_default();
    let on_path = output("which", &["tauri-driver"]).is_some();
    if on_path && installed.contains(&format!("tauri-driver v{TAURI_DRIVER_VERSION}:")) {
        println!("tauri-driver {TAURI_DRIVER_VERSION} present");
    } else {
        shell::cargo(&[
            "install",
            "tauri-driver",
            "--version",
            TAURI_DRIVER_VERSION,
            "--locked",
            "--force",
        ])?;
    }

    step("setup: mail server (Postfix + Dovecot on loopback)");
    crate::mail::ensure()?;
    step("setup: PostgreSQL (a throwaway cluster on loopback)");
    crate::postgres::ensure()?;
    Ok(())
}

/// The version of `package` in Cargo.lock.
pub fn locked_version(package: &str) -> anyhow::Result<String> {
    let lock = std::fs::read_to_string("Cargo.lock").context("reading Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == format!("name = \"{package}\"")
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = "))
        {
            return Ok(version.trim_matches('"').to_owned());
        }
    }
    bail!("{package} is not in Cargo.lock")
}
