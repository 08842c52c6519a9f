use serde_json::Value;

use crate::bin;
use fieldesk_testkit::server::{PASSWORD, TestServer, expect_error};

#[tokio::test]
async fn health_and_openapi_describe_the_api() {
    let server = TestServer::start(bin());
    let health: Value = server.get_json("/api/health").await;
    assert_eq!(health["status"], "ok");
    let doc: Value = server.get_json("/api/openapi.json").await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/auth/login",
        "/api/auth/logout",
        "/api/me",
        "/api/users",
        "/api/ws",
    ] {
        assert!(
            doc["paths"].get(path).is_some(),
            "{path} missing from OpenAPI"
        );
    }
    assert!(doc["components"]["schemas"].get("ErrorBody").is_some());
    // Every reference resolves.
    let mut refs = Vec::new();
    collect_refs(&doc, &mut refs);
    assert!(refs.len() > 100, "{} references", refs.len());
    for r in refs {
        let name = r
            .strip_prefix("#/components/schemas/")
            .expect("a schema ref");
        assert!(
            doc["components"]["schemas"].get(name).is_some(),
            "{r} is referenced but not defined"
        );
    }
    // A step's value is any JSON value (text, number, bool), not an object.
    let value = &doc["components"]["schemas"]["StepValue"]["properties"]["value"];
    assert!(value.get("type").is_none(), "StepValue.value: {value}");
    // Every operation documents its error answers.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            assert!(
                op["responses"].get("default").is_some(),
                "{method} {path} has no error answer"
            );
        }
    }
}

/// The app's endpoint table (`core::endpoint`) and the server agree: each
/// entry is routed with its method (an anonymous call is refused as
/// unauthenticated or malformed, never "no such route" or "method not
/// allowed") and documented in OpenAPI.
#[tokio::test]
async fn every_endpoint_the_app_calls_is_routed_and_documented() {
    use fieldesk_core::endpoint::{ALL, Method};
    let server = TestServer::start(bin());
    let doc: Value = server.get_json("/api/openapi.json").await;
    let shape = |template: &str| {
        let mut out = String::new();
        let mut in_param = false;
        for c in template.chars() {
            match c {
                '{' => {
                    in_param = true;
                    out.push_str("{}");
                }
                '}' => in_param = false,
                c if !in_param => out.push(c),
                _ => {}
            }
        }
        out
    };
    let documented: Vec<(String, String)> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .flat_map(|(path, item)| {
            let path = shape(path);
            item.as_object()
                .unwrap()
                .keys()
                .map(move |method| (method.to_uppercase(), path.clone()))
        })
        .collect();
    let http = reqwest::Client::new();
    assert!(ALL.len() > 80, "{} endpoints", ALL.len());
    for (method, template) in ALL {
        let filled = shape(template).replace("{}", "1");
        let verb = match method {
            Method::Get => reqwest::Method::GET,
            Method::Post => reqwest::Method::POST,
            Method::Put => reqwest::Method::PUT,
            Method::Delete => reqwest::Method::DELETE,
        };
        let res = http
            .request(verb, server.url(&filled))
            .send()
            .await
            .unwrap();
        let status = res.status().as_u16();
        assert!(
            ![404, 405].contains(&status),
            "{} {template}: {status} (not routed)",
            method.as_str()
        );
        assert!(
            documented.contains(&(method.as_str().to_owned(), shape(template))),
            "{} {template} is not in OpenAPI",
            method.as_str()
        );
    }
}

fn collect_refs(v: &Value, out: &mut Vec<String>) {
    match v {
        Value::Object(map) => {
            if let Some(Value::String(r)) = map.get("$ref") {
                out.push(r.clone());
            }
            map.values().for_each(|x| collect_refs(x, out));
        }
        Value::Array(items) => items.iter().for_each(|x| collect_refs(x, out)),
        _ => {}
    }
}

#[tokio::test]
async fn login_returns_a_token_that_identifies_the_user() {
    let server = TestServer::start(bin());
    let login = server.login("acme", "alice").await;
    assert_eq!(login.me.username, "alice");
    assert_eq!(login.me.tenant.workbench_name, "Acme Service Desk");
    let me: Value = server
        .get("/api/me", &login.token)
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(me["username"], "alice");
    assert_eq!(me["role"], "agent");
    assert_eq!(me["tenant"]["slug"], "acme");
}

#[tokio::test]
async fn wrong_password_unknown_user_and_unknown_tenant_look_the_same() {
    let server = TestServer::start(bin());
    for (tenant, user, password) in [
        ("acme", "alice", "wrong-password"),
        ("acme", "nobody", PASSWORD),
        ("nowhere", "alice", PASSWORD),
        // A user of one tenant cannot log in through another.
        ("globex", "alice", PASSWORD),
    ] {
        let res = server.login_raw(tenant, user, password).await;
        expect_error(res, 401, "invalid_credentials").await;
    }
}

