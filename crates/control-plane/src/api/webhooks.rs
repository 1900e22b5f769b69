//! `GET /accounts/{acct}/webhook-deliveries?limit=`: the newest webhook deliveries with their state, so
//! that failures are visible. The payloads are not listed.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use toolgate_store::{WebhookDelivery, WebhookDeliveryStatus};

use crate::api::page::Page;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member};
use crate::service::webhooks;
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/accounts/{acct}/webhook-deliveries", get(list))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    limit: Option<u32>,
    /// Accepted for the list convention; the newest deliveries are the only page.
    cursor: Option<String>,
}

#[derive(Serialize)]
struct DeliveryView {
    id: i64,
    event_type: String,
    status: WebhookDeliveryStatus,
    attempts: i64,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    created_at: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339::option")]
    next_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    last_attempt_at: Option<OffsetDateTime>,
    #[serde(with = "time::serde::rfc3339::option")]
    delivered_at: Option<OffsetDateTime>,
}

impl From<WebhookDelivery> for DeliveryView {
    fn from(delivery: WebhookDelivery) -> Self {
        Self {
            id: delivery.id,
            event_type: delivery.event_type,
            status: delivery.status,
            attempts: delivery.attempts,
            last_status_code: delivery.last_status_code,
            last_error: delivery.last_error,
            created_at: delivery.created_at,
            next_attempt_at: delivery.next_attempt_at,
            last_attempt_at: delivery.last_attempt_at,
            delivered_at: delivery.delivered_at,
        }
    }
}

#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<Query>,
) -> Result<Json<Page<DeliveryView>>, ApiError> {
    if let Some(cursor) = query.cursor.filter(|cursor| !cursor.is_empty()) {
        return Err(ApiError::BadRequest(format!("unknown cursor {cursor:?}")));
    }
    let limit = query.limit.unwrap_or(100);
    let deliveries = webhooks::deliveries(&state, member.account.id, limit).await?;
    Ok(Json(Page::all(
        deliveries.into_iter().map(DeliveryView::from).collect(),
    )))
}
