//! `GET /accounts/{acct}/admin-events?limit=&cursor=`: who changed what, newest first.

use axum::extract::State;
use axum::routing::get;
use axum::{Json, Router};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::OffsetDateTime;
use toolgate_store::AdminEvent;

use crate::api::page::Page;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member};
use crate::service::admin::{self, ListQuery};
use crate::state::AppState;

pub fn router() -> Router<AppState> {
    Router::new().route("/accounts/{acct}/admin-events", get(list))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Query {
    limit: Option<u32>,
    cursor: Option<String>,
}

#[derive(Serialize)]
struct EventView {
    id: i64,
    #[serde(with = "time::serde::rfc3339")]
    time: OffsetDateTime,
    /// The actor's email; `null` for the system (background jobs) or a deleted user.
    actor: Option<String>,
    action: String,
    target_type: String,
    target_id: String,
    before_version: Option<i64>,
    after_version: Option<i64>,
    detail: Value,
}

impl From<AdminEvent> for EventView {
    fn from(event: AdminEvent) -> Self {
        Self {
            id: event.id,
            time: event.time,
            actor: event.actor_email,
            action: event.action,
            target_type: event.target_type,
            target_id: event.target_id,
            before_version: event.before_version,
            after_version: event.after_version,
            detail: event.detail,
        }
    }
}

#[tracing::instrument(skip_all)]
async fn list(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<Query>,
) -> Result<Json<Page<EventView>>, ApiError> {
    let query = ListQuery {
        limit: query.limit,
        cursor: query.cursor,
    };
    let page = admin::list(&state, member.account.id, query).await?;
    Ok(Json(Page {
        items: page.events.into_iter().map(EventView::from).collect(),
        next_cursor: page.next_cursor,
    }))
}
