//! `cargo xtask run`: from a fresh clone to a running product.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use anyhow::Context;

use crate::shell::{cargo, root, step};
use crate::{setup, ui};

const LISTEN: &str = "127.0.0.1:8080";

pub fn run() -> anyhow::Result<()> {
    setup::setup()?;
    ui::build()?;
    step("build the server and the app");
    cargo(&["build", "-p", "fieldesk-server", "-p", "fieldesk-app"])?;

    step("start the server (embedded SQLite, demo tenant)");
    let data_dir = root().join("fieldesk-data");
    let target = root().join("target/debug");
    let mut server = Command::new(target.join("fieldesk-server"))
        .arg("--data-dir")
        .arg(&data_dir)
        // The demo mailbox is on this machine's loopback mail server.
        .args([
            "serve",
            "--demo",
            "--allow-private-outbound",
            "--listen",
            LISTEN,
        ])
        .stdout(Stdio::piped())
        .spawn()
        .context("starting fieldesk-server")?;
    let mut lines = BufReader::new(server.stdout.take().expect("piped")).lines();
    let mut fresh = false;
    for line in lines.by_ref() {
        let line = line?;
        println!("{line}");
        fresh |= line.contains("passwords are shown only now");
        if line.starts_with("Fieldesk server listening on") {
            break;
        }
    }
    std::thread::spawn(move || lines.map_while(Result::ok).for_each(|l| println!("{l}")));
    if !fresh {
        println!(
            "The demo tenant exists from an earlier run ({}). To set a password:\n  \
             echo NEW-PASSWORD | target/debug/fieldesk-server --data-dir fieldesk-data user passwd --tenant demo --username agent1",
            data_dir.display()
        );
    }
    println!("Sign in with server http://{LISTEN}, tenant demo, and a user and password above.");
    println!("The visitor chat window: http://{LISTEN}/chat/demo (add ?lang=en or ?lang=zh-TW).");
    println!(
        "Email: the loopback mail server (cargo xtask setup) holds the service mailbox \
         support@support.test (password support-demo) and a customer, customer@customer.test \
         (password customer-demo). Sign in as admin, open Mailboxes and add support@support.test: \
         SMTP 127.0.0.1:1587 and IMAP 127.0.0.1:1143, security none, user name = the address. \
         Then write to it as the customer from any mail client (SMTP 127.0.0.1:1587, IMAP \
         127.0.0.1:1143, same user and password) and answer in the desk; nothing leaves this machine."
    );

    let has_display = ["DISPLAY", "WAYLAND_DISPLAY"]
        .iter()
        .any(|v| std::env::var_os(v).is_some_and(|s| !s.is_empty()));
    if !has_display {
        println!(
            "\nNo display here, so the app cannot open. The server keeps running (Ctrl-C stops it).\n\
             To run the app headless (virtual display, private keychain):\n  \
             dbus-run-session -- sh -c 'echo -n pw | gnome-keyring-daemon --unlock --components=secrets; xvfb-run -a cargo xtask run'"
        );
        server.wait()?;
        return Ok(());
    }
    step("open the app");
    let status = Command::new(target.join("fieldesk-app"))
        .env("FIELDESK_SERVER_URL", format!("http://{LISTEN}"))
        .env("FIELDESK_TENANT", "demo")
        .status()
        .context("starting fieldesk-app")?;
    println!("The app closed ({status}); stopping the server.");
    let _ = server.kill();
    let _ = server.wait();
    Ok(())
}
