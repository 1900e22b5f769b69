//! `GET /a/{acct}/approvals`: the pending approvals (refreshed by htmx from `…/pending` every 2 s)
//! with Approve / Deny forms, then the recently decided ones. `…/count` is the nav badge.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;
use time::OffsetDateTime;
use toolgate_policy::risk::{Risk, RiskLevel};
use toolgate_store::ApprovalStatus;

use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardMember, PageQuery};
use crate::dashboard::layout::Layout;
use crate::dashboard::risk::category_label;
use crate::service::approvals::{self, Described};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "approvals/list.html")]
pub struct ListPage {
    layout: Layout,
    pending: PendingList,
    decided: Vec<Row>,
    notice: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "approvals/pending.html")]
pub struct PendingList {
    base: String,
    csrf_token: String,
    can_write: bool,
    rows: Vec<Row>,
}

#[derive(Template, WebTemplate)]
#[template(path = "approvals/count.html")]
pub struct CountBadge {
    count: usize,
}

pub struct Row {
    id: String,
    grant: String,
    server: String,
    tool: String,
    arguments: Option<String>,
    risk: Option<RiskView>,
    status: &'static str,
    status_class: &'static str,
    /// "4 min 10 s left" (pending) or the decision time.
    when: String,
    note: Option<String>,
}

pub struct RiskView {
    category: &'static str,
    level: &'static str,
    css_class: &'static str,
}

impl RiskView {
    fn of(risk: &Risk) -> Self {
        let (level, css_class) = match risk.level {
            RiskLevel::Low => ("Low", "risk-low"),
            RiskLevel::Medium => ("Medium", "risk-medium"),
            RiskLevel::High => ("High", "risk-high"),
            RiskLevel::Critical => ("Critical", "risk-critical"),
        };
        Self {
            category: category_label(risk.category),
            level,
            css_class,
        }
    }
}

#[derive(Deserialize, Default)]
pub struct ListQuery {
    decided: Option<String>,
    tool: Option<String>,
}

/// `2030-01-31 12:00 UTC`.
pub(crate) fn format_time(time: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute] UTC");
    time.to_offset(time::UtcOffset::UTC)
        .format(&format)
        .unwrap_or_else(|_| time.to_string())
}

fn time_left(seconds: i64) -> String {
    let seconds = seconds.max(0);
    if seconds >= 60 {
        format!("{} min {} s left", seconds / 60, seconds % 60)
    } else {
        format!("{seconds} s left")
    }
}

fn row(item: Described, now: OffsetDateTime) -> Row {
    let status = item.status(now);
    let when = if status == "pending" {
        time_left((item.approval.expires_at - now).whole_seconds())
    } else {
        item.approval
            .decided_at
            .or(item.approval.used_at)
            .map_or_else(|| "—".to_owned(), format_time)
    };
    Row {
        id: item.approval.id.to_string(),
        grant: item
            .grant
            .map_or_else(|| item.approval.grant_id.to_string(), |grant| grant.name),
        server: item
            .server
            .map_or_else(|| item.approval.server_id.to_string(), |server| server.name),
        tool: item.approval.tool,
        arguments: item
            .arguments
            .as_ref()
            .and_then(|value| serde_json::to_string_pretty(value).ok()),
        risk: item.risk.as_ref().map(RiskView::of),
        status,
        status_class: match status {
            "pending" => "warn",
            "approved" | "used" => "ok",
            "denied" => "danger",
            _ => "info",
        },
        when,
        note: item.approval.note,
    }
}

async fn pending_list(state: &AppState, member: &DashboardMember) -> Result<PendingList, PageError> {
    let now = OffsetDateTime::now_utc();
    let items = approvals::list(state, &member.account, Some(ApprovalStatus::Pending), 200, None)
        .await?
        .items;
    Ok(PendingList {
        base: member.url("/approvals"),
        csrf_token: member.csrf_token.clone(),
        can_write: member.can_write(),
        rows: items
            .into_iter()
            .filter(|item| item.approval.is_pending(now))
            .map(|item| row(item, now))
            .collect(),
    })
}

pub async fn show(
    State(state): State<AppState>,
    member: DashboardMember,
    PageQuery(query): PageQuery<ListQuery>,
) -> Result<ListPage, PageError> {
    let pending = pending_list(&state, &member).await?;
    let now = OffsetDateTime::now_utc();
    let decided = approvals::list(&state, &member.account, None, 50, None)
        .await?
        .items
        .into_iter()
        .filter(|item| !item.approval.is_pending(now))
        .take(20)
        .map(|item| row(item, now))
        .collect();
    let notice = query.decided.map(|verb| match query.tool {
        Some(tool) => format!("The call to {tool} was {verb}."),
        None => format!("The call was {verb}."),
    });
    Ok(ListPage {
        layout: member.layout("Approvals", "approvals"),
        pending,
        decided,
        notice,
    })
}

pub async fn pending(
    State(state): State<AppState>,
    member: DashboardMember,
) -> Result<PendingList, PageError> {
    pending_list(&state, &member).await
}

pub async fn count(State(state): State<AppState>, member: DashboardMember) -> Result<CountBadge, PageError> {
    // The service's pending filter already leaves out approvals past their expiry.
    let items = approvals::list(&state, &member.account, Some(ApprovalStatus::Pending), 200, None)
        .await?
        .items;
    Ok(CountBadge { count: items.len() })
}
