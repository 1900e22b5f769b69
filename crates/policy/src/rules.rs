//! `require` and `deny_if`: lists of `{conditions: [...], on_deny}`, conditions ANDed.

use std::sync::Arc;

use serde_json::Value;

use crate::condition::Condition;
use crate::error::Errors;
use crate::fields::{self, Object};
use crate::pointer;
use crate::regexes::Regexes;

#[derive(Debug, Clone, Copy)]
pub(crate) enum RuleKind {
    Require,
    DenyIf,
}

impl RuleKind {
    fn default_on_deny(self) -> &'static str {
        match self {
            RuleKind::Require => "the arguments do not meet a requirement of this policy",
            RuleKind::DenyIf => "the arguments match a rule that refuses this call",
        }
    }
}

/// One compiled rule; `pointer` and `on_deny` are shared into every refusal it causes.
#[derive(Debug)]
pub(crate) struct ArgRule {
    pub(crate) pointer: Arc<str>,
    pub(crate) on_deny: Arc<str>,
    conditions: Vec<Condition>,
}

impl ArgRule {
    /// True when every condition holds.
    pub(crate) fn all_hold(&self, arguments: &Value) -> bool {
        self.conditions.iter().all(|condition| condition.holds(arguments))
    }
}

pub(crate) fn compile_rules(
    value: &Value,
    list_pointer: &str,
    kind: RuleKind,
    regexes: &mut Regexes,
    errors: &mut Errors,
) -> Vec<ArgRule> {
    let Some(items) = fields::array(value, list_pointer, errors) else {
        return Vec::new();
    };
    items
        .iter()
        .enumerate()
        .filter_map(|(index, item)| {
            compile_rule(item, pointer::index(list_pointer, index), kind, regexes, errors)
        })
        .collect()
}

fn compile_rule(
    value: &Value,
    rule_pointer: String,
    kind: RuleKind,
    regexes: &mut Regexes,
    errors: &mut Errors,
) -> Option<ArgRule> {
    let object = Object::open(value, &rule_pointer, &["conditions", "on_deny"], errors)?;
    let on_deny = match object.get("on_deny") {
        None => Some(Arc::from(kind.default_on_deny())),
        Some((text, text_pointer)) => fields::string(text, &text_pointer, errors).map(|text| {
            let text = text.trim();
            Arc::from(if text.is_empty() {
                kind.default_on_deny()
            } else {
                text
            })
        }),
    };
    let conditions = object
        .require("conditions", errors)
        .and_then(|(list, list_pointer)| {
            let items = fields::array(list, &list_pointer, errors)?;
            if items.is_empty() {
                errors.push(&list_pointer, "must contain at least one condition");
                return None;
            }
            let compiled: Vec<Condition> = items
                .iter()
                .enumerate()
                .filter_map(|(index, item)| {
                    Condition::compile(item, &pointer::index(&list_pointer, index), regexes, errors)
                })
                .collect();
            // A condition that failed to compile was reported; the rule is dropped with it.
            (compiled.len() == items.len()).then_some(compiled)
        });
    Some(ArgRule {
        on_deny: on_deny?,
        conditions: conditions?,
        pointer: Arc::from(rule_pointer),
    })
}
