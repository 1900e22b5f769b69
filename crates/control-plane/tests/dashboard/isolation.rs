//! Every account page: logged out → 303 to the login page (with `next`); a member of another account
//! → 404, as if the account did not exist; a viewer's writes → 403.

use axum::http::StatusCode;

use crate::helpers::{TestApp, tool};

/// Ann's account with a server (synced), a grant; answers her browser, the slug and the page paths.
async fn ann_with_everything(app: &TestApp) -> (crate::helpers::Browser<'_>, String, Vec<String>) {
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let server = ann.add_server(&slug, "Files").await;
    *app.catalog.tools.lock().expect("lock") = Ok(vec![tool("run_shell", "Runs a command")]);
    let token = ann.csrf_token(&slug).await;
    let synced = ann
        .post_form(
            &format!("/a/{slug}/servers/{server}/sync"),
            &[("csrf_token", &token)],
        )
        .await;
    assert_eq!(synced.status, StatusCode::SEE_OTHER, "{}", synced.text);
    let server_id = {
        use toolgate_store::Store;
        let account = app.account(&slug).await;
        app.store
            .find_server(account.id, &server)
            .await
            .expect("store")
            .expect("server")
            .id
    };
    let created = ann
        .submit(
            &format!("/a/{slug}/grants/new"),
            &format!("/a/{slug}/grants"),
            &[
                ("name", "agent"),
                ("target", &format!("{server_id}/")),
                ("expires", "never"),
            ],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    let list = ann.get(&format!("/a/{slug}/grants")).await;
    let grant = crate::helpers::grant_id(&list.text);
    let pages = [
        String::new(),
        "/servers".into(),
        "/servers/new".into(),
        format!("/servers/{server}"),
        "/grants".into(),
        "/grants/new".into(),
        format!("/grants/{grant}/revoke"),
        format!("/grants/{grant}/rotate"),
    ]
    .into_iter()
    .map(|rest| format!("/a/{slug}{rest}"))
    .collect();
    (ann, slug, pages)
}

#[tokio::test]
async fn logged_out_visitors_are_sent_to_the_login_page() {
    let app = TestApp::new().await;
    let (mut ann, _slug, pages) = ann_with_everything(&app).await;
    for page in &pages {
        assert_eq!(
            ann.get(page).await.status,
            StatusCode::OK,
            "{page} works for its owner"
        );
    }
    let mut stranger = app.browser();
    for page in &pages {
        let answer = stranger.get(page).await;
        assert_eq!(answer.status, StatusCode::SEE_OTHER, "{page}");
        let expected: String = url::form_urlencoded::byte_serialize(page.as_bytes()).collect();
        assert_eq!(answer.location(), format!("/login?next={expected}"), "{page}");
    }
    assert_eq!(stranger.get("/").await.location(), "/login");
}

#[tokio::test]
async fn another_accounts_pages_are_not_found() {
    let app = TestApp::new().await;
    let (_ann, slug, pages) = ann_with_everything(&app).await;
    let (mut bob, bob_slug) = app.signed_up("bob@example.com", "Bobco").await;
    for page in &pages {
        let answer = bob.get(page).await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{page}");
        assert!(answer.text.contains("Page not found"), "{page}");
        assert!(!answer.text.contains("Files"), "{page} leaks nothing");
    }
    // Writes too, even with Bob's own valid CSRF token.
    let token = bob.csrf_token(&bob_slug).await;
    for action in [format!("/a/{slug}/servers"), format!("/a/{slug}/grants")] {
        let answer = bob
            .post_form(&action, &[("csrf_token", &token), ("name", "x")])
            .await;
        assert_eq!(answer.status, StatusCode::NOT_FOUND, "{action}");
    }
    // The same account by its id is Bob's own only.
    assert_eq!(bob.get(&format!("/a/{bob_slug}")).await.status, StatusCode::OK);
}

#[tokio::test]
async fn viewers_may_look_but_not_change() {
    let app = TestApp::new().await;
    let (mut ann, slug, _pages) = ann_with_everything(&app).await;
    app.demote_to_viewer(&slug).await;
    let servers = ann.get(&format!("/a/{slug}/servers")).await;
    assert_eq!(servers.status, StatusCode::OK);
    assert!(!servers.text.contains("Add server"), "no write buttons");
    assert_eq!(
        ann.get(&format!("/a/{slug}/servers/new")).await.status,
        StatusCode::FORBIDDEN
    );
    let token = ann.csrf_token(&slug).await;
    let create = ann
        .post_form(
            &format!("/a/{slug}/servers"),
            &[
                ("csrf_token", &token),
                ("name", "x"),
                ("url", "http://127.0.0.1:9/"),
            ],
        )
        .await;
    assert_eq!(create.status, StatusCode::FORBIDDEN);
    assert!(create.text.contains("Not allowed"));
}
