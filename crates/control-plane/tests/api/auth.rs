use axum::body::Body;
use axum::http::{Method, Request, StatusCode, header};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn signup_login_and_accounts() {
    let app = TestApp::new().await;
    let body =
        json!({"email": "  Ann@Example.com ", "password": "a long passphrase", "account_name": "Acme Corp."});
    let signup = app.call(Method::POST, "/api/v1/signup", None, Some(body)).await;
    assert_eq!(signup.status, StatusCode::CREATED, "{}", signup.text);
    assert_eq!(signup.body["user"]["email"], "ann@example.com");
    assert_eq!(signup.body["account"]["slug"], "acme-corp");
    assert_eq!(signup.body["account"]["name"], "Acme Corp.");
    assert_eq!(signup.body["account"]["role"], "owner");
    assert_eq!(
        signup.body["account"]["gateway_url"],
        "http://gw.example/mcp/acme-corp/"
    );
    let first_token = signup.body["api_token"].as_str().expect("token").to_owned();
    assert!(first_token.starts_with("tgk_"));
    assert!(
        !signup.text.contains("argon2"),
        "the password hash must never be shown"
    );

    let login = app
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"email": "ANN@example.com", "password": "a long passphrase"})),
        )
        .await;
    assert_eq!(login.status, StatusCode::OK, "{}", login.text);
    let token = login.body["api_token"].as_str().expect("token").to_owned();
    assert_ne!(token, first_token, "login issues a new token");

    for token in [&first_token, &token] {
        let accounts = app.get("/api/v1/accounts", token).await;
        assert_eq!(accounts.status, StatusCode::OK);
        assert_eq!(accounts.body["next_cursor"], serde_json::Value::Null);
        let items = accounts.body["items"].as_array().expect("items");
        assert_eq!(items.len(), 1);
        assert_eq!(items[0]["slug"], "acme-corp");
        assert_eq!(items[0]["role"], "owner");
    }
    let account_id = signup.body["account"]["id"].as_str().expect("id");
    for key in ["acme-corp", account_id] {
        let account = app.get(&format!("/api/v1/accounts/{key}"), &token).await;
        assert_eq!(account.status, StatusCode::OK, "{key}");
        assert_eq!(account.body["gateway_url"], "http://gw.example/mcp/acme-corp/");
    }
}

#[tokio::test]
async fn signup_validates_and_refuses_a_taken_email() {
    let app = TestApp::new().await;
    let bad = json!({"email": "not-an-email", "password": "short", "account_name": "  "});
    let response = app.call(Method::POST, "/api/v1/signup", None, Some(bad)).await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.code(), "validation_failed");
    assert_eq!(response.field_paths(), ["email", "password", "account_name"]);
    let long = json!({"email": "a@b.co", "password": "x".repeat(257), "account_name": "A"});
    let response = app.call(Method::POST, "/api/v1/signup", None, Some(long)).await;
    assert_eq!(response.field_paths(), ["password"]);

    app.signup("bob@example.com", "Bob's").await;
    let again =
        json!({"email": "BOB@example.com", "password": "another passphrase", "account_name": "Other"});
    let response = app.call(Method::POST, "/api/v1/signup", None, Some(again)).await;
    assert_eq!(response.status, StatusCode::CONFLICT);
    assert_eq!(response.code(), "conflict");
}

#[tokio::test]
async fn account_slugs_get_a_suffix_on_a_name_clash() {
    let app = TestApp::new().await;
    let slugs = [
        app.signup("a@example.com", "Acme Corp").await.slug,
        app.signup("b@example.com", "ACME corp!").await.slug,
        app.signup("c@example.com", "acme-corp").await.slug,
        app.signup("d@example.com", "東京").await.slug,
        app.signup("e@example.com", "東京").await.slug,
    ];
    assert_eq!(
        slugs,
        ["acme-corp", "acme-corp-2", "acme-corp-3", "account", "account-2"]
    );
}

#[tokio::test]
async fn wrong_email_and_wrong_password_answer_alike() {
    let app = TestApp::new().await;
    app.signup("ann@example.com", "Acme").await;
    let wrong_password = app
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"email": "ann@example.com", "password": "not the password"})),
        )
        .await;
    let unknown = app
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"email": "who@example.com", "password": "not the password"})),
        )
        .await;
    for response in [&wrong_password, &unknown] {
        assert_eq!(response.status, StatusCode::UNAUTHORIZED);
        assert_eq!(response.code(), "invalid_credentials");
    }
    assert_eq!(wrong_password.body, unknown.body);
}

