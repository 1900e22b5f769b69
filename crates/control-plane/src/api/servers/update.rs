//! `PATCH /accounts/{acct}/servers/{server}`: `{name?, url?, headers?: {..} | null, log_argument_values?}`.
//! `headers` replaces the whole set (`null` or `{}` removes them). The slug is fixed: it is part of the
//! gateway URLs agents use.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Deserializer};

use super::{ServerPath, ServerView};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, Writer};
use crate::service::lookup;
use crate::service::servers::{self, ServerChanges};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UpdateServer {
    name: Option<String>,
    url: Option<String>,
    /// Absent: unchanged; `null`: removed.
    #[serde(default, deserialize_with = "present")]
    headers: Option<Option<BTreeMap<String, String>>>,
    log_argument_values: Option<bool>,
}

/// Tells an absent field (`None`) from an explicit `null` (`Some(None)`).
fn present<'de, D, T>(deserializer: D) -> Result<Option<Option<T>>, D::Error>
where
    D: Deserializer<'de>,
    T: Deserialize<'de>,
{
    Option::<T>::deserialize(deserializer).map(Some)
}

#[tracing::instrument(skip_all)]
pub async fn update(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiPath(path): ApiPath<ServerPath>,
    ApiJson(body): ApiJson<UpdateServer>,
) -> Result<Json<ServerView>, ApiError> {
    let account = &member.account;
    let server = lookup::server(&state, account.id, &path.server).await?;
    let changes = ServerChanges {
        name: body.name,
        url: body.url,
        headers: body.headers.map(Option::unwrap_or_default),
        log_argument_values: body.log_argument_values,
    };
    let server = servers::update(&state, account, &server, changes).await?;
    Ok(Json(ServerView::new(&state, &account.slug, server)))
}
