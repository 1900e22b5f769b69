use axum::http::{Method, StatusCode};

use crate::helpers::{PASSWORD, TestApp};

#[tokio::test]
async fn signup_login_logout_with_cookies() {
    let app = TestApp::new().await;
    let mut browser = app.browser();

    let signup = browser.get("/signup").await;
    assert_eq!(signup.status, StatusCode::OK);
    assert!(
        signup.set_cookie("toolgate_csrf").is_some(),
        "pre-session CSRF cookie"
    );

    let created = browser.signup("ann@example.com", PASSWORD, "Acme Inc").await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    assert_eq!(created.location(), "/a/acme-inc");
    let cookie = created.set_cookie("toolgate_session").expect("session cookie");
    assert!(cookie.starts_with("toolgate_session=tgs_"), "{cookie}");
    for attribute in ["HttpOnly", "SameSite=Lax", "Path=/", "Max-Age=43200"] {
        assert!(cookie.contains(attribute), "{cookie} lacks {attribute}");
    }
    assert!(!cookie.contains("Secure"), "plain http: no Secure");

    let overview = browser.get("/a/acme-inc").await;
    assert_eq!(overview.status, StatusCode::OK);
    assert!(overview.text.contains("ann@example.com"));
    assert!(overview.text.contains("http://gw.example/mcp/acme-inc/"));
    assert!(overview.text.contains("No calls recorded yet"));
    assert_eq!(browser.get("/").await.location(), "/a/acme-inc");

    let old_session = browser.cookies.get("toolgate_session").cloned().expect("cookie");
    let token = overview.csrf_token();
    let logout = browser.post_form("/logout", &[("csrf_token", &token)]).await;
    assert_eq!(
        (logout.status, logout.location()),
        (StatusCode::SEE_OTHER, "/login")
    );
    assert!(
        !browser.cookies.contains_key("toolgate_session"),
        "cookie cleared"
    );
    let after = browser.get("/a/acme-inc").await;
    assert_eq!(after.status, StatusCode::SEE_OTHER);
    // The old cookie is dead on the server too.
    browser.cookies.insert("toolgate_session".into(), old_session);
    assert_eq!(browser.get("/a/acme-inc").await.status, StatusCode::SEE_OTHER);
    browser.cookies.remove("toolgate_session");

    let wrong = browser
        .login("ann@example.com", "not the password", "/a/acme-inc/servers")
        .await;
    assert_eq!(wrong.status, StatusCode::UNAUTHORIZED);
    assert!(wrong.text.contains("Email or password is incorrect"));
    assert!(wrong.text.contains("value=\"ann@example.com\""), "email kept");
    let unknown = browser.login("nobody@example.com", PASSWORD, "/").await;
    assert!(unknown.text.contains("Email or password is incorrect"));

    let login = browser
        .login("ann@example.com", PASSWORD, "/a/acme-inc/servers")
        .await;
    assert_eq!(
        (login.status, login.location()),
        (StatusCode::SEE_OTHER, "/a/acme-inc/servers")
    );
    assert_eq!(browser.get("/a/acme-inc/servers").await.status, StatusCode::OK);
    // Signed in already: the login page sends you on.
    assert_eq!(browser.get("/login").await.status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn signup_errors_are_shown_at_their_fields() {
    let app = TestApp::new().await;
    let mut browser = app.browser();
    let weak = browser.signup("not-an-email", "password1234", "").await;
    assert_eq!(weak.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(weak.text.contains("id=\"email-error\""));
    assert!(weak.text.contains("id=\"account_name-error\""));
    assert!(weak.text.contains("Too easy to guess"), "{}", weak.text);
    assert!(weak.text.contains("value=\"not-an-email\""), "input kept");

    app.signed_up("ann@example.com", "Acme").await;
    let taken = browser.signup("ANN@example.com", PASSWORD, "Other").await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.text.contains("already exists"));
}

#[tokio::test]
async fn login_is_rate_limited() {
    let app = TestApp::new().await;
    let mut browser = app.browser();
    let mut last = None;
    for _ in 0..11 {
        last = Some(browser.login("ann@example.com", "wrong password", "/").await);
    }
    let last = last.expect("page");
    assert_eq!(last.status, StatusCode::TOO_MANY_REQUESTS);
    assert!(last.text.contains("Too many attempts"));
}

#[tokio::test]
async fn next_never_leaves_the_site() {
    let app = TestApp::new().await;
    app.signed_up("ann@example.com", "Acme").await;
    let mut browser = app.browser();
    let login = browser
        .login("ann@example.com", PASSWORD, "//evil.example/x")
        .await;
    assert_eq!((login.status, login.location()), (StatusCode::SEE_OTHER, "/"));
}

#[tokio::test]
async fn cookies_are_secure_on_https() {
    let app = TestApp::with_public_url("https://toolgate.example").await;
    let mut browser = app.browser();
    let page = browser.get("/signup").await;
    let token = page.csrf_token();
    let created = browser
        .post_form_with(
            "/signup",
            &[
                ("email", "ann@example.com"),
                ("password", PASSWORD),
                ("account_name", "Acme"),
                ("csrf_token", &token),
            ],
            &[("origin", "https://toolgate.example")],
        )
        .await;
    let cookie = created.set_cookie("toolgate_session").expect("cookie");
    assert!(cookie.contains("; Secure"), "{cookie}");
}

#[tokio::test]
async fn static_assets_are_served_with_long_caching() {
    let app = TestApp::new().await;
    let mut browser = app.browser();
    let page = browser.get("/login").await;
    let end = page.text.find("/app.css").expect("stylesheet link") + "/app.css".len();
    let start = page.text[..end].rfind("/static/").expect("asset link");
    let css = page.text[start..end].to_owned();
    assert!(css.ends_with("/app.css"), "{css}");
    let asset = browser.get(&css).await;
    assert_eq!(asset.status, StatusCode::OK);
    assert!(
        asset.headers["content-type"]
            .to_str()
            .expect("type")
            .starts_with("text/css")
    );
    assert!(
        asset.headers["cache-control"]
            .to_str()
            .expect("cache")
            .contains("immutable")
    );
    let stale = browser.get("/static/0000/app.css").await;
    assert_eq!(stale.headers["cache-control"], "no-cache");
    assert_eq!(
        browser.get("/static/x/nope.js").await.status,
        StatusCode::NOT_FOUND
    );
    let htmx = browser.get(&css.replace("app.css", "vendor/htmx.min.js")).await;
    assert!(htmx.text.starts_with("/*! htmx 2.0"), "license header kept");
    // Pages forbid inline script and outside sources.
    assert!(
        page.headers["content-security-policy"]
            .to_str()
            .expect("csp")
            .contains("script-src 'self'")
    );
}

#[tokio::test]
async fn unknown_pages_and_bad_input_are_clear_4xx() {
    let app = TestApp::new().await;
    let (mut browser, slug) = app.signed_up("ann@example.com", "Acme").await;
    let missing = browser.get("/no/such/page").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
    assert!(missing.text.contains("Page not found"));
    let token = browser.csrf_token(&slug).await;
    let garbage = browser
        .request(
            Method::POST,
            &format!("/a/{slug}/grants"),
            &[("origin", crate::helpers::PUBLIC_URL)],
            Some((
                format!("csrf_token={token}&name=%FF%FE"),
                "application/x-www-form-urlencoded",
            )),
        )
        .await;
    assert!(garbage.status.is_client_error(), "{}", garbage.status);
    let bad_query = browser.get(&format!("/a/{slug}/servers/x?synced=lots")).await;
    assert!(bad_query.status.is_client_error(), "{}", bad_query.status);
}

#[tokio::test]
async fn overview_counts_todays_calls_by_decision() {
    use toolgate_store::{NewAuditEvent, Store};
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let account = app.account(&slug).await;
    let event = |decision: &str| NewAuditEvent {
        account_id: account.id,
        server_id: None,
        grant_id: None,
        session: None,
        method: "tools/call".into(),
        tool: Some("run_shell".into()),
        decision: decision.into(),
        rule: None,
        reason: None,
        argument_keys: Vec::new(),
        arguments: None,
        upstream_status: None,
        latency_ms: None,
        time: time::OffsetDateTime::now_utc(),
    };
    let events = [event("allowed"), event("allowed"), event("rate_limited")];
    app.store
        .insert_audit_events(events.into())
        .await
        .expect("insert");
    let page = ann.get(&format!("/a/{slug}")).await;
    assert!(!page.text.contains("No calls recorded yet"));
    assert!(page.text.contains("<dt>Allowed</dt><dd>2</dd>"), "{}", page.text);
    assert!(page.text.contains("<dt>Rate limited</dt><dd>1</dd>"));
}
