//! The settings page: the webhook (secret shown once), its deliveries with failures, retention; the
//! same service functions as `PATCH /api/v1/…/settings`, so the API sees what the page saved.

use axum::http::{StatusCode, header};
use serde_json::json;
use time::OffsetDateTime;
use toolgate_store::{NewWebhookDelivery, Store, WebhookAttempt};

use crate::helpers::{Page, TestApp, unescape};

fn secret_in(page: &Page) -> Option<String> {
    let start = page.text.find("whsec_")?;
    let end = page.text[start..]
        .find(|c: char| !c.is_ascii_alphanumeric() && c != '_')
        .map_or(page.text.len(), |end| start + end);
    Some(page.text[start..end].to_owned())
}

/// Every visible `<input>`, `<select>` and `<textarea>` has a `<label for=…>`; every button has text.
fn assert_accessible(page: &Page) {
    let html = &page.text;
    for (index, _) in html.match_indices("<input") {
        let tag = &html[index..index + html[index..].find('>').expect("end of tag")];
        if tag.contains("type=\"hidden\"") {
            continue;
        }
        let id_start = tag.find("id=\"").expect("input without id") + 4;
        let id = &tag[id_start..id_start + tag[id_start..].find('"').expect("end of id")];
        assert!(
            html.contains(&format!("<label for=\"{id}\"")),
            "no label for {id}"
        );
    }
    for (index, _) in html.match_indices("<button") {
        let end = index + html[index..].find("</button>").expect("end of button");
        let open_end = index + html[index..].find('>').expect("end of tag") + 1;
        assert!(!html[open_end..end].trim().is_empty(), "a button without text");
    }
}

#[tokio::test]
async fn the_page_needs_a_member_and_is_in_the_navigation() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let anonymous = app.browser().get(&format!("/a/{slug}/settings")).await;
    assert_eq!(anonymous.status, StatusCode::SEE_OTHER);
    assert!(anonymous.location().starts_with("/login"));
    let (mut bob, _) = app.signed_up("bob@example.com", "Bobco").await;
    for path in ["settings", "settings/alert"] {
        let foreign = bob.get(&format!("/a/{slug}/{path}")).await;
        assert_eq!(foreign.status, StatusCode::NOT_FOUND, "{path}");
    }

    let overview = ann.get(&format!("/a/{slug}")).await;
    assert!(overview.text.contains(&format!("href=\"/a/{slug}/settings\"")));
    let page = ann.get(&format!("/a/{slug}/settings")).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.text);
    assert!(page.text.contains("aria-current=\"page\">Settings"));
    assert!(page.text.contains("Not set"));
    assert!(page.text.contains("No deliveries yet"));
    assert!(page.text.contains("value=\"30\""), "the default retention");
    assert_accessible(&page);
}

#[tokio::test]
async fn an_admin_sets_a_webhook_and_sees_its_secret_once() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let settings = format!("/a/{slug}/settings");
    let saved = ann
        .submit(
            &settings,
            &format!("{settings}/webhook"),
            &[("webhook_url", " http://127.0.0.1:8999/hook ")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::OK, "{}", saved.text);
    assert_eq!(
        saved
            .headers
            .get(header::CACHE_CONTROL)
            .and_then(|value| value.to_str().ok()),
        Some("no-store")
    );
    let secret = secret_in(&saved).expect("the secret is shown");
    assert_eq!(secret.len(), "whsec_".len() + 64);
    assert!(saved.text.contains("data-copy-target=\"webhook-secret\""));
    assert!(saved.text.contains("http://127.0.0.1:8999/hook"));
    assert_accessible(&saved);

    let again = ann.get(&settings).await;
    assert_eq!(secret_in(&again), None, "shown only once");
    assert!(again.text.contains("Replace webhook"));

    // The API reads what the page saved: one service, one store.
    let account = app.account(&slug).await;
    let stored = app
        .store
        .get_account_settings(account.id)
        .await
        .expect("settings");
    assert_eq!(stored.webhook_url.as_deref(), Some("http://127.0.0.1:8999/hook"));
    let events = app
        .store
        .list_admin_events(account.id, 10, None)
        .await
        .expect("events");
    assert!(
        events.iter().any(|event| event.action == "settings.updated"),
        "an admin event"
    );

    let replaced = ann
        .submit(
            &settings,
            &format!("{settings}/webhook"),
            &[("webhook_url", "http://127.0.0.1:8999/hook")],
        )
        .await;
    assert_ne!(secret_in(&replaced).expect("a new secret"), secret, "rotated");

    let removed = ann
        .submit(&settings, &format!("{settings}/webhook/remove"), &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert_eq!(removed.location(), format!("{settings}?saved=webhook-removed"));
    let after = ann.get(removed.location()).await;
    assert!(after.text.contains("Webhook removed"));
    assert!(after.text.contains("Not set"));
    let stored = app
        .store
        .get_account_settings(account.id)
        .await
        .expect("settings");
    assert_eq!(stored.webhook_url, None);
}

#[tokio::test]
async fn bad_input_is_shown_at_its_field() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let settings = format!("/a/{slug}/settings");
    for url in ["", "not a url", "http://169.254.169.254/latest"] {
        let page = ann
            .submit(&settings, &format!("{settings}/webhook"), &[("webhook_url", url)])
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{url}: {}",
            page.text
        );
        assert!(page.text.contains("class=\"field-error\""), "{url}");
        assert!(page.text.contains("aria-invalid=\"true\""));
        assert_eq!(secret_in(&page), None);
        if !url.is_empty() {
            assert!(
                unescape(&page.text).contains(&format!("value=\"{url}\"")),
                "the input is kept"
            );
        }
    }
    for days in ["0", "3651", "abc", ""] {
        let page = ann
            .submit(
                &settings,
                &format!("{settings}/retention"),
                &[("audit_retention_days", days)],
            )
            .await;
        assert_eq!(
            page.status,
            StatusCode::UNPROCESSABLE_ENTITY,
            "{days}: {}",
            page.text
        );
        assert!(page.text.contains("class=\"field-error\""), "{days}");
    }
    let saved = ann
        .submit(
            &settings,
            &format!("{settings}/retention"),
            &[("audit_retention_days", "90")],
        )
        .await;
    assert_eq!(saved.status, StatusCode::SEE_OTHER, "{}", saved.text);
    let page = ann.get(saved.location()).await;
    assert!(page.text.contains("Audit retention saved"));
    assert!(page.text.contains("value=\"90\""));
}

