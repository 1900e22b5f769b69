//! `GET/PATCH /accounts/{acct}/settings`: audit retention and the approvals webhook.
//! PATCH `{audit_retention_days?: 1..3650, webhook_url?: "https://…" | null}`. Setting a URL generates
//! a new signing secret, answered this once as `webhook_secret`; afterwards only `webhook_secret_set`.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Deserializer, Serialize};
use toolgate_store::AccountSettings;

use crate::error::ApiError;
use crate::extract::{ApiJson, Member, Writer};
use crate::service::settings::{self, SettingsChanges};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/accounts/{acct}/settings", get(show).patch(update))
}

#[derive(Serialize)]
struct SettingsView {
    audit_retention_days: i64,
    webhook_url: Option<String>,
    webhook_secret_set: bool,
    /// Only in the answer to the PATCH that generated it.
    #[serde(skip_serializing_if = "Option::is_none")]
    webhook_secret: Option<String>,
}

impl SettingsView {
    fn new(settings: AccountSettings, webhook_secret: Option<String>) -> Self {
        Self {
            audit_retention_days: settings.audit_retention_days,
            webhook_secret_set: settings.webhook_secret_sealed.is_some(),
            webhook_url: settings.webhook_url,
            webhook_secret,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct UpdateSettings {
    audit_retention_days: Option<i64>,
    /// Absent: unchanged; `null`: removed.
    #[serde(default, deserialize_with = "present")]
    webhook_url: Option<Option<String>>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[tracing::instrument(skip_all)]
async fn show(State(state): State<AppState>, member: Member) -> Result<Json<SettingsView>, ApiError> {
    let found = settings::get(&state, &member.account).await?;
    Ok(Json(SettingsView::new(found, None)))
}

#[tracing::instrument(skip_all)]
async fn update(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiJson(body): ApiJson<UpdateSettings>,
) -> Result<Json<SettingsView>, ApiError> {
    let changes = SettingsChanges {
        audit_retention_days: body.audit_retention_days,
        webhook_url: body.webhook_url,
    };
    let saved = settings::update(&state, &member.account, changes).await?;
    Ok(Json(SettingsView::new(saved.settings, saved.webhook_secret)))
}
