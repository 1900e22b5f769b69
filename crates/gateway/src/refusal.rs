//! Texts and shapes of per-call refusals. A refusal is an HTTP 200 `CallToolResult` with
//! `isError: true`, a text the model can act on (it says whether a retry can help), and
//! `_meta["dev.toolgate/decision"]`. Hidden tools answer JSON-RPC `-32602` "Unknown tool".

use axum::response::{IntoResponse, Response};
use http::header;
use serde_json::value::RawValue;
use toolgate_mcp::tools;

/// The audit vocabulary of ARCHITECTURE §10.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum DecisionKind {
    Denied,
    RateLimited,
    ApprovalRequested,
    ApprovalDenied,
    ApprovalExpired,
    UpstreamError,
}

impl DecisionKind {
    pub fn as_str(&self) -> &'static str {
        match self {
            DecisionKind::Denied => "denied",
            DecisionKind::RateLimited => "rate_limited",
            DecisionKind::ApprovalRequested => "approval_requested",
            DecisionKind::ApprovalDenied => "approval_denied",
            DecisionKind::ApprovalExpired => "approval_expired",
            DecisionKind::UpstreamError => "upstream_error",
        }
    }
}

pub(crate) struct Refusal {
    pub kind: DecisionKind,
    pub rule: String,
    pub text: String,
    pub retry_after_ms: Option<u64>,
    pub approval_id: Option<String>,
}

impl Refusal {
    pub fn new(kind: DecisionKind, rule: impl Into<String>, text: String) -> Self {
        Self {
            kind,
            rule: rule.into(),
            text,
            retry_after_ms: None,
            approval_id: None,
        }
    }

    pub fn into_response(self, id: &RawValue) -> Response {
        json_response(self.into_body(id))
    }

    /// The JSON-RPC response carrying this refusal (and counts it in the metrics).
    pub fn into_body(self, id: &RawValue) -> Vec<u8> {
        crate::call_metrics::record_decision(self.kind.as_str());
        let meta = tools::decision_meta(
            self.kind.as_str(),
            &self.rule,
            self.retry_after_ms,
            self.approval_id.as_deref(),
        );
        tools::refusal_response(id, &self.text, &meta)
    }
}

pub(crate) fn json_response(body: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// `-32602 Unknown tool: NAME`, exactly what an upstream says for a tool it does not have.
pub(crate) fn unknown_tool(id: &RawValue, name: &str) -> Response {
    crate::call_metrics::record_decision("hidden");
    json_response(tools::unknown_tool_response(id, name))
}

pub(crate) fn denied_text(reason: &str) -> String {
    format!(
        "Refused by policy: {}. Retrying will not help: this tool is not allowed for this agent.",
        trim_end(reason)
    )
}

pub(crate) fn default_deny_text(tool: &str) -> String {
    format!(
        "Refused by policy: the tool \"{tool}\" is not enabled for this agent. Retrying will not help; use another tool or ask an administrator."
    )
}

pub(crate) fn condition_text(on_deny: &str) -> String {
    format!(
        "Refused by policy: {}. Retrying with the same arguments will not help; change the arguments so that they satisfy the rule.",
        trim_end(on_deny)
    )
}

pub(crate) fn bad_argument_text(reason: &str) -> String {
    format!(
        "Refused by policy: {}. Correct the arguments and call again.",
        trim_end(reason)
    )
}

pub(crate) const NO_POLICY_TEXT: &str = "Refused by policy: this agent's grant has no policy, so every call is refused. Retrying will not help; ask an administrator to attach a policy.";

pub(crate) fn approval_pending_text(approval_id: &str) -> String {
    format!(
        "Waiting for approval: this call needs a person's approval (approval {approval_id}), and none was given yet. Retry the same call with the same arguments in a minute or two; it goes through once approved. Do not change the arguments, or a new approval is needed."
    )
}

pub(crate) fn approval_renewed_text(expired_id: &str, new_id: &str) -> String {
    format!(
        "The approval {expired_id} for this call expired before it was used, so a new approval was requested (approval {new_id}). Retry the same call with the same arguments later; it goes through once approved."
    )
}

pub(crate) fn approval_denied_text(note: Option<&str>) -> String {
    match note.map(str::trim).filter(|note| !note.is_empty()) {
        Some(note) => format!(
            "Refused by a person who reviewed this call: {}. Do not retry it.",
            trim_end(note)
        ),
        None => "Refused by a person who reviewed this call. Do not retry it.".to_owned(),
    }
}

pub(crate) fn approval_expired_text(approval_id: &str) -> String {
    format!(
        "The approval {approval_id} for this call expired before it was used. Retrying the same call asks for a new approval."
    )
}

pub(crate) fn approval_used_text(approval_id: &str) -> String {
    format!(
        "The approval {approval_id} was already used by another identical call: one approval lets one call through. Retrying the same call asks for a new approval."
    )
}

pub(crate) fn changed_tool_text(tool: &str) -> String {
    format!(
        "Refused by policy: the definition of the tool \"{tool}\" changed since an administrator accepted it, so it is blocked until someone reviews the change. Retrying will not help until then."
    )
}

pub(crate) fn rate_limited_text(counter: &str, max: u64, window_ms: u64, retry_after_ms: u64) -> String {
    let seconds = retry_after_ms.div_ceil(1000).max(1);
    format!(
        "Refused by policy: rate limit \"{counter}\" reached ({max} per {}). Retrying after {seconds} s can succeed; do not retry sooner.",
        describe_window(window_ms)
    )
}

pub(crate) const COUNTER_STORE_DOWN_TEXT: &str = "Refused by policy: the rate-limit counters cannot be reached, and this policy refuses limited calls while they are down. Retrying in a few seconds may succeed.";

pub(crate) fn upstream_failed_text(detail: &str) -> String {
    format!(
        "The call was not completed: {detail}. The call did not count against any rate limit; retrying later may succeed."
    )
}

pub(crate) fn describe_window(window_ms: u64) -> String {
    match window_ms {
        1_000 => "second".to_owned(),
        60_000 => "minute".to_owned(),
        3_600_000 => "hour".to_owned(),
        86_400_000 => "day".to_owned(),
        ms if ms % 1000 == 0 => format!("{} seconds", ms / 1000),
        ms => format!("{ms} ms"),
    }
}

fn trim_end(text: &str) -> &str {
    text.trim().trim_end_matches('.')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn texts_say_whether_retrying_helps() {
        assert!(
            denied_text("Deleting files is not allowed.")
                .starts_with("Refused by policy: Deleting files is not allowed. Retrying will not help")
        );
        assert!(rate_limited_text("calls", 10, 60_000, 1500).contains("10 per minute"));
        assert!(rate_limited_text("calls", 10, 60_000, 1500).contains("after 2 s"));
        assert_eq!(describe_window(90_000), "90 seconds");
    }
}
