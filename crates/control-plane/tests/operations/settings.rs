//! `GET/PATCH …/settings`: retention and the webhook; the secret is shown once and sealed at rest.

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn defaults_then_a_webhook_whose_secret_is_shown_once() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let path = tenant.path("/settings");

    let initial = app.get(&path, &tenant).await;
    assert_eq!(initial.status, StatusCode::OK, "{}", initial.text);
    assert_eq!(
        initial.body,
        json!({"audit_retention_days": 30, "webhook_url": null, "webhook_secret_set": false})
    );

    let set = app
        .patch(
            &path,
            &tenant,
            json!({"webhook_url": "http://127.0.0.1:8999/hook", "audit_retention_days": 7}),
        )
        .await;
    assert_eq!(set.status, StatusCode::OK, "{}", set.text);
    let secret = set.body["webhook_secret"].as_str().expect("secret").to_owned();
    let hex_part = secret.strip_prefix("whsec_").expect("prefix");
    assert_eq!(hex_part.len(), 64);
    assert!(hex_part.chars().all(|c| c.is_ascii_hexdigit()));
    assert_eq!(set.body["webhook_url"], "http://127.0.0.1:8999/hook");
    assert_eq!(set.body["webhook_secret_set"], true);
    assert_eq!(set.body["audit_retention_days"], 7);

    let read = app.get(&path, &tenant).await;
    assert_eq!(
        read.body,
        json!({"audit_retention_days": 7, "webhook_url": "http://127.0.0.1:8999/hook", "webhook_secret_set": true})
    );
    // Retention alone keeps the webhook and its secret, and shows no secret.
    let retention = app
        .patch(&path, &tenant, json!({"audit_retention_days": 90}))
        .await;
    assert_eq!(retention.status, StatusCode::OK);
    assert!(retention.body.get("webhook_secret").is_none());
    assert_eq!(retention.body["webhook_secret_set"], true);
    let transcript = app.transcript.lock().expect("lock").clone();
    assert_eq!(
        transcript.matches(&secret).count(),
        1,
        "the secret is answered once"
    );

    // Sealed at rest: the database files never hold it in clear.
    for entry in std::fs::read_dir(app.data_dir()).expect("data dir") {
        let bytes = std::fs::read(entry.expect("entry").path()).expect("read");
        assert!(
            !bytes
                .windows(hex_part.len())
                .any(|window| window == hex_part.as_bytes()),
            "the secret appears in clear in the database"
        );
    }

    // Setting a URL again (even the same) rotates the secret.
    let again = app
        .patch(
            &path,
            &tenant,
            json!({"webhook_url": "http://127.0.0.1:8999/hook"}),
        )
        .await;
    let rotated = again.body["webhook_secret"].as_str().expect("secret");
    assert_ne!(rotated, secret);

    let removed = app.patch(&path, &tenant, json!({"webhook_url": null})).await;
    assert_eq!(removed.status, StatusCode::OK);
    assert_eq!(
        removed.body,
        json!({"audit_retention_days": 90, "webhook_url": null, "webhook_secret_set": false})
    );
}

#[tokio::test]
async fn bad_input_is_a_4xx_with_the_field() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let path = tenant.path("/settings");
    let cases: Vec<(Value, StatusCode, &str)> = vec![
        (
            json!({"audit_retention_days": 0}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "audit_retention_days",
        ),
        (
            json!({"audit_retention_days": 3651}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "audit_retention_days",
        ),
        (
            json!({"audit_retention_days": -5}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "audit_retention_days",
        ),
        (
            json!({"audit_retention_days": "7"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "audit_retention_days",
        ),
        (
            json!({"audit_retention_days": 1e30}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "audit_retention_days",
        ),
        (
            json!({"webhook_url": ""}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "webhook_url",
        ),
        (
            json!({"webhook_url": "ftp://example.com/hook"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "webhook_url",
        ),
        (
            json!({"webhook_url": "not a url"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "webhook_url",
        ),
        (
            json!({"webhook_url": "http://user:pw@example.com/"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "webhook_url",
        ),
        (
            json!({"webhook_url": "http://169.254.169.254/latest"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "webhook_url",
        ),
        (
            json!({"webhook_url": "http://[fe80::1]/"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "webhook_url",
        ),
        (
            json!({"webhook_url": 5}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "webhook_url",
        ),
        (
            json!({"webhook_secret": "mine"}),
            StatusCode::UNPROCESSABLE_ENTITY,
            "",
        ),
    ];
    for (body, status, field) in cases {
        let answer = app.patch(&path, &tenant, body.clone()).await;
        assert_eq!(answer.status, status, "{body}: {}", answer.text);
        if !field.is_empty() {
            assert!(
                answer.field_paths().contains(&field.to_owned()),
                "{body}: {}",
                answer.text
            );
        }
    }
    let not_json = app
        .send(
            axum::http::Request::builder()
                .method(Method::PATCH)
                .uri(&path)
                .header("authorization", format!("Bearer {}", tenant.token))
                .header("content-type", "application/json")
                .body(axum::body::Body::from("{"))
                .expect("request"),
        )
        .await;
    assert_eq!(not_json.status, StatusCode::BAD_REQUEST);
    // Nothing changed.
    let read = app.get(&path, &tenant).await;
    assert_eq!(read.body["audit_retention_days"], 30);
    assert_eq!(read.body["webhook_url"], Value::Null);
}

#[tokio::test]
async fn loopback_webhooks_need_private_upstreams() {
    let app = TestApp::with(toolgate_control_plane::JobsConfig::disabled(), false).await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let path = tenant.path("/settings");
    for url in [
        "http://127.0.0.1:8999/hook",
        "http://localhost/hook",
        "http://10.1.2.3/hook",
    ] {
        let answer = app.patch(&path, &tenant, json!({"webhook_url": url})).await;
        assert_eq!(
            answer.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            answer.text
        );
        assert_eq!(answer.field_paths(), ["webhook_url"]);
    }
    let public = app
        .patch(
            &path,
            &tenant,
            json!({"webhook_url": "https://93.184.215.14/hook"}),
        )
        .await;
    assert_eq!(public.status, StatusCode::OK, "{}", public.text);
}

#[tokio::test]
async fn viewers_read_members_only_and_tenants_are_isolated() {
    let app = TestApp::new().await;
    let ann = app.signup("ann@example.com", "Acme").await;
    let bob = app.signup("bob@example.com", "Bobco").await;
    let path = ann.path("/settings");
    assert_eq!(app.get(&path, &bob).await.status, StatusCode::NOT_FOUND);
    let foreign = app.patch(&path, &bob, json!({"audit_retention_days": 5})).await;
    assert_eq!(foreign.status, StatusCode::NOT_FOUND);
    let anonymous = app.call(Method::GET, &path, None, None).await;
    assert_eq!(anonymous.status, StatusCode::UNAUTHORIZED);

    sqlx::query("UPDATE memberships SET role = 'viewer' WHERE account_id = $1")
        .bind(ann.account_id.to_string())
        .execute(app.store.pool())
        .await
        .expect("demote");
    assert_eq!(app.get(&path, &ann).await.status, StatusCode::OK);
    let denied = app.patch(&path, &ann, json!({"audit_retention_days": 5})).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
    assert_eq!(app.get(&path, &ann).await.body["audit_retention_days"], 30);
}