#[tokio::test]
async fn errors_are_localized_by_accept_language() {
    let server = TestServer::start(bin());
    let mut messages = vec![];
    for lang in ["en-US,en;q=0.9", "zh-TW", "zh-CN", "fr"] {
        let res = server
            .http
            .post(server.url("/api/auth/login"))
            .header("accept-language", lang)
            .json(&serde_json::json!({"tenant": "acme", "username": "alice", "password": "nope"}))
            .send()
            .await
            .unwrap();
        messages.push(expect_error(res, 401, "invalid_credentials").await);
    }
    assert_eq!(messages[0], "Wrong tenant, user name or password.");
    assert_eq!(messages[1], "租戶、使用者名稱或密碼錯誤。");
    assert_eq!(messages[2], "租户、用户名或密码错误。");
    assert_eq!(
        messages[3], messages[2],
        "unknown languages get Simplified Chinese"
    );
}

#[tokio::test]
async fn malformed_and_oversize_requests_get_json_errors() {
    let server = TestServer::start(bin());
    let post = |body: String, content_type: &'static str| {
        server
            .http
            .post(server.url("/api/auth/login"))
            .header("content-type", content_type)
            .body(body)
            .send()
    };
    expect_error(
        post("{\"tenant\":".into(), "application/json")
            .await
            .unwrap(),
        400,
        "bad_request",
    )
    .await;
    expect_error(
        post("{}".into(), "application/json").await.unwrap(),
        422,
        "bad_request",
    )
    .await;
    expect_error(
        post("tenant=acme".into(), "text/plain").await.unwrap(),
        415,
        "bad_request",
    )
    .await;
    let empty = r#"{"tenant":"acme","username":"","password":"x"}"#;
    expect_error(
        post(empty.into(), "application/json").await.unwrap(),
        400,
        "bad_request",
    )
    .await;
    let huge = format!(
        r#"{{"tenant":"acme","username":"alice","password":"{}"}}"#,
        "x".repeat(100 * 1024)
    );
    expect_error(
        post(huge, "application/json").await.unwrap(),
        413,
        "payload_too_large",
    )
    .await;
    let res = server
        .http
        .get(server.url("/api/no-such-route"))
        .send()
        .await
        .unwrap();
    expect_error(res, 404, "not_found").await;
    let res = server
        .http
        .delete(server.url("/api/health"))
        .send()
        .await
        .unwrap();
    expect_error(res, 405, "bad_request").await;
    // The server is still serving after all that.
    server.login("acme", "alice").await;
}

#[tokio::test]
async fn routes_check_the_callers_role() {
    let server = TestServer::start(bin());
    for (user, allowed) in [
        ("ada", true),
        ("sam", true),
        ("alice", false),
        ("eve", false),
    ] {
        let token = server.login("acme", user).await.token;
        let res = server.get("/api/users", &token).await;
        if allowed {
            assert_eq!(res.status(), 200, "{user}");
            let users: Vec<Value> = res.json().await.unwrap();
            let names: Vec<&str> = users
                .iter()
                .map(|u| u["username"].as_str().unwrap())
                .collect();
            assert_eq!(names, ["ada", "alice", "eve", "sam"], "only acme's users");
        } else {
            expect_error(res, 403, "forbidden").await;
        }
    }
}

#[tokio::test]
async fn another_tenants_data_is_not_found() {
    let server = TestServer::start(bin());
    let acme = server.login("acme", "ada").await;
    let globex = server.login("globex", "gina").await;
    let own = server
        .get(&format!("/api/users/{}", acme.me.user_id), &acme.token)
        .await;
    assert_eq!(own.status(), 200);
    let foreign = server
        .get(&format!("/api/users/{}", globex.me.user_id), &acme.token)
        .await;
    expect_error(foreign, 404, "not_found").await;
    let back = server
        .get(&format!("/api/users/{}", acme.me.user_id), &globex.token)
        .await;
    expect_error(back, 404, "not_found").await;
}

#[tokio::test]
async fn missing_garbage_and_revoked_tokens_are_rejected() {
    let server = TestServer::start(bin());
    let res = server.http.get(server.url("/api/me")).send().await.unwrap();
    expect_error(res, 401, "unauthorized").await;
    expect_error(
        server.get("/api/me", "not-a-token").await,
        401,
        "session_expired",
    )
    .await;

    let token = server.login("acme", "alice").await.token;
    let other = server.login("acme", "alice").await.token;
    let logout = |t: String| {
        server
            .http
            .post(server.url("/api/auth/logout"))
            .bearer_auth(t)
            .send()
    };
    assert_eq!(logout(token.clone()).await.unwrap().status(), 204);
    expect_error(server.get("/api/me", &token).await, 401, "session_expired").await;
    // Logging out again changes nothing and says so.
    expect_error(logout(token.clone()).await.unwrap(), 401, "session_expired").await;
    // Only that session ended.
    assert_eq!(server.get("/api/me", &other).await.status(), 200);
}

#[tokio::test]
async fn tokens_expire() {
    let server = TestServer::start_with(bin(), &["--token-ttl-secs", "1"], true);
    let token = server.login("acme", "alice").await.token;
    assert_eq!(server.get("/api/me", &token).await.status(), 200);
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;
    expect_error(server.get("/api/me", &token).await, 401, "session_expired").await;
}
