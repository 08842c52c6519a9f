//! A real browser for the visitor chat window: Debian's Chromium, headless,
//! through chromedriver. Pages are driven with the same helpers as the app
//! window ([`AppWindow`]).

use std::path::{Path, PathBuf};
use std::process::{Child, Command};
use std::time::{Duration, Instant};

use fantoccini::ClientBuilder;
use serde_json::json;

use crate::app::{AppWindow, free_port};

/// A chromedriver process.
pub struct Browser {
    child: Child,
    port: u16,
    log: PathBuf,
}

impl Browser {
    pub async fn start(log: &Path) -> Self {
        let port = free_port();
        let log_file = std::fs::File::create(log).unwrap();
        let child = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(log_file.try_clone().unwrap())
            .stderr(log_file)
            .spawn()
            .expect("chromedriver is installed (cargo xtask setup: chromium-driver)");
        let deadline = Instant::now() + Duration::from_secs(30);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "chromedriver did not start");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        Browser {
            child,
            port,
            log: log.to_owned(),
        }
    }

    /// A new headless Chromium window at `url`.
    pub async fn open(&self, url: &str) -> AppWindow {
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({
                "binary": "/usr/bin/chromium",
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=480,800"]
            }),
        );
        // lettre brings rustls' ring provider beside fantoccini's default
        // one: with two, rustls picks none by itself (a scenario run
        // alone, before any app window installed one, met that).
        let _ = rustls::crypto::ring::default_provider().install_default();
        let client = ClientBuilder::rustls()
            .expect("rustls")
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("headless Chromium starts");
        client.goto(url).await.expect("the page loads");
        AppWindow::new(client, self.log.with_extension("failure"))
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
