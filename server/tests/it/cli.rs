use crate::bin;
use fieldesk_testkit::server::{PASSWORD, TestServer, cli, cli_ok, expect_error};

#[tokio::test]
async fn demo_tenant_is_created_once_with_printed_passwords() {
    let server = TestServer::start_with(bin(), &["--demo"], false);
    let head = server.stdout_head.join("\n");
    let accounts: Vec<(String, String, String)> = server
        .stdout_head
        .iter()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 3).then(|| (f[0].to_owned(), f[1].to_owned(), f[2].to_owned()))
        })
        .collect();
    let roles: Vec<&str> = accounts.iter().map(|a| a.1.as_str()).collect();
    assert_eq!(
        roles,
        [
            "admin",
            "supervisor",
            "agent",
            "agent",
            "engineer",
            "engineer",
            "provider_admin",
            "engineer",
            "customer"
        ],
        "{head}"
    );
    // The parts mall is on: the demo customer signs in to the shop and
    // finds the parts of the demo chillers at the customers' price; the
    // provider's admin sees its gold tier's.
    let (email, _, secret) = &accounts[8];
    let session: serde_json::Value = reqwest::Client::new()
        .post(server.url("/api/shop/demo/signin"))
        .json(&serde_json::json!({"email": email, "password": secret}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(session["customer"]["verified"], true, "{session}");
    let offers: serde_json::Value = server
        .get_json("/api/shop/demo/offers?model=chiller%2030xa")
        .await;
    let compressor = offers
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["item"]["sku"] == "CH30XA-CMP")
        .expect("the compressor fits the demo chillers");
    assert_eq!(compressor["quote"]["list"]["minor"], 3_280_000);
    assert_eq!(compressor["quote"]["price"]["minor"], 3_116_000);
    assert_eq!(offers.as_array().unwrap().len(), 6);
    let (provider, _, secret) = &accounts[6];
    let res = server.login_raw("demo", provider, secret).await;
    let token = res.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let tiered: serde_json::Value = server
        .get("/api/mall/offers?q=CH30XA-CMP", &token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(tiered[0]["quote"]["price"]["minor"], 2_624_000, "{tiered}");
    // Dispatch is set up: orders go to the team or provider of their place.
    let (supervisor, _, secret) = &accounts[1];
    let res = server.login_raw("demo", supervisor, secret).await;
    let token = res.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    for (n, (kind, address, target)) in [
        (
            "repair",
            "广东省深圳市南山区科技园",
            "深圳服务组 Shenzhen team",
        ),
        (
            "repair",
            "广州市天河区体育西路",
            "广州服务组 Guangzhou team",
        ),
        ("install", "深圳市福田区", "粤电服务商 Yuedian Services"),
    ]
    .into_iter()
    .enumerate()
    {
        let body = serde_json::json!({"number": format!("D-{n}"), "customer": "c", "contact": "c",
            "address": address, "order_type": kind, "priority": "normal"});
        let order: serde_json::Value = server
            .post_ok("/api/work-orders", &token, &body)
            .await
            .json()
            .await
            .unwrap();
        assert_eq!(order["target"]["name"], target, "{order}");
    }
    let (user, _, password) = &accounts[2];
    let res = server.login_raw("demo", user, password).await;
    assert_eq!(res.status(), 200);
    // agent1's workbench: the email layout on the email channel, its own
    // quick reply and the enterprise's.
    let agent = res.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let layouts: serde_json::Value = server
        .get("/api/workbench", &agent)
        .await
        .json()
        .await
        .unwrap();
    let names: Vec<(String, String, String)> = layouts
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            let s = |v: &serde_json::Value| v.as_str().unwrap().to_owned();
            (
                s(&r["app"]),
                s(&r["channel"]),
                s(&r["layout"]["workbench_name"]),
            )
        })
        .collect();
    assert!(
        names.contains(&("desktop".into(), "email".into(), "邮件工作台".into())),
        "{names:?}"
    );
    assert!(names.contains(&("desktop".into(), "web_chat".into(), "在线客服工作台".into())));
    assert!(names.contains(&("mobile".into(), "email".into(), "移动客服".into())));
    let book: serde_json::Value = server
        .get("/api/quick-replies", &agent)
        .await
        .json()
        .await
        .unwrap();
    let titles: Vec<&str> = book["replies"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["title"].as_str().unwrap())
        .collect();
    assert_eq!(
        titles,
        [
            "稍等",
            "问候 Greeting",
            "退款流程",
            "发货时间",
            "Refund policy"
        ]
    );
    assert_ne!(
        accounts[0].2, accounts[1].2,
        "passwords are generated per user"
    );

    let dir = server.stop();
    let again = TestServer::serve(bin(), dir, "127.0.0.1:0", &["--demo"]);
    assert!(
        !again.stdout_head.iter().any(|l| l.contains("passwords")),
        "second start prints no passwords"
    );
    assert_eq!(again.login_raw("demo", user, password).await.status(), 200);
}

