//! The server on PostgreSQL (`--database postgres://…`): seeded by the
//! operator CLI, serving the API, keeping what it was told across a
//! restart. The cluster is the one `cargo xtask setup` starts
//! (`FIELDESK_TEST_POSTGRES`); each test makes a database of its own.

use fieldesk_core::work_order::WorkOrderView;
use fieldesk_testkit::server::{TestServer, cli, expect_error};
use serde_json::json;

use crate::bin;

/// A new, empty database in the test cluster; its URL.
async fn fresh_database() -> String {
    let url = std::env::var("FIELDESK_TEST_POSTGRES")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:55432/postgres".into());
    let (client, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap_or_else(|e| panic!("no PostgreSQL at {url} ({e}): `cargo xtask setup` starts one"));
    tokio::spawn(connection);
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).unwrap();
    let name = format!(
        "fieldesk_it_{}_{}",
        std::process::id(),
        u64::from_le_bytes(bytes)
    );
    client
        .batch_execute(&format!("CREATE DATABASE {name}"))
        .await
        .unwrap();
    let (base, _) = url.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

#[tokio::test]
async fn the_server_runs_on_postgres_and_keeps_its_data_across_a_restart() {
    let url = fresh_database().await;
    let server = TestServer::start_on(bin(), &url, &[]);
    // The tenants are in PostgreSQL, and no SQLite file was made.
    let (db, connection) = tokio_postgres::connect(&url, tokio_postgres::NoTls)
        .await
        .unwrap();
    tokio::spawn(connection);
    let slugs: Vec<String> = db
        .query("SELECT slug FROM tenants ORDER BY slug", &[])
        .await
        .unwrap()
        .iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(slugs, ["acme", "globex"]);
    assert!(!server.dir.path().join("fieldesk.sqlite3").exists());
    let sam = server.login("acme", "sam").await.token;
    let created: WorkOrderView = server
        .post_ok(
            "/api/work-orders",
            &sam,
            &json!({
                "number": "WO-PG-1", "customer": "Acme Hospital", "contact": "Li",
                "address": "深圳市南山区科技园 1 号", "order_type": "maintenance", "priority": "high",
                "devices": [{"serial_number": "SN-1", "model": "X200"}]
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    // Tenants stay apart on PostgreSQL too.
    let gina = server.login("globex", "gina").await.token;
    expect_error(
        server
            .get(&format!("/api/work-orders/{}", created.id), &gina)
            .await,
        404,
        "not_found",
    )
    .await;

    // Another server process on the same database sees it all.
    let dir = server.stop();
    let again = TestServer::serve_on(bin(), dir, Some(&url), "127.0.0.1:0", &[]);
    let sam = again.login("acme", "sam").await.token;
    let orders: Vec<WorkOrderView> = again
        .get("/api/work-orders", &sam)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        orders.iter().map(|o| o.number.as_str()).collect::<Vec<_>>(),
        ["WO-PG-1"]
    );
}

#[test]
fn an_unknown_database_is_refused_never_a_silent_fallback() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["mysql://fd@db/fd", "redis://db"] {
        let out = cli(
            bin(),
            dir.path(),
            &["--database", bad, "tenant", "add", "acme", "Acme"],
            "",
        );
        assert!(!out.status.success(), "{bad} was taken");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains("unknown database"), "{stderr}");
    }
    assert!(
        !dir.path().join("fieldesk.sqlite3").exists(),
        "nothing was made in SQLite instead"
    );
}

/// Two replicas on one database at once: no sticky sessions — a sign-in
/// on one works on the other, a write on one is read on the other, a
/// sign-out on one ends the session on both.
#[tokio::test]
async fn two_replicas_share_sessions_and_data() {
    let url = fresh_database().await;
    let a = TestServer::start_on(bin(), &url, &[]);
    // Replicas share the server key (`secret.key` in the data dir).
    let b_dir = tempfile::tempdir().unwrap();
    std::fs::copy(
        a.dir.path().join("secret.key"),
        b_dir.path().join("secret.key"),
    )
    .unwrap();
    let b = TestServer::serve_on(bin(), b_dir, Some(&url), "127.0.0.1:0", &[]);
    assert_ne!(a.base, b.base);

    let sam = a.login("acme", "sam").await.token;
    let created: WorkOrderView = b
        .post_ok(
            "/api/work-orders",
            &sam,
            &json!({
                "number": "WO-R-1", "customer": "Acme Hospital", "contact": "Li",
                "address": "深圳市南山区科技园 1 号", "order_type": "repair", "priority": "normal",
                "devices": []
            }),
        )
        .await
        .json()
        .await
        .unwrap();
    let seen: WorkOrderView = a
        .get(&format!("/api/work-orders/{}", created.id), &sam)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(seen.number, "WO-R-1");

    let res = a
        .http
        .post(b.url("/api/auth/logout"))
        .bearer_auth(&sam)
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success(), "{}", res.status());
    for replica in [&a, &b] {
        assert_eq!(
            replica.get("/api/work-orders", &sam).await.status(),
            401,
            "signed out everywhere"
        );
    }
}
