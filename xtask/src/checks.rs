//! `cargo xtask test`: every check CI runs, in order, failing fast.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};
use fieldesk_core::Locale;
use fieldesk_core::i18n::message_ids;

use crate::shell::{self, cargo, step};
use crate::{setup, ui};

pub fn test() -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    setup::setup()?;
    step("format");
    cargo(&["fmt", "--all", "--check"])?;
    step("translations");
    translations()?;
    ui::build()?;
    step("clippy (host)");
    cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--",
        "-D",
        "warnings",
    ])?;
    step("clippy (ui and chat window on wasm32)");
    cargo(&[
        "clippy",
        "-p",
        "fieldesk-ui",
        "-p",
        "fieldesk-portal",
        "--target",
        "wasm32-unknown-unknown",
        "--",
        "-D",
        "warnings",
    ])?;
    step("core builds for wasm32");
    cargo(&[
        "build",
        "-p",
        "fieldesk-core",
        "--target",
        "wasm32-unknown-unknown",
    ])?;
    step("boundaries");
    boundaries()?;
    step("unit and integration tests");
    // The e2e runner runs below, under Xvfb; here it only says it is left out.
    crate::shell::run(
        std::process::Command::new(env!("CARGO"))
            .args(["test", "--workspace"])
            .env("FIELDESK_E2E_SKIP", "1")
            .env("FIELDESK_TEST_POSTGRES", crate::postgres::url()),
    )?;
    step("server integration tests on PostgreSQL");
    // The same tests, each server on a fresh PostgreSQL database. One is
    // SQLite's own: it breaks writes with SQLite triggers to prove a
    // dispatch is one transaction (the store contract proves that on both).
    crate::shell::run(
        std::process::Command::new(env!("CARGO"))
            .args(["test", "-p", "fieldesk-server", "--test", "it", "--"])
            .args([
                "--skip",
                "dispatch::a_dispatch_that_fails_midway_leaves_the_order_as_it_was",
            ])
            .env("FIELDESK_IT_POSTGRES", crate::postgres::url()),
    )?;
    step("OpenAPI contract (schemathesis against the real server)");
    crate::contract::check()?;
    e2e(&[], &[])?;
    println!(
        "\nall checks passed in {:.0} s",
        started.elapsed().as_secs_f32()
    );
    Ok(())
}

/// Starts an unlocked gnome-keyring on the session bus and waits until it
/// serves `org.freedesktop.secrets`. `--unlock` can return before the
/// daemon owns the name; a request then meets a second, D-Bus-activated
/// daemon whose keyring is locked (and cannot prompt without a display),
/// and every sign-in of the run fails. So: up to 3 starts, each given 5 s
/// to own the name; otherwise the suite does not start. The daemon has
/// also been seen to leave the bus mid-run (then the next sign-in
/// activates a locked one): a watchdog starts it again, unlocked, within
/// 0.2 s, and ends with the session bus.
const UNLOCKED_KEYRING: &str = "\
    owned() { dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
        org.freedesktop.DBus.NameHasOwner string:org.freedesktop.secrets 2>/dev/null | grep -q 'boolean true'; }; \
    ready=no; \
    for attempt in 1 2 3; do \
        echo -n fieldesk | gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null; \
        for tick in $(seq 50); do if owned; then ready=yes; break; fi; sleep 0.1; done; \
        [ $ready = yes ] && break; \
        echo \"keyring: not on the bus yet, starting it again\" >&2; \
    done; \
    [ $ready = yes ] || { echo 'keyring: gnome-keyring-daemon never served org.freedesktop.secrets' >&2; exit 1; }; \
    ( while sleep 0.2; do \
        dbus-send --session --print-reply --dest=org.freedesktop.DBus /org/freedesktop/DBus \
            org.freedesktop.DBus.GetId >/dev/null 2>&1 || exit 0; \
        owned || { echo -n fieldesk | gnome-keyring-daemon --replace --unlock --components=secrets >/dev/null; \
            echo 'keyring: it left the bus; started again, unlocked' >&2; }; \
    done ) &";

