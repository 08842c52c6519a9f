//! Sign-in under attack: throttling per account and per client address,
//! bounded password hashing, and no hint whether a user exists.

use std::time::{Duration, Instant};

use serde_json::json;

use crate::bin;
use fieldesk_testkit::server::{PASSWORD, TestServer, expect_error};

async fn login_from(
    server: &TestServer,
    client: &reqwest::Client,
    user: &str,
    password: &str,
) -> reqwest::Response {
    client
        .post(server.url("/api/auth/login"))
        .header("accept-language", "zh-CN")
        .json(&json!({"tenant": "acme", "username": user, "password": password}))
        .send()
        .await
        .unwrap()
}

fn retry_after(res: &reqwest::Response) -> u64 {
    res.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_account_is_paused_after_failures_with_growing_waits() {
    let server = TestServer::start(bin());
    let client = TestServer::client_from([127, 0, 0, 7]);
    // Five failures are free; after the 6th the next attempt waits 1 s,
    // after the 7th 2 s (a window wide enough for the next two requests
    // on a busy machine).
    for _ in 0..6 {
        let res = login_from(&server, &client, "alice", "wrong-password").await;
        expect_error(res, 401, "invalid_credentials").await;
    }
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let res = login_from(&server, &client, "alice", "wrong-password").await;
    expect_error(res, 401, "invalid_credentials").await;
    // From another address too: the account is what is paused.
    let elsewhere = TestServer::client_from([127, 0, 0, 8]);
    let res = login_from(&server, &elsewhere, "alice", PASSWORD).await;
    assert_eq!(res.status(), 429);
    // Now even the right password waits, and nothing is checked.
    let res = login_from(&server, &client, "alice", PASSWORD).await;
    let wait = retry_after(&res);
    assert!((1..=2).contains(&wait), "{wait}");
    let message = expect_error(res, 429, "too_many_attempts").await;
    assert!(
        message.contains("登录失败次数过多") && message.contains(&format!("{wait} 秒")),
        "{message}"
    );
    tokio::time::sleep(Duration::from_millis(wait * 1000 + 100)).await;
    // The next failure doubles the wait again.
    let res = login_from(&server, &client, "alice", "wrong-password").await;
    expect_error(res, 401, "invalid_credentials").await;
    let res = login_from(&server, &client, "alice", PASSWORD).await;
    let wait = retry_after(&res);
    assert!((3..=4).contains(&wait), "{wait}");
    tokio::time::sleep(Duration::from_millis(wait * 1000 + 100)).await;
    let res = login_from(&server, &client, "alice", PASSWORD).await;
    assert_eq!(res.status(), 200, "the right password after the wait");
    // A success starts the count again: five failures are free.
    for _ in 0..5 {
        let res = login_from(&server, &client, "alice", "wrong-password").await;
        assert_eq!(res.status(), 401);
    }
    // Other accounts were never held up.
    let res = login_from(&server, &elsewhere, "sam", PASSWORD).await;
    assert_eq!(res.status(), 200);
}

#[tokio::test]
async fn a_client_trying_many_accounts_is_paused() {
    let server = TestServer::start(bin());
    let guesser = TestServer::client_from([127, 0, 0, 9]);
    for i in 0..21 {
        let res = login_from(&server, &guesser, &format!("user{i}"), "guess").await;
        expect_error(res, 401, "invalid_credentials").await;
    }
    let res = login_from(&server, &guesser, "alice", PASSWORD).await;
    assert!(retry_after(&res) >= 1);
    expect_error(res, 429, "too_many_attempts").await;
    // Everyone else signs in as usual.
    server.login("acme", "alice").await;
}

/// The peak resident memory of a process, in MiB.
fn peak_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status
        .lines()
        .find(|l| l.starts_with("VmHWM:"))
        .expect("VmHWM in /proc/PID/status");
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib / 1024
}

#[tokio::test]
async fn a_burst_of_wrong_logins_stays_small() {
    let server = TestServer::start(bin());
    let flood = TestServer::client_from([127, 0, 0, 10]);
    let mut attempts = Vec::new();
    for i in 0..128 {
        let (flood, url) = (flood.clone(), server.url("/api/auth/login"));
        attempts.push(tokio::spawn(async move {
            flood
                .post(url)
                .json(&json!({"tenant": "acme", "username": format!("u{i}"), "password": "guess"}))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        }));
    }
    let mut statuses = Vec::new();
    for a in attempts {
        statuses.push(a.await.unwrap());
    }
    assert!(
        statuses.iter().all(|s| *s == 401 || *s == 429),
        "{statuses:?}"
    );
    assert!(statuses.contains(&401), "some were checked");
    let peak = peak_mib(server.pid());
    assert!(
        peak < 300,
        "the server peaked at {peak} MiB under 128 wrong logins"
    );
    // And it still serves everyone else.
    server.login("acme", "sam").await;
}

#[tokio::test]
async fn unknown_users_take_as_long_as_known_ones() {
    let server = TestServer::start(bin());
    let client = TestServer::client_from([127, 0, 0, 11]);
    let mut median = Vec::new();
    for user in ["alice", "nobody-here", "sam", "nobody-there"] {
        let mut times = Vec::new();
        for _ in 0..3 {
            let started = Instant::now();
            let res = login_from(&server, &client, user, "wrong-password").await;
            times.push(started.elapsed());
            assert_eq!(res.status(), 401);
        }
        times.sort();
        median.push(times[1].as_secs_f64());
    }
    let known = median[0].max(median[2]);
    let unknown = median[1].max(median[3]);
    let ratio = unknown / known;
    assert!(
        (0.5..2.0).contains(&ratio),
        "unknown {unknown:.3} s vs known {known:.3} s"
    );
}
