//! A real `fieldesk-server` process on 127.0.0.1 with a temporary data
//! dir (SQLite in it, or a PostgreSQL database), and small HTTP helpers.
//!
//! The binary's path comes from the caller: `env!("CARGO_BIN_EXE_fieldesk-server")`
//! in the server's tests, `FIELDESK_E2E_SERVER` in the end-to-end suite.

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};

use fieldesk_core::api::{ErrorBody, LoginResponse};
use serde_json::{Value, json};

pub const PASSWORD: &str = "s3cret-pass-42";

pub struct TestServer {
    bin: PathBuf,
    pub dir: tempfile::TempDir,
    /// `--database` (none: SQLite in the data dir).
    pub database: Option<String>,
    child: Option<Child>,
    pub base: String,
    pub stdout_head: Vec<String>,
    pub http: reqwest::Client,
}

/// Where servers under test log: the file named by `FIELDESK_SERVER_LOG`
/// (appended to, for debugging a test), else nowhere.
fn log_sink() -> Stdio {
    std::env::var_os("FIELDESK_SERVER_LOG")
        .and_then(|path| {
            std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(path)
                .ok()
        })
        .map_or_else(Stdio::null, Stdio::from)
}

/// Where a test data dir notes the PostgreSQL database it goes with, so a
/// restart or an operator command on the dir finds it again.
const DATABASE_NOTE: &str = "test-database-url";

/// The server binary with its data dir and database (none given: the one
/// the data dir notes, else SQLite in it).
fn command(bin: &Path, dir: &Path, database: Option<&str>) -> Command {
    let noted = std::fs::read_to_string(dir.join(DATABASE_NOTE)).ok();
    let mut command = Command::new(bin);
    command.arg("--data-dir").arg(dir);
    if let Some(database) = database.or(noted.as_deref()) {
        command.env("FIELDESK_DATABASE_URL", database);
    }
    command
}

/// Runs the operator CLI against `dir`, feeding `stdin`.
pub fn cli(bin: &Path, dir: &Path, args: &[&str], stdin: &str) -> Output {
    cli_on(bin, dir, None, args, stdin)
}

