//! `PATCH /accounts/{acct}/servers/{server}`: `{name?, url?, headers?: {..} | null, log_argument_values?}`.
//! `headers` replaces the whole set (`null` or `{}` removes them). The slug is fixed: it is part of the
//! gateway URLs agents use.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Deserializer};
use toolgate_cluster::ChangeEvent;
use toolgate_store::ServerPatch;

use super::{ServerPath, ServerView};
use crate::api::lookup;
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, Writer};
use crate::state::AppState;
use crate::upstream::address;
use crate::upstream::headers::UpstreamHeaders;
use crate::validate::{self, Problems};

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

    let mut problems = Problems::new();
    let name = body
        .name
        .and_then(|name| problems.check("name", validate::display_name(&name)));
    let headers = match body.headers {
        None => None,
        Some(map) => match UpstreamHeaders::parse(map.unwrap_or_default()) {
            Ok(headers) => Some(headers),
            Err(fields) => {
                fields
                    .into_iter()
                    .for_each(|field| problems.add(field.path, field.message));
                None
            }
        },
    };
    let url = match (body.url, problems.is_empty()) {
        (None, _) => None,
        (Some(url), true) => problems.check("url", address::check(&url, state.allow_private_upstreams).await),
        (Some(url), false) => problems.check("url", address::parse(&url).map(|(text, _)| text)),
    };
    problems.finish()?;

    let headers = match headers {
        None => None,
        Some(headers) => Some(
            headers
                .seal(&state.secret, server.id)?
                .map(|sealed| (sealed, headers.names())),
        ),
    };
    let patch = ServerPatch {
        name,
        url,
        headers,
        log_argument_values: body.log_argument_values,
    };
    let server = state
        .store
        .update_server(account.id, server.id, patch)
        .await
        .map_err(|error| match error {
            toolgate_store::StoreError::NotFound => ApiError::NotFound("server"),
            other => other.into(),
        })?;
    tracing::info!(account = %account.slug, server = %server.slug, "server updated");
    state
        .publish(ChangeEvent::ServerChanged {
            account: account.id,
            server: server.id,
        })
        .await;
    Ok(Json(ServerView::new(&state, &account.slug, server)))
}
