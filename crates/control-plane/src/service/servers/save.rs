//! Registering a server and changing it. Upstream headers are validated, then sealed with the
//! deployment's key (bound to the server id); only their names are kept in clear.

use std::collections::BTreeMap;

use serde_json::json;
use toolgate_domain::{ServerId, Slug};
use toolgate_store::{Account, NewServer, Server, ServerPatch, StoreError};

use super::publish;
use crate::error::ApiError;
use crate::service::admin::{self, Change};
use crate::state::AppState;
use crate::upstream::address;
use crate::upstream::headers::UpstreamHeaders;
use crate::validate::{self, Problems};

pub struct ServerInput {
    pub name: String,
    /// Derived from the name when absent.
    pub slug: Option<String>,
    pub url: String,
    pub headers: BTreeMap<String, String>,
}

/// What to change; `None` leaves a field as it is.
#[derive(Default)]
pub struct ServerChanges {
    pub name: Option<String>,
    pub url: Option<String>,
    /// `Some(empty)` removes every header.
    pub headers: Option<BTreeMap<String, String>>,
    pub log_argument_values: Option<bool>,
}

fn parse_headers(problems: &mut Problems, headers: BTreeMap<String, String>) -> Option<UpstreamHeaders> {
    match UpstreamHeaders::parse(headers) {
        Ok(headers) => Some(headers),
        Err(fields) => {
            fields
                .into_iter()
                .for_each(|field| problems.add(field.path, field.message));
            None
        }
    }
}

/// Checks the URL; resolves its host (slow) only when everything else is valid.
async fn check_url(state: &AppState, problems: &mut Problems, url: &str) -> Option<String> {
    match problems.is_empty() {
        true => problems.check("url", address::check(url, state.allow_private_upstreams).await),
        false => problems.check("url", address::parse(url).map(|(text, _)| text)),
    }
}

pub async fn create(state: &AppState, account: &Account, input: ServerInput) -> Result<Server, ApiError> {
    let mut problems = Problems::new();
    let name = problems.check("name", validate::display_name(&input.name));
    let slug = match (&input.slug, &name) {
        (Some(slug), _) => problems.check("slug", Slug::parse(slug).map_err(|error| error.to_string())),
        (None, Some(name)) => Some(Slug::from_name(name, "server")),
        (None, None) => None,
    };
    let headers = parse_headers(&mut problems, input.headers);
    let url = check_url(state, &mut problems, &input.url).await;
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
    let server = match state.store.create_server(account.id, new_server).await {
        Ok(server) => server,
        Err(StoreError::Conflict(_)) => {
            // The dashboard shows this conflict at the `slug` field.
            return Err(ApiError::Conflict(format!(
                "a server with the slug {:?} already exists in this account; choose another slug",
                slug.as_str()
            )));
        }
        Err(other) => return Err(other.into()),
    };
    tracing::info!(account = %account.slug, server = %server.slug, "server created");
    let detail = json!({"slug": server.slug, "name": server.name, "url": server.url, "header_names": server.header_names});
    admin::record(
        state,
        account.id,
        Change::new("server.created", "server", server.id).detail(detail),
    )
    .await;
    publish(state, account, &server).await;
    Ok(server)
}

pub async fn update(
    state: &AppState,
    account: &Account,
    server: &Server,
    changes: ServerChanges,
) -> Result<Server, ApiError> {
    let mut problems = Problems::new();
    let name = changes
        .name
        .and_then(|name| problems.check("name", validate::display_name(&name)));
    let headers = changes
        .headers
        .and_then(|headers| parse_headers(&mut problems, headers));
    let url = match changes.url {
        Some(url) => check_url(state, &mut problems, &url).await,
        None => None,
    };
    problems.finish()?;

    let mut changed = Vec::new();
    for (field, present) in [
        ("name", name.is_some()),
        ("url", url.is_some()),
        ("headers", headers.is_some()),
        ("log_argument_values", changes.log_argument_values.is_some()),
    ] {
        if present {
            changed.push(field);
        }
    }
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
        log_argument_values: changes.log_argument_values,
    };
    let server = state
        .store
        .update_server(account.id, server.id, patch)
        .await
        .map_err(|error| match error {
            StoreError::NotFound => ApiError::NotFound("server"),
            other => other.into(),
        })?;
    tracing::info!(account = %account.slug, server = %server.slug, "server updated");
    // Header names only: the values are secrets.
    let detail = json!({"changed": changed, "header_names": server.header_names});
    admin::record(
        state,
        account.id,
        Change::new("server.updated", "server", server.id).detail(detail),
    )
    .await;
    publish(state, account, &server).await;
    Ok(server)
}