/// [`cli`] on a database of its own (`--database`).
pub fn cli_on(
    bin: &Path,
    dir: &Path,
    database: Option<&str>,
    args: &[&str],
    stdin: &str,
) -> Output {
    let mut child = command(bin, dir, database)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("fieldesk-server runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

pub fn cli_ok(bin: &Path, dir: &Path, args: &[&str], stdin: &str) -> String {
    cli_ok_on(bin, dir, None, args, stdin)
}

fn cli_ok_on(bin: &Path, dir: &Path, database: Option<&str>, args: &[&str], stdin: &str) -> String {
    let out = cli_on(bin, dir, database, args, stdin);
    assert!(
        out.status.success(),
        "{args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

/// Two tenants, `acme` and `globex`, with users of every role in `acme`
/// and an admin in `globex`; all with [`PASSWORD`]. Display names are
/// "Alice Agent", "Ada Admin" and so on.
pub fn seed(bin: &Path, dir: &Path) {
    seed_on(bin, dir, None)
}

/// [`seed`] on a database of its own.
pub fn seed_on(bin: &Path, dir: &Path, database: Option<&str>) {
    let cli_ok = |bin: &Path, dir: &Path, args: &[&str], stdin: &str| {
        cli_ok_on(bin, dir, database, args, stdin)
    };
    let acme = [
        "tenant",
        "add",
        "acme",
        "Acme Corp",
        "--workbench-name",
        "Acme Service Desk",
    ];
    cli_ok(bin, dir, &acme, "");
    cli_ok(bin, dir, &["tenant", "add", "globex", "Globex"], "");
    for (tenant, user, role) in [
        ("acme", "ada", "admin"),
        ("acme", "sam", "supervisor"),
        ("acme", "alice", "agent"),
        ("acme", "eve", "engineer"),
        ("globex", "gina", "admin"),
    ] {
        let display = format!("{} {}", capitalize(user), capitalize(role));
        let args = [
            "user",
            "add",
            "--tenant",
            tenant,
            "--username",
            user,
            "--role",
            role,
            "--display-name",
            &display,
        ];
        cli_ok(bin, dir, &args, &format!("{PASSWORD}\n"));
    }
}

/// A new, empty database in the PostgreSQL cluster at `cluster` (a URL
/// naming any database of it); its URL.
pub fn fresh_postgres_database(cluster: &str) -> String {
    let cluster = cluster.to_owned();
    std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("a runtime");
        runtime.block_on(async move {
            let (client, connection) = tokio_postgres::connect(&cluster, tokio_postgres::NoTls)
                .await
                .unwrap_or_else(|e| {
                    panic!("no PostgreSQL at {cluster} ({e}): `cargo xtask setup` starts one")
                });
            tokio::spawn(connection);
            let mut bytes = [0u8; 8];
            getrandom::fill(&mut bytes).expect("random bytes");
            let name = format!(
                "fieldesk_it_{}_{}",
                std::process::id(),
                u64::from_le_bytes(bytes)
            );
            client
                .batch_execute(&format!("CREATE DATABASE {name}"))
                .await
                .expect("creating a test database");
            let (base, _) = cluster.rsplit_once('/').expect("a URL with a database");
            format!("{base}/{name}")
        })
    })
    .join()
    .expect("the database was made")
}

fn capitalize(s: &str) -> String {
    let mut chars = s.chars();
    chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

impl TestServer {
    /// Seeds a fresh data dir and serves it with a 1 s heartbeat (unless
    /// `extra` sets `--heartbeat-secs`).
    pub fn start(bin: &Path) -> Self {
        Self::start_with(bin, &[], true)
    }

    /// On `FIELDESK_IT_POSTGRES` (a cluster's URL) each server gets a fresh
    /// PostgreSQL database there instead of SQLite: the same tests, the
    /// other backend.
    pub fn start_with(bin: &Path, extra: &[&str], seeded: bool) -> Self {
        let dir = tempfile::tempdir().unwrap();
        let database = std::env::var("FIELDESK_IT_POSTGRES")
            .ok()
            .filter(|u| !u.is_empty())
            .map(|cluster| fresh_postgres_database(&cluster));
        if let Some(database) = &database {
            std::fs::write(dir.path().join(DATABASE_NOTE), database).unwrap();
        }
        if seeded {
            seed_on(bin, dir.path(), database.as_deref());
        }
        Self::serve_on(bin, dir, database.as_deref(), "127.0.0.1:0", extra)
    }

    /// A seeded server on the PostgreSQL database `url`.
    pub fn start_on(bin: &Path, url: &str, extra: &[&str]) -> Self {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(DATABASE_NOTE), url).unwrap();
        seed_on(bin, dir.path(), Some(url));
        Self::serve_on(bin, dir, Some(url), "127.0.0.1:0", extra)
    }

    /// Serves an existing data dir on `listen` (port 0: a free one).
    pub fn serve(bin: &Path, dir: tempfile::TempDir, listen: &str, extra: &[&str]) -> Self {
        Self::serve_on(bin, dir, None, listen, extra)
    }

    /// [`Self::serve`] on a database of its own.
    pub fn serve_on(
        bin: &Path,
        dir: tempfile::TempDir,
        database: Option<&str>,
        listen: &str,
        extra: &[&str],
    ) -> Self {
        let mut child = command(bin, dir.path(), database)
            .args(["serve", "--listen", listen])
            .args(
                (!extra.contains(&"--heartbeat-secs"))
                    .then_some(["--heartbeat-secs", "1"])
                    .into_iter()
                    .flatten(),
            )
            .arg("--portal-dir")
            .arg(Path::new(env!("CARGO_MANIFEST_DIR")).join("../portal/dist"))
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(log_sink())
            .spawn()
            .expect("fieldesk-server starts");
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut stdout_head = vec![];
        let base = loop {
            let line = lines.next().expect("server printed its address").unwrap();
            if let Some(addr) = line.strip_prefix("Fieldesk server listening on ") {
                break addr.to_owned();
            }
            stdout_head.push(line);
        };
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        TestServer {
            bin: bin.to_owned(),
            dir,
            database: database.map(str::to_owned),
            child: Some(child),
            base,
            stdout_head,
            http: reqwest::Client::new(),
        }
    }

    /// The server's process id (to read its memory from `/proc`).
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("the server runs").id()
    }

    /// A client whose connections come from the loopback address `from`
    /// (127.0.0.0/8 is all this machine): another client to the server.
    pub fn client_from(from: [u8; 4]) -> reqwest::Client {
        reqwest::Client::builder()
            .local_address(std::net::IpAddr::from(from))
            .build()
            .unwrap()
    }

    /// The `host:port` the server listens on.
    pub fn addr(&self) -> &str {
        self.base.trim_start_matches("http://")
    }

    /// Runs the operator CLI on this server's data dir.
    pub fn cli(&self, args: &[&str], stdin: &str) -> Output {
        cli_on(
            &self.bin,
            self.dir.path(),
            self.database.as_deref(),
            args,
            stdin,
        )
    }

    /// Adds a user to `acme` (password [`PASSWORD`]) while the server runs.
    pub fn add_user(&self, username: &str, role: &str, display_name: &str) {
        let args = [
            "user",
            "add",
            "--tenant",
            "acme",
            "--username",
            username,
            "--role",
            role,
            "--display-name",
            display_name,
        ];
        let out = self.cli(&args, &format!("{PASSWORD}\n"));
        assert!(out.status.success(), "{out:?}");
    }

    /// Adds a parts-mall customer of acme whom an admin vouches for (no
    /// code to verify), in `locale` when given.
    pub fn add_customer(&self, email: &str, name: &str, locale: Option<&str>, password: &str) {
        let mut args = vec![
            "customer", "add", "--tenant", "acme", "--email", email, "--name", name,
        ];
        if let Some(locale) = locale {
            args.extend(["--locale", locale]);
        }
        let out = self.cli(&args, &format!("{password}\n"));
        assert!(out.status.success(), "{out:?}");
    }

    /// Stops the server and gives back its data dir.
    pub fn stop(mut self) -> tempfile::TempDir {
        self.kill();
        let dir = tempfile::tempdir().unwrap();
        std::mem::replace(&mut self.dir, dir)
    }

    fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn ws_url(&self) -> String {
        format!("{}/api/ws", self.base.replacen("http://", "ws://", 1))
    }

    pub async fn login_raw(&self, tenant: &str, user: &str, password: &str) -> reqwest::Response {
        self.http
            .post(self.url("/api/auth/login"))
            .json(&json!({"tenant": tenant, "username": user, "password": password}))
            .send()
            .await
            .unwrap()
    }

    pub async fn login(&self, tenant: &str, user: &str) -> LoginResponse {
        let res = self.login_raw(tenant, user, PASSWORD).await;
        assert_eq!(res.status(), 200, "login {tenant}/{user}");
        res.json().await.unwrap()
    }

    /// An unauthenticated GET that must answer 200 with JSON.
    pub async fn get_json(&self, path: &str) -> serde_json::Value {
        let res = self.http.get(self.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 200, "GET {path}");
        res.json().await.unwrap()
    }

    /// The visitor chat WebSocket of a tenant.
    pub fn visitor_ws_url(&self, tenant: &str) -> String {
        format!(
            "{}/api/visitor/{tenant}/ws",
            self.base.replacen("http://", "ws://", 1)
        )
    }

    /// An authenticated request with a JSON body (`method` e.g. "POST").
    pub async fn send_json(
        &self,
        method: &str,
        path: &str,
        token: &str,
        body: &Value,
    ) -> reqwest::Response {
        self.http
            .request(method.parse().unwrap(), self.url(path))
            .bearer_auth(token)
            .json(body)
            .send()
            .await
            .unwrap()
    }

    /// An authenticated POST with a JSON body that must succeed.
    pub async fn post_ok(&self, path: &str, token: &str, body: &Value) -> reqwest::Response {
        let res = self.send_json("POST", path, token, body).await;
        assert!(res.status().is_success(), "POST {path}: {}", res.status());
        res
    }

    /// The chat settings as `admin` reads them with the fields of `change`
    /// put in, saved by `by` (to see who may): the server's answer.
    pub async fn put_chat_settings(
        &self,
        admin: &str,
        by: &str,
        change: Value,
    ) -> reqwest::Response {
        let mut settings: Value = self
            .get("/api/chat/settings", admin)
            .await
            .json()
            .await
            .unwrap();
        for (k, v) in change.as_object().expect("an object of settings") {
            settings[k] = v.clone();
        }
        self.send_json("PUT", "/api/chat/settings", by, &settings)
            .await
    }

    pub async fn get(&self, path: &str, token: &str) -> reqwest::Response {
        self.http
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.kill();
    }
}

/// Asserts an error answer's status and code, and returns its message.
pub async fn expect_error(res: reqwest::Response, status: u16, code: &str) -> String {
    assert_eq!(res.status(), status);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["code"], code, "body {body}");
    let parsed: ErrorBody = serde_json::from_value(body).unwrap();
    assert!(!parsed.message.is_empty());
    parsed.message
}
