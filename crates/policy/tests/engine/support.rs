//! Helpers shared by the test modules.

use serde_json::{Value, json};
use toolgate_policy::{CompiledPolicy, Decision, PolicyError, RefusalKind, compile};

pub fn policy(document: Value) -> CompiledPolicy {
    compile(&document).unwrap_or_else(|errors| panic!("policy should compile: {errors:#?}"))
}

pub fn errors(document: Value) -> Vec<PolicyError> {
    match compile(&document) {
        Ok(_) => panic!("policy should not compile: {document}"),
        Err(errors) => errors,
    }
}

/// Asserts that compiling `document` reports an error at exactly `pointer`, and returns it.
pub fn error_at(document: Value, pointer: &str) -> PolicyError {
    let errors = errors(document);
    errors
        .iter()
        .find(|error| error.pointer == pointer)
        .cloned()
        .unwrap_or_else(|| panic!("no error at {pointer:?}; got {errors:#?}"))
}

/// A policy with one tool `t` and the given rule.
pub fn with_tool(rule: Value) -> Value {
    json!({"version": "1", "default": "deny", "tools": {"t": rule}})
}

/// (rule, kind) of a refusal, or panics.
pub fn refusal(decision: &Decision) -> (&str, RefusalKind) {
    match decision {
        Decision::Refused { rule, kind, .. } => (rule, *kind),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

pub fn reason(decision: &Decision) -> &str {
    match decision {
        Decision::Refused { reason, .. } => reason,
        other => panic!("expected a refusal, got {other:?}"),
    }
}