/// Builds the app and the server and runs the WebDriver suite inside a
/// private session bus (with an unlocked gnome-keyring for the tokens) and
/// a virtual display.
pub fn e2e(filter: &[String], env: &[(&str, &str)]) -> anyhow::Result<()> {
    step("end-to-end (tauri-driver + WebKitWebDriver under Xvfb)");
    // The same package set and targets as `cargo test --workspace`, so the
    // features unify the same way and nothing is built twice.
    cargo(&["build", "--workspace", "--all-targets"])?;
    let target = shell::root().join("target/debug");
    // A private, empty keyring dir: the suite never meets a keyring left
    // locked by another password (or a person's own).
    let keyring_home = shell::root().join("target/e2e-keyring");
    if keyring_home.exists() {
        std::fs::remove_dir_all(&keyring_home)?;
    }
    std::fs::create_dir_all(&keyring_home)?;
    let e2e_binary = e2e_executable()?;
    let script = format!(
        "{keyring} \
         exec xvfb-run -a --server-args='-screen 0 1280x960x24' \"{binary}\" {filter}",
        keyring = UNLOCKED_KEYRING,
        binary = e2e_binary.display(),
        filter = filter.join(" "),
    );
    shell::run(
        Command::new("dbus-run-session")
            .args(["--", "sh", "-c", &script])
            .env("FIELDESK_E2E_APP", target.join("fieldesk-app"))
            .env("FIELDESK_E2E_SERVER", target.join("fieldesk-server"))
            .env("XDG_DATA_HOME", &keyring_home)
            .env("NO_AT_BRIDGE", "1")
            .envs(env.iter().copied()),
    )
}

/// The e2e test binary as `cargo test --workspace` builds it (asking with
/// any other package selection would unify features differently and
/// rebuild half the workspace).
fn e2e_executable() -> anyhow::Result<PathBuf> {
    let out = Command::new(env!("CARGO"))
        .args(["test", "--workspace", "--no-run", "--message-format=json"])
        .stderr(std::process::Stdio::inherit())
        .output()?;
    if !out.status.success() {
        bail!("cargo test --no-run failed");
    }
    for line in String::from_utf8(out.stdout)?.lines() {
        let Ok(message) = serde_json::from_str::<serde_json::Value>(line) else {
            continue;
        };
        if message["target"]["name"] == "e2e"
            && let Some(exe) = message["executable"].as_str()
        {
            return Ok(PathBuf::from(exe));
        }
    }
    bail!("cargo did not report the e2e test binary")
}

/// What each crate must never depend on (normal dependencies, any
/// features): `core` stays pure; the UI and the chat window talk to the
/// server only over the wire; the app shell does not link the server.
const FORBIDDEN: &[(&str, &[&str])] = &[
    (
        "fieldesk-core",
        &[
            "tokio", "rusqlite", "axum", "tauri", "web-sys", "reqwest", "hyper", "mio", "keyring",
        ],
    ),
    (
        "fieldesk-ui",
        &["fieldesk-server", "fieldesk-app", "rusqlite", "tokio"],
    ),
    (
        "fieldesk-portal",
        &["fieldesk-server", "fieldesk-app", "rusqlite", "tokio"],
    ),
    ("fieldesk-app", &["fieldesk-server", "fieldesk-ui", "axum"]),
];

fn boundaries() -> anyhow::Result<()> {
    for (krate, forbidden) in FORBIDDEN {
        for features in [&[][..], &["--all-features"][..]] {
            let mut args = vec!["tree", "-p", krate, "-e", "normal", "--prefix", "none"];
            args.extend_from_slice(features);
            let out = Command::new(env!("CARGO")).args(&args).output()?;
            if !out.status.success() {
                bail!(
                    "cargo tree failed: {}",
                    String::from_utf8_lossy(&out.stderr)
                );
            }
            let tree = String::from_utf8(out.stdout)?;
            let found: BTreeSet<&str> = tree
                .lines()
                .filter_map(|l| l.split_whitespace().next())
                .filter(|name| forbidden.contains(name))
                .collect();
            if !found.is_empty() {
                bail!("{krate} {features:?} depends on {found:?}: a boundary is broken");
            }
        }
        println!("{krate} depends on none of {forbidden:?}");
    }
    Ok(())
}

