//! `GET /a/{acct}/servers/new` (the form) and `POST /a/{acct}/servers` (register, then 303 to the
//! server's page). Validation and sealing are `crate::service::servers::create`, as for the API.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use super::header_rows::{self, HeaderRow};
use crate::dashboard::error::PageError;
use crate::dashboard::extract::DashboardWriter;
use crate::dashboard::form::{FieldErrors, FormFields, PageForm};
use crate::dashboard::layout::Layout;
use crate::error::ApiError;
use crate::service::servers::{self, ServerInput};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "servers/new.html")]
pub struct NewPage {
    layout: Layout,
    name: String,
    slug: String,
    url: String,
    header_rows: Vec<HeaderRow>,
    errors: FieldErrors,
}

pub async fn form(DashboardWriter(member): DashboardWriter) -> NewPage {
    NewPage {
        layout: member.layout("Add a server", "servers"),
        name: String::new(),
        slug: String::new(),
        url: String::new(),
        header_rows: header_rows::empty_rows(),
        errors: FieldErrors::none(),
    }
}

pub async fn create(
    State(state): State<AppState>,
    DashboardWriter(member): DashboardWriter,
    PageForm(fields): PageForm<FormFields>,
) -> Result<Response, PageError> {
    let slug = fields.get("slug").trim();
    let errors = match header_rows::parse(&fields) {
        Err(errors) => errors,
        Ok(headers) => {
            let input = ServerInput {
                name: fields.get("name").to_owned(),
                slug: (!slug.is_empty()).then(|| slug.to_owned()),
                url: fields.get("url").trim().to_owned(),
                headers,
            };
            match servers::create(&state, &member.account, input).await {
                Ok(server) => {
                    let page = member.url(&format!("/servers/{}?created=1", server.slug.as_str()));
                    return Ok(Redirect::to(&page).into_response());
                }
                Err(ApiError::Conflict(message)) => FieldErrors::one("slug", message),
                Err(error) => FieldErrors::from_api(error)?,
            }
        }
    };
    let page = NewPage {
        layout: member.layout("Add a server", "servers"),
        name: fields.get("name").to_owned(),
        slug: slug.to_owned(),
        url: fields.get("url").to_owned(),
        header_rows: header_rows::rows(&fields, &errors),
        errors,
    };
    Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
}
