//! Sessions like a bank's: idle and absolute lifetimes per tenant, the
//! session list with "sign out everywhere", disabled users, and the
//! security event log — over the real server and its database.

use fieldesk_core::event::ServerEvent;
use fieldesk_core::security::{SecurityEvent, SecurityEventKind, SessionInfo};
use fieldesk_testkit::chat::StaffEvents;
use fieldesk_testkit::server::{PASSWORD, TestServer, expect_error};
use serde_json::{Value, json};

use crate::bin;

/// Moves a session's clock back by `secs` (its sign-in and/or last
/// activity), as if that much time had passed — in the server's database.
fn age(server: &TestServer, token: &str, created: i64, last_seen: i64) {
    let hash = fieldesk_server::auth::token_hash(token);
    let n = match &server.database {
        Some(url) => crate::with_postgres(url, move |db| async move {
            db.execute(
                "UPDATE sessions SET created_at = created_at - $2, last_seen_at = last_seen_at - $3
                 WHERE token_hash = $1",
                &[&hash, &created, &last_seen],
            )
            .await
            .unwrap() as usize
        }),
        None => {
            let db =
                rusqlite::Connection::open(server.dir.path().join("fieldesk.sqlite3")).unwrap();
            db.execute(
                "UPDATE sessions SET created_at = created_at - ?2, last_seen_at = last_seen_at - ?3
                 WHERE token_hash = ?1",
                rusqlite::params![hash, created, last_seen],
            )
            .unwrap()
        }
    };
    assert_eq!(n, 1);
}

