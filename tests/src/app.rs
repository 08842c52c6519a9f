//! The real app window, driven through tauri-driver + WebKitWebDriver.
//!
//! [`AppDriver`] runs one tauri-driver for one app profile (its data dir is
//! passed as `FIELDESK_APP_DATA_DIR`); [`AppWindow`] is one app session with
//! small find/action/check helpers keyed by `data-testid`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;

/// How long a check waits for the UI before failing.
pub const PATIENCE: Duration = Duration::from_secs(15);

pub(crate) fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A tauri-driver process for one app profile.
pub struct AppDriver {
    child: Child,
    port: u16,
    app: PathBuf,
    log: PathBuf,
    pub data_dir: tempfile::TempDir,
}

impl AppDriver {
    /// Starts tauri-driver for `app` with a fresh profile data dir and the
    /// given extra environment (e.g. `FIELDESK_SERVER_URL`).
    pub async fn start(app: &Path, env: &[(&str, &str)], log: &Path) -> Self {
        let data_dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let native_port = free_port();
        let log_file = std::fs::File::create(log).unwrap();
        let child = Command::new("tauri-driver")
            .args([
                "--port",
                &port.to_string(),
                "--native-port",
                &native_port.to_string(),
            ])
            .env("FIELDESK_APP_DATA_DIR", data_dir.path())
            .envs(env.iter().copied())
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .expect("tauri-driver is installed (cargo xtask setup)");
        // Both tauri-driver and the WebKitWebDriver it starts must listen.
        let deadline = Instant::now() + Duration::from_secs(30);
        for p in [port, native_port] {
            while std::net::TcpStream::connect(("127.0.0.1", p)).is_err() {
                assert!(
                    Instant::now() < deadline,
                    "tauri-driver did not start (port {p})"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        }
        AppDriver {
            child,
            port,
            app: app.to_owned(),
            log: log.to_owned(),
            data_dir,
        }
    }

    /// Launches the app window (a new WebDriver session).
    pub async fn open(&self) -> AppWindow {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("wry"));
        caps.insert("tauri:options".into(), json!({ "application": self.app }));
        let url = format!("http://127.0.0.1:{}", self.port);
        // The very first launch on a fresh machine (font caches, WebKit
        // start-up) can drop the new-session request: try again, boundedly.
        let mut attempt = 1;
        let client = loop {
            // lettre brings rustls' ring provider beside fantoccini's
            // default one: with two, rustls picks none by itself.
            let _ = rustls::crypto::ring::default_provider().install_default();
            let mut builder = ClientBuilder::rustls().expect("rustls");
            match builder.capabilities(caps.clone()).connect(&url).await {
                Ok(client) => break client,
                Err(e) if attempt < 3 => {
                    eprintln!("new session attempt {attempt} failed: {e}; retrying");
                    attempt += 1;
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => panic!("the app does not launch under tauri-driver: {e}"),
            }
        };
        AppWindow::new(client, self.log.with_extension("failure"))
    }
}

impl Drop for AppDriver {
    fn drop(&mut self) {
        // SIGTERM, never SIGKILL: tauri-driver then stops WebKitWebDriver too.
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .stderr(Stdio::null())
            .status();
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline {
            if let Ok(Some(_)) = self.child.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One running app window.
pub struct AppWindow {
    pub client: Client,
    /// Where a failed check leaves a screenshot and the page source.
    failure_prefix: PathBuf,
}

fn by_testid(testid: &str) -> String {
    format!("[data-testid=\"{testid}\"]")
}

impl AppWindow {
    /// Wraps a WebDriver session; failures leave `<failure_prefix>.png/.html`.
    pub fn new(client: Client, failure_prefix: PathBuf) -> Self {
        AppWindow {
            client,
            failure_prefix,
        }
    }

    /// Closes the window (ends the app process).
    pub async fn close(self) {
        let _ = self.client.close().await;
    }

    /// Fails the scenario, leaving a screenshot and the page's HTML.
    pub async fn fail(&self, message: String) -> ! {
        self.screenshot(&self.failure_prefix.with_extension("png"))
            .await;
        if let Ok(html) = self.client.source().await {
            let _ = std::fs::write(self.failure_prefix.with_extension("html"), html);
        }
        panic!("{message}");
    }

    /// Waits for the element with `data-testid` and returns it.
    pub async fn find(&self, testid: &str) -> Element {
        match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(&by_testid(testid)))
            .await
        {
            Ok(element) => element,
            Err(e) => {
                self.fail(format!("no element [data-testid={testid}]: {e}"))
                    .await
            }
        }
    }

    /// Whether an element with `data-testid` is on the page now.
    pub async fn exists(&self, testid: &str) -> bool {
        self.client
            .find(Locator::Css(&by_testid(testid)))
            .await
            .is_ok()
    }

    /// Replaces the text of an input.
    pub async fn fill(&self, testid: &str, text: &str) {
        let input = self.find(testid).await;
        input.clear().await.unwrap();
        if !text.is_empty() {
            input.send_keys(text).await.unwrap();
        }
    }

    /// Clicks an element, first scrolled to the middle of the window (an
    /// element at the bottom edge may move under the pointer otherwise).
    pub async fn click(&self, testid: &str) {
        if let Err(e) = self.scroll_to(testid).await.click().await {
            self.fail(format!("clicking [data-testid={testid}]: {e}"))
                .await
        }
    }

    /// Scrolls an element to the middle of the window (before pointer
    /// actions on it) and returns it.
    pub async fn scroll_to(&self, testid: &str) -> Element {
        let element = self.find(testid).await;
        let arg = serde_json::to_value(&element).expect("an element serializes");
        let _ = self
            .client
            .execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg])
            .await;
        element
    }

    /// Picks an option by value, waiting for it to appear (options often
    /// come with data loaded after the select is shown).
    pub async fn select(&self, testid: &str, value: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.find(testid).await.select_by_value(value).await {
                Ok(()) => return,
                Err(e) if Instant::now() > deadline => {
                    self.fail(format!(
                        "[data-testid={testid}] has no option {value:?}: {e}"
                    ))
                    .await
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
    }

    /// The current value of an input or text area.
    pub async fn value(&self, testid: &str) -> String {
        let element = self.find(testid).await;
        element.prop("value").await.unwrap().unwrap_or_default()
    }

    /// Types into an element after what it holds; special keys as
    /// `fantoccini::key::Key` chars (e.g. `char::from(Key::Down)`).
    pub async fn type_keys(&self, testid: &str, keys: &str) {
        self.find(testid).await.send_keys(keys).await.unwrap();
    }

    /// Waits until an input's value is exactly `expected`.
    pub async fn expect_value(&self, testid: &str, expected: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let value = self.value(testid).await;
            if value == expected {
                return;
            }
            if Instant::now() > deadline {
                self.fail(format!(
                    "[data-testid={testid}] value stayed {value:?}, expected {expected:?}"
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element is gone from the page.
    pub async fn expect_gone(&self, testid: &str) {
        let deadline = Instant::now() + PATIENCE;
        while self.exists(testid).await {
            if Instant::now() > deadline {
                self.fail(format!("[data-testid={testid}] stayed on the page"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// How many elements with `data-testid` are on the page now.
    pub async fn count(&self, testid: &str) -> usize {
        self.client
            .find_all(Locator::Css(&by_testid(testid)))
            .await
            .map_or(0, |all| all.len())
    }

    /// The texts of every `testid` element, in page order.
    pub async fn texts(&self, testid: &str) -> Vec<String> {
        let mut out = Vec::new();
        for e in self
            .client
            .find_all(Locator::Css(&by_testid(testid)))
            .await
            .unwrap_or_default()
        {
            out.push(e.text().await.unwrap_or_default());
        }
        out
    }

    /// Waits until `check` holds for the texts of the `testid` elements.
    pub async fn wait_texts(&self, testid: &str, check: impl Fn(&[String]) -> bool) -> Vec<String> {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let texts = self.texts(testid).await;
            if check(&texts) {
                return texts;
            }
            if Instant::now() > deadline {
                self.fail(format!("[data-testid={testid}] texts stayed {texts:?}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks the element matching a CSS selector (waiting for it, then
    /// scrolled to the middle of the window as [`Self::click`] does).
    pub async fn click_css(&self, selector: &str) {
        let element = match self
            .client
            .wait()
            .at_most(PATIENCE)
            .for_element(Locator::Css(selector))
            .await
        {
            Ok(e) => e,
            Err(e) => self.fail(format!("no element {selector}: {e}")).await,
        };
        let arg = serde_json::to_value(&element).expect("an element serializes");
        let _ = self
            .client
            .execute("arguments[0].scrollIntoView({block: 'center'})", vec![arg])
            .await;
        element.click().await.unwrap();
    }

    /// Waits until the number of `testid` elements is `expected`.
    /// Waits until the `<img>` that `css` selects shows a picture (loaded,
    /// not a broken link).
    pub async fn expect_image(&self, css: &str) {
        let script = format!(
            "const i = document.querySelector({}); return !!i && i.complete && i.naturalWidth > 0;",
            serde_json::to_string(css).expect("a string serializes")
        );
        let deadline = Instant::now() + PATIENCE;
        while Instant::now() < deadline {
            if self.client.execute(&script, vec![]).await.ok() == Some(json!(true)) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        self.fail(format!("no picture shows in {css}")).await
    }

    pub async fn expect_count(&self, testid: &str, expected: usize) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let shown = self.count(testid).await;
            if shown == expected {
                return;
            }
            if Instant::now() > deadline {
                self.fail(format!(
                    "{shown} [data-testid={testid}] on the page, expected {expected}"
                ))
                .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Clicks `button` while it is shown, each time waiting for more
    /// `item` elements (an earlier page arriving); returns the clicks.
    pub async fn load_all(&self, button: &str, item: &str) -> usize {
        let mut pages = 0;
        while self.exists(button).await {
            let before = self.count(item).await;
            self.click(button).await;
            let deadline = Instant::now() + PATIENCE;
            while self.count(item).await == before {
                if Instant::now() > deadline {
                    self.fail(format!(
                        "[data-testid={button}] brought no more [data-testid={item}]"
                    ))
                    .await;
                }
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            pages += 1;
        }
        pages
    }

    /// Resizes the window (e.g. to a phone's 390×844).
    pub async fn resize(&self, width: u32, height: u32) {
        self.client.set_window_size(width, height).await.unwrap();
    }

    pub async fn text(&self, testid: &str) -> String {
        self.find(testid).await.text().await.unwrap()
    }

    /// Waits until `check` holds for the element's text; returns the text.
    pub async fn wait_text(&self, testid: &str, check: impl Fn(&str) -> bool) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let text = match self.client.find(Locator::Css(&by_testid(testid))).await {
                Ok(el) => el.text().await.unwrap_or_default(),
                Err(_) => String::new(),
            };
            if check(&text) {
                return text;
            }
            if Instant::now() > deadline {
                self.fail(format!("[data-testid={testid}] text stayed {text:?}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until the element's text is exactly `expected`.
    pub async fn expect_text(&self, testid: &str, expected: &str) {
        self.wait_text(testid, |t| t == expected).await;
    }

    /// Waits until the element's attribute is `expected`.
    pub async fn expect_attr(&self, testid: &str, attr: &str, expected: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let value = match self.client.find(Locator::Css(&by_testid(testid))).await {
                Ok(el) => el.attr(attr).await.ok().flatten(),
                Err(_) => None,
            };
            if value.as_deref() == Some(expected) {
                return;
            }
            if Instant::now() > deadline {
                let msg = format!(
                    "[data-testid={testid}] {attr} stayed {value:?}, expected {expected:?}"
                );
                self.fail(msg).await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits until `<html lang>` is `expected`.
    pub async fn expect_lang(&self, expected: &str) {
        let deadline = Instant::now() + PATIENCE;
        loop {
            let lang = self
                .client
                .execute("return document.documentElement.lang;", vec![])
                .await
                .unwrap();
            if lang == expected {
                return;
            }
            if Instant::now() > deadline {
                self.fail(format!("<html lang> stayed {lang}, expected {expected}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Fills and submits the login form.
    pub async fn log_in(&self, server_url: &str, tenant: &str, username: &str, password: &str) {
        self.fill("login-server", server_url).await;
        self.fill("login-tenant", tenant).await;
        self.fill("login-username", username).await;
        self.fill("login-password", password).await;
        self.click("login-submit").await;
    }

    /// Saves a screenshot (for failures and for people to look at).
    pub async fn screenshot(&self, path: &Path) {
        if let Ok(png) = self.client.screenshot().await {
            let _ = std::fs::write(path, png);
        }
    }
}
