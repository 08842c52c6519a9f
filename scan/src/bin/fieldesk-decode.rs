//! `fieldesk-decode FILE...`: one JSON line per file —
//! `{"file", "format", "text", "ms"}` or `{"file", "error", "ms"}` — for
//! admins checking labels and for the scan benchmark.

use std::time::Duration;

use fieldesk_scan::{DEFAULT_BUDGET, decode_file_bytes};
use serde_json::json;

fn main() {
    let files: Vec<String> = std::env::args().skip(1).collect();
    if files.is_empty() {
        eprintln!("usage: fieldesk-decode FILE...");
        std::process::exit(2);
    }
    let budget = std::env::var("FIELDESK_DECODE_BUDGET_MS")
        .ok()
        .and_then(|v| v.parse().ok())
        .map_or(DEFAULT_BUDGET, Duration::from_millis);
    let mut failed = false;
    for file in files {
        let line = match std::fs::read(&file) {
            Ok(bytes) => {
                let (result, took) = decode_file_bytes(&bytes, budget);
                let ms = (took.as_secs_f64() * 1000.0 * 100.0).round() / 100.0;
                match result {
                    Ok(d) => json!({"file": file, "format": d.format, "text": d.text, "ms": ms}),
                    Err(e) => {
                        failed = true;
                        json!({"file": file, "error": e.to_string(), "ms": ms})
                    }
                }
            }
            Err(e) => {
                failed = true;
                json!({"file": file, "error": e.to_string()})
            }
        };
        println!("{line}");
    }
    std::process::exit(i32::from(failed));
}
