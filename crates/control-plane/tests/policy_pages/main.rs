//! Router tests for the policy builder pages: auth, tenant isolation, the no-JS save, errors at their
//! pointer and line, the builder's JSON endpoints, history and rollback.

mod client;

use axum::http::{Method, StatusCode};
use serde_json::{Value, json};

use client::{App, Payload, User, tool};

fn catalog() -> Vec<Value> {
    vec![
        tool(
            "list_files",
            "Lists the files in a folder",
            json!({"path": {"type": "string"}}),
        ),
        tool(
            "run_shell",
            "Runs a shell command",
            json!({"command": {"type": "string"}}),
        ),
        tool(
            "delete_path",
            "Deletes a file or folder",
            json!({"path": {"type": "string"}}),
        ),
    ]
}

async fn setup() -> (App, User, String) {
    let app = App::new().await;
    let user = app.user("ann@example.com", "Acme").await;
    let server = app.server_with_tools(&user, catalog()).await;
    app.policy(
        &user,
        &server,
        "default",
        json!({"version": "1", "default": "deny", "tools": {"list_files": {}}}),
    )
    .await;
    (app, user, server)
}

/// The text of HTML with its quote entities decoded (askama escapes `"` in text and attributes).
fn unescape(html: &str) -> String {
    html.replace("&#34;", "\"").replace("&quot;", "\"")
}

async fn current(app: &App, user: &User, server: &str) -> Value {
    let path = format!("/api/v1/accounts/{}/servers/{server}/policies/default", user.slug);
    app.api(Method::GET, &path, &user.token, None).await.json()
}

#[tokio::test]
async fn logged_out_visitors_are_sent_to_login() {
    let (app, user, server) = setup().await;
    let base = format!("/a/{}/servers/{server}", user.slug);
    for path in [
        format!("{base}/policies"),
        format!("{base}/policies/default"),
        format!("{base}/policies/default/history"),
        format!("{base}/builder/recommended"),
    ] {
        let page = app.request(Method::GET, &path, None, None, Payload::None).await;
        assert_eq!(page.status, StatusCode::SEE_OTHER, "{path}");
        assert!(
            page.location().starts_with("/login?next="),
            "{path}: {}",
            page.location()
        );
    }
}

#[tokio::test]
async fn another_account_gets_404_everywhere() {
    let (app, owner, server) = setup().await;
    let stranger = app.user("eve@example.com", "Evil").await;
    let base = format!("/a/{}/servers/{server}", owner.slug);
    for path in [
        format!("{base}/policies"),
        format!("{base}/policies/default"),
        format!("{base}/policies/default/history"),
        format!("{base}/builder/recommended"),
    ] {
        let page = app.get(&stranger, &path).await;
        assert_eq!(page.status, StatusCode::NOT_FOUND, "{path}");
        assert!(
            !page.text.contains("list_files"),
            "{path} shows nothing of the account"
        );
    }
    let save = app
        .post_form(
            &stranger,
            &format!("{base}/policies/default"),
            &[("document", "{}")],
        )
        .await;
    assert_eq!(save.status, StatusCode::NOT_FOUND);
    let validate = app
        .post_json(
            &stranger,
            &format!("{base}/builder/validate"),
            json!({"text": "{}"}),
        )
        .await;
    assert_eq!(validate.status, StatusCode::NOT_FOUND);
    // Their own account's path with the other account's server: still nothing.
    let own = format!("/a/{}/servers/{server}/policies", stranger.slug);
    assert_eq!(app.get(&stranger, &own).await.status, StatusCode::NOT_FOUND);
    assert_eq!(
        current(&app, &owner, &server).await["version"],
        1,
        "nothing was saved"
    );
}

#[tokio::test]
async fn editor_shows_the_document_and_the_catalog_with_risk() {
    let (app, user, server) = setup().await;
    let page = app
        .get(
            &user,
            &format!("/a/{}/servers/{server}/policies/default", user.slug),
        )
        .await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(
        page.text
            .contains("<textarea id=\"policy-json\" name=\"document\"")
    );
    assert!(unescape(&page.text).contains("\"list_files\""));
    assert!(page.text.contains("data-builder"));
    assert!(
        page.text.contains("category"),
        "the catalog carries each tool's risk"
    );
    assert!(page.text.contains("What “Recommended policy” chooses"));
}

