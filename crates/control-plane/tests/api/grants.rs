use axum::http::{Method, StatusCode};
use serde_json::json;
use toolgate_cluster::ChangeEvent;

use crate::helpers::TestApp;

#[tokio::test]
async fn create_list_rotate_and_revoke() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    app.server(&tenant, "Tools").await;
    app.server(&tenant, "Other").await;
    let policies = format!("/api/v1/accounts/{}/servers/tools/policies", tenant.slug);
    let document = json!({"version": "1", "default": "allow"});
    let policy = app
        .post(
            &policies,
            &tenant.token,
            json!({"name": "open", "document": document}),
        )
        .await;
    let other_policy = app
        .post(
            &format!("/api/v1/accounts/{}/servers/other/policies", tenant.slug),
            &tenant.token,
            json!({"name": "theirs", "document": document}),
        )
        .await;
    let grants = format!("/api/v1/accounts/{}/grants", tenant.slug);

    let created = app.post(&grants, &tenant.token, json!({"name": "claude", "server": "tools", "policy": "open", "expires_at": "2999-01-01T00:00:00+01:00"})).await;
    assert_eq!(created.status, StatusCode::CREATED, "{}", created.text);
    let token = created.body["token"].as_str().expect("token").to_owned();
    assert!(token.starts_with("tg_"));
    assert_eq!(created.body["token_prefix"], token[..8]);
    assert_eq!(created.body["server"], "tools");
    assert_eq!(created.body["policy"], "open");
    assert_eq!(created.body["state"], "active");
    assert_eq!(created.body["expires_at"], "2998-12-31T23:00:00Z");
    assert_eq!(created.body["gateway_url"], "http://gw.example/mcp/acme/tools");
    let id = created.body["id"].as_str().expect("id").to_owned();

    // Policy by id, and no policy at all.
    let policy_id = policy.body["id"].as_str().expect("id");
    let by_id = app
        .post(
            &grants,
            &tenant.token,
            json!({"name": "by id", "server": "tools", "policy": policy_id}),
        )
        .await;
    assert_eq!(
        (by_id.status, &by_id.body["policy"]),
        (StatusCode::CREATED, &json!("open"))
    );
    let without = app
        .post(&grants, &tenant.token, json!({"name": "none", "server": "other"}))
        .await;
    assert_eq!(
        (without.status, &without.body["policy"]),
        (StatusCode::CREATED, &json!(null))
    );

    let other_id = other_policy.body["id"].as_str().expect("id");
    for (body, path) in [
        (
            json!({"name": "x", "server": "tools", "policy": "theirs"}),
            "policy",
        ),
        (
            json!({"name": "x", "server": "tools", "policy": other_id}),
            "policy",
        ),
        (json!({"name": "x", "server": "nope"}), "server"),
        (
            json!({"name": "x", "server": "tools", "expires_at": "2001-01-01T00:00:00Z"}),
            "expires_at",
        ),
        (
            json!({"name": "x", "server": "tools", "expires_at": "next week"}),
            "expires_at",
        ),
        (json!({"name": "", "server": "tools"}), "name"),
    ] {
        let response = app.post(&grants, &tenant.token, body.clone()).await;
        assert_eq!(
            (response.status, response.field_paths()),
            (StatusCode::UNPROCESSABLE_ENTITY, vec![path.to_owned()]),
            "{body}"
        );
    }

    let list = app.get(&grants, &tenant.token).await;
    let items = list.body["items"].as_array().expect("items");
    assert_eq!(items.len(), 3);
    let claude = items.iter().find(|item| item["id"] == json!(id)).expect("listed");
    assert_eq!(claude["server"], "tools");
    assert_eq!(claude["policy"], "open");
    assert_eq!(claude["revoked_at"], json!(null));
    assert_eq!(claude["last_used_at"], json!(null));
    assert!(claude.get("token").is_none(), "tokens are shown once");
    assert!(!list.text.contains(&token));

    app.drain_events();
    let rotated = app
        .post(&format!("{grants}/{id}/rotate"), &tenant.token, json!({}))
        .await;
    assert_eq!(rotated.status, StatusCode::OK, "{}", rotated.text);
    let new_token = rotated.body["token"].as_str().expect("token");
    assert_ne!(new_token, token);
    assert_eq!(rotated.body["id"], json!(id));
    assert_eq!(rotated.body["token_prefix"], new_token[..8]);
    assert!(
        matches!(app.drain_events().as_slice(), [ChangeEvent::GrantChanged { grant, .. }] if grant.to_string() == id)
    );

    let revoked = app
        .call(
            Method::DELETE,
            &format!("{grants}/{id}"),
            Some(&tenant.token),
            None,
        )
        .await;
    assert_eq!(revoked.status, StatusCode::NO_CONTENT);
    assert!(revoked.text.is_empty());
    assert!(matches!(
        app.drain_events().as_slice(),
        [ChangeEvent::GrantChanged { .. }]
    ));
    let again = app
        .call(
            Method::DELETE,
            &format!("{grants}/{id}"),
            Some(&tenant.token),
            None,
        )
        .await;
    assert_eq!(again.status, StatusCode::NO_CONTENT, "revoking is idempotent");
    let list = app.get(&grants, &tenant.token).await;
    let claude = list.body["items"]
        .as_array()
        .expect("items")
        .iter()
        .find(|item| item["id"] == json!(id))
        .cloned()
        .expect("listed");
    assert_eq!(claude["state"], "revoked");
    assert!(claude["revoked_at"].is_string());
    let rotate_revoked = app
        .post(&format!("{grants}/{id}/rotate"), &tenant.token, json!({}))
        .await;
    assert_eq!(
        (rotate_revoked.status, rotate_revoked.code()),
        (StatusCode::CONFLICT, "conflict")
    );

    for bad in ["not-an-id", "0190a0a0-0000-7000-8000-000000000000"] {
        let response = app
            .call(
                Method::DELETE,
                &format!("{grants}/{bad}"),
                Some(&tenant.token),
                None,
            )
            .await;
        assert_eq!(response.status, StatusCode::NOT_FOUND, "{bad}");
    }
}
