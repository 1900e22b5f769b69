use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::helpers::{PUBLIC_URL, TestApp};

#[tokio::test]
async fn page_writes_need_the_token_and_this_site() {
    let app = TestApp::new().await;
    let (mut browser, slug) = app.signed_up("ann@example.com", "Acme").await;
    let token = browser.csrf_token(&slug).await;
    let action = format!("/a/{slug}/servers");
    let fields = [("name", "Files"), ("url", "http://127.0.0.1:9/mcp")];

    let without = browser.post_form(&action, &fields).await;
    assert_eq!(without.status, StatusCode::FORBIDDEN);
    assert!(without.text.contains("This form could not be accepted"));

    let wrong = browser
        .post_form(
            &action,
            &[fields[0], fields[1], ("csrf_token", "0".repeat(64).as_str())],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);

    let with_token = [fields[0], fields[1], ("csrf_token", token.as_str())];
    let cross_origin = browser
        .post_form_with(&action, &with_token, &[("origin", "https://evil.example")])
        .await;
    assert_eq!(cross_origin.status, StatusCode::FORBIDDEN);
    let cross_site = browser
        .post_form_with(&action, &with_token, &[("sec-fetch-site", "cross-site")])
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);
    assert!(app.store_is_empty_of_servers(&slug).await, "nothing was created");

    // The header works as well as the field (htmx, fetch).
    let by_header = browser
        .post_form_with(
            &action,
            &fields,
            &[("origin", PUBLIC_URL), ("x-csrf-token", token.as_str())],
        )
        .await;
    assert_eq!(by_header.status, StatusCode::SEE_OTHER, "{}", by_header.text);
}

#[tokio::test]
async fn login_and_signup_forms_need_the_pre_session_token() {
    let app = TestApp::new().await;
    let mut browser = app.browser();
    browser.get("/signup").await;
    let forged = browser
        .post_form(
            "/signup",
            &[
                ("email", "ann@example.com"),
                ("password", "a long passphrase"),
                ("account_name", "Acme"),
            ],
        )
        .await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    let mut stranger = app.browser();
    let no_cookie = stranger
        .post_form(
            "/login",
            &[("email", "a@b.co"), ("password", "x"), ("csrf_token", "abc")],
        )
        .await;
    assert_eq!(no_cookie.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn logout_needs_the_token() {
    let app = TestApp::new().await;
    let (mut browser, slug) = app.signed_up("ann@example.com", "Acme").await;
    let forged = browser.post_form("/logout", &[]).await;
    assert_eq!(forged.status, StatusCode::FORBIDDEN);
    assert_eq!(
        browser.get(&format!("/a/{slug}")).await.status,
        StatusCode::OK,
        "still signed in"
    );
}

#[tokio::test]
async fn api_accepts_the_cookie_but_writes_need_the_csrf_header() {
    let app = TestApp::new().await;
    let (mut browser, slug) = app.signed_up("ann@example.com", "Acme").await;
    let token = browser.csrf_token(&slug).await;
    let path = format!("/api/v1/accounts/{slug}/servers");
    let body = json!({"name": "Files", "url": "http://127.0.0.1:9/mcp"}).to_string();

    let list = browser.get(&path).await;
    assert_eq!(list.status, StatusCode::OK, "{}", list.text);

    let no_header = browser
        .request(
            Method::POST,
            &path,
            &[("origin", PUBLIC_URL)],
            Some((body.clone(), "application/json")),
        )
        .await;
    assert_eq!(no_header.status, StatusCode::FORBIDDEN);
    assert!(no_header.text.contains("csrf_failed"), "{}", no_header.text);

    let cross_site = browser
        .request(
            Method::POST,
            &path,
            &[
                ("origin", "https://evil.example"),
                ("x-csrf-token", token.as_str()),
            ],
            Some((body.clone(), "application/json")),
        )
        .await;
    assert_eq!(cross_site.status, StatusCode::FORBIDDEN);

    let with_header = browser
        .request(
            Method::POST,
            &path,
            &[("origin", PUBLIC_URL), ("x-csrf-token", token.as_str())],
            Some((body, "application/json")),
        )
        .await;
    assert_eq!(with_header.status, StatusCode::CREATED, "{}", with_header.text);

    // Without any credential the API still answers 401.
    let mut stranger = app.browser();
    assert_eq!(stranger.get(&path).await.status, StatusCode::UNAUTHORIZED);
}
