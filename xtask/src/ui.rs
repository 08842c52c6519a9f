//! Builds the two wasm front ends without trunk: cargo for wasm32, then the
//! wasm-bindgen CLI, then the static files.
//! - the workbench UI (`ui/`) into `ui/dist`, embedded by the Tauri shell;
//! - the visitor chat window (`portal/`) into `portal/dist`, served by the
//!   server under `/chat/`.

use std::path::Path;
use std::process::Command;

use crate::shell::{self, step};

struct Front {
    package: &'static str,
    dir: &'static str,
    /// The base name of the generated JS and wasm files.
    out_name: &'static str,
    /// Copied from `<dir>/<static_dir>` into `<dir>/dist`.
    static_dir: &'static str,
    files: &'static [&'static str],
}

const FRONTS: [Front; 2] = [
    Front {
        package: "fieldesk-ui",
        dir: "ui",
        out_name: "ui",
        static_dir: "",
        files: &["index.html", "main.js", "style.css"],
    },
    Front {
        package: "fieldesk-portal",
        dir: "portal",
        out_name: "portal",
        static_dir: "static",
        files: &["index.html", "main.js", "portal.css", "embed.js"],
    },
];

pub fn build() -> anyhow::Result<()> {
    step("ui + chat window: wasm build");
    let mut args = vec!["build"];
    for front in &FRONTS {
        args.extend(["-p", front.package]);
    }
    args.extend(["--target", "wasm32-unknown-unknown", "--release"]);
    shell::cargo(&args)?;
    for front in &FRONTS {
        let dist = Path::new(front.dir).join("dist");
        if dist.exists() {
            std::fs::remove_dir_all(&dist)?;
        }
        let wasm = format!(
            "target/wasm32-unknown-unknown/release/{}.wasm",
            front.package.replace('-', "_")
        );
        shell::run(Command::new("wasm-bindgen").args([
            "--target",
            "web",
            "--no-typescript",
            "--out-dir",
            &dist.to_string_lossy(),
            "--out-name",
            front.out_name,
            &wasm,
        ]))?;
        for file in front.files {
            std::fs::copy(
                Path::new(front.dir).join(front.static_dir).join(file),
                dist.join(file),
            )?;
        }
        let size = std::fs::metadata(dist.join(format!("{}_bg.wasm", front.out_name)))?.len();
        println!(
            "{} ready ({}_bg.wasm: {} KiB)",
            dist.display(),
            front.out_name,
            size / 1024
        );
    }
    Ok(())
}
