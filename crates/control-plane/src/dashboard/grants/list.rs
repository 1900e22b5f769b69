//! `GET /a/{acct}/grants`: every grant, newest state first as the store lists them.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use time::OffsetDateTime;

use super::format_time;
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardMember, PageQuery};
use crate::dashboard::layout::Layout;
use crate::service::grants;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "grants/list.html")]
pub struct ListPage {
    layout: Layout,
    can_write: bool,
    has_servers: bool,
    grants: Vec<Row>,
    notice: Option<String>,
}

struct Row {
    id: String,
    name: String,
    server_slug: String,
    server_name: String,
    policy: Option<String>,
    token_prefix: String,
    last_used: String,
    expires: String,
    /// `active` | `revoked` | `expired`
    state: &'static str,
    state_class: &'static str,
}

#[derive(serde::Deserialize, Default)]
pub struct ListQuery {
    revoked: Option<String>,
}

pub async fn show(
    State(state): State<AppState>,
    member: DashboardMember,
    PageQuery(query): PageQuery<ListQuery>,
) -> Result<ListPage, PageError> {
    let account = &member.account;
    let now = OffsetDateTime::now_utc();
    let described = grants::list(&state, account).await?;
    let has_servers = !state.store.list_servers(account.id).await?.is_empty();
    let rows = described
        .into_iter()
        .map(|item| {
            let grant_state = item.state(now);
            Row {
                id: item.grant.id.to_string(),
                name: item.grant.name,
                server_slug: item.server.slug.as_str().to_owned(),
                server_name: item.server.name,
                policy: item.policy.map(|policy| policy.name),
                token_prefix: item.grant.token_prefix,
                last_used: item
                    .grant
                    .last_used_at
                    .map_or_else(|| "Never".to_owned(), format_time),
                expires: item
                    .grant
                    .expires_at
                    .map_or_else(|| "Never".to_owned(), format_time),
                state: grant_state,
                state_class: match grant_state {
                    "active" => "ok",
                    "expired" => "warn",
                    _ => "danger",
                },
            }
        })
        .collect();
    let notice = query
        .revoked
        .map(|name| format!("Revoked \"{name}\". Its token no longer works."));
    Ok(ListPage {
        layout: member.layout("Grants", "grants"),
        can_write: member.can_write(),
        has_servers,
        grants: rows,
        notice,
    })
}
