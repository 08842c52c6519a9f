//! A throwaway PostgreSQL cluster on loopback for the tests of the
//! PostgreSQL store (`../shared/RECIPE.md`): Debian's `postgresql`
//! package, `initdb` into `/tmp/fieldesk-pgtest` (as the `postgres` user when we
//! are root: initdb refuses root), trust authentication, port 55432 on
//! 127.0.0.1 only, `fsync=off` for speed. Started once and reused while it
//! runs; tests make a database of their own in it.

use std::net::TcpStream;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use anyhow::{Context, bail};

use crate::setup::{install, installed, is_root};
use crate::shell;

pub const PORT: u16 = 55432;
pub const PACKAGES: &[&str] = &["postgresql"];

/// The URL the tests get in `FIELDESK_TEST_POSTGRES`.
pub fn url() -> String {
    format!("postgres://postgres@127.0.0.1:{PORT}/postgres")
}

/// Installs PostgreSQL if missing and starts the cluster if it is not up.
pub fn ensure() -> anyhow::Result<String> {
    let missing: Vec<&str> = PACKAGES.iter().copied().filter(|p| !installed(p)).collect();
    if !missing.is_empty() {
        install(&missing)?;
    }
    if TcpStream::connect_timeout(&([127, 0, 0, 1], PORT).into(), Duration::from_secs(1)).is_ok() {
        println!("PostgreSQL on 127.0.0.1:{PORT} is up");
        drop_test_databases();
        return Ok(url());
    }
    let bin = bin_dir()?;
    let dir = PathBuf::from("/tmp/fieldesk-pgtest");
    let data = dir.join("data");
    std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
    if is_root() {
        // The cluster's files belong to `postgres`.
        shell::run(Command::new("chown").args(["-R", "postgres"]).arg(&dir))?;
    }
    if !data.join("PG_VERSION").exists() {
        as_owner(
            bin.join("initdb"),
            &[
                "-D",
                &data.to_string_lossy(),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
                "--locale",
                "C",
            ],
        )?;
    }
    let options = format!(
        "-p {PORT} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off \
         -c full_page_writes=off -c max_connections=300",
        dir.display()
    );
    as_owner(
        bin.join("pg_ctl"),
        &[
            "-D",
            &data.to_string_lossy(),
            "-l",
            &dir.join("log").to_string_lossy(),
            "-w",
            "-o",
            &options,
            "start",
        ],
    )?;
    println!(
        "PostgreSQL started on 127.0.0.1:{PORT} (data in {})",
        data.display()
    );
    Ok(url())
}

/// Drops the databases earlier test runs made (each test makes its own),
/// so a developer's cluster does not grow run after run. Best effort.
fn drop_test_databases() {
    let Ok(bin) = bin_dir() else { return };
    let psql = bin.join("psql");
    let port = PORT.to_string();
    let base = [
        "-h",
        "127.0.0.1",
        "-p",
        port.as_str(),
        "-U",
        "postgres",
        "-At",
    ];
    let Ok(out) = Command::new(&psql)
        .args(base)
        .args([
            "-c",
            "SELECT datname FROM pg_database WHERE datname LIKE 'fieldesk\\_%'",
        ])
        .output()
    else {
        return;
    };
    for name in String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
    {
        let _ = Command::new(&psql)
            .args(base)
            .args(["-c", &format!("DROP DATABASE IF EXISTS \"{name}\"")])
            .output();
    }
}

/// Debian's versioned binaries (`/usr/lib/postgresql/<major>/bin`), the
/// newest.
fn bin_dir() -> anyhow::Result<PathBuf> {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .context("PostgreSQL is not installed (/usr/lib/postgresql)")?
        .filter_map(|e| e.ok())
        .filter_map(|e| {
            let major = e.file_name().to_string_lossy().parse::<u32>().ok()?;
            Some((major, e.path().join("bin")))
        })
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    found.sort();
    match found.pop() {
        Some((_, bin)) => Ok(bin),
        None => bail!("no initdb under /usr/lib/postgresql/*/bin"),
    }
}

/// Runs a PostgreSQL tool as `postgres` when we are root, else as us.
fn as_owner(program: PathBuf, args: &[&str]) -> anyhow::Result<()> {
    if is_root() {
        let line = std::iter::once(quote(&program))
            .chain(args.iter().map(|a| quote(Path::new(a))))
            .collect::<Vec<_>>()
            .join(" ");
        shell::run(Command::new("su").args(["postgres", "-s", "/bin/sh", "-c", &line]))
    } else {
        shell::run(Command::new(program).args(args))
    }
}

fn quote(arg: &Path) -> String {
    format!("'{}'", arg.to_string_lossy().replace('\'', r"'\''"))
}
