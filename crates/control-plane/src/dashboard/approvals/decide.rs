//! `POST /a/{acct}/approvals/{id}/approve|deny` (form with an optional note) → 303 to the list.
//! `service::approvals::decide` publishes the decision, which releases a call the gateway holds.

use axum::extract::State;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardWriter, PagePath};
use crate::dashboard::form::PageForm;
use crate::service::approvals;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct ApprovalPath {
    #[allow(dead_code)]
    acct: String,
    approval: String,
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    note: Option<String>,
}

pub async fn approve(
    state: State<AppState>,
    writer: DashboardWriter,
    path: PagePath<ApprovalPath>,
    form: PageForm<DecideForm>,
) -> Result<Response, PageError> {
    decide(state, writer, path, form, true).await
}

pub async fn deny(
    state: State<AppState>,
    writer: DashboardWriter,
    path: PagePath<ApprovalPath>,
    form: PageForm<DecideForm>,
) -> Result<Response, PageError> {
    decide(state, writer, path, form, false).await
}

async fn decide(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PagePath(path): PagePath<ApprovalPath>,
    PageForm(form): PageForm<DecideForm>,
    approve: bool,
) -> Result<Response, PageError> {
    let described = approvals::decide(
        &state,
        &member.account,
        member.user.id,
        &path.approval,
        approve,
        form.note,
    )
    .await?;
    let verb = if approve { "approved" } else { "denied" };
    Ok(Redirect::to(&member.url(&format!(
        "/approvals?decided={verb}&tool={}",
        url::form_urlencoded::byte_serialize(described.approval.tool.as_bytes()).collect::<String>()
    )))
    .into_response())
}
