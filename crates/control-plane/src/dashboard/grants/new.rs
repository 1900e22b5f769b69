//! `GET /a/{acct}/grants/new` (the form) and `POST /a/{acct}/grants` (create → the token page).
//! Server and policy are one plain `<select>` grouped by server (works without JavaScript): each
//! option's value is `{server id}/{policy id}` (or `{server id}/` for no policy).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::token;
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardMember, DashboardWriter, PageQuery};
use crate::dashboard::form::{FieldErrors, PageForm};
use crate::dashboard::layout::Layout;
use crate::service::grants::{self, GrantInput};
use crate::state::AppState;

/// The expiry choices: (value, label, days).
const EXPIRIES: &[(&str, &str, i64)] = &[
    ("never", "Never", 0),
    ("1d", "In 1 day", 1),
    ("7d", "In 7 days", 7),
    ("30d", "In 30 days", 30),
    ("90d", "In 90 days", 90),
    ("365d", "In 1 year", 365),
];

#[derive(Template, WebTemplate)]
#[template(path = "grants/new.html")]
pub struct NewPage {
    layout: Layout,
    name: String,
    target: String,
    expires: String,
    groups: Vec<ServerGroup>,
    expiries: Vec<(&'static str, &'static str)>,
    errors: FieldErrors,
}

impl NewPage {
    fn is_target(&self, value: &str) -> bool {
        self.target == value
    }

    fn is_expiry(&self, value: &str) -> bool {
        self.expires == value
    }
}

struct ServerGroup {
    name: String,
    slug: String,
    /// (value, label)
    options: Vec<(String, String)>,
}

async fn groups(state: &AppState, member: &DashboardMember) -> Result<Vec<ServerGroup>, PageError> {
    let account = &member.account;
    let mut groups = Vec::new();
    for server in state.store.list_servers(account.id).await? {
        let policies = state.store.list_policies(account.id, server.id).await?;
        let mut options: Vec<(String, String)> = policies
            .into_iter()
            .map(|policy| {
                (
                    format!("{}/{}", server.id, policy.id),
                    format!("{} · policy {}", server.name, policy.name),
                )
            })
            .collect();
        options.push((
            format!("{}/", server.id),
            format!("{} · no policy (every call is denied)", server.name),
        ));
        groups.push(ServerGroup {
            name: server.name,
            slug: server.slug.as_str().to_owned(),
            options,
        });
    }
    Ok(groups)
}

#[derive(Deserialize, Default)]
pub struct NewQuery {
    /// Preselect this server's first policy (slug).
    server: Option<String>,
}

pub async fn form(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PageQuery(query): PageQuery<NewQuery>,
) -> Result<NewPage, PageError> {
    let groups = groups(&state, &member).await?;
    let target = query
        .server
        .and_then(|slug| groups.iter().find(|group| group.slug == slug))
        .and_then(|group| group.options.first())
        .map(|(value, _)| value.clone())
        .unwrap_or_default();
    Ok(page(
        &member,
        groups,
        String::new(),
        target,
        "never".into(),
        FieldErrors::none(),
    ))
}

fn page(
    member: &DashboardMember,
    groups: Vec<ServerGroup>,
    name: String,
    target: String,
    expires: String,
    errors: FieldErrors,
) -> NewPage {
    NewPage {
        layout: member.layout("New grant", "grants"),
        name,
        target,
        expires,
        groups,
        expiries: EXPIRIES
            .iter()
            .map(|(value, label, _)| (*value, *label))
            .collect(),
        errors,
    }
}

#[derive(Deserialize)]
pub struct NewForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    target: String,
    #[serde(default)]
    expires: String,
}

pub async fn create(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PageForm(form): PageForm<NewForm>,
) -> Result<Response, PageError> {
    let errors = match input(&form) {
        Err(errors) => errors,
        Ok(input) => match grants::create(&state, &member.account, input).await {
            Ok(issued) => return Ok(token::page(&state, &member, issued, false)),
            Err(error) => {
                let mut errors = FieldErrors::from_api(error)?;
                // Server and policy are one field here.
                for field in &mut errors.0 {
                    if field.path == "server" || field.path == "policy" {
                        field.path = "target".into();
                    }
                }
                errors
            }
        },
    };
    let groups = groups(&state, &member).await?;
    let page = page(&member, groups, form.name, form.target, form.expires, errors);
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}

fn input(form: &NewForm) -> Result<GrantInput, FieldErrors> {
    let Some((server, policy)) = form.target.split_once('/') else {
        return Err(FieldErrors::one("target", "choose a server and policy"));
    };
    let Some((_, _, days)) = EXPIRIES.iter().find(|(value, _, _)| *value == form.expires) else {
        return Err(FieldErrors::one("expires", "choose when the grant expires"));
    };
    let expires_at = match days {
        0 => None,
        days => {
            let at = OffsetDateTime::now_utc() + Duration::days(*days);
            Some(
                at.format(&Rfc3339)
                    .map_err(|_| FieldErrors::one("expires", "could not compute the expiry"))?,
            )
        }
    };
    Ok(GrantInput {
        name: form.name.clone(),
        server: server.to_owned(),
        policy: (!policy.is_empty()).then(|| policy.to_owned()),
        expires_at,
    })
}
