//! `GET /accounts/{acct}/audit/export?format=csv|jsonl&server=&grant=&tool=&decision=&since=&until=`:
//! every matching audit event, newest first, streamed page by page as an attachment.
//!
//! - `jsonl`: one event per line, the same object as an item of `GET …/audit`.
//! - `csv` (the default): a header row, then one row per event (RFC 4180 quoting; `argument_keys`
//!   joined with `;`, logged `arguments` as JSON). A text cell that a spreadsheet would run as a formula
//!   (starting with `=`, `+`, `-`, `@`, tab or carriage return) is prefixed with `'`.
//!
//! The filters are checked before the answer starts (400/404 as for `…/audit`). A store error after
//! that can only cut the stream short (logged); the client sees a truncated download.

use std::collections::HashMap;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use time::OffsetDateTime;
use time::macros::format_description;
use toolgate_domain::{AccountId, GrantId, ServerId};
use toolgate_store::AuditFilter;

use super::audit::EventView;
use crate::error::ApiError;
use crate::extract::{ApiQuery, Member};
use crate::service::audit::{self, Query};
use crate::state::AppState;

/// Events read from the store at a time.
const PAGE: u32 = 1000;
const CSV_COLUMNS: [&str; 15] = [
    "id",
    "time",
    "server",
    "grant",
    "grant_id",
    "session",
    "method",
    "tool",
    "decision",
    "rule",
    "reason",
    "argument_keys",
    "arguments",
    "upstream_status",
    "latency_ms",
];

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ExportQuery {
    format: Option<String>,
    server: Option<String>,
    grant: Option<String>,
    tool: Option<String>,
    decision: Option<String>,
    since: Option<String>,
    until: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Csv,
    JsonLines,
}

impl Format {
    fn parse(text: Option<&str>) -> Result<Self, ApiError> {
        match text {
            None | Some("csv") => Ok(Format::Csv),
            Some("jsonl") => Ok(Format::JsonLines),
            Some(other) => Err(ApiError::BadRequest(format!(
                "unknown format {other:?}: use csv or jsonl"
            ))),
        }
    }

    fn content_type(self) -> &'static str {
        match self {
            Format::Csv => "text/csv; charset=utf-8",
            Format::JsonLines => "application/x-ndjson",
        }
    }

    fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
        }
    }
}

#[tracing::instrument(skip_all)]
pub async fn export(
    State(state): State<AppState>,
    member: Member,
    ApiQuery(query): ApiQuery<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = Format::parse(query.format.as_deref())?;
    let account = &member.account;
    let filters = Query {
        server: query.server,
        grant: query.grant,
        tool: query.tool,
        decision: query.decision,
        since: query.since,
        until: query.until,
        limit: None,
        cursor: None,
    };
    let filter = AuditFilter {
        limit: PAGE,
        ..audit::filter(&state, account, &filters).await?
    };
    let (server_slugs, grant_names) = audit::names(&state, account).await?;
    let pages = Pages {
        state,
        account: account.id,
        filter,
        server_slugs,
        grant_names,
        format,
        started: false,
        done: false,
    };
    let stream = futures_util::stream::unfold(pages, Pages::next);
    let stamp = OffsetDateTime::now_utc()
        .format(format_description!("[year][month][day]T[hour][minute][second]Z"))
        .unwrap_or_default();
    let filename = format!(
        "toolgate-audit-{}-{stamp}.{}",
        account.slug.as_str(),
        format.extension()
    );
    let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\""))
        .unwrap_or_else(|_| HeaderValue::from_static("attachment"));
    Ok((
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static(format.content_type()),
            ),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        Body::from_stream(stream),
    )
        .into_response())
}

/// The export's progress: one store page per chunk.
struct Pages {
    state: AppState,
    account: AccountId,
    filter: AuditFilter,
    server_slugs: HashMap<ServerId, String>,
    grant_names: HashMap<GrantId, String>,
    format: Format,
    started: bool,
    done: bool,
}

impl Pages {
    async fn next(mut self) -> Option<(Result<Bytes, std::io::Error>, Self)> {
        if self.done {
            return None;
        }
        let mut chunk = String::new();
        if !self.started && self.format == Format::Csv {
            chunk.push_str(&CSV_COLUMNS.join(","));
            chunk.push_str("\r\n");
        }
        self.started = true;
        let events = match self
            .state
            .store
            .list_audit_events(self.account, &self.filter)
            .await
        {
            Ok(events) => events,
            Err(error) => {
                tracing::error!(%error, account = %self.account, "audit export cut short");
                self.done = true;
                return Some((Err(std::io::Error::other("the audit export failed")), self));
            }
        };
        self.done = events.len() < PAGE as usize;
        self.filter.before_id = events.last().map(|event| event.id);
        for event in events {
            let view = EventView::new(event, &self.server_slugs, &self.grant_names);
            let value = serde_json::to_value(view).unwrap_or(Value::Null);
            match self.format {
                Format::Csv => push_csv_row(&mut chunk, &value),
                Format::JsonLines => {
                    chunk.push_str(&value.to_string());
                    chunk.push('\n');
                }
            }
        }
        Some((Ok(Bytes::from(chunk)), self))
    }
}

fn push_csv_row(out: &mut String, event: &Value) {
    for (index, column) in CSV_COLUMNS.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        let cell = match event.get(*column) {
            None | Some(Value::Null) => String::new(),
            Some(Value::String(text)) => defuse(text),
            Some(Value::Array(items)) => defuse(
                &items
                    .iter()
                    .map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_owned))
                    .collect::<Vec<_>>()
                    .join(";"),
            ),
            Some(Value::Object(_)) => event[*column].to_string(),
            Some(other) => other.to_string(),
        };
        push_csv_cell(out, &cell);
    }
    out.push_str("\r\n");
}

/// Text a spreadsheet would run as a formula gets a leading `'`.
fn defuse(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// RFC 4180: a cell with a comma, a quote or a line break is quoted, its quotes doubled.
fn push_csv_cell(out: &mut String, cell: &str) {
    if cell.contains([',', '"', '\n', '\r']) {
        out.push('"');
        out.push_str(&cell.replace('"', "\"\""));
        out.push('"');
    } else {
        out.push_str(cell);
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn quotes_and_defuses_cells() {
        let mut out = String::new();
        let event = json!({
            "id": 7, "time": "2026-01-01T00:00:00Z", "tool": "say \"hi\", then\nleave",
            "reason": "=HYPERLINK(\"x\")", "argument_keys": ["a", "b"], "latency_ms": 1.5,
            "arguments": {"k": "v"}, "server": null,
        });
        push_csv_row(&mut out, &event);
        assert_eq!(
            out,
            "7,2026-01-01T00:00:00Z,,,,,,\"say \"\"hi\"\", then\nleave\",,,\"'=HYPERLINK(\"\"x\"\")\",a;b,\"{\"\"k\"\":\"\"v\"\"}\",,1.5\r\n"
        );
    }
}
