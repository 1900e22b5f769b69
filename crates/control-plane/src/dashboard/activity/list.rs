//! `GET /a/{acct}/activity`: the audit log (filters: server, grant, tool, decision, since, until; paging
//! with `cursor`), a 24 h chart by decision, top tools and top refused rules, export links.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;
use time::OffsetDateTime;

use super::chart::{self, Chart, HOURS};
use crate::dashboard::approvals::list::format_time;
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardMember, PageQuery};
use crate::dashboard::layout::Layout;
use crate::service::audit;
use crate::state::AppState;

const PAGE_SIZE: u32 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "activity/list.html")]
pub struct ActivityPage {
    layout: Layout,
    filters: Filters,
    servers: Vec<(String, String)>,
    grants: Vec<(String, String)>,
    decisions: &'static [&'static str],
    events: Vec<Row>,
    older_url: Option<String>,
    export_csv: String,
    export_jsonl: String,
    chart: Chart,
    top_tools: Vec<(String, i64)>,
    top_rules: Vec<(String, i64)>,
}

struct Row {
    time: String,
    server: String,
    grant: String,
    method: String,
    tool: String,
    decision: String,
    decision_class: &'static str,
    rule: String,
    reason: String,
    latency: String,
}

#[derive(Deserialize, Default, Clone)]
pub struct Filters {
    #[serde(default)]
    server: String,
    #[serde(default)]
    grant: String,
    #[serde(default)]
    tool: String,
    #[serde(default)]
    decision: String,
    #[serde(default)]
    since: String,
    #[serde(default)]
    until: String,
    #[serde(default)]
    cursor: String,
}

fn set(text: &str) -> Option<String> {
    let text = text.trim();
    (!text.is_empty()).then(|| text.to_owned())
}

/// Accepts RFC 3339 and what `<input type="datetime-local">` sends (`2026-01-31T12:00`, read as UTC).
fn time(text: &str) -> Option<String> {
    set(text).map(|text| match text.len() {
        16 => format!("{text}:00Z"),
        19 => format!("{text}Z"),
        _ => text,
    })
}

impl Filters {
    /// The filters as query pairs (no cursor).
    fn pairs(&self) -> Vec<(&'static str, &str)> {
        [
            ("server", self.server.as_str()),
            ("grant", &self.grant),
            ("tool", &self.tool),
            ("decision", &self.decision),
            ("since", &self.since),
            ("until", &self.until),
        ]
        .into_iter()
        .filter(|(_, value)| !value.trim().is_empty())
        .collect()
    }

    fn query(&self, extra: &[(&str, &str)]) -> String {
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(extra.iter().copied().chain(self.pairs()))
            .finish()
    }
}

pub async fn show(
    State(state): State<AppState>,
    member: DashboardMember,
    PageQuery(filters): PageQuery<Filters>,
) -> Result<ActivityPage, PageError> {
    let account = &member.account;
    let query = audit::Query {
        server: set(&filters.server),
        grant: set(&filters.grant),
        tool: set(&filters.tool),
        decision: set(&filters.decision),
        since: time(&filters.since),
        until: time(&filters.until),
        limit: Some(PAGE_SIZE),
        cursor: set(&filters.cursor),
    };
    let page = audit::list(&state, account, query).await?;
    let events = page
        .events
        .iter()
        .map(|event| Row {
            time: format_time(event.time),
            server: event
                .server_id
                .and_then(|id| page.server_slugs.get(&id).cloned())
                .unwrap_or_default(),
            grant: event
                .grant_id
                .and_then(|id| page.grant_names.get(&id).cloned())
                .unwrap_or_default(),
            method: event.method.clone(),
            tool: event.tool.clone().unwrap_or_default(),
            decision: event.decision.clone(),
            decision_class: chart::decision_class(&event.decision),
            rule: event.rule.clone().unwrap_or_default(),
            reason: event.reason.clone().unwrap_or_default(),
            latency: event
                .latency_ms
                .map(|ms| format!("{ms:.0} ms"))
                .unwrap_or_default(),
        })
        .collect();
    let base = member.url("/activity");
    let older_url = page
        .next_cursor
        .as_deref()
        .map(|cursor| format!("{base}?{}", filters.query(&[("cursor", cursor)])));
    let export = format!("/api/v1/accounts/{}/audit/export", account.slug.as_str());
    let export_csv = format!("{export}?{}", filters.query(&[("format", "csv")]));
    let export_jsonl = format!("{export}?{}", filters.query(&[("format", "jsonl")]));

    let now = OffsetDateTime::now_utc();
    let hour_start = now
        .replace_minute(0)
        .unwrap_or(now)
        .replace_second(0)
        .unwrap_or(now);
    let hour_start = hour_start.replace_nanosecond(0).unwrap_or(hour_start);
    let start = hour_start - time::Duration::hours(HOURS - 1);
    let points = state.store.audit_timeseries(account.id, start, 3600).await?;
    let since = now - time::Duration::hours(24);
    let top_tools = state.store.audit_top_tools(account.id, since, 10).await?;
    let top_rules = state.store.audit_top_refused_rules(account.id, since, 10).await?;

    let servers = state
        .store
        .list_servers(account.id)
        .await?
        .into_iter()
        .map(|server| (server.slug.as_str().to_owned(), server.name))
        .collect();
    let grants = state
        .store
        .list_grants(account.id)
        .await?
        .into_iter()
        .map(|grant| (grant.id.to_string(), grant.name))
        .collect();
    Ok(ActivityPage {
        layout: member.layout("Activity", "activity"),
        filters,
        servers,
        grants,
        decisions: &audit::DECISIONS,
        events,
        older_url,
        export_csv,
        export_jsonl,
        chart: chart::build(&points, start),
        top_tools,
        top_rules,
    })
}
