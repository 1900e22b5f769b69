use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, example_policy, tool};

/// Account B's member gets 404 on every route of account A, by slug or id, and A's data is unchanged.
#[tokio::test]
async fn another_accounts_token_gets_404_everywhere() {
    let app = TestApp::new().await;
    let owner = app.signup("a@example.com", "Alpha").await;
    let intruder = app.signup("b@example.com", "Bravo").await;
    let server = app.server(&owner, "Tools").await;
    *app.catalog.tools.lock().expect("lock") = Ok(vec![tool("run_shell", "Runs")]);
    app.post(
        &format!("/api/v1/accounts/{}/servers/tools/sync", owner.slug),
        &owner.token,
        json!({}),
    )
    .await;
    let policy = app
        .post(
            &format!("/api/v1/accounts/{}/servers/tools/policies", owner.slug),
            &owner.token,
            json!({"name": "p", "document": example_policy()}),
        )
        .await;
    let grant = app
        .post(
            &format!("/api/v1/accounts/{}/grants", owner.slug),
            &owner.token,
            json!({"name": "g", "server": "tools", "policy": "p"}),
        )
        .await;
    let server_id = server["id"].as_str().expect("id");
    let policy_id = policy.body["id"].as_str().expect("id");
    let grant_id = grant.body["id"].as_str().expect("id");

    let put_body = json!({"document": {"version": "1", "default": "allow"}});
    for account in [owner.slug.as_str(), owner.account_id.as_str()] {
        let a = format!("/api/v1/accounts/{account}");
        let routes: Vec<(Method, String, Option<Value>)> = vec![
            (Method::GET, a.clone(), None),
            (Method::GET, format!("{a}/servers"), None),
            (
                Method::POST,
                format!("{a}/servers"),
                Some(json!({"name": "x", "url": "http://127.0.0.1:1/"})),
            ),
            (Method::GET, format!("{a}/servers/tools"), None),
            (Method::GET, format!("{a}/servers/{server_id}"), None),
            (
                Method::PATCH,
                format!("{a}/servers/tools"),
                Some(json!({"name": "pwned"})),
            ),
            (Method::POST, format!("{a}/servers/tools/sync"), None),
            (Method::GET, format!("{a}/servers/tools/tools"), None),
            (
                Method::POST,
                format!("{a}/servers/tools/tools/run_shell/accept"),
                None,
            ),
            (Method::GET, format!("{a}/servers/tools/policies"), None),
            (
                Method::POST,
                format!("{a}/servers/tools/policies"),
                Some(json!({"name": "x", "document": example_policy()})),
            ),
            (Method::GET, format!("{a}/servers/tools/policies/p"), None),
            (
                Method::GET,
                format!("{a}/servers/tools/policies/{policy_id}"),
                None,
            ),
            (
                Method::PUT,
                format!("{a}/servers/tools/policies/p"),
                Some(put_body.clone()),
            ),
            (
                Method::GET,
                format!("{a}/servers/tools/policies/p/versions"),
                None,
            ),
            (
                Method::POST,
                format!("{a}/servers/tools/policies/p/simulate"),
                Some(json!({"tool": "run_shell"})),
            ),
            (Method::GET, format!("{a}/grants"), None),
            (
                Method::POST,
                format!("{a}/grants"),
                Some(json!({"name": "x", "server": "tools"})),
            ),
            (Method::POST, format!("{a}/grants/{grant_id}/rotate"), None),
            (Method::DELETE, format!("{a}/grants/{grant_id}"), None),
        ];
        for (method, path, body) in routes {
            let response = app.call(method.clone(), &path, Some(&intruder.token), body).await;
            assert_eq!(
                (response.status, response.code()),
                (StatusCode::NOT_FOUND, "not_found"),
                "{method} {path}"
            );
        }
    }

    // B's own account does not reach A's resources by id either.
    let b = format!("/api/v1/accounts/{}", intruder.slug);
    for (method, path) in [
        (Method::GET, format!("{b}/servers/{server_id}")),
        (Method::POST, format!("{b}/grants/{grant_id}/rotate")),
        (Method::DELETE, format!("{b}/grants/{grant_id}")),
    ] {
        let response = app.call(method.clone(), &path, Some(&intruder.token), None).await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{method} {path}");
    }
    let steal = app
        .post(
            &format!("{b}/grants"),
            &intruder.token,
            json!({"name": "x", "server": server_id}),
        )
        .await;
    assert_eq!(
        (steal.status, steal.field_paths()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["server".to_owned()])
    );
    let intruder_accounts = app.get("/api/v1/accounts", &intruder.token).await;
    assert_eq!(
        intruder_accounts.body["items"].as_array().expect("items").len(),
        1
    );

    // Nothing of A's changed.
    let grants = app
        .get(&format!("/api/v1/accounts/{}/grants", owner.slug), &owner.token)
        .await;
    assert_eq!(grants.body["items"][0]["state"], "active");
    let server = app
        .get(
            &format!("/api/v1/accounts/{}/servers/tools", owner.slug),
            &owner.token,
        )
        .await;
    assert_eq!(server.body["name"], "Tools");
    let versions = app
        .get(
            &format!(
                "/api/v1/accounts/{}/servers/tools/policies/p/versions",
                owner.slug
            ),
            &owner.token,
        )
        .await;
    assert_eq!(versions.body["items"].as_array().expect("items").len(), 1);
}

