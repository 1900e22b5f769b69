use std::net::SocketAddr;

use axum::http::{Method, StatusCode, header};
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn login_is_rate_limited_per_ip_and_per_email() {
    let app = TestApp::new().await;
    app.signup("ann@example.com", "Acme").await;
    let same_ip = SocketAddr::from(([203, 0, 113, 7], 5000));
    for attempt in 0..10 {
        let body = json!({"email": format!("user{attempt}@example.com"), "password": "wrong password"});
        let response = app
            .call_from(Some(same_ip), Method::POST, "/api/v1/login", None, Some(body))
            .await;
        assert_eq!(response.status, StatusCode::UNAUTHORIZED, "attempt {attempt}");
    }
    let body = json!({"email": "ann@example.com", "password": "a long passphrase"});
    let limited = app
        .call_from(
            Some(same_ip),
            Method::POST,
            "/api/v1/login",
            None,
            Some(body.clone()),
        )
        .await;
    assert_eq!(
        (limited.status, limited.code()),
        (StatusCode::TOO_MANY_REQUESTS, "rate_limited")
    );
    let retry_after: u64 = limited.headers[header::RETRY_AFTER]
        .to_str()
        .expect("ascii")
        .parse()
        .expect("seconds");
    assert!((1..=60).contains(&retry_after), "{retry_after}");
    // Another client is not affected.
    let other = app.call(Method::POST, "/api/v1/login", None, Some(body)).await;
    assert_eq!(other.status, StatusCode::OK);

    // Per email, from ever-changing addresses.
    for _ in 0..10 {
        let body = json!({"email": "target@example.com", "password": "guess"});
        assert_eq!(
            app.call(Method::POST, "/api/v1/login", None, Some(body))
                .await
                .status,
            StatusCode::UNAUTHORIZED
        );
    }
    let body = json!({"email": " TARGET@example.com", "password": "guess"});
    let limited = app.call(Method::POST, "/api/v1/login", None, Some(body)).await;
    assert_eq!(limited.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(limited.headers.contains_key(header::RETRY_AFTER));
}

#[tokio::test]
async fn signup_is_rate_limited_without_connect_info_too() {
    let app = TestApp::new().await;
    for index in 0..10 {
        let body =
            json!({"email": format!("u{index}@example.com"), "password": "short", "account_name": "X"});
        let response = app
            .call_from(None, Method::POST, "/api/v1/signup", None, Some(body))
            .await;
        assert_eq!(response.status, StatusCode::UNPROCESSABLE_ENTITY);
    }
    let body = json!({"email": "late@example.com", "password": "a long passphrase", "account_name": "X"});
    let response = app
        .call_from(None, Method::POST, "/api/v1/signup", None, Some(body))
        .await;
    assert_eq!(response.status, StatusCode::TOO_MANY_REQUESTS);
}