#[tokio::test]
async fn the_no_js_form_saves_a_new_version() {
    let (app, user, server) = setup().await;
    let path = format!("/a/{}/servers/{server}/policies/default", user.slug);
    let text = "{\n  \"version\": \"1\",\n  \"default\": \"deny\",\n  \"hide\": [\"delete_path\"],\n  \"tools\": {\"run_shell\": {\"action\": \"deny\", \"reason\": \"no\"}}\n}";
    let saved = app.post_form(&user, &path, &[("document", text)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    assert_eq!(saved.location(), format!("{path}?saved=2"));
    let policy = current(&app, &user, &server).await;
    assert_eq!(policy["version"], 2);
    assert_eq!(policy["document"]["tools"]["run_shell"]["reason"], "no");
    let after = app.get(&user, saved.location()).await;
    assert!(after.text.contains("Saved as version 2."));
}

#[tokio::test]
async fn invalid_json_shows_the_error_at_its_line_and_keeps_the_text() {
    let (app, user, server) = setup().await;
    let path = format!("/a/{}/servers/{server}/policies/default", user.slug);
    let text = "{\n  \"version\": \"1\",\n  \"default\": \"deny\",\n}";
    let page = app.post_form(&user, &path, &[("document", text)]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(page.text.contains("line 4, column 1"), "{}", page.text);
    assert!(
        unescape(&page.text).contains("\"default\": \"deny\",\n}</textarea>"),
        "the text is kept as sent"
    );
    let duplicate = "{\"version\": \"1\",\n\"version\": \"1\", \"default\": \"deny\"}";
    let page = app.post_form(&user, &path, &[("document", duplicate)]).await;
    assert!(page.text.contains("duplicate key"), "{}", page.text);
    assert!(page.text.contains("line 2, column"));
    assert_eq!(current(&app, &user, &server).await["version"], 1);
}

#[tokio::test]
async fn validation_errors_show_their_pointer_and_line() {
    let (app, user, server) = setup().await;
    let path = format!("/a/{}/servers/{server}/policies/default", user.slug);
    let text = "{\n  \"version\": \"1\",\n  \"default\": \"deny\",\n  \"tools\": {\n    \"run_shell\": {\"limits\": [{\"counter\": \"c\", \"window\": \"minute\", \"max\": 0}]}\n  }\n}";
    let page = app.post_form(&user, &path, &[("document", text)]).await;
    assert_eq!(page.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        page.text.contains("line 5 · /tools/run_shell/limits/0/max"),
        "{}",
        page.text
    );
    assert_eq!(current(&app, &user, &server).await["version"], 1);
}

#[tokio::test]
async fn writes_need_a_writer_and_a_csrf_token() {
    let (app, user, server) = setup().await;
    let path = format!("/a/{}/servers/{server}/policies/default", user.slug);
    let text = "{\"version\": \"1\", \"default\": \"allow\"}";
    let fields = vec![("document".to_owned(), text.to_owned())];
    let no_token = app
        .request(
            Method::POST,
            &path,
            Some(&user.cookie),
            None,
            Payload::Form(fields),
        )
        .await;
    assert_eq!(no_token.status, StatusCode::FORBIDDEN);
    sqlx::query("UPDATE memberships SET role = 'viewer' WHERE account_id = $1")
        .bind(&user.account_id)
        .execute(app.store.pool())
        .await
        .expect("demote");
    let viewer = app.post_form(&user, &path, &[("document", text)]).await;
    assert_eq!(viewer.status, StatusCode::FORBIDDEN);
    let editor = app.get(&user, &path).await;
    assert!(
        editor.text.contains(" readonly>"),
        "viewers get a read-only editor"
    );
    assert!(!editor.text.contains("Save new version"));
    assert_eq!(current(&app, &user, &server).await["version"], 1);
}

#[tokio::test]
async fn create_from_the_list_page_with_the_recommended_start() {
    let (app, user, server) = setup().await;
    let path = format!("/a/{}/servers/{server}/policies", user.slug);
    let list = app.get(&user, &path).await;
    assert_eq!(list.status, StatusCode::OK);
    assert!(list.text.contains(">default</a>"));
    let created = app
        .post_form(&user, &path, &[("name", "safe start"), ("start", "recommended")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    assert_eq!(created.location(), format!("{path}/safe%20start"));
    let api = format!(
        "/api/v1/accounts/{}/servers/{server}/policies/safe%20start",
        user.slug
    );
    let document = app.api(Method::GET, &api, &user.token, None).await.json()["document"].clone();
    assert_eq!(document["tools"]["delete_path"]["action"], "require_approval");
    assert_eq!(document["tools"]["list_files"], json!({}));
    let taken = app
        .post_form(&user, &path, &[("name", "default"), ("start", "deny")])
        .await;
    assert_eq!(taken.status, StatusCode::CONFLICT);
    assert!(taken.text.contains("already exists"));
    let blank = app
        .post_form(&user, &path, &[("name", " "), ("start", "deny")])
        .await;
    assert_eq!(blank.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(blank.text.contains("field-error"));
}

#[tokio::test]
async fn validate_answers_lines_and_pointers_without_saving() {
    let (app, user, server) = setup().await;
    let path = format!("/a/{}/servers/{server}/builder/validate", user.slug);
    let syntax = app
        .post_json(&user, &path, json!({"text": "{\n  \"version\": \"1\",,\n}"}))
        .await;
    assert_eq!(syntax.status, StatusCode::OK, "{}", syntax.text);
    let body = syntax.json();
    assert_eq!(body["valid"], false);
    assert_eq!(body["errors"][0]["line"], 2);
    let semantic = app
        .post_json(
            &user,
            &path,
            json!({"text": "{\"version\": \"1\", \"default\": \"maybe\"}"}),
        )
        .await;
    assert_eq!(semantic.json()["errors"][0]["pointer"], "/default");
    let valid = app
        .post_json(
            &user,
            &path,
            json!({"text": "{\"version\": \"1\", \"default\": \"deny\"}"}),
        )
        .await;
    assert_eq!(valid.json(), json!({"valid": true, "errors": []}));
    let no_csrf = app
        .request(
            Method::POST,
            &path,
            Some(&user.cookie),
            None,
            Payload::Json(json!({"text": "{}"})),
        )
        .await;
    assert_eq!(no_csrf.status, StatusCode::FORBIDDEN);
    let malformed = app.post_json(&user, &path, json!({"texts": 1})).await;
    assert_eq!(
        malformed.status.as_u16() / 100,
        4,
        "bad input is a 4xx: {}",
        malformed.text
    );
}

#[tokio::test]
async fn simulate_and_recommend_work_on_the_draft() {
    let (app, user, server) = setup().await;
    let base = format!("/a/{}/servers/{server}/builder", user.slug);
    let document = json!({"version": "1", "default": "deny", "tools": {"run_shell": {"deny_if": [
        {"conditions": [{"path": "args.command", "op": "regex", "value": "rm"}], "on_deny": "no rm"}]}}});
    let call = json!({"document": document, "tool": "run_shell", "arguments": {"command": "rm -rf /"}});
    let refused = app
        .post_json(&user, &format!("{base}/simulate"), call)
        .await
        .json();
    assert_eq!(refused["decision"], "denied");
    assert_eq!(refused["reason"], "no rm");
    assert_eq!(refused["rule"], "/tools/run_shell/deny_if/0");
    let invalid = json!({"document": {"version": "2"}, "tool": "x"});
    let answer = app
        .post_json(&user, &format!("{base}/simulate"), invalid)
        .await
        .json();
    assert!(
        answer["errors"]
            .as_array()
            .is_some_and(|errors| !errors.is_empty())
    );
    let bad_args = json!({"document": document, "tool": "x", "arguments": [1]});
    let bad = app.post_json(&user, &format!("{base}/simulate"), bad_args).await;
    assert_eq!(bad.status, StatusCode::UNPROCESSABLE_ENTITY);
    let recommended = app.get(&user, &format!("{base}/recommended")).await.json();
    assert_eq!(recommended["document"]["default"], "deny");
    assert_eq!(recommended["legend"][0]["category"], "Read");
}

#[tokio::test]
async fn history_shows_diffs_and_rollback_saves_a_new_version() {
    let (app, user, server) = setup().await;
    let path = format!("/a/{}/servers/{server}/policies/default", user.slug);
    let text =
        "{\"version\": \"1\", \"default\": \"deny\", \"tools\": {\"list_files\": {}, \"run_shell\": {}}}";
    app.post_form(&user, &path, &[("document", text)]).await;
    let history = app.get(&user, &format!("{path}/history")).await;
    assert_eq!(history.status, StatusCode::OK);
    assert!(history.text.contains("Version 2"));
    let diff = unescape(&history.text);
    assert!(
        diff.contains("<span class=\"diff-line diff-add\">+     \"run_shell\": {}</span>"),
        "{diff}"
    );
    assert!(history.text.contains("ann@example.com"));
    let rollback = app
        .post_form(&user, &format!("{path}/rollback"), &[("version", "1")])
        .await;
    assert_eq!(rollback.status, StatusCode::SEE_OTHER, "{}", rollback.text);
    let policy = current(&app, &user, &server).await;
    assert_eq!(policy["version"], 3);
    assert_eq!(
        policy["document"],
        json!({"version": "1", "default": "deny", "tools": {"list_files": {}}})
    );
    let missing = app
        .post_form(&user, &format!("{path}/rollback"), &[("version", "9")])
        .await;
    assert_eq!(missing.status, StatusCode::BAD_REQUEST);
    let garbage = app
        .post_form(&user, &format!("{path}/rollback"), &[("version", "x")])
        .await;
    assert_eq!(garbage.status, StatusCode::BAD_REQUEST);
}

/// The admin events of the account, newest first, from the API.
async fn admin_events(app: &App, user: &User) -> Vec<Value> {
    let path = format!("/api/v1/accounts/{}/admin-events", user.slug);
    let answer = app.api(Method::GET, &path, &user.token, None).await.json();
    answer["items"].as_array().cloned().unwrap_or_default()
}

#[tokio::test]
async fn dashboard_saves_record_admin_events_with_their_versions() {
    let (app, user, server) = setup().await;
    let base = format!("/a/{}/servers/{server}/policies", user.slug);
    let path = format!("{base}/default");
    let text = "{\"version\": \"1\", \"default\": \"deny\", \"tools\": {\"run_shell\": {}}}";
    let saved = app.post_form(&user, &path, &[("document", text)]).await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let policy_id = current(&app, &user, &server).await["id"].clone();

    let events = admin_events(&app, &user).await;
    let save = &events[0];
    assert_eq!(save["action"], "policy.saved", "{events:?}");
    assert_eq!(save["target_type"], "policy");
    assert_eq!(save["target_id"], policy_id);
    assert_eq!(
        (save["before_version"].clone(), save["after_version"].clone()),
        (json!(1), json!(2))
    );
    assert_eq!(save["actor"], "ann@example.com", "the signed-in user");

    let rollback = app
        .post_form(&user, &format!("{path}/rollback"), &[("version", "1")])
        .await;
    assert_eq!(rollback.status, StatusCode::SEE_OTHER, "{}", rollback.text);
    let events = admin_events(&app, &user).await;
    assert_eq!(events[0]["action"], "policy.saved");
    assert_eq!(
        (
            events[0]["before_version"].clone(),
            events[0]["after_version"].clone()
        ),
        (json!(2), json!(3))
    );

    let created = app
        .post_form(&user, &base, &[("name", "second"), ("start", "deny")])
        .await;
    assert_eq!(created.status, StatusCode::SEE_OTHER, "{}", created.text);
    let events = admin_events(&app, &user).await;
    assert_eq!(events[0]["action"], "policy.created");
    assert_eq!(events[0]["after_version"], 1);
    assert_eq!(events[0]["actor"], "ann@example.com");

    // A refused save records nothing.
    let before = admin_events(&app, &user).await.len();
    let invalid = app
        .post_form(&user, &path, &[("document", "{\"version\": \"2\"}")])
        .await;
    assert_eq!(invalid.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(admin_events(&app, &user).await.len(), before);
}
