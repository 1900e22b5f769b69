//! `GET /a/{acct}/servers/{server}/policies/{policy}`: the editor. Without JavaScript it is a plain
//! form (the document as pretty JSON in a textarea, and Save); `static/js/builder.js` turns it into
//! the visual builder with a JSON tab over the same document. `POST` is the no-JS save: a new version,
//! or the page again with the text as sent and each error at its pointer and line.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use toolgate_policy::PolicyError;
use toolgate_store::{Policy, Server};

use super::catalog::{classify_all, to_json};
use super::diff::pretty;
use super::lines::line_of;
use super::recommended::{self, LegendItem};
use super::save::{SaveError, parse_and_check, save_version};
use super::{policy_url, server_url};
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardMember, DashboardWriter};
use crate::dashboard::form::PageForm;
use crate::dashboard::layout::Layout;
use crate::service::lookup;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "policies/editor.html")]
pub struct EditorPage {
    layout: Layout,
    server_name: String,
    server_url: String,
    policy_name: String,
    version: i64,
    text: String,
    errors: Vec<ErrorView>,
    saved: Option<i64>,
    catalog_json: String,
    tool_names: Vec<String>,
    can_write: bool,
    form_url: String,
    history_url: String,
    save_api_url: String,
    builder_url: String,
    legend: Vec<LegendItem>,
    legend_summary: &'static str,
}

/// The builder's scripts, in dependency order (each is a classic deferred script).
const SCRIPTS: [&str; 11] = [
    "js/builder-model.js",
    "js/builder-rules.js",
    "js/policy-json-lines.js",
    "js/builder-dom.js",
    "js/builder-panel.js",
    "js/builder-view.js",
    "js/builder-json.js",
    "js/builder-errors.js",
    "js/builder.js",
    "js/builder-save.js",
    "js/policy-simulator.js",
];

impl EditorPage {
    fn scripts(&self) -> &'static [&'static str] {
        &SCRIPTS
    }
}

struct ErrorView {
    /// "line 3, column 5" or "line 12 · /tools/x/limits/0/max".
    location: String,
    message: String,
}

fn error_views(text: &str, errors: &[PolicyError]) -> Vec<ErrorView> {
    errors
        .iter()
        .map(|error| {
            let location = match (error.line, error.column) {
                (Some(line), Some(column)) => format!("line {line}, column {column}"),
                _ if error.pointer.is_empty() => format!("line {}", line_of(text, "")),
                _ => format!("line {} · {}", line_of(text, &error.pointer), error.pointer),
            };
            ErrorView {
                location,
                message: error.message.clone(),
            }
        })
        .collect()
}

async fn render(
    state: &AppState,
    member: &DashboardMember,
    server: &Server,
    policy: &Policy,
    text: String,
    errors: &[PolicyError],
    saved: Option<i64>,
) -> Result<EditorPage, PageError> {
    let account = member.account.slug.as_str();
    let tools = state.store.list_tools(member.account.id, server.id).await?;
    let catalog = classify_all(&tools);
    let server_slug = server.slug.as_str();
    Ok(EditorPage {
        layout: member.layout(format!("{} · Policy", policy.name), "servers"),
        server_name: server.name.clone(),
        server_url: server_url(account, server_slug, ""),
        policy_name: policy.name.clone(),
        version: policy.version,
        errors: error_views(&text, errors),
        text,
        saved,
        catalog_json: to_json(&catalog),
        tool_names: catalog.iter().map(|tool| tool.name.clone()).collect(),
        can_write: member.can_write(),
        form_url: policy_url(account, server_slug, &policy.name, ""),
        history_url: policy_url(account, server_slug, &policy.name, "/history"),
        save_api_url: format!(
            "/api/v1/accounts/{account}/servers/{server_slug}/policies/{}",
            policy.id
        ),
        builder_url: server_url(account, server_slug, "/builder"),
        legend: recommended::recommend(&catalog, &tools).legend,
        legend_summary: recommended::SUMMARY,
    })
}

/// `?saved=N`, set by the redirect after a no-JS save.
fn saved_version(query: Option<&str>) -> Option<i64> {
    url::form_urlencoded::parse(query?.as_bytes())
        .find_map(|(key, value)| (key == "saved").then(|| value.parse().ok()).flatten())
}

pub async fn show(
    State(state): State<AppState>,
    member: DashboardMember,
    Path((_account, server, policy)): Path<(String, String, String)>,
    RawQuery(query): RawQuery,
) -> Result<EditorPage, PageError> {
    let server = lookup::server(&state, member.account.id, &server).await?;
    let policy = lookup::policy(&state, member.account.id, &server, &policy).await?;
    let text = pretty(&policy.document);
    render(
        &state,
        &member,
        &server,
        &policy,
        text,
        &[],
        saved_version(query.as_deref()),
    )
    .await
}

#[derive(Deserialize)]
pub struct SaveForm {
    #[serde(default)]
    document: String,
}

pub async fn save(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    Path((_account, server, policy)): Path<(String, String, String)>,
    PageForm(form): PageForm<SaveForm>,
) -> Result<Response, PageError> {
    let server = lookup::server(&state, member.account.id, &server).await?;
    let policy = lookup::policy(&state, member.account.id, &server, &policy).await?;
    let result = match parse_and_check(&form.document) {
        Ok(document) => {
            save_version(
                &state,
                &member.account,
                &server,
                &policy,
                document,
                member.user.id,
            )
            .await
        }
        Err(errors) => Err(SaveError::Invalid(errors)),
    };
    match result {
        Ok(saved) => {
            let account = member.account.slug.as_str();
            let url = policy_url(account, server.slug.as_str(), &saved.name, "");
            Ok(Redirect::to(&format!("{url}?saved={}", saved.version)).into_response())
        }
        Err(SaveError::Invalid(errors)) => {
            let page = render(&state, &member, &server, &policy, form.document, &errors, None).await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(SaveError::Page(error)) => Err(error),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_their_line() {
        let text = "{\n  \"version\": \"1\",\n  \"default\": \"maybe\"\n}";
        let errors = parse_and_check(text).expect_err("invalid");
        let views = error_views(text, &errors);
        assert_eq!(views[0].location, "line 3 · /default");
    }

    #[test]
    fn reads_the_saved_version() {
        assert_eq!(saved_version(Some("saved=4")), Some(4));
        assert_eq!(saved_version(Some("saved=x")), None);
        assert_eq!(saved_version(None), None);
    }
}
