//! `POST /a/{acct}/settings/retention` (`audit_retention_days`): through `service::settings::update`,
//! then 303 back; out-of-range or non-numeric input re-renders the page with the message at the field.

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use super::show::{Extras, render};
use crate::dashboard::error::PageError;
use crate::dashboard::extract::DashboardWriter;
use crate::dashboard::form::{FieldErrors, PageForm};
use crate::service::settings::{self, SettingsChanges};
use crate::state::AppState;

#[derive(Deserialize)]
pub struct RetentionForm {
    #[serde(default)]
    audit_retention_days: String,
}

pub async fn save(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PageForm(form): PageForm<RetentionForm>,
) -> Result<Response, PageError> {
    let input = form.audit_retention_days.trim().to_owned();
    let errors = match input.parse::<i64>() {
        Err(_) => FieldErrors::one("audit_retention_days", "enter a whole number of days"),
        Ok(days) => {
            let changes = SettingsChanges {
                audit_retention_days: Some(days),
                ..SettingsChanges::default()
            };
            match settings::update(&state, &member.account, changes).await {
                Ok(_) => return Ok(Redirect::to(&member.url("/settings?saved=retention")).into_response()),
                Err(error) => FieldErrors::from_api(error)?,
            }
        }
    };
    let extras = Extras {
        retention_input: Some(input),
        retention_errors: errors,
        ..Extras::default()
    };
    let page = render(&state, &member, extras).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
