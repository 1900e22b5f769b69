//! `GET /a/{acct}/servers/{server}`: the server's gateway URL, upstream, header names (with a replace
//! form), Test connection / Sync tools, and the tool catalog with risk badges and diffs of changed
//! tools. [`render`] also serves the actions that answer with this page (test, failed sync, headers).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;
use toolgate_store::Server;

use super::ServerPath;
use super::header_rows::{self, HeaderRow};
use super::tools::ToolRow;
use crate::dashboard::error::PageError;
use crate::dashboard::extract::{DashboardMember, PagePath, PageQuery};
use crate::dashboard::form::FieldErrors;
use crate::dashboard::layout::Layout;
use crate::service::lookup;
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "servers/show.html")]
pub struct ShowPage {
    layout: Layout,
    can_write: bool,
    slug: String,
    name: String,
    url: String,
    gateway_url: String,
    header_names: Vec<String>,
    tools: Vec<ToolRow>,
    changed_count: usize,
    notice: Option<Notice>,
    header_rows: Vec<HeaderRow>,
    header_errors: FieldErrors,
}

/// A message at the top of the page: `kind` is an `.alert` class (ok, error, info, warn).
pub struct Notice {
    pub kind: &'static str,
    pub text: String,
}

impl Notice {
    pub fn ok(text: impl Into<String>) -> Self {
        Self {
            kind: "ok",
            text: text.into(),
        }
    }

    pub fn error(text: impl Into<String>) -> Self {
        Self {
            kind: "error",
            text: text.into(),
        }
    }
}

/// What a redirect back to this page reports (`?synced=12&skipped=1`, `?accepted=run_shell`, …).
#[derive(Deserialize, Default)]
pub struct NoticeQuery {
    created: Option<u8>,
    synced: Option<usize>,
    skipped: Option<usize>,
    accepted: Option<String>,
    headers: Option<String>,
}

impl NoticeQuery {
    fn notice(&self) -> Option<Notice> {
        if self.created.is_some() {
            return Some(Notice::ok(
                "Server added. Next: sync its tools to see what agents could call.",
            ));
        }
        if let Some(count) = self.synced {
            let skipped = match self.skipped.unwrap_or(0) {
                0 => String::new(),
                n => format!(" {n} tools were skipped (invalid name or schema); see the server log."),
            };
            return Some(Notice::ok(format!(
                "Synced: the upstream lists {count} tools.{skipped}"
            )));
        }
        if let Some(tool) = &self.accepted {
            return Some(Notice::ok(format!("Accepted the current definition of {tool}.")));
        }
        if self.headers.is_some() {
            return Some(Notice::ok("Upstream headers saved."));
        }
        None
    }
}

pub async fn show(
    State(state): State<AppState>,
    member: DashboardMember,
    PagePath(path): PagePath<ServerPath>,
    PageQuery(query): PageQuery<NoticeQuery>,
) -> Result<ShowPage, PageError> {
    let server = lookup::server(&state, member.account.id, &path.server).await?;
    render(&state, &member, server, query.notice(), None).await
}

/// The page, with an optional notice and, after a failed header replace, the rows and their errors.
pub async fn render(
    state: &AppState,
    member: &DashboardMember,
    server: Server,
    notice: Option<Notice>,
    header_form: Option<(Vec<HeaderRow>, FieldErrors)>,
) -> Result<ShowPage, PageError> {
    let account = &member.account;
    let tools = state.store.list_tools(account.id, server.id).await?;
    let tools: Vec<ToolRow> = tools.iter().map(ToolRow::new).collect();
    let (header_rows, header_errors) =
        header_form.unwrap_or_else(|| (header_rows::empty_rows(), FieldErrors::none()));
    Ok(ShowPage {
        layout: member.layout(server.name.clone(), "servers"),
        can_write: member.can_write(),
        gateway_url: state.server_gateway_url(account.slug.as_str(), server.slug.as_str()),
        slug: server.slug.as_str().to_owned(),
        changed_count: tools.iter().filter(|tool| tool.changed).count(),
        name: server.name,
        url: server.url,
        header_names: server.header_names,
        tools,
        notice,
        header_rows,
        header_errors,
    })
}