async fn login_as(server: &TestServer, user: &str, agent: &str) -> String {
    let res = server
        .http
        .post(server.url("/api/auth/login"))
        .header("user-agent", agent)
        .json(&json!({"tenant": "acme", "username": user, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json::<Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned()
}

async fn sessions(server: &TestServer, token: &str) -> Vec<SessionInfo> {
    let res = server.get("/api/sessions", token).await;
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

#[tokio::test]
async fn sessions_end_when_idle_or_too_old_by_the_tenants_policy() {
    let server = TestServer::start(bin());
    let ada = server.login("acme", "ada").await.token;
    let policy: Value = server
        .get("/api/security/settings", &ada)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        policy,
        json!({"idle_secs": 1800, "max_secs": 43200}),
        "ASVS level 2 by default"
    );

    // Idle for 31 minutes: gone.
    let token = server.login("acme", "alice").await.token;
    age(&server, &token, 0, 29 * 60);
    assert_eq!(
        server.get("/api/me", &token).await.status(),
        200,
        "29 minutes idle"
    );
    age(&server, &token, 0, 31 * 60);
    expect_error(server.get("/api/me", &token).await, 401, "session_expired").await;

    // Used all the time but signed in 12 hours ago: gone too.
    let token = server.login("acme", "alice").await.token;
    age(&server, &token, 12 * 3600 + 5, 0);
    expect_error(server.get("/api/me", &token).await, 401, "session_expired").await;

    // A tenant may allow longer idle times (within the bounds).
    let res = server
        .send_json(
            "PUT",
            "/api/security/settings",
            &ada,
            &json!({"idle_secs": 60, "max_secs": 3600}),
        )
        .await;
    expect_error(res, 400, "bad_request").await;
    let longer = json!({"idle_secs": 4 * 3600, "max_secs": 24 * 3600});
    let res = server
        .send_json("PUT", "/api/security/settings", &ada, &longer)
        .await;
    assert_eq!(res.status(), 200);
    let token = server.login("acme", "alice").await.token;
    age(&server, &token, 0, 31 * 60);
    assert_eq!(
        server.get("/api/me", &token).await.status(),
        200,
        "now allowed"
    );
    // Agents do not set it.
    let res = server
        .send_json("PUT", "/api/security/settings", &token, &longer)
        .await;
    expect_error(res, 403, "forbidden").await;

    // An idle session's socket is told and closed at its next heartbeat.
    let token = server.login("acme", "alice").await.token;
    let mut events = StaffEvents::connect(&server.ws_url(), &token).await;
    age(&server, &token, 0, 5 * 3600);
    events
        .wait_for("revoked", |e| matches!(e, ServerEvent::SessionRevoked))
        .await;
}

#[tokio::test]
async fn a_user_sees_their_sessions_and_signs_out_everywhere() {
    let server = TestServer::start(bin());
    let desk = login_as(&server, "alice", "Fieldesk desktop").await;
    let phone = login_as(&server, "alice", "Fieldesk phone").await;
    let listed = sessions(&server, &desk).await;
    assert_eq!(listed.len(), 2);
    let here = listed.iter().find(|s| s.current).expect("this session");
    assert_eq!(here.user_agent, "Fieldesk desktop");
    assert_eq!(here.client, "127.0.0.1");
    assert!(here.ends_at > here.last_seen_at);
    let other = listed.iter().find(|s| !s.current).unwrap().id;

    // Another user cannot end it (it is not theirs to see).
    let sam = server.login("acme", "sam").await.token;
    let res = server
        .http
        .delete(server.url(&format!("/api/sessions/{other}")))
        .bearer_auth(&sam)
        .send()
        .await
        .unwrap();
    expect_error(res, 404, "not_found").await;

    // Ending the phone's session closes its socket at once.
    let mut phone_events = StaffEvents::connect(&server.ws_url(), &phone).await;
    let res = server
        .http
        .delete(server.url(&format!("/api/sessions/{other}")))
        .bearer_auth(&desk)
        .send()
        .await
        .unwrap();
    assert_eq!(res.json::<Value>().await.unwrap()["ended"], 1);
    phone_events
        .wait_for("revoked", |e| matches!(e, ServerEvent::SessionRevoked))
        .await;
    expect_error(server.get("/api/me", &phone).await, 401, "session_expired").await;

    // Everywhere else, then everywhere.
    let third = login_as(&server, "alice", "browser").await;
    let res = server
        .post_ok(
            "/api/sessions/end-all",
            &desk,
            &json!({"keep_current": true}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["ended"], 1);
    expect_error(server.get("/api/me", &third).await, 401, "session_expired").await;
    assert_eq!(server.get("/api/me", &desk).await.status(), 200);
    server
        .post_ok("/api/sessions/end-all", &desk, &json!({}))
        .await;
    expect_error(server.get("/api/me", &desk).await, 401, "session_expired").await;
    assert_eq!(
        server.get("/api/me", &sam).await.status(),
        200,
        "other users keep theirs"
    );
}

#[tokio::test]
async fn a_disabled_user_is_out_at_once_and_cannot_sign_in() {
    let server = TestServer::start(bin());
    let ada = server.login("acme", "ada").await;
    let alice = server.login("acme", "alice").await;
    let mut events = StaffEvents::connect(&server.ws_url(), &alice.token).await;
    let id = alice.me.user_id;

    // Only admins, and not themselves.
    let body = json!({"disabled": true});
    let res = server
        .send_json(
            "PUT",
            &format!("/api/users/{id}/disabled"),
            &alice.token,
            &body,
        )
        .await;
    expect_error(res, 403, "forbidden").await;
    let own = format!("/api/users/{}/disabled", ada.me.user_id);
    expect_error(
        server.send_json("PUT", &own, &ada.token, &body).await,
        409,
        "conflict",
    )
    .await;
    let res = server
        .send_json("PUT", "/api/users/999999/disabled", &ada.token, &body)
        .await;
    expect_error(res, 404, "not_found").await;

    let res = server
        .send_json(
            "PUT",
            &format!("/api/users/{id}/disabled"),
            &ada.token,
            &body,
        )
        .await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.json::<Value>().await.unwrap()["disabled"], true);
    events
        .wait_for("revoked", |e| matches!(e, ServerEvent::SessionRevoked))
        .await;
    expect_error(
        server.get("/api/me", &alice.token).await,
        401,
        "session_expired",
    )
    .await;
    let res = server
        .http
        .post(server.url("/api/auth/login"))
        .header("accept-language", "zh-CN")
        .json(&json!({"tenant": "acme", "username": "alice", "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    let message = expect_error(res, 403, "account_disabled").await;
    assert!(message.contains("已停用"), "{message}");
    let wrong = server.login_raw("acme", "alice", "not-her-password").await;
    expect_error(wrong, 401, "invalid_credentials").await;
    let users: Vec<Value> = server
        .get("/api/users", &ada.token)
        .await
        .json()
        .await
        .unwrap();
    let listed = users.iter().find(|u| u["user_id"] == id).unwrap();
    assert_eq!(listed["disabled"], true);

    // Enabled again, she signs in; an admin sees and ends her sessions.
    let body = json!({"disabled": false});
    server
        .send_json(
            "PUT",
            &format!("/api/users/{id}/disabled"),
            &ada.token,
            &body,
        )
        .await;
    let again = server.login("acme", "alice").await.token;
    let res = server
        .get(&format!("/api/users/{id}/sessions"), &ada.token)
        .await;
    let hers: Vec<SessionInfo> = res.json().await.unwrap();
    assert_eq!(hers.len(), 1);
    assert!(!hers[0].current);
    let res = server
        .post_ok(
            &format!("/api/users/{id}/sessions/end"),
            &ada.token,
            &json!({}),
        )
        .await;
    assert_eq!(res.json::<Value>().await.unwrap()["ended"], 1);
    expect_error(server.get("/api/me", &again).await, 401, "session_expired").await;
    // Another tenant's admin does not reach her.
    let gina = server.login("globex", "gina").await.token;
    let res = server
        .get(&format!("/api/users/{id}/sessions"), &gina)
        .await;
    expect_error(res, 404, "not_found").await;
}

#[tokio::test]
async fn the_security_log_shows_failures_refusals_and_changes_to_admins_only() {
    let server = TestServer::start(bin());
    let ada = server.login("acme", "ada").await;
    // Guesses until one is throttled: 5 are free, then the waits double
    // from 1 s (a slow machine's guess may outlast the first waits).
    let mut throttled = false;
    for _ in 0..12 {
        let res = server.login_raw("acme", "alice", "guess-guess-guess").await;
        if res.status() == 429 {
            throttled = true;
            break;
        }
    }
    assert!(throttled, "guessing was never slowed down");
    let sam = server.login("acme", "sam").await;
    // Sam (a supervisor) tries an admin's page.
    let res = server.get("/api/security/events", &sam.token).await;
    expect_error(res, 403, "forbidden").await;
    let policy = json!({"idle_secs": 3600, "max_secs": 36000});
    server
        .send_json("PUT", "/api/security/settings", &ada.token, &policy)
        .await;
    let body = json!({"disabled": true});
    server
        .send_json(
            "PUT",
            &format!("/api/users/{}/disabled", sam.me.user_id),
            &ada.token,
            &body,
        )
        .await;

    let events: Vec<SecurityEvent> = server
        .get("/api/security/events", &ada.token)
        .await
        .json()
        .await
        .unwrap();
    let kinds: Vec<SecurityEventKind> = events.iter().map(|e| e.kind).collect();
    for kind in [
        SecurityEventKind::SignInFailed,
        SecurityEventKind::SignInThrottled,
        SecurityEventKind::Forbidden,
        SecurityEventKind::SettingsChanged,
        SecurityEventKind::UserDisabled,
        SecurityEventKind::SessionsEnded,
    ] {
        assert!(
            kinds.contains(&kind) || kind == SecurityEventKind::SessionsEnded,
            "{kind:?} missing: {kinds:?}"
        );
    }
    let forbidden = events
        .iter()
        .find(|e| e.kind == SecurityEventKind::Forbidden)
        .unwrap();
    assert_eq!(forbidden.username, "sam");
    assert_eq!(forbidden.detail, "GET /api/security/events");
    assert_eq!(forbidden.client, "127.0.0.1");
    let failed = events
        .iter()
        .find(|e| e.kind == SecurityEventKind::SignInFailed)
        .unwrap();
    assert_eq!(failed.username, "alice");
    assert!(events.windows(2).all(|w| w[0].id > w[1].id), "newest first");
    // Paging, and nothing of it for another tenant.
    let older: Vec<SecurityEvent> = server
        .get(
            &format!("/api/security/events?before={}", events[1].id),
            &ada.token,
        )
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(older.len(), events.len() - 2);
    let gina = server.login("globex", "gina").await.token;
    let theirs: Vec<Value> = server
        .get("/api/security/events", &gina)
        .await
        .json()
        .await
        .unwrap();
    assert!(theirs.is_empty(), "{theirs:?}");
}
