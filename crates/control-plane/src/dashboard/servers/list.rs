//! `GET /a/{acct}/servers`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::dashboard::error::PageError;
use crate::dashboard::extract::DashboardMember;
use crate::dashboard::layout::Layout;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "servers/list.html")]
pub struct ListPage {
    layout: Layout,
    can_write: bool,
    servers: Vec<Row>,
}

struct Row {
    slug: String,
    name: String,
    url: String,
    gateway_url: String,
    header_count: usize,
}

pub async fn show(State(state): State<AppState>, member: DashboardMember) -> Result<ListPage, PageError> {
    let account = &member.account;
    let servers = state.store.list_servers(account.id).await?;
    let servers = servers
        .into_iter()
        .map(|server| Row {
            gateway_url: state.server_gateway_url(account.slug.as_str(), server.slug.as_str()),
            slug: server.slug.as_str().to_owned(),
            header_count: server.header_names.len(),
            name: server.name,
            url: server.url,
        })
        .collect();
    Ok(ListPage {
        layout: member.layout("Servers", "servers"),
        can_write: member.can_write(),
        servers,
    })
}
