//! `GET …/policies/{policy}/history`: every version, newest first, each with a line diff from the
//! version before it; `POST …/rollback` saves an old version's document as a new version (history is
//! never rewritten).

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use time::{OffsetDateTime, UtcOffset};
use toolgate_domain::UserId;

use super::diff::{Hunk, diff_documents, pretty};
use super::save::{SaveError, save_version};
use super::{policy_url, server_url};
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardMember, DashboardWriter};
use crate::dashboard::form::PageForm;
use crate::dashboard::layout::Layout;
use crate::service::lookup;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "policies/history.html")]
pub struct HistoryPage {
    layout: Layout,
    server_name: String,
    server_url: String,
    policy_name: String,
    editor_url: String,
    rollback_url: String,
    can_write: bool,
    versions: Vec<VersionView>,
}

struct VersionView {
    version: i64,
    when: String,
    author: String,
    current: bool,
    /// Changes from the previous version; empty for the first version or an identical save.
    hunks: Vec<Hunk>,
    first: bool,
    document: String,
}

/// "2025-11-24 12:18 UTC".
pub fn when(time: OffsetDateTime) -> String {
    let time = time.to_offset(UtcOffset::UTC);
    format!(
        "{}-{:02}-{:02} {:02}:{:02} UTC",
        time.year(),
        u8::from(time.month()),
        time.day(),
        time.hour(),
        time.minute()
    )
}

async fn author(state: &AppState, cache: &mut HashMap<UserId, String>, user: Option<UserId>) -> String {
    let Some(user) = user else {
        return "unknown".into();
    };
    if let Some(email) = cache.get(&user) {
        return email.clone();
    }
    let email = match state.store.get_user(user).await {
        Ok(Some(found)) => found.email,
        _ => "a former member".into(),
    };
    cache.insert(user, email.clone());
    email
}

pub async fn show(
    State(state): State<AppState>,
    member: DashboardMember,
    Path((_account, server, policy)): Path<(String, String, String)>,
) -> Result<HistoryPage, PageError> {
    let server = lookup::server(&state, member.account.id, &server).await?;
    let policy = lookup::policy(&state, member.account.id, &server, &policy).await?;
    let versions = state
        .store
        .list_policy_versions(member.account.id, policy.id)
        .await?;
    let mut authors = HashMap::new();
    let mut views = Vec::with_capacity(versions.len());
    // Newest first: the version before `versions[i]` is `versions[i + 1]`.
    for (index, version) in versions.iter().enumerate() {
        let previous = versions.get(index + 1);
        views.push(VersionView {
            version: version.version,
            when: when(version.created_at),
            author: author(&state, &mut authors, version.created_by).await,
            current: version.version == policy.version,
            hunks: previous
                .map(|previous| diff_documents(&previous.document, &version.document))
                .unwrap_or_default(),
            first: previous.is_none(),
            document: pretty(&version.document),
        });
    }
    let account = member.account.slug.as_str();
    let server_slug = server.slug.as_str();
    Ok(HistoryPage {
        layout: member.layout(format!("History · {}", policy.name), "servers"),
        server_name: server.name.clone(),
        server_url: server_url(account, server_slug, ""),
        editor_url: policy_url(account, server_slug, &policy.name, ""),
        rollback_url: policy_url(account, server_slug, &policy.name, "/rollback"),
        policy_name: policy.name,
        can_write: member.can_write(),
        versions: views,
    })
}

#[derive(Deserialize)]
pub struct RollbackForm {
    #[serde(default)]
    version: String,
}

pub async fn rollback(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    Path((_account, server, policy)): Path<(String, String, String)>,
    PageForm(form): PageForm<RollbackForm>,
) -> Result<Response, PageError> {
    let server = lookup::server(&state, member.account.id, &server).await?;
    let policy = lookup::policy(&state, member.account.id, &server, &policy).await?;
    let Ok(wanted) = form.version.trim().parse::<i64>() else {
        return Err(PageError::BadRequest("Choose a version to roll back to.".into()));
    };
    let versions = state
        .store
        .list_policy_versions(member.account.id, policy.id)
        .await?;
    let Some(old) = versions.into_iter().find(|version| version.version == wanted) else {
        return Err(PageError::BadRequest(format!(
            "This policy has no version {wanted}."
        )));
    };
    match save_version(
        &state,
        &member.account,
        &server,
        &policy,
        old.document,
        member.user.id,
    )
    .await
    {
        Ok(saved) => {
            let account = member.account.slug.as_str();
            let url = policy_url(account, server.slug.as_str(), &saved.name, "");
            Ok(Redirect::to(&format!("{url}?saved={}", saved.version)).into_response())
        }
        // An old version that no longer validates (the validator became stricter) is not saved.
        Err(SaveError::Invalid(errors)) => {
            let first = errors.first().map(ToString::to_string).unwrap_or_default();
            Err(PageError::BadRequest(format!(
                "Version {wanted} is not valid today ({first}); open it in the editor to fix it."
            )))
        }
        Err(SaveError::Page(error)) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_utc_minutes() {
        let time = OffsetDateTime::from_unix_timestamp(1_700_000_000).expect("time");
        assert_eq!(when(time), "2023-11-14 22:13 UTC");
    }
}
