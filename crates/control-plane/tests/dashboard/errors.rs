//! Error pages keep the navigation for a signed-in visitor, and show nothing of other accounts.

use axum::http::StatusCode;

use crate::helpers::TestApp;

#[tokio::test]
async fn a_signed_in_404_has_the_navigation() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let (_bob, other) = app.signed_up("bob@example.com", "Bobco").await;

    for path in [
        format!("/a/{slug}/no-such-page"),
        format!("/a/{slug}/servers/missing"),
        "/nothing/here".to_owned(),
        format!("/a/{other}"),
        format!("/a/{other}/servers"),
    ] {
        let page = ann.get(&path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(page.text.contains("Page not found"), "{path}");
        assert!(page.text.contains("class=\"mainnav\""), "{path}: {}", page.text);
        assert!(
            page.text.contains(&format!("href=\"/a/{slug}/servers\"")),
            "{path}"
        );
        assert!(page.text.contains("ann@example.com"), "{path}");
        assert!(
            !page.text.contains("Bobco"),
            "{path}: nothing of the other account"
        );
        assert!(!page.text.contains(&format!("href=\"/a/{other}/")), "{path}");
        assert!(page.text.contains("action=\"/logout\""), "{path}: the user menu");
    }

    let anonymous = app.browser().get("/nothing/here").await;
    assert_eq!(anonymous.status, StatusCode::NOT_FOUND);
    assert!(anonymous.text.contains("Page not found"));
    assert!(!anonymous.text.contains("class=\"mainnav\""));

    // A stale cookie is no session: the anonymous page.
    let mut stale = app.browser();
    stale
        .cookies
        .insert("toolgate_session".into(), "tgs_not_a_live_session".into());
    let page = stale.get("/nothing/here").await;
    assert_eq!(page.status, StatusCode::NOT_FOUND);
    assert!(!page.text.contains("class=\"mainnav\""));
}

#[tokio::test]
async fn a_viewers_403_page_keeps_the_navigation_of_the_account() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    app.demote_to_viewer(&slug).await;
    let page = ann.get(&format!("/a/{slug}/servers/new")).await;
    assert_eq!(page.status, StatusCode::FORBIDDEN);
    assert!(page.text.contains("Not allowed"));
    assert!(page.text.contains("class=\"mainnav\""));
    assert!(page.text.contains(&format!("href=\"/a/{slug}/settings\"")));
}
