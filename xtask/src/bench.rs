//! `cargo xtask bench`: release builds, then the load driver against the
//! real server on loopback. Record the figures in docs/BENCH.md.

use std::process::Command;

use crate::shell::{self, cargo, root, step};

/// `cargo xtask bench [chat]`: the API scenarios, or the chat scenario.
pub fn bench(args: &[String]) -> anyhow::Result<()> {
    step("bench: release build");
    cargo(&["build", "--release", "-p", "fieldesk-server"])?;
    cargo(&[
        "build",
        "--release",
        "-p",
        "fieldesk-testkit",
        "--bin",
        "fieldesk-load",
    ])?;
    let scenario = args.first().map_or("api", String::as_str);
    step(&format!("bench: {scenario} load (loopback)"));
    let release = root().join("target/release");
    shell::run(
        Command::new(release.join("fieldesk-load"))
            .arg(release.join("fieldesk-server"))
            .arg(scenario),
    )
}
