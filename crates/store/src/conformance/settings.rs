//! Account settings: defaults until changed, patches change only what they name.

use toolgate_domain::AccountId;

use super::fixtures::{expect_not_found, signup};
use crate::{AccountSettings, AccountSettingsPatch, Store};

pub async fn account_settings_are_the_defaults_until_changed(store: &dyn Store) {
    let (_, acme) = signup(store, "acme").await;
    let (_, globex) = signup(store, "globex").await;
    let defaults = AccountSettings {
        audit_retention_days: 30,
        webhook_url: None,
        webhook_secret_sealed: None,
    };
    assert_eq!(store.get_account_settings(acme.id).await.expect("get"), defaults);
    assert_eq!(AccountSettings::default(), defaults);

    let unchanged = store
        .update_account_settings(acme.id, AccountSettingsPatch::default())
        .await
        .expect("empty patch");
    assert_eq!(unchanged, defaults);

    let webhook = AccountSettingsPatch {
        webhook: Some(Some(("https://hooks.example.com/tg".to_owned(), vec![7, 8, 9]))),
        ..AccountSettingsPatch::default()
    };
    let with_webhook = store
        .update_account_settings(acme.id, webhook)
        .await
        .expect("update");
    assert_eq!(
        (
            with_webhook.audit_retention_days,
            with_webhook.webhook_url.as_deref(),
            with_webhook.webhook_secret_sealed.as_deref()
        ),
        (30, Some("https://hooks.example.com/tg"), Some(&[7, 8, 9][..]))
    );
    let retention = AccountSettingsPatch {
        audit_retention_days: Some(7),
        ..AccountSettingsPatch::default()
    };
    let shorter = store
        .update_account_settings(acme.id, retention)
        .await
        .expect("update");
    assert_eq!(
        shorter,
        AccountSettings {
            audit_retention_days: 7,
            ..with_webhook
        },
        "the webhook is kept"
    );
    assert_eq!(store.get_account_settings(acme.id).await.expect("get"), shorter);

    let remove = AccountSettingsPatch {
        webhook: Some(None),
        ..AccountSettingsPatch::default()
    };
    let removed = store
        .update_account_settings(acme.id, remove)
        .await
        .expect("update");
    assert_eq!(
        removed,
        AccountSettings {
            audit_retention_days: 7,
            ..defaults.clone()
        }
    );
    assert_eq!(
        store.get_account_settings(globex.id).await.expect("get"),
        defaults
    );

    let mut retention = store.list_retention_settings().await.expect("list");
    retention.sort();
    let mut expected = vec![(acme.id, 7), (globex.id, 30)];
    expected.sort();
    assert_eq!(retention, expected, "every account, with the default when unset");

    expect_not_found(
        store
            .update_account_settings(AccountId::new(), AccountSettingsPatch::default())
            .await,
        "unknown account",
    );
    assert_eq!(
        store.get_account_settings(AccountId::new()).await.expect("get"),
        defaults,
        "no row: the defaults"
    );
}
