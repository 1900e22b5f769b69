//! `GET /a/{acct}/settings`: the webhook (URL, whether a secret is set), the newest deliveries with
//! their status, attempts, last status code and error (failures first to the eye: a warning above the
//! table and red badges), and audit retention. [`render`] also answers the forms that come back to
//! this page: with the new secret (shown this once) or with errors at the fields.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;
use time::OffsetDateTime;
use toolgate_store::{WebhookDelivery, WebhookDeliveryStatus};

use crate::dashboard::approvals::list::format_time;
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardMember, PageQuery};
use crate::dashboard::form::FieldErrors;
use crate::dashboard::layout::Layout;
use crate::service::settings::{self, MAX_RETENTION_DAYS, MIN_RETENTION_DAYS};
use crate::service::webhooks;
use crate::state::AppState;

/// How many deliveries the page lists.
const LISTED: u32 = 50;

#[derive(Template, WebTemplate)]
#[template(path = "settings/show.html")]
pub struct SettingsPage {
    layout: Layout,
    can_write: bool,
    notice: Option<String>,
    webhook_url: Option<String>,
    secret_set: bool,
    /// The new signing secret, in the answer to the form that generated it only.
    new_secret: Option<String>,
    /// What the webhook form shows in its field (the URL sent, after an error).
    webhook_input: String,
    webhook_errors: FieldErrors,
    retention_days: i64,
    retention_input: String,
    retention_errors: FieldErrors,
    min_days: i64,
    max_days: i64,
    deliveries: Vec<DeliveryRow>,
    recent_failures: usize,
}

pub struct DeliveryRow {
    id: i64,
    event_type: String,
    /// "Delivered", "Failed (given up)", "Retrying", "Queued".
    status: &'static str,
    status_class: &'static str,
    failing: bool,
    attempts: i64,
    last_status_code: String,
    last_error: String,
    created: String,
    /// The last attempt, and the next one while pending.
    attempted: String,
    next_attempt: Option<String>,
}

impl DeliveryRow {
    fn of(delivery: WebhookDelivery) -> Self {
        let failing = webhooks::is_failing(&delivery);
        let (status, status_class) = match delivery.status {
            WebhookDeliveryStatus::Delivered => ("Delivered", "ok"),
            WebhookDeliveryStatus::Failed => ("Failed (given up)", "danger"),
            WebhookDeliveryStatus::Pending if failing => ("Failed, retrying", "danger"),
            WebhookDeliveryStatus::Pending => ("Queued", "info"),
        };
        Self {
            id: delivery.id,
            event_type: delivery.event_type,
            status,
            status_class,
            failing,
            attempts: delivery.attempts,
            last_status_code: delivery
                .last_status_code
                .map_or_else(|| "—".to_owned(), |code| code.to_string()),
            last_error: delivery.last_error.unwrap_or_default(),
            created: format_time(delivery.created_at),
            attempted: delivery
                .last_attempt_at
                .map_or_else(|| "Not yet".to_owned(), format_time),
            next_attempt: match delivery.status {
                WebhookDeliveryStatus::Pending => delivery.next_attempt_at.map(format_time),
                _ => None,
            },
        }
    }
}

/// What a form that comes back to the page adds to it.
#[derive(Default)]
pub struct Extras {
    pub notice: Option<String>,
    pub new_secret: Option<String>,
    pub webhook_input: Option<String>,
    pub webhook_errors: FieldErrors,
    pub retention_input: Option<String>,
    pub retention_errors: FieldErrors,
}

pub async fn render(
    state: &AppState,
    member: &DashboardMember,
    extras: Extras,
) -> Result<SettingsPage, PageError> {
    let current = settings::get(state, &member.account).await?;
    let deliveries = webhooks::deliveries(state, member.account.id, LISTED).await?;
    let recent_failures = webhooks::count_recent_failures(&deliveries, OffsetDateTime::now_utc());
    Ok(SettingsPage {
        layout: member.layout("Settings", "settings"),
        can_write: member.can_write(),
        notice: extras.notice,
        secret_set: current.webhook_secret_sealed.is_some(),
        webhook_url: current.webhook_url,
        new_secret: extras.new_secret,
        webhook_input: extras.webhook_input.unwrap_or_default(),
        webhook_errors: extras.webhook_errors,
        retention_days: current.audit_retention_days,
        retention_input: extras
            .retention_input
            .unwrap_or_else(|| current.audit_retention_days.to_string()),
        retention_errors: extras.retention_errors,
        min_days: MIN_RETENTION_DAYS,
        max_days: MAX_RETENTION_DAYS,
        deliveries: deliveries.into_iter().map(DeliveryRow::of).collect(),
        recent_failures,
    })
}

/// What a redirect back to this page reports: `?saved=retention` or `?saved=webhook-removed`.
#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    saved: Option<String>,
}

impl NoticeQuery {
    fn notice(&self) -> Option<String> {
        match self.saved.as_deref()? {
            "retention" => Some("Audit retention saved.".into()),
            "webhook-removed" => Some("Webhook removed: approvals are no longer sent anywhere.".into()),
            _ => None,
        }
    }
}

pub async fn show(
    State(state): State<AppState>,
    member: DashboardMember,
    PageQuery(query): PageQuery<NoticeQuery>,
) -> Result<SettingsPage, PageError> {
    let extras = Extras {
        notice: query.notice(),
        ..Extras::default()
    };
    render(&state, &member, extras).await
}
