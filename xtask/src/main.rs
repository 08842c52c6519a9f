//! `cargo xtask`: the project's automation, in Rust.
//!
//! - `run`   set up what is missing, build, start the demo server, open the app
//! - `test`  everything CI runs (`.ci/run` calls exactly this)
//! - `e2e`   only the WebDriver end-to-end suite
//! - `bench` load the real server on loopback and print figures (docs/BENCH.md)
//! - `soak`  the sync fault rounds of the e2e suite, many more of them
//! - `contract` the OpenAPI document checked by schemathesis
//! - `ui`    build the wasm UI and the chat window into `ui/dist`, `portal/dist`
//! - `setup` install system packages and tools

mod bench;
mod checks;
mod contract;
mod mail;
mod postgres;
mod run;
mod setup;
mod shell;
mod ui;

use anyhow::bail;

use crate::shell::cargo;

const USAGE: &str = "usage: cargo xtask <run|test|e2e|bench|soak|contract|ui|setup>
  run    set up what is missing, build, start the server with demo data, open the app
  test   fmt, clippy, all tests, wasm builds, boundary and translation checks, e2e
  e2e    build the app and run the WebDriver end-to-end suite (args filter scenarios)
  bench  build in release and load the real server on 127.0.0.1; prints figures
         (`bench chat`: concurrent conversations vs a bare WebSocket relay;
          `bench scan`: barcode photos and camera frames;
          `bench sync`: the app's initial pull and outbox push vs raw SQLite;
          `bench dispatch`: decisions on 10k regions, 1k targets, 100 rules)
  soak   the app sync fault rounds (server killed mid-push, duplicate batches,
         two devices) many times: `soak [ROUNDS]`, default 1000
  contract  check the OpenAPI document against the real server (schemathesis)
  ui     build the wasm UI and the visitor chat window (ui/dist, portal/dist)
  setup  install missing system packages (as root) and tools";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    std::env::set_current_dir(shell::root())?;
    match args.first().map(String::as_str) {
        Some("run") => run::run(),
        Some("test") => checks::test(),
        Some("e2e") => {
            setup::setup()?;
            ui::build()?;
            checks::e2e(&args[1..], &[])
        }
        Some("bench") => bench::bench(&args[1..]),
        Some("soak") => {
            let rounds = args.get(1).map_or("1000", String::as_str);
            if rounds.parse::<u32>().is_err() {
                bail!("soak ROUNDS: a number of rounds");
            }
            setup::setup()?;
            ui::build()?;
            let filter = ["offline_sync_converges_under_faults".to_owned()];
            checks::e2e(&filter, &[("FIELDESK_SOAK_ROUNDS", rounds)])
        }
        Some("contract") => {
            setup::setup()?;
            cargo(&["build", "-p", "fieldesk-server"])?;
            contract::check()
        }
        Some("ui") => ui::build(),
        Some("setup") => setup::setup(),
        _ => bail!("{USAGE}"),
    }
}
