//! `POST /a/{acct}/servers/{server}/headers`: replace the upstream headers (sealed like the API does).
//! The rows given replace every current header; with no rows, `remove_all` must be ticked.

use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::ServerPath;
use super::header_rows;
use super::show::render;
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardWriter, PagePath};
use crate::dashboard::form::{FieldErrors, FormFields, PageForm};
use crate::service::lookup;
use crate::service::servers::{self, ServerChanges};
use crate::state::AppState;

pub async fn replace(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PagePath(path): PagePath<ServerPath>,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, PageError> {
    let server = lookup::server(&state, member.account.id, &path.server).await?;
    let errors = match header_rows::parse(&fields) {
        Err(errors) => errors,
        Ok(headers) if headers.is_empty() && fields.get("remove_all") != "on" => FieldErrors::one(
            "headers",
            "enter at least one header, or tick \"Remove all headers\"",
        ),
        Ok(headers) => {
            let headers: BTreeMap<String, String> = headers;
            let changes = ServerChanges {
                headers: Some(headers),
                ..ServerChanges::default()
            };
            match servers::update(&state, &member.account, &server, changes).await {
                Ok(server) => {
                    let page = member.url(&format!("/servers/{}?headers=saved", server.slug.as_str()));
                    return Ok(Redirect::to(&page).into_response());
                }
                Err(error) => FieldErrors::from_api(error)?,
            }
        }
    };
    let rows = header_rows::rows(&fields, &errors);
    let page = render(&state, &member, server, None, Some((rows, errors))).await?;
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