#[tokio::test]
async fn viewers_see_the_settings_but_cannot_change_them() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let settings = format!("/a/{slug}/settings");
    let token = ann.get(&settings).await.csrf_token();
    app.demote_to_viewer(&slug).await;
    let page = ann.get(&settings).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(page.text.contains("Viewers cannot change settings"));
    assert!(!page.text.contains("name=\"webhook_url\""));
    for (action, field, value) in [
        ("webhook", "webhook_url", "http://127.0.0.1:8999/hook"),
        ("webhook/remove", "unused", ""),
        ("retention", "audit_retention_days", "7"),
    ] {
        let answer = ann
            .post_form(
                &format!("{settings}/{action}"),
                &[(field, value), ("csrf_token", &token)],
            )
            .await;
        assert_eq!(answer.status, StatusCode::FORBIDDEN, "{action}");
    }
    let account = app.account(&slug).await;
    let stored = app
        .store
        .get_account_settings(account.id)
        .await
        .expect("settings");
    assert_eq!((stored.webhook_url, stored.audit_retention_days), (None, 30));
}

#[tokio::test]
async fn writes_need_the_csrf_token() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let answer = ann
        .post_form(
            &format!("/a/{slug}/settings/webhook"),
            &[
                ("webhook_url", "http://127.0.0.1:8999/hook"),
                ("csrf_token", "wrong"),
            ],
        )
        .await;
    assert_eq!(answer.status, StatusCode::FORBIDDEN);
    assert_eq!(secret_in(&answer), None);
}

#[tokio::test]
async fn failed_deliveries_are_listed_and_flagged_in_the_navigation() {
    let app = TestApp::new().await;
    let (mut ann, slug) = app.signed_up("ann@example.com", "Acme").await;
    let account = app.account(&slug).await;
    let alert = ann.get(&format!("/a/{slug}/settings/alert")).await;
    assert_eq!(alert.status, StatusCode::OK);
    assert!(!alert.text.contains("nav-alert"), "no failures, no badge");

    let now = OffsetDateTime::now_utc();
    let insert = |event: &'static str| {
        let store = app.store.clone();
        async move {
            let delivery = NewWebhookDelivery {
                event_type: event.into(),
                payload: json!({"type": event}),
            };
            store
                .insert_webhook_delivery(account.id, delivery, now)
                .await
                .expect("insert")
        }
    };
    let attempt = |id: i64, outcome: WebhookAttempt| {
        let store = app.store.clone();
        async move {
            store
                .record_webhook_attempt(account.id, id, outcome, now)
                .await
                .expect("attempt");
        }
    };
    let delivered = insert("approval.requested").await;
    attempt(
        delivered,
        WebhookAttempt {
            succeeded: true,
            status_code: Some(204),
            error: None,
            next_attempt_at: None,
        },
    )
    .await;
    let given_up = insert("approval.approved").await;
    attempt(
        given_up,
        WebhookAttempt {
            succeeded: false,
            status_code: Some(500),
            error: Some("HTTP 500 from the receiver".into()),
            next_attempt_at: None,
        },
    )
    .await;
    let retrying = insert("approval.denied").await;
    attempt(
        retrying,
        WebhookAttempt {
            succeeded: false,
            status_code: None,
            error: Some("connection refused".into()),
            next_attempt_at: Some(now + time::Duration::hours(1)),
        },
    )
    .await;

    let page = ann.get(&format!("/a/{slug}/settings")).await;
    assert_eq!(page.status, StatusCode::OK);
    assert!(
        page.text.contains("2 deliveries failed in the last 24 hours"),
        "{}",
        page.text
    );
    let row = |id: i64| {
        let start = page.text.find(&format!("id=\"delivery-{id}\"")).expect("row");
        let end = start + page.text[start..].find("</tr>").expect("end of row");
        page.text[start..end].to_owned()
    };
    let failed = row(given_up);
    assert!(failed.contains("class=\"delivery-failing\""), "{failed}");
    assert!(failed.contains("Failed (given up)") && failed.contains("500"));
    assert!(failed.contains("HTTP 500 from the receiver"));
    let pending = row(retrying);
    assert!(pending.contains("Failed, retrying") && pending.contains("connection refused"));
    assert!(pending.contains("next: "));
    let ok = row(delivered);
    assert!(ok.contains("Delivered") && ok.contains("204"));
    assert!(!page.text.contains("\"type\""), "payloads are not listed");

    let alert = ann.get(&format!("/a/{slug}/settings/alert")).await;
    assert!(alert.text.contains("nav-alert"), "{}", alert.text);
    assert!(alert.text.contains("2 webhook deliveries failed"));
}
