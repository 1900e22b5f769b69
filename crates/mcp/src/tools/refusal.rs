//! How the gateway says no to a `tools/call` (ARCHITECTURE §4).
//!
//! A policy refusal is a normal HTTP 200 `CallToolResult` with `isError: true`, so every client
//! hands it to the model as a tool result it can act on. Only a hidden tool gets a JSON-RPC error
//! (`-32602 Unknown tool: NAME`), exactly what an upstream says for a tool it does not have.

use serde_json::value::RawValue;
use serde_json::{Value, json};

use crate::jsonrpc::build::push_result_response;
use crate::jsonrpc::{INVALID_PARAMS, error_response};

/// The `_meta` key of a refusal: `{decision, rule, retry_after_ms?, approval_id?}`.
pub const DECISION_META_KEY: &str = "dev.toolgate/decision";

/// `{decision, rule[, retry_after_ms][, approval_id]}` for [`DECISION_META_KEY`]. `rule` is a JSON
/// pointer into the policy or one of `(default deny)`, `(hidden)`, `(no policy)`.
pub fn decision_meta(
    decision: &str,
    rule: &str,
    retry_after_ms: Option<u64>,
    approval_id: Option<&str>,
) -> Value {
    let mut meta = json!({ "decision": decision, "rule": rule });
    if let Some(retry_after_ms) = retry_after_ms {
        meta["retry_after_ms"] = json!(retry_after_ms);
    }
    if let Some(approval_id) = approval_id {
        meta["approval_id"] = json!(approval_id);
    }
    meta
}

/// `{"content":[{"type":"text","text":TEXT}],"isError":true,"_meta":{"dev.toolgate/decision":META}}`.
pub fn refusal_result(text: &str, decision_meta: &Value) -> Value {
    json!({
        "content": [{ "type": "text", "text": text }],
        "isError": true,
        "_meta": { DECISION_META_KEY: decision_meta },
    })
}

/// The whole JSON-RPC response carrying [`refusal_result`], for the request with this raw id.
pub fn refusal_response(id: &RawValue, text: &str, decision_meta: &Value) -> Vec<u8> {
    let result = refusal_result(text, decision_meta).to_string();
    let mut out = String::with_capacity(result.len() + 48);
    push_result_response(&mut out, id, &result);
    out.into_bytes()
}

/// `-32602 "Unknown tool: NAME"`, for a hidden tool (as if it did not exist).
pub fn unknown_tool_response(id: &RawValue, tool_name: &str) -> Vec<u8> {
    error_response(
        Some(id),
        INVALID_PARAMS,
        &format!("Unknown tool: {tool_name}"),
        None,
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("valid json")
    }

    #[test]
    fn refusal_matches_the_contract() {
        let meta = decision_meta(
            "rate_limited",
            "/tools/create_background_task/limits/0",
            Some(1500),
            None,
        );
        let text = "Refused by policy: rate limit reached; retry in 2 s.";
        assert_eq!(
            refusal_result(text, &meta),
            json!({
                "content": [{"type": "text", "text": text}],
                "isError": true,
                "_meta": {"dev.toolgate/decision": {
                    "decision": "rate_limited",
                    "rule": "/tools/create_background_task/limits/0",
                    "retry_after_ms": 1500
                }}
            })
        );
        let result = refusal_result(text, &meta);
        let keys: Vec<&String> = result.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["content", "isError", "_meta"]);
    }

    #[test]
    fn decision_meta_omits_absent_fields() {
        assert_eq!(
            decision_meta("denied", "(default deny)", None, None),
            json!({"decision":"denied","rule":"(default deny)"})
        );
        assert_eq!(
            decision_meta("approval_requested", "/tools/kill_process", None, Some("apr_1")),
            json!({"decision":"approval_requested","rule":"/tools/kill_process","approval_id":"apr_1"})
        );
    }

    #[test]
    fn refusal_response_wraps_the_result_with_the_raw_id() {
        let meta = decision_meta("denied", "/tools/delete_path", None, None);
        let body = refusal_response(&raw(r#""id-\u0037""#), "Refused by policy: no.", &meta);
        let text = String::from_utf8(body).expect("utf-8");
        assert!(
            text.starts_with(r#"{"jsonrpc":"2.0","id":"id-\u0037","result":{"content""#),
            "{text}"
        );
        let value: Value = serde_json::from_str(&text).expect("valid json");
        assert_eq!(value["result"], refusal_result("Refused by policy: no.", &meta));
    }

    #[test]
    fn unknown_tool_is_minus_32602() {
        let body = unknown_tool_response(&raw("5"), "delete_account");
        assert_eq!(
            String::from_utf8(body).expect("utf-8"),
            r#"{"jsonrpc":"2.0","id":5,"error":{"code":-32602,"message":"Unknown tool: delete_account"}}"#
        );
    }
}
