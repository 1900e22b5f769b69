//! `GET /a/{acct}`: the account at a glance: its gateway URL, servers, grants, and calls today by
//! decision.

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use time::OffsetDateTime;

use super::error::PageError;
use super::extract::DashboardMember;
use super::layout::Layout;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/a/{acct}", get(show))
}

#[derive(Template, WebTemplate)]
#[template(path = "overview.html")]
struct OverviewPage {
    layout: Layout,
    gateway_url: String,
    can_write: bool,
    servers: Vec<ServerRow>,
    active_grants: usize,
    inactive_grants: usize,
    calls: CallsToday,
}

struct ServerRow {
    slug: String,
    name: String,
    gateway_url: String,
}

/// Calls through the gateway since midnight UTC, by decision ("Allowed", "Denied", …), from the
/// audit events. Empty ("No calls recorded yet") until the gateway has written some.
struct CallsToday {
    by_decision: Vec<(String, i64)>,
}

impl CallsToday {
    async fn load(
        state: &AppState,
        member: &DashboardMember,
        since: OffsetDateTime,
    ) -> Result<Self, PageError> {
        let counts = state
            .store
            .audit_counts_by_decision(member.account.id, since)
            .await?;
        let mut by_decision: Vec<(String, i64)> = counts
            .into_iter()
            .filter(|(_, count)| *count > 0)
            .map(|(decision, count)| (label(&decision), count))
            .collect();
        by_decision.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
        Ok(Self { by_decision })
    }

    fn total(&self) -> i64 {
        self.by_decision.iter().map(|(_, count)| count).sum()
    }
}

/// `rate_limited` → "Rate limited".
fn label(decision: &str) -> String {
    let text = decision.replace('_', " ");
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

async fn show(State(state): State<AppState>, member: DashboardMember) -> Result<OverviewPage, PageError> {
    let account = &member.account;
    let servers = state.store.list_servers(account.id).await?;
    let grants = state.store.list_grants(account.id).await?;
    let now = OffsetDateTime::now_utc();
    let active_grants = grants.iter().filter(|grant| grant.is_active(now)).count();
    let midnight = now.replace_time(time::Time::MIDNIGHT);
    let calls = CallsToday::load(&state, &member, midnight).await?;
    let servers = servers
        .into_iter()
        .map(|server| ServerRow {
            gateway_url: state.server_gateway_url(account.slug.as_str(), server.slug.as_str()),
            slug: server.slug.as_str().to_owned(),
            name: server.name,
        })
        .collect();
    Ok(OverviewPage {
        layout: member.layout("Overview", "overview"),
        gateway_url: state.account_gateway_url(account.slug.as_str()),
        can_write: member.can_write(),
        servers,
        active_grants,
        inactive_grants: grants.len() - active_grants,
        calls,
    })
}
