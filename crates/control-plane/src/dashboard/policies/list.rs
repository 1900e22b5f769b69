//! `GET /a/{acct}/servers/{server}/policies`: the server's policies, and the "New policy" form
//! (name + starting point); `POST` creates it (version 1) and opens it in the editor.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use serde_json::{Value, json};
use toolgate_store::Server;

use super::{policy_url, recommended, server_url};
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardMember, DashboardWriter};
use crate::dashboard::form::{FieldErrors, PageForm};
use crate::dashboard::layout::Layout;
use crate::error::ApiError;
use crate::service::{lookup, policies};
use crate::state::AppState;
use crate::validate;

#[derive(Template, WebTemplate)]
#[template(path = "policies/list.html")]
pub struct ListPage {
    layout: Layout,
    server_name: String,
    server_url: String,
    policies: Vec<PolicyRow>,
    can_write: bool,
    tool_count: usize,
    errors: FieldErrors,
    name: String,
    start: String,
}

struct PolicyRow {
    name: String,
    version: i64,
    updated_at: String,
    url: String,
    history_url: String,
}

/// Starting points offered by the form: value, label.
const STARTS: [(&str, &str); 3] = [
    ("recommended", "Recommended from the tools’ risk"),
    ("deny", "Empty: deny every tool (then allow what you need)"),
    ("allow", "Empty: allow every tool (then restrict)"),
];

impl ListPage {
    fn starts(&self) -> &'static [(&'static str, &'static str)] {
        &STARTS
    }
}

async fn render(
    state: &AppState,
    member: &DashboardMember,
    server: &Server,
    errors: FieldErrors,
    name: String,
    start: String,
) -> Result<ListPage, PageError> {
    let account = member.account.slug.as_str();
    let policies = state.store.list_policies(member.account.id, server.id).await?;
    let tool_count = state.store.list_tools(member.account.id, server.id).await?.len();
    let rows = policies
        .into_iter()
        .map(|policy| PolicyRow {
            url: policy_url(account, server.slug.as_str(), &policy.name, ""),
            history_url: policy_url(account, server.slug.as_str(), &policy.name, "/history"),
            updated_at: super::history::when(policy.updated_at),
            version: policy.version,
            name: policy.name,
        })
        .collect();
    Ok(ListPage {
        layout: member.layout(format!("Policies · {}", server.name), "servers"),
        server_name: server.name.clone(),
        server_url: server_url(account, server.slug.as_str(), ""),
        policies: rows,
        can_write: member.can_write(),
        tool_count,
        errors,
        name,
        start,
    })
}

pub async fn show(
    State(state): State<AppState>,
    member: DashboardMember,
    Path((_account, server)): Path<(String, String)>,
) -> Result<ListPage, PageError> {
    let server = lookup::server(&state, member.account.id, &server).await?;
    render(
        &state,
        &member,
        &server,
        FieldErrors::none(),
        String::new(),
        "recommended".into(),
    )
    .await
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    start: String,
}

pub async fn create(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    Path((_account, server)): Path<(String, String)>,
    PageForm(form): PageForm<CreateForm>,
) -> Result<Response, PageError> {
    let server = lookup::server(&state, member.account.id, &server).await?;
    let invalid = |errors: FieldErrors| {
        render(
            &state,
            &member,
            &server,
            errors,
            form.name.clone(),
            form.start.clone(),
        )
    };
    let name = match validate::policy_name(&form.name) {
        Ok(name) => name,
        Err(message) => {
            let page = invalid(FieldErrors::one("name", message)).await?;
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    let document = match form.start.as_str() {
        "allow" | "deny" => json!({"version": "1", "default": form.start, "tools": {}}),
        _ => recommended::document_for(&state, &server).await?,
    };
    let created = create_policy(&state, &member, &server, &name, document).await?;
    match created {
        Some(url) => Ok(Redirect::to(&url).into_response()),
        None => {
            let message = format!("a policy named {name:?} already exists on this server");
            let page = invalid(FieldErrors::one("name", message)).await?;
            Ok((StatusCode::CONFLICT, page).into_response())
        }
    }
}

/// Creates version 1 through `service::policies::create` (admin event, workers told); `None` when the
/// name is taken. Answers the editor's URL.
async fn create_policy(
    state: &AppState,
    member: &DashboardMember,
    server: &Server,
    name: &str,
    document: Value,
) -> Result<Option<String>, PageError> {
    if let Err(errors) = toolgate_policy::compile(&document) {
        // The starting points always compile; if one ever does not, say so instead of saving it.
        let detail = errors.first().map(ToString::to_string).unwrap_or_default();
        return Err(PageError::Internal(format!(
            "starting policy does not compile: {detail}"
        )));
    }
    let author = Some(member.user.id);
    let policy =
        match policies::create(state, &member.account, server, name.to_owned(), document, author).await {
            Ok(policy) => policy,
            Err(ApiError::Conflict(_)) => return Ok(None),
            Err(other) => return Err(other.into()),
        };
    let account = member.account.slug.as_str();
    Ok(Some(policy_url(account, server.slug.as_str(), &policy.name, "")))
}
