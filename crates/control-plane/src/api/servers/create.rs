//! `POST /accounts/{acct}/servers`: register an upstream MCP server.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;

use super::ServerView;
use crate::error::ApiError;
use crate::extract::{ApiJson, Writer};
use crate::service::servers::{self, ServerInput};
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CreateServer {
    name: String,
    slug: Option<String>,
    url: String,
    #[serde(default)]
    headers: Option<BTreeMap<String, String>>,
}

#[tracing::instrument(skip_all)]
pub async fn create(
    State(state): State<AppState>,
    Writer(member): Writer,
    ApiJson(body): ApiJson<CreateServer>,
) -> Result<(StatusCode, Json<ServerView>), ApiError> {
    let input = ServerInput {
        name: body.name,
        slug: body.slug,
        url: body.url,
        headers: body.headers.unwrap_or_default(),
    };
    let server = servers::create(&state, &member.account, input).await?;
    Ok((
        StatusCode::CREATED,
        Json(ServerView::new(&state, &member.account.slug, server)),
    ))
}
