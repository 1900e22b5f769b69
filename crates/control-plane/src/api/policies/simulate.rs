//! `POST …/policies/{policy}/simulate`: `{tool, arguments?}` → what the gateway would decide for that
//! call under the policy's current version, without calling anything or charging any counter.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use toolgate_policy::{Decision, LimitCharge, OnCounterError, RefusalKind, Scope};

use super::{PolicyPath, compile};
use crate::error::ApiError;
use crate::extract::{ApiJson, ApiPath, Member};
use crate::service::lookup;
use crate::state::AppState;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimulateCall {
    tool: String,
    #[serde(default)]
    arguments: Option<Value>,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct Simulation {
    /// `allowed` | `denied` | `hidden` | `approval_requested`
    decision: &'static str,
    /// JSON pointer into the policy, `(default deny)` or `(hidden)`; `null` when allowed.
    rule: Option<String>,
    reason: Option<String>,
    /// For `denied`: `default_deny` | `denied` | `condition` | `bad_argument`.
    refusal_kind: Option<&'static str>,
    /// For `approval_requested`: `{timeout_ms, wait_ms}`.
    approval: Option<Approval>,
    /// The limits the call would be charged (reserved all or nothing by the gateway).
    limits: Vec<Limit>,
    policy_version: i64,
}

#[derive(Debug, Serialize, PartialEq)]
struct Approval {
    timeout_ms: u64,
    wait_ms: u64,
}

#[derive(Debug, Serialize, PartialEq)]
struct Limit {
    rule: String,
    counter: String,
    max: u64,
    window_ms: u64,
    scope: &'static str,
    amount: u64,
    on_counter_error: &'static str,
}

#[tracing::instrument(skip_all)]
pub async fn simulate(
    State(state): State<AppState>,
    member: Member,
    ApiPath(path): ApiPath<PolicyPath>,
    ApiJson(call): ApiJson<SimulateCall>,
) -> Result<Json<Simulation>, ApiError> {
    let server = lookup::server(&state, member.account.id, &path.server).await?;
    let policy = lookup::policy(&state, member.account.id, &server, &path.policy).await?;
    if call.tool.is_empty() {
        return Err(ApiError::field("tool", "must not be empty"));
    }
    let arguments = match call.arguments {
        None | Some(Value::Null) => Value::Object(Map::new()),
        Some(object @ Value::Object(_)) => object,
        Some(_) => return Err(ApiError::field("arguments", "must be a JSON object")),
    };
    let compiled = compile(&policy.document)?;
    let decision = compiled.evaluate(&call.tool, &arguments);
    Ok(Json(describe(&decision, policy.version)))
}

fn describe(decision: &Decision, policy_version: i64) -> Simulation {
    let rule = Some(decision.rule().to_owned()).filter(|rule| !rule.is_empty());
    let base = Simulation {
        decision: "allowed",
        rule,
        reason: None,
        refusal_kind: None,
        approval: None,
        limits: Vec::new(),
        policy_version,
    };
    match decision {
        Decision::Hidden => Simulation {
            decision: "hidden",
            ..base
        },
        Decision::Refused { reason, kind, .. } => Simulation {
            decision: "denied",
            reason: Some(reason.to_string()),
            refusal_kind: Some(refusal_kind(*kind)),
            ..base
        },
        Decision::RequireApproval {
            timeout_ms,
            wait_ms,
            limits,
            ..
        } => Simulation {
            decision: "approval_requested",
            approval: Some(Approval {
                timeout_ms: *timeout_ms,
                wait_ms: *wait_ms,
            }),
            limits: limits.iter().map(limit).collect(),
            ..base
        },
        Decision::Allow { limits } => Simulation {
            limits: limits.iter().map(limit).collect(),
            ..base
        },
    }
}

fn limit(charge: &LimitCharge) -> Limit {
    Limit {
        rule: charge.rule.to_string(),
        counter: charge.counter.to_string(),
        max: charge.max,
        window_ms: charge.window_ms,
        scope: match charge.scope {
            Scope::Grant => "grant",
            Scope::Server => "server",
            Scope::Account => "account",
        },
        amount: charge.amount,
        on_counter_error: match charge.on_counter_error {
            OnCounterError::Closed => "closed",
            OnCounterError::Open => "open",
            OnCounterError::Local => "local",
        },
    }
}

fn refusal_kind(kind: RefusalKind) -> &'static str {
    match kind {
        RefusalKind::DefaultDeny => "default_deny",
        RefusalKind::Denied => "denied",
        RefusalKind::Condition => "condition",
        RefusalKind::BadArgument => "bad_argument",
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn simulate(document: Value, tool: &str, arguments: Value) -> Simulation {
        let compiled = toolgate_policy::compile(&document).expect("valid policy");
        describe(&compiled.evaluate(tool, &arguments), 1)
    }

    #[test]
    fn describes_each_kind_of_decision() {
        let document = json!({
            "version": "1", "default": "deny", "hide": ["secret_*"],
            "tools": {
                "ls": {"limits": [{"counter": "ls", "window": "minute", "max": 5}]},
                "rm": {"action": "deny", "reason": "no"},
                "kill": {"action": "require_approval"}
            }
        });
        let allowed = simulate(document.clone(), "ls", json!({}));
        assert_eq!((allowed.decision, allowed.rule.as_deref()), ("allowed", None));
        assert_eq!(allowed.limits[0].window_ms, 60_000);
        assert_eq!(allowed.limits[0].scope, "grant");
        let denied = simulate(document.clone(), "rm", json!({}));
        assert_eq!(
            (denied.decision, denied.reason.as_deref()),
            ("denied", Some("no"))
        );
        assert_eq!(
            simulate(document.clone(), "secret_x", json!({})).decision,
            "hidden"
        );
        assert_eq!(
            simulate(document.clone(), "other", json!({})).rule.as_deref(),
            Some("(default deny)")
        );
        assert!(simulate(document, "kill", json!({})).approval.is_some());
    }
}