/// A viewer reads everything (simulate included) and changes nothing: 403 `forbidden` on every write.
#[tokio::test]
async fn viewers_may_read_but_not_write() {
    let app = TestApp::new().await;
    let tenant = app.signup("v@example.com", "Viewers").await;
    app.server(&tenant, "Tools").await;
    let a = format!("/api/v1/accounts/{}", tenant.slug);
    app.post(
        &format!("{a}/servers/tools/policies"),
        &tenant.token,
        json!({"name": "p", "document": example_policy()}),
    )
    .await;
    let grant = app
        .post(
            &format!("{a}/grants"),
            &tenant.token,
            json!({"name": "g", "server": "tools"}),
        )
        .await;
    let grant_id = grant.body["id"].as_str().expect("id");
    app.demote_to_viewer(&tenant).await;

    let accounts = app.get("/api/v1/accounts", &tenant.token).await;
    assert_eq!(accounts.body["items"][0]["role"], "viewer");
    for path in [
        a.clone(),
        format!("{a}/servers"),
        format!("{a}/servers/tools"),
        format!("{a}/servers/tools/tools"),
        format!("{a}/servers/tools/policies/p"),
        format!("{a}/servers/tools/policies/p/versions"),
        format!("{a}/grants"),
    ] {
        assert_eq!(
            app.get(&path, &tenant.token).await.status,
            StatusCode::OK,
            "{path}"
        );
    }
    let simulate = app
        .post(
            &format!("{a}/servers/tools/policies/p/simulate"),
            &tenant.token,
            json!({"tool": "x"}),
        )
        .await;
    assert_eq!(simulate.status, StatusCode::OK);

    let writes: Vec<(Method, String, Option<Value>)> = vec![
        (
            Method::POST,
            format!("{a}/servers"),
            Some(json!({"name": "x", "url": "http://127.0.0.1:1/"})),
        ),
        (
            Method::PATCH,
            format!("{a}/servers/tools"),
            Some(json!({"name": "x"})),
        ),
        (Method::POST, format!("{a}/servers/tools/sync"), None),
        (Method::POST, format!("{a}/servers/tools/tools/x/accept"), None),
        (
            Method::POST,
            format!("{a}/servers/tools/policies"),
            Some(json!({"name": "q", "document": example_policy()})),
        ),
        (
            Method::PUT,
            format!("{a}/servers/tools/policies/p"),
            Some(json!({"document": example_policy()})),
        ),
        (
            Method::POST,
            format!("{a}/grants"),
            Some(json!({"name": "x", "server": "tools"})),
        ),
        (Method::POST, format!("{a}/grants/{grant_id}/rotate"), None),
        (Method::DELETE, format!("{a}/grants/{grant_id}"), None),
    ];
    for (method, path, body) in writes {
        let response = app.call(method.clone(), &path, Some(&tenant.token), body).await;
        assert_eq!(
            (response.status, response.code()),
            (StatusCode::FORBIDDEN, "forbidden"),
            "{method} {path}"
        );
    }
}