/// Every locale has the same files and keys, and every key the code uses
/// exists. Code refers to keys through `tr("…")`, `.t("…")`,
/// `.t_with("…", …)`, `.message(…, "…")` or as `=> "…"` match arms of the
/// `message_key` functions (`error-…`, `role-…`, `connection-…`, `language-…`),
/// the login form's `Some("login-…")`, and any string literal that looks
/// like a key of the online service or the admin pages (`chat-…`, `desk-…`,
/// `admin-…`, `view-…`, `portal-…`).
fn translations() -> anyhow::Result<()> {
    let mut keys_by_locale = vec![];
    for locale in Locale::ALL {
        let dir = Path::new("locales").join(locale.tag());
        let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
            .with_context(|| format!("reading {}", dir.display()))?
            .map(|e| e.map(|e| e.path()))
            .collect::<Result<_, _>>()?;
        files.retain(|f| f.extension().is_some_and(|e| e == "ftl"));
        files.sort();
        let mut keys = BTreeSet::new();
        for file in &files {
            let source = std::fs::read_to_string(file)?;
            for id in message_ids(&source) {
                if !keys.insert(id.clone()) {
                    bail!("{}: key {id} defined twice", file.display());
                }
            }
        }
        let names: Vec<_> = files
            .iter()
            .map(|f| f.file_name().unwrap().to_owned())
            .collect();
        keys_by_locale.push((locale, names, keys));
    }
    let (first, first_files, first_keys) = &keys_by_locale[0];
    let mut problems = vec![];
    for (locale, files, keys) in &keys_by_locale[1..] {
        if files != first_files {
            problems.push(format!(
                "{locale} has files {files:?}, {first} has {first_files:?}"
            ));
        }
        for missing in first_keys.difference(keys) {
            problems.push(format!("{locale} lacks {missing} (defined in {first})"));
        }
        for extra in keys.difference(first_keys) {
            problems.push(format!("{first} lacks {extra} (defined in {locale})"));
        }
    }
    let used = used_keys()?;
    for (key, place) in &used {
        if !first_keys.contains(key) {
            problems.push(format!("{place} uses {key}, which no locale defines"));
        }
    }
    if !problems.is_empty() {
        bail!("translation check failed:\n  {}", problems.join("\n  "));
    }
    println!(
        "{} keys in each of {} locales; {} key uses in code all defined",
        first_keys.len(),
        keys_by_locale.len(),
        used.len()
    );
    Ok(())
}

fn used_keys() -> anyhow::Result<Vec<(String, String)>> {
    let patterns = [
        r#"(?:\btr|\bt|\.t|\.t_with|\.t_args|\.message|\.message_args)\(\s*(?:[A-Za-z_][\w.]*,\s*)?"([^"]+)""#,
        r#"=>\s*"((?:error|role|connection|language|work-order)-[^"]+)""#,
        r#"Some\("(login-[^"]+)"\)"#,
        // Keys of the online service and the admin pages, wherever they appear.
        r#"(?:^|,|=>|\[|\()\s*"((?:chat|desk|admin|view|portal|field|dispatch|layout|quick-reply|panel|workbench|shortcut)-[a-z0-9-]+)""#,
    ]
    .map(|p| regex::Regex::new(p).expect("valid pattern"));
    let mut used = vec![];
    for dir in [
        "core/src",
        "server/src",
        "src-tauri/src",
        "ui/src",
        "portal/src",
    ] {
        for file in rust_files(Path::new(dir))? {
            let source = std::fs::read_to_string(&file)?;
            for (n, line) in source.lines().enumerate() {
                if line.trim_start().starts_with("//") {
                    continue;
                }
                for re in &patterns {
                    for cap in re.captures_iter(line) {
                        used.push((cap[1].to_owned(), format!("{}:{}", file.display(), n + 1)));
                    }
                }
            }
        }
    }
    Ok(used)
}

fn rust_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut files = vec![];
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            files.extend(rust_files(&path)?);
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    Ok(files)
}
