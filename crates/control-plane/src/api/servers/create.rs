//! `POST /accounts/{acct}/servers`: register an upstream MCP server.

use std::collections::BTreeMap;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use serde::Deserialize;
use toolgate_cluster::ChangeEvent;
use toolgate_domain::{ServerId, Slug};
use toolgate_store::{NewServer, StoreError};

use super::ServerView;
use crate::error::ApiError;
use crate::extract::{ApiJson, Writer};
use crate::state::AppState;
use crate::upstream::address;
use crate::upstream::headers::UpstreamHeaders;
use crate::validate::{self, Problems};

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
    let mut problems = Problems::new();
    let name = problems.check("name", validate::display_name(&body.name));
    let slug = match (&body.slug, &name) {
        (Some(slug), _) => problems.check("slug", Slug::parse(slug).map_err(|error| error.to_string())),
        (None, Some(name)) => Some(Slug::from_name(name, "server")),
        (None, None) => None,
    };
    let headers = match UpstreamHeaders::parse(body.headers.unwrap_or_default()) {
        Ok(headers) => Some(headers),
        Err(fields) => {
            fields
                .into_iter()
                .for_each(|field| problems.add(field.path, field.message));
            None
        }
    };
    // Resolve the host only once everything else is valid: DNS is slow.
    let url = match problems.is_empty() {
        true => problems.check(
            "url",
            address::check(&body.url, state.allow_private_upstreams).await,
        ),
        false => problems.check("url", address::parse(&body.url).map(|(text, _)| text)),
    };
    problems.finish()?;
    let (Some(name), Some(slug), Some(headers), Some(url)) = (name, slug, headers, url) else {
        return Err(ApiError::internal("validated server fields missing"));
    };

    let id = ServerId::new();
    let new_server = NewServer {
        id,
        headers_sealed: headers.seal(&state.secret, id)?,
        header_names: headers.names(),
        slug: slug.clone(),
        name,
        url,
    };
    let account = &member.account;
    let server = match state.store.create_server(account.id, new_server).await {
        Ok(server) => server,
        Err(StoreError::Conflict(_)) => {
            return Err(ApiError::Conflict(format!(
                "a server with the slug {:?} already exists in this account; choose another slug",
                slug.as_str()
            )));
        }
        Err(other) => return Err(other.into()),
    };
    tracing::info!(account = %account.slug, server = %server.slug, "server created");
    state
        .publish(ChangeEvent::ServerChanged {
            account: account.id,
            server: server.id,
        })
        .await;
    Ok((
        StatusCode::CREATED,
        Json(ServerView::new(&state, &account.slug, server)),
    ))
}
