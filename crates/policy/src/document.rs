//! The top level of a policy document: walked once, reporting every error, into a
//! [`CompiledPolicy`].

use std::sync::Arc;

use serde_json::Value;

use crate::decision::{DefaultAction, OnCounterError};
use crate::error::{Errors, PolicyError};
use crate::fields::{self, Object};
use crate::glob::NameSet;
use crate::limit::{ChargeTemplate, Limits, ON_COUNTER_ERROR};
use crate::pointer;
use crate::policy::{CompiledPolicy, ToolTable};
use crate::regexes::Regexes;
use crate::tool::compile_tool;

const FIELDS: &[&str] = &[
    "version",
    "default",
    "hide",
    "all_tools",
    "tools",
    "on_counter_error",
    "pin_tools",
];
const DEFAULTS: &[(&str, DefaultAction)] = &[("allow", DefaultAction::Allow), ("deny", DefaultAction::Deny)];

pub(crate) fn compile(document: &Value) -> Result<CompiledPolicy, Vec<PolicyError>> {
    let mut errors = Errors::default();
    let compiled = compile_root(document, &mut errors);
    match compiled {
        Some(policy) if errors.is_empty() => Ok(policy),
        _ => Err(errors.into_vec()),
    }
}

fn compile_root(document: &Value, errors: &mut Errors) -> Option<CompiledPolicy> {
    let root = Object::open(document, "", FIELDS, errors)?;
    if let Some((version, at)) = root.require("version", errors)
        && version.as_str() != Some("1")
    {
        errors.push(at, "must be \"1\" (the only policy version there is)");
    }
    let default_action = root
        .require("default", errors)
        .and_then(|(default, at)| fields::choice(default, &at, DEFAULTS, errors));
    let hide = root
        .get("hide")
        .map(|(hide, at)| compile_hide(hide, &at, errors))
        .unwrap_or_default();
    let pin_tools = match root.get("pin_tools") {
        None => Some(false),
        Some((pin, at)) => {
            let pin = pin.as_bool();
            if pin.is_none() {
                errors.push(at, "must be a boolean");
            }
            pin
        }
    };
    let on_counter_error = match root.get("on_counter_error") {
        None => Some(OnCounterError::Closed),
        Some((choice, at)) => fields::choice(choice, &at, ON_COUNTER_ERROR, errors),
    };
    // Keep validating the limits even if on_counter_error was bad, so all errors are reported.
    let mut limits = Limits::new(on_counter_error.unwrap_or(OnCounterError::Closed));
    let all_tools_charges = root
        .get("all_tools")
        .map(|(all_tools, at)| compile_all_tools(all_tools, &at, &mut limits, errors))
        .unwrap_or_default();
    let tools = match root.get("tools") {
        None => {
            // Even without tool rules, exact `hide` names must land in the table `find` reads.
            let mut table = ToolTable::default();
            table.finish(&hide);
            table
        }
        Some((tools, at)) => compile_tools(tools, &at, &hide, &all_tools_charges, &mut limits, errors),
    };
    on_counter_error?;
    Some(CompiledPolicy {
        default_action: default_action?,
        pin_tools: pin_tools?,
        hide,
        tools,
        all_tools_charges,
        default_deny_rule: Arc::from("(default deny)"),
    })
}

fn compile_hide(value: &Value, at: &str, errors: &mut Errors) -> NameSet {
    let mut hide = NameSet::default();
    for (index, entry) in fields::array(value, at, errors)
        .unwrap_or_default()
        .iter()
        .enumerate()
    {
        let entry_pointer = pointer::index(at, index);
        match entry.as_str() {
            Some("") => errors.push(entry_pointer, "must not be empty"),
            Some(pattern) => hide.insert(pattern),
            None => errors.push(entry_pointer, "must be a string (a tool name or a * pattern)"),
        }
    }
    hide
}

fn compile_all_tools(
    value: &Value,
    at: &str,
    limits: &mut Limits,
    errors: &mut Errors,
) -> Vec<ChargeTemplate> {
    let Some(all_tools) = Object::open(value, at, &["limits"], errors) else {
        return Vec::new();
    };
    match all_tools.get("limits") {
        None => Vec::new(),
        Some((list, list_pointer)) => limits.compile_list(list, &list_pointer, true, errors),
    }
}

fn compile_tools(
    value: &Value,
    at: &str,
    hide: &NameSet,
    all_tools_charges: &[ChargeTemplate],
    limits: &mut Limits,
    errors: &mut Errors,
) -> ToolTable {
    let mut table = ToolTable::default();
    // One per document: patterns repeated across tools are compiled once.
    let mut regexes = Regexes::default();
    let Some(tools) = value.as_object() else {
        errors.push(at, "must be an object mapping tool names to rules");
        return table;
    };
    for (key, rule) in tools {
        let tool_pointer = pointer::child(at, key);
        if key.is_empty() {
            errors.push(tool_pointer, "tool name must not be empty");
            continue;
        }
        if let Some(compiled) = compile_tool(
            key,
            rule,
            &tool_pointer,
            all_tools_charges,
            limits,
            &mut regexes,
            errors,
        ) {
            table.insert(key, compiled);
        }
    }
    table.finish(hide);
    table
}
