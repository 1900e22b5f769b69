//! One entry of `tools`: its action, argument rules and limits.

use std::sync::Arc;

use serde_json::Value;

use crate::duration::{self, duration_ms};
use crate::error::Errors;
use crate::fields::{self, Object};
use crate::glob::Glob;
use crate::limit::{ChargeTemplate, Limits};
use crate::regexes::Regexes;
use crate::rules::{ArgRule, RuleKind, compile_rules};

const FIELDS: &[&str] = &["action", "reason", "approval", "limits", "require", "deny_if"];
const DEFAULT_TIMEOUT_MS: u64 = 10 * 60 * 1_000;
const LONGEST_TIMEOUT_MS: u64 = 24 * 60 * 60 * 1_000;
const DEFAULT_WAIT_MS: u64 = 25 * 1_000;
/// The gateway holds the HTTP request open while it waits; longer belongs in a retry.
const LONGEST_WAIT_MS: u64 = 10 * 60 * 1_000;

#[derive(Debug, Clone, Copy, PartialEq)]
enum ActionKind {
    Allow,
    Deny,
    RequireApproval,
}

const ACTIONS: &[(&str, ActionKind)] = &[
    ("allow", ActionKind::Allow),
    ("deny", ActionKind::Deny),
    ("require_approval", ActionKind::RequireApproval),
];

#[derive(Debug)]
pub(crate) enum Action {
    Allow,
    Deny { reason: Arc<str> },
    RequireApproval { timeout_ms: u64, wait_ms: u64 },
}

#[derive(Debug)]
pub(crate) struct ToolRule {
    /// `/tools/<escaped key>`: the rule named by a deny or an approval.
    pub(crate) pointer: Arc<str>,
    pub(crate) action: Action,
    pub(crate) deny_if: Vec<ArgRule>,
    pub(crate) require: Vec<ArgRule>,
    /// `all_tools` limits followed by the tool's own, in document order.
    pub(crate) charges: Vec<ChargeTemplate>,
}

pub(crate) fn compile_tool(
    key: &str,
    value: &Value,
    tool_pointer: &str,
    all_tools_charges: &[ChargeTemplate],
    limits: &mut Limits,
    regexes: &mut Regexes,
    errors: &mut Errors,
) -> Option<ToolRule> {
    let object = Object::open(value, tool_pointer, FIELDS, errors)?;
    let kind = match object.get("action") {
        None => Some(ActionKind::Allow),
        Some((action, at)) => fields::choice(action, &at, ACTIONS, errors),
    };
    let reason = read_reason(&object, kind, key, errors);
    let approval = read_approval(&object, kind, errors);
    let deny_if = object
        .get("deny_if")
        .map(|(list, at)| compile_rules(list, &at, RuleKind::DenyIf, regexes, errors))
        .unwrap_or_default();
    let require = object
        .get("require")
        .map(|(list, at)| compile_rules(list, &at, RuleKind::Require, regexes, errors))
        .unwrap_or_default();
    let mut charges = all_tools_charges.to_vec();
    if let Some((list, at)) = object.get("limits") {
        charges.extend(limits.compile_list(list, &at, false, errors));
    }
    let action = match kind? {
        ActionKind::Allow => Action::Allow,
        ActionKind::Deny => Action::Deny { reason: reason? },
        ActionKind::RequireApproval => {
            let (timeout_ms, wait_ms) = approval?;
            Action::RequireApproval { timeout_ms, wait_ms }
        }
    };
    Some(ToolRule {
        pointer: Arc::from(tool_pointer),
        action,
        deny_if,
        require,
        charges,
    })
}

/// The refusal text of a deny; `reason` on any other action is an error, because without
/// `action: "deny"` it would silently allow the tool its author meant to refuse.
fn read_reason(
    object: &Object<'_>,
    kind: Option<ActionKind>,
    key: &str,
    errors: &mut Errors,
) -> Option<Arc<str>> {
    let written = match object.get("reason") {
        None => None,
        Some((_, at)) if kind.is_some_and(|kind| kind != ActionKind::Deny) => {
            errors.push(at, "only applies with action \"deny\"");
            return None;
        }
        Some((reason, at)) => Some(fields::string(reason, &at, errors)?.trim()),
    };
    match written {
        Some(text) if !text.is_empty() => Some(Arc::from(text)),
        _ if Glob::is_glob(key) => Some(Arc::from(format!(
            "tools matching {key:?} are denied by this policy"
        ))),
        _ => Some(Arc::from(format!("the tool {key:?} is denied by this policy"))),
    }
}

/// `(timeout_ms, wait_ms)`; `approval` without `action: "require_approval"` is an error for
/// the same reason as a stray `reason`.
fn read_approval(object: &Object<'_>, kind: Option<ActionKind>, errors: &mut Errors) -> Option<(u64, u64)> {
    let Some((approval, at)) = object.get("approval") else {
        return Some((DEFAULT_TIMEOUT_MS, DEFAULT_WAIT_MS));
    };
    if kind.is_some_and(|kind| kind != ActionKind::RequireApproval) {
        errors.push(at, "only applies with action \"require_approval\"");
        return None;
    }
    let approval = Object::open(approval, &at, &["timeout", "wait"], errors)?;
    let timeout = match approval.get("timeout") {
        None => Some(DEFAULT_TIMEOUT_MS),
        Some((value, at)) => read_duration(value, &at, 1, LONGEST_TIMEOUT_MS, "24h", errors),
    };
    let wait = match approval.get("wait") {
        None => Some(DEFAULT_WAIT_MS),
        Some((value, at)) => read_duration(value, &at, 0, LONGEST_WAIT_MS, "10m", errors),
    };
    let timeout = timeout?;
    // Holding a call longer than the approval can live serves no one.
    Some((timeout, wait?.min(timeout)))
}

fn read_duration(
    value: &Value,
    at: &str,
    shortest_ms: u64,
    longest_ms: u64,
    longest_text: &str,
    errors: &mut Errors,
) -> Option<u64> {
    let Some(ms) = duration_ms(value) else {
        errors.push(at, duration::SHAPE);
        return None;
    };
    if ms < shortest_ms {
        errors.push(at, "must be longer than zero");
        return None;
    }
    if ms > longest_ms {
        errors.push(at, format!("must be at most {longest_text}"));
        return None;
    }
    Some(ms)
}
