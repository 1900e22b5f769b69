//! `GET /a/{acct}/settings/alert`: the navigation's warning badge, loaded by htmx (`base.html`) on
//! every page: shown when webhook deliveries of the last 24 hours failed; empty otherwise.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::dashboard::error::PageError;
use crate::dashboard::extract::DashboardMember;
use crate::service::webhooks;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "settings/alert.html")]
pub struct AlertBadge {
    failures: usize,
}

pub async fn show(State(state): State<AppState>, member: DashboardMember) -> Result<AlertBadge, PageError> {
    let failures = webhooks::recent_failures(&state, member.account.id).await?;
    Ok(AlertBadge { failures })
}
