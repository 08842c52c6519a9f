//! `cargo xtask bench`: release builds, then the load driver against the
//! real server on loopback. Record the figures in docs/BENCH.md.

use std::process::Command;

use crate::shell::{self, cargo, root, step};

/// `cargo xtask bench [chat|email|mall|scan|sync|dispatch|quick-replies]`:
/// the API scenarios, the chat scenario, email ingest and delivery, the
/// parts mall (catalog search on 100 000 parts, checkout with 100 buyers),
/// barcode decoding, the engineer app's sync, dispatch decisions, or
/// quick-reply matching.
pub fn bench(args: &[String]) -> anyhow::Result<()> {
    match args.first().map(String::as_str) {
        Some("scan") => return scan(),
        Some("sync") => return sync(),
        Some("dispatch") => return dispatch(),
        Some("quick-replies") => return quick_replies(),
        // The loopback mail server first (installs and starts it if need be).
        Some("email") => crate::mail::ensure()?,
        _ => {}
    }
    step("bench: release build");
    build_server_and_load_driver()?;
    let scenario = args.first().map_or("api", String::as_str);
    step(&format!("bench: {scenario} load (loopback)"));
    let release = root().join("target/release");
    shell::run(
        Command::new(release.join("fieldesk-load"))
            .arg(release.join("fieldesk-server"))
            .arg(scenario),
    )
}

/// `cargo xtask bench scan`: decode the zxing-cpp sample photos
/// (`../shared/bench-data/zxing-samples`) and synthetic camera frames.
fn scan() -> anyhow::Result<()> {
    step("bench: release build (scan)");
    cargo(&[
        "build",
        "--release",
        "-p",
        "fieldesk-scan",
        "--bin",
        "fieldesk-scan-bench",
    ])?;
    let samples = root().join("../shared/bench-data/zxing-samples");
    anyhow::ensure!(
        samples.is_dir(),
        "the sample photos are expected at {}",
        samples.display()
    );
    step("bench: scan");
    shell::run(Command::new(root().join("target/release/fieldesk-scan-bench")).arg(samples))
}

/// `cargo xtask bench sync`: the app's sync engine and local store against
/// the real server (initial pull of 50k rows, push of 10k operations) with
/// raw rusqlite inserts as the baseline.
/// `cargo xtask bench dispatch`: `core`'s dispatch decision on a tenant of
/// bench size (see `core/examples/dispatch_bench.rs`).
fn dispatch() -> anyhow::Result<()> {
    step("bench: release build (dispatch)");
    cargo(&[
        "build",
        "--release",
        "-p",
        "fieldesk-core",
        "--example",
        "dispatch_bench",
    ])?;
    build_server_and_load_driver()?;
    step("bench: dispatch (core)");
    let release = root().join("target/release");
    shell::run(&mut Command::new(release.join("examples/dispatch_bench")))?;
    step("bench: dispatch (server on loopback)");
    shell::run(
        Command::new(release.join("fieldesk-load"))
            .arg(release.join("fieldesk-server"))
            .arg("dispatch"),
    )
}

/// `cargo xtask bench quick-replies`: quick-reply matching of `core` on
/// 100 000 replies, per keystroke, natively and in wasm32 (run by Node.js,
/// installed from Debian when missing and root).
fn quick_replies() -> anyhow::Result<()> {
    step("bench: release build (quick replies, native and wasm32)");
    let example = |name: &str, wasm: bool| {
        let mut args = vec![
            "build",
            "--release",
            "-p",
            "fieldesk-core",
            "--example",
            name,
        ];
        if wasm {
            args.extend(["--target", "wasm32-unknown-unknown"]);
        }
        cargo(&args)
    };
    example("quick_reply_bench", false)?;
    example("quick_reply_bench_wasm", true)?;
    step("bench: quick replies (native)");
    shell::run(&mut Command::new(
        root().join("target/release/examples/quick_reply_bench"),
    ))?;
    step("bench: quick replies (wasm32, Node.js)");
    if shell::output("node", &["--version"]).is_none() {
        crate::setup::install(&["nodejs"])?;
    }
    let out = root().join("target/quick-reply-bench");
    shell::run(
        Command::new("wasm-bindgen")
            .arg("--target")
            .arg("nodejs")
            .arg("--out-dir")
            .arg(&out)
            .arg(root().join(
                "target/wasm32-unknown-unknown/release/examples/quick_reply_bench_wasm.wasm",
            )),
    )?;
    let script = format!(
        "require({:?}).run()",
        out.join("quick_reply_bench_wasm.js").display().to_string()
    );
    shell::run(Command::new("node").args(["-e", &script]))
}

fn sync() -> anyhow::Result<()> {
    step("bench: release build (sync)");
    cargo(&["build", "--release", "-p", "fieldesk-server"])?;
    cargo(&[
        "build",
        "--release",
        "-p",
        "fieldesk-app",
        "--example",
        "sync_bench",
    ])?;
    step("bench: sync (loopback)");
    let release = root().join("target/release");
    shell::run(
        Command::new(release.join("examples/sync_bench")).arg(release.join("fieldesk-server")),
    )
}

/// The release server and the load driver that starts it.
fn build_server_and_load_driver() -> anyhow::Result<()> {
    cargo(&["build", "--release", "-p", "fieldesk-server"])?;
    cargo(&[
        "build",
        "--release",
        "-p",
        "fieldesk-testkit",
        "--bin",
        "fieldesk-load",
    ])
}
