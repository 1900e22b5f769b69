use axum::http::StatusCode;
use serde_json::json;
use toolgate_store::Store;

use crate::helpers::TestApp;

#[tokio::test]
async fn create_shows_the_token_once_then_revoke_and_rotate() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let server = ann.add_server(&slug, "Files").await;
    let account = app.account(&slug).await;
    let server_row = app
        .store
        .find_server(account.id, &server)
        .await
        .expect("store")
        .expect("server");
    // A policy to pick (the builder pages make them; here the store does).
    let policy = app
        .store
        .create_policy(
            account.id,
            server_row.id,
            toolgate_store::NewPolicy {
                name: "agents".into(),
                document: json!({"version": "1", "default": "allow"}),
                created_by: None,
            },
        )
        .await
        .expect("policy");

    let form = ann.get(&format!("/a/{slug}/grants/new?server={server}")).await;
    assert!(form.text.contains("<optgroup label=\"Files\">"));
    assert!(
        form.text
            .contains(&format!("value=\"{}/{}\" selected", server_row.id, policy.id)),
        "{}",
        form.text
    );

    let invalid = ann
        .submit(
            &format!("/a/{slug}/grants/new"),
            &format!("/a/{slug}/grants"),
            &[("name", ""), ("target", ""), ("expires", "never")],
        )
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(invalid.text.contains("id=\"target-error\""));

    let target = format!("{}/{}", server_row.id, policy.id);
    let created = ann
        .submit(
            &format!("/a/{slug}/grants/new"),
            &format!("/a/{slug}/grants"),
            &[("name", "Laptop agent"), ("target", &target), ("expires", "30d")],
        )
        .await;
    assert_eq!(created.status, StatusCode::OK, "{}", created.text);
    assert_eq!(created.headers["cache-control"], "no-store");
    let start = created.text.find("tg_").expect("token shown");
    let token: String = created.text[start..]
        .chars()
        .take_while(char::is_ascii_alphanumeric_or_underscore)
        .collect();
    assert!(toolgate_domain::TokenKind::Grant.matches(&token), "{token}");
    let url = "http://gw.example/mcp/acme/files";
    let text = crate::helpers::unescape(&created.text);
    assert!(text.contains(&format!(
        "claude mcp add --transport http files {url} --header \"Authorization: Bearer {token}\""
    )));
    assert!(
        text.contains(&format!("\"files\": {{\n      \"url\": \"{url}\"")),
        "{text}"
    );
    assert!(created.text.contains(&format!("curl -s {url}")));

    let list = ann.get(&format!("/a/{slug}/grants")).await;
    assert!(list.text.contains("Laptop agent") && list.text.contains("agents"));
    assert!(list.text.contains(">active<"));
    assert!(!list.text.contains(&token), "the list never shows the token");
    let grant = crate::helpers::grant_id(&list.text);

    let confirm = ann.get(&format!("/a/{slug}/grants/{grant}/rotate")).await;
    assert!(confirm.text.contains("Rotate token"));
    let csrf = confirm.csrf_token();
    let rotated = ann
        .post_form(
            &format!("/a/{slug}/grants/{grant}/rotate"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(rotated.status, StatusCode::OK);
    assert!(rotated.text.contains("The previous token no longer works"));
    assert!(!rotated.text.contains(&token), "a new token");
    let stored = app
        .store
        .find_grant_by_token(account.id, toolgate_domain::TokenHash::of(&token))
        .await
        .expect("store");
    assert!(stored.is_none(), "the old token is gone");

    let revoked = ann
        .post_form(
            &format!("/a/{slug}/grants/{grant}/revoke"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(revoked.status, StatusCode::SEE_OTHER);
    let list = ann.get(revoked.location()).await;
    assert!(
        crate::helpers::unescape(&list.text).contains("Revoked \"Laptop agent\""),
        "{}",
        list.text
    );
    assert!(list.text.contains(">revoked<"));

    let again = ann
        .post_form(
            &format!("/a/{slug}/grants/{grant}/rotate"),
            &[("csrf_token", &csrf)],
        )
        .await;
    assert_eq!(again.status, StatusCode::CONFLICT);
    assert!(again.text.contains("revoked; create a new grant instead"));

    let unknown = ann.get(&format!("/a/{slug}/grants/not-a-grant/revoke")).await;
    assert_eq!(unknown.status, StatusCode::NOT_FOUND);
}

trait TokenChar {
    fn is_ascii_alphanumeric_or_underscore(&self) -> bool;
}

impl TokenChar for char {
    fn is_ascii_alphanumeric_or_underscore(&self) -> bool {
        self.is_ascii_alphanumeric() || *self == '_'
    }
}
