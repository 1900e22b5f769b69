//! The builder's checks on the unsaved document, with the same compiler the API saves with:
//! `POST …/builder/validate` (`{text}` → `{valid, errors: [{pointer, message, line, column}]}`;
//! JSON syntax errors carry line and column) and `POST …/builder/simulate` (`{document, tool,
//! arguments}` → `{decision, rule, reason, limits}`, or `{errors}` when the document is invalid).
//! Nothing is saved, nothing upstream is called, no counter is charged.

use axum::Json;
use axum::extract::{Path, State};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use toolgate_policy::{Decision, LimitCharge, PolicyError, Scope};

use crate::dashboard::error::PageError;
use crate::dashboard::extract::DashboardMember;
use crate::error::ApiError;
use crate::extract::ApiJson;
use crate::service::lookup;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValidateRequest {
    text: String,
}

#[derive(Debug, Serialize)]
pub struct Validation {
    valid: bool,
    errors: Vec<PolicyError>,
}

/// Only members of the account reach the validator: the server in the path must be theirs.
async fn check_server(state: &AppState, member: &DashboardMember, server: &str) -> Result<(), PageError> {
    lookup::server(state, member.account.id, server).await?;
    Ok(())
}

pub async fn validate(
    State(state): State<AppState>,
    member: DashboardMember,
    Path((_account, server)): Path<(String, String)>,
    ApiJson(request): ApiJson<ValidateRequest>,
) -> Result<Json<Validation>, PageError> {
    check_server(&state, &member, &server).await?;
    let errors = toolgate_policy::compile_str(&request.text)
        .err()
        .unwrap_or_default();
    Ok(Json(Validation {
        valid: errors.is_empty(),
        errors,
    }))
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulateRequest {
    document: Value,
    tool: String,
    #[serde(default)]
    arguments: Option<Value>,
}

#[derive(Debug, Serialize, Default, PartialEq)]
pub struct Simulation {
    #[serde(skip_serializing_if = "Vec::is_empty")]
    errors: Vec<PolicyError>,
    /// `allowed` | `denied` | `hidden` | `approval_requested`
    #[serde(skip_serializing_if = "Option::is_none")]
    decision: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    rule: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<String>,
    limits: Vec<Limit>,
}

#[derive(Debug, Serialize, PartialEq)]
struct Limit {
    counter: String,
    max: u64,
    /// "minute", "5 s", …: readable.
    window: String,
    scope: &'static str,
    amount: u64,
}

pub async fn simulate(
    State(state): State<AppState>,
    member: DashboardMember,
    Path((_account, server)): Path<(String, String)>,
    ApiJson(request): ApiJson<SimulateRequest>,
) -> Result<Json<Simulation>, ApiError> {
    check_server(&state, &member, &server)
        .await
        .map_err(|_| ApiError::NotFound("server"))?;
    if request.tool.trim().is_empty() {
        return Err(ApiError::field("tool", "must not be empty"));
    }
    let arguments = match request.arguments {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(object @ Value::Object(_)) => object,
        Some(_) => return Err(ApiError::field("arguments", "must be a JSON object")),
    };
    Ok(Json(run(&request.document, request.tool.trim(), &arguments)))
}

fn run(document: &Value, tool: &str, arguments: &Value) -> Simulation {
    let compiled = match toolgate_policy::compile(document) {
        Ok(compiled) => compiled,
        Err(errors) => {
            return Simulation {
                errors,
                ..Simulation::default()
            };
        }
    };
    let decision = compiled.evaluate(tool, arguments);
    let rule = Some(decision.rule().to_owned()).filter(|rule| !rule.is_empty());
    let (name, reason, limits) = match &decision {
        Decision::Hidden => ("hidden", None, Vec::new()),
        Decision::Refused { reason, .. } => ("denied", Some(reason.to_string()), Vec::new()),
        Decision::RequireApproval { limits, .. } => {
            ("approval_requested", None, limits.iter().map(limit).collect())
        }
        Decision::Allow { limits } => ("allowed", None, limits.iter().map(limit).collect()),
    };
    Simulation {
        errors: Vec::new(),
        decision: Some(name),
        rule,
        reason,
        limits,
    }
}

fn limit(charge: &LimitCharge) -> Limit {
    Limit {
        counter: charge.counter.to_string(),
        max: charge.max,
        window: window_text(charge.window_ms),
        scope: match charge.scope {
            Scope::Grant => "each grant",
            Scope::Server => "whole server",
            Scope::Account => "whole account",
        },
        amount: charge.amount,
    }
}

fn window_text(window_ms: u64) -> String {
    match window_ms {
        1_000 => "second".into(),
        60_000 => "minute".into(),
        3_600_000 => "hour".into(),
        86_400_000 => "day".into(),
        other => format!("{} s", other / 1_000),
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn simulates_the_draft_document() {
        let document = json!({
            "version": "1", "default": "deny", "hide": ["secret"],
            "tools": {
                "ls": {"limits": [{"counter": "ls", "window": "minute", "max": 5}]},
                "sh": {"deny_if": [{"conditions": [{"path": "args.command", "op": "regex", "value": ";"}], "on_deny": "no"}]}
            }
        });
        let allowed = run(&document, "ls", &json!({}));
        assert_eq!(allowed.decision, Some("allowed"));
        assert_eq!(allowed.limits[0].window, "minute");
        assert_eq!(allowed.limits[0].scope, "each grant");
        let refused = run(&document, "sh", &json!({"command": "ls; rm"}));
        assert_eq!(refused.decision, Some("denied"));
        assert_eq!(refused.reason.as_deref(), Some("no"));
        assert_eq!(refused.rule.as_deref(), Some("/tools/sh/deny_if/0"));
        assert_eq!(run(&document, "secret", &json!({})).decision, Some("hidden"));
        assert_eq!(
            run(&document, "other", &json!({})).rule.as_deref(),
            Some("(default deny)")
        );
    }

    #[test]
    fn an_invalid_draft_answers_its_errors() {
        let simulation = run(&json!({"version": "1"}), "ls", &json!({}));
        assert_eq!(simulation.decision, None);
        assert_eq!(simulation.errors[0].pointer, "/default");
    }

    #[test]
    fn windows_read_naturally() {
        assert_eq!(window_text(60_000), "minute");
        assert_eq!(window_text(300_000), "300 s");
    }
}
