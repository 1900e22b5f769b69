//! `POST /a/{acct}/settings/webhook` (`webhook_url`): sets or replaces the webhook through
//! `service::settings::update`, which generates a new signing secret; the answer is the settings page
//! itself with the secret, shown this once (`Cache-Control: no-store`), like the grant token page.
//! `POST …/webhook/remove` removes it and redirects back.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::show::{Extras, render};
use crate::dashboard::error::PageError;
use crate::dashboard::extract::DashboardWriter;
use crate::dashboard::form::{FieldErrors, PageForm};
use crate::service::settings::{self, SettingsChanges};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct WebhookForm {
    #[serde(default)]
    webhook_url: String,
}

pub async fn set(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PageForm(form): PageForm<WebhookForm>,
) -> Result<Response, PageError> {
    let url = form.webhook_url.trim().to_owned();
    let errors = if url.is_empty() {
        FieldErrors::one("webhook_url", "enter the URL to send approvals to")
    } else {
        let changes = SettingsChanges {
            webhook_url: Some(Some(url.clone())),
            ..SettingsChanges::default()
        };
        match settings::update(&state, &member.account, changes).await {
            Ok(saved) => {
                let extras = Extras {
                    notice: Some("Webhook saved.".into()),
                    new_secret: saved.webhook_secret,
                    ..Extras::default()
                };
                let mut response = render(&state, &member, extras).await?.into_response();
                response
                    .headers_mut()
                    .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
                return Ok(response);
            }
            Err(error) => FieldErrors::from_api(error)?,
        }
    };
    let extras = Extras {
        webhook_input: Some(url),
        webhook_errors: errors,
        ..Extras::default()
    };
    let page = render(&state, &member, extras).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

pub async fn remove(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
) -> Result<Response, PageError> {
    let changes = SettingsChanges {
        webhook_url: Some(None),
        ..SettingsChanges::default()
    };
    settings::update(&state, &member.account, changes).await?;
    Ok(Redirect::to(&member.url("/settings?saved=webhook-removed")).into_response())
}