#[tokio::test]
async fn bad_requests_get_the_error_format() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;

    let unknown_field = json!({"email": "x@example.com", "password": "a long passphrase", "account_name": "X", "admin": true});
    let response = app
        .call(Method::POST, "/api/v1/signup", None, Some(unknown_field))
        .await;
    assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(response.code(), "validation_failed");
    assert_eq!(response.field_paths(), ["admin"]);

    let missing = app
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"email": "x@example.com"})),
        )
        .await;
    assert_eq!(
        (missing.status, missing.field_paths()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["password".to_owned()])
    );
    let wrong_type = app
        .call(
            Method::POST,
            "/api/v1/login",
            None,
            Some(json!({"email": 5, "password": "x"})),
        )
        .await;
    assert_eq!(
        (wrong_type.status, wrong_type.field_paths()),
        (StatusCode::UNPROCESSABLE_ENTITY, vec!["email".to_owned()])
    );

    let request = |body: &'static str, content_type: Option<&str>| {
        let mut builder = Request::builder()
            .method(Method::POST)
            .uri(format!("/api/v1/accounts/{}/servers", tenant.slug));
        builder = builder.header(header::AUTHORIZATION, format!("Bearer {}", tenant.token));
        if let Some(content_type) = content_type {
            builder = builder.header(header::CONTENT_TYPE, content_type);
        }
        builder.body(Body::from(body)).expect("request")
    };
    let malformed = app.send(request("{\"name\": ", Some("application/json"))).await;
    assert_eq!(
        (malformed.status, malformed.code()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    let empty = app.send(request("", Some("application/json"))).await;
    assert_eq!(
        (empty.status, empty.code()),
        (StatusCode::BAD_REQUEST, "malformed_json")
    );
    let no_type = app.send(request("{}", None)).await;
    assert_eq!(
        (no_type.status, no_type.code()),
        (StatusCode::BAD_REQUEST, "unsupported_content_type")
    );
    let text = app.send(request("{}", Some("text/plain"))).await;
    assert_eq!(text.status, StatusCode::BAD_REQUEST);

    let huge = format!("{{\"name\": \"{}\"}}", "x".repeat(2 * 1024 * 1024));
    let mut big = request("", Some("application/json"));
    *big.body_mut() = Body::from(huge);
    let too_large = app.send(big).await;
    assert_eq!(
        (too_large.status, too_large.code()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );

    let route = app.get("/api/v1/nothing-here", &tenant.token).await;
    assert_eq!((route.status, route.code()), (StatusCode::NOT_FOUND, "not_found"));
    let method = app
        .call(Method::DELETE, "/api/v1/accounts", Some(&tenant.token), None)
        .await;
    assert_eq!(
        (method.status, method.code()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
    let cursor = app.get("/api/v1/accounts?cursor=abc", &tenant.token).await;
    assert_eq!(
        (cursor.status, cursor.code()),
        (StatusCode::BAD_REQUEST, "bad_request")
    );
}

#[tokio::test]
async fn missing_or_bad_tokens_are_unauthorized() {
    let app = TestApp::new().await;
    let tenant = app.signup("ann@example.com", "Acme").await;
    let path = format!("/api/v1/accounts/{}/servers", tenant.slug);
    let missing = app.call(Method::GET, &path, None, None).await;
    assert_eq!(
        (missing.status, missing.code()),
        (StatusCode::UNAUTHORIZED, "unauthorized")
    );
    assert_eq!(missing.headers[header::WWW_AUTHENTICATE], "Bearer");
    let forged = format!("tgk_{}", "A".repeat(43));
    for token in ["nonsense", forged.as_str(), "tg_abc"] {
        let response = app.get(&path, token).await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "{token}");
    }
    let basic = Request::builder()
        .uri("/api/v1/accounts")
        .header(header::AUTHORIZATION, "Basic YTpi")
        .body(Body::empty())
        .expect("request");
    assert_eq!(app.send(basic).await.status, StatusCode::UNAUTHORIZED);
    let lowercase = Request::builder()
        .uri("/api/v1/accounts")
        .header(header::AUTHORIZATION, format!("bearer {}", tenant.token))
        .body(Body::empty())
        .expect("request");
    assert_eq!(app.send(lowercase).await.status, StatusCode::OK);
}

#[tokio::test]
async fn root_leads_to_the_dashboard_login() {
    let app = TestApp::new().await;
    let request = Request::builder().uri("/").body(Body::empty()).expect("request");
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::SEE_OTHER);
    assert_eq!(response.headers[header::LOCATION], "/login");
    let request = Request::builder()
        .uri("/login")
        .body(Body::empty())
        .expect("request");
    let response = app.send(request).await;
    assert_eq!(response.status, StatusCode::OK);
    assert!(
        response.headers[header::CONTENT_TYPE]
            .to_str()
            .expect("ascii")
            .starts_with("text/html")
    );
}