#[tokio::test]
async fn data_survives_a_restart() {
    let server = TestServer::start(bin());
    let token = server.login("acme", "alice").await.token;
    let dir = server.stop();
    let server = TestServer::serve(bin(), dir, "127.0.0.1:0", &[]);
    assert_eq!(
        server.get("/api/me", &token).await.status(),
        200,
        "sessions persist"
    );
}

#[tokio::test]
async fn passwd_changes_the_password_and_ends_sessions() {
    let server = TestServer::start(bin());
    let token = server.login("acme", "alice").await.token;
    cli_ok(
        bin(),
        server.dir.path(),
        &["user", "passwd", "--tenant", "acme", "--username", "alice"],
        "another-password\n",
    );
    expect_error(server.get("/api/me", &token).await, 401, "session_expired").await;
    expect_error(
        server.login_raw("acme", "alice", PASSWORD).await,
        401,
        "invalid_credentials",
    )
    .await;
    assert_eq!(
        server
            .login_raw("acme", "alice", "another-password")
            .await
            .status(),
        200
    );
}

#[test]
fn operator_commands_reject_bad_input_clearly() {
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    cli_ok(bin(), dir, &["tenant", "add", "acme", "Acme"], "");
    let add_bob = [
        "user",
        "add",
        "--tenant",
        "acme",
        "--username",
        "bob",
        "--role",
        "agent",
    ];
    let cases: [(&[&str], &str, &str); 9] = [
        (&["tenant", "add", "acme", "Again"], "", "already exists"),
        (&["tenant", "add", "Bad Slug", "X"], "", "invalid slug"),
        (&add_bob, "short-pw-12\n", "at least 12"),
        (&add_bob, "Password1234\n", "too easy to guess"),
        (&add_bob, "bob-2026-01-01\n", "too easy to guess"),
        (
            &[
                "user",
                "add",
                "--tenant",
                "nope",
                "--username",
                "bob",
                "--role",
                "agent",
            ],
            "long-enough-pw\n",
            "no tenant",
        ),
        (
            &[
                "user",
                "add",
                "--tenant",
                "acme",
                "--username",
                "bob",
                "--role",
                "root",
            ],
            "long-enough-pw\n",
            "unknown role",
        ),
        (
            &["user", "passwd", "--tenant", "acme", "--username", "ghost"],
            "long-enough-pw\n",
            "not found",
        ),
        (
            &[
                "serve",
                "--listen",
                "127.0.0.1:0",
                "--public-url",
                "ftp://files.example",
            ],
            "",
            "http:// or https://",
        ),
    ];
    for (args, stdin, expected) in cases {
        let out = cli(bin(), dir, args, stdin);
        assert!(!out.status.success(), "{args:?} should fail");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(expected), "{args:?}: {stderr}");
    }
    cli_ok(bin(), dir, &add_bob, "long-enough-pw\n");
    let dup = cli(bin(), dir, &add_bob, "long-enough-pw\n");
    assert!(String::from_utf8_lossy(&dup.stderr).contains("already exists"));
}
