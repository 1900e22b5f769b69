//! Admin events: who changed what, through the API or the dashboard (ARCHITECTURE §9).
//!
//! Service functions record a [`Change`] after the change is saved. The actor is the request's
//! authenticated user: [`actor_scope`] (a layer on the whole control-plane router) gives every request
//! an empty slot, and authentication fills it ([`set_actor`], called where an API token or a session
//! cookie is resolved). So the service functions need no extra parameter, and the dashboard and the API
//! attribute changes the same way. Outside a request (background jobs) the actor is `None`.

use std::cell::Cell;

use axum::extract::Request;
use axum::middleware::Next;
use axum::response::Response;
use serde::Deserialize;
use serde_json::Value;
use toolgate_domain::{AccountId, UserId};
use toolgate_store::{AdminEvent, NewAdminEvent};

use crate::error::ApiError;
use crate::state::AppState;

tokio::task_local! {
    static ACTOR: Cell<Option<UserId>>;
}

/// Middleware: an actor slot for the request.
pub async fn actor_scope(request: Request, next: Next) -> Response {
    ACTOR.scope(Cell::new(None), next.run(request)).await
}

/// Notes the request's authenticated user (no-op outside [`actor_scope`]).
pub fn set_actor(user: UserId) {
    let _ = ACTOR.try_with(|slot| slot.set(Some(user)));
}

/// The request's authenticated user, if any.
pub fn current_actor() -> Option<UserId> {
    ACTOR.try_with(Cell::get).ok().flatten()
}

/// One change, as recorded.
pub struct Change {
    /// `"server.created"`, `"policy.saved"`, `"grant.revoked"`, …
    pub action: &'static str,
    pub target_type: &'static str,
    pub target_id: String,
    pub before_version: Option<i64>,
    pub after_version: Option<i64>,
    /// Names only, never secrets or header values.
    pub detail: Value,
}

impl Change {
    pub fn new(action: &'static str, target_type: &'static str, target_id: impl ToString) -> Self {
        Self {
            action,
            target_type,
            target_id: target_id.to_string(),
            before_version: None,
            after_version: None,
            detail: Value::Object(Default::default()),
        }
    }

    pub fn versions(mut self, before: Option<i64>, after: Option<i64>) -> Self {
        self.before_version = before;
        self.after_version = after;
        self
    }

    pub fn detail(mut self, detail: Value) -> Self {
        self.detail = detail;
        self
    }
}

/// Records a change made by the current actor. The change itself is already saved, so a failure here
/// is logged (at error level) rather than failing the request.
pub async fn record(state: &AppState, account: AccountId, change: Change) {
    let event = NewAdminEvent {
        actor: current_actor(),
        action: change.action.to_owned(),
        target_type: change.target_type.to_owned(),
        target_id: change.target_id,
        before_version: change.before_version,
        after_version: change.after_version,
        detail: change.detail,
    };
    let action = event.action.clone();
    if let Err(error) = state.store.insert_admin_event(account, event).await {
        tracing::error!(%error, %account, action, "could not record an admin event");
    }
}

pub const MAX_PAGE: u32 = 200;

#[derive(Deserialize, Default)]
pub struct ListQuery {
    pub limit: Option<u32>,
    pub cursor: Option<String>,
}

pub struct Page {
    pub events: Vec<AdminEvent>,
    pub next_cursor: Option<String>,
}

/// Newest first; the cursor is the last id of the previous page.
pub async fn list(state: &AppState, account: AccountId, query: ListQuery) -> Result<Page, ApiError> {
    let limit = query.limit.unwrap_or(100);
    if !(1..=MAX_PAGE).contains(&limit) {
        return Err(ApiError::BadRequest(format!(
            "limit must be between 1 and {MAX_PAGE}"
        )));
    }
    let before_id = match query.cursor.as_deref() {
        None | Some("") => None,
        Some(cursor) => Some(
            cursor
                .parse::<i64>()
                .map_err(|_| ApiError::BadRequest("invalid cursor".into()))?,
        ),
    };
    let events = state.store.list_admin_events(account, limit, before_id).await?;
    let next_cursor = match events.len() == limit as usize {
        true => events.last().map(|event| event.id.to_string()),
        false => None,
    };
    Ok(Page { events, next_cursor })
}
