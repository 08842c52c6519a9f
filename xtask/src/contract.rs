//! The OpenAPI contract, checked by schemathesis (from PyPI, pinned)
//! against the real server: generated requests for every operation, as
//! an admin and as an agent; any 5xx or an answer that does not match the
//! document fails the run. Operations that end the caller's own session
//! (logout, sessions, disabling, role changes) and the WebSockets are
//! left out.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use anyhow::{Context, bail};

use crate::shell::{self, run};

const SCHEMATHESIS: &str = "4.32.5";
const PASSWORD: &str = "contract-check-pass-1";
/// Examples per operation: bounded, so the run takes seconds.
const EXAMPLES: &str = "10";

/// Runs schemathesis's command line through `python3`, so the console
/// script need not be on `PATH` (pip may put it in a user's bin dir).
fn schemathesis() -> Command {
    let mut cmd = Command::new("python3");
    // Its cache goes to target/, not into the source tree.
    cmd.current_dir(shell::root().join("target"));
    cmd.args([
        "-c",
        "import sys; from schemathesis.cli import schemathesis; sys.argv[0] = 'schemathesis'; sys.exit(schemathesis())",
    ]);
    cmd
}

fn ensure_schemathesis() -> anyhow::Result<()> {
    let version = schemathesis()
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
        .unwrap_or_default();
    if version.contains(SCHEMATHESIS) {
        return Ok(());
    }
    run(Command::new("python3").args([
        "-m",
        "pip",
        "install",
        "--quiet",
        "--disable-pip-version-check",
        &format!("schemathesis=={SCHEMATHESIS}"),
    ]))
}

struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn cli(bin: &Path, dir: &Path, args: &[&str], stdin: &str) -> anyhow::Result<()> {
    let mut child = Command::new(bin)
        .arg("--data-dir")
        .arg(dir)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()?;
    child
        .stdin
        .take()
        .context("stdin")?
        .write_all(stdin.as_bytes())?;
    if !child.wait()?.success() {
        bail!("fieldesk-server {args:?} failed");
    }
    Ok(())
}

/// Signs in over plain HTTP/1.1 and answers the token.
fn login(addr: &str, user: &str) -> anyhow::Result<String> {
    let body =
        serde_json::json!({"tenant": "acme", "username": user, "password": PASSWORD}).to_string();
    let mut stream = TcpStream::connect(addr)?;
    write!(
        stream,
        "POST /api/auth/login HTTP/1.1\r\nhost: {addr}\r\ncontent-type: application/json\r\n\
         content-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut answer = String::new();
    stream.read_to_string(&mut answer)?;
    let json = answer
        .split_once("\r\n\r\n")
        .map(|(_, b)| b)
        .context("an HTTP answer")?;
    let value: serde_json::Value = serde_json::from_str(json.trim())?;
    value["token"]
        .as_str()
        .map(str::to_owned)
        .with_context(|| format!("login of {user}: {answer}"))
}

pub fn check() -> anyhow::Result<()> {
    ensure_schemathesis()?;
    let root = shell::root();
    let bin = root.join("target/debug/fieldesk-server");
    let dir = root.join("target/contract-data");
    if dir.exists() {
        std::fs::remove_dir_all(&dir)?;
    }
    std::fs::create_dir_all(&dir)?;
    cli(&bin, &dir, &["tenant", "add", "acme", "Acme"], "")?;
    for (user, role) in [("ada", "admin"), ("alice", "agent")] {
        let args = [
            "user",
            "add",
            "--tenant",
            "acme",
            "--username",
            user,
            "--role",
            role,
        ];
        cli(&bin, &dir, &args, &format!("{PASSWORD}\n"))?;
    }
    let mut child = Command::new(&bin)
        .arg("--data-dir")
        .arg(&dir)
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()?;
    let stdout = child.stdout.take().context("stdout")?;
    let server = Server(child);
    let mut lines = BufReader::new(stdout).lines();
    let base = loop {
        let line = lines.next().context("the server printed its address")??;
        if let Some(addr) = line.strip_prefix("Fieldesk server listening on ") {
            break addr.to_owned();
        }
    };
    std::thread::spawn(move || for _ in lines {});
    let addr = base.trim_start_matches("http://").to_owned();
    for user in ["ada", "alice"] {
        let token = login(&addr, user)?;
        run(schemathesis().args([
            "run",
            &format!("{base}/api/openapi.json"),
            "--header",
            &format!("Authorization: Bearer {token}"),
            "--max-examples",
            EXAMPLES,
            "--checks",
            "not_a_server_error,response_schema_conformance",
            "--exclude-path-regex",
            "(/ws$|/auth/logout|/sessions|/disabled$|/role$)",
            "--phases",
            "examples,fuzzing",
            "--seed",
            "13",
        ]))?;
    }
    drop(server);
    Ok(())
}
