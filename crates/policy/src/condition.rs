//! One condition `{path, op, value}`: validated and compiled once, then tested per call.

use std::cmp::Ordering;
use std::sync::Arc;

use regex::Regex;
use serde_json::Value;

use crate::error::Errors;
use crate::fields::{self, Object};
use crate::path::ArgPath;
use crate::regexes::Regexes;
use crate::value_ops::{Num, json_equal, numeric};

const OPS: &[&str] = &[
    "eq", "neq", "in", "not_in", "lt", "lte", "gt", "gte", "regex", "contains", "exists",
];

#[derive(Debug)]
pub(crate) struct Condition {
    path: ArgPath,
    test: Test,
}

#[derive(Debug)]
enum Test {
    Eq(Value),
    Neq(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    /// `lt`, `lte`, `gt`, `gte`: holds when the argument compares to the bound with one of
    /// these orderings.
    Order(&'static [Ordering], Num),
    /// Shared with every other condition of the document that has the same pattern.
    Regex(Arc<Regex>),
    Contains(Value),
    Exists(bool),
}

impl Condition {
    pub(crate) fn compile(
        value: &Value,
        pointer: &str,
        regexes: &mut Regexes,
        errors: &mut Errors,
    ) -> Option<Self> {
        let object = Object::open(value, pointer, &["path", "op", "value"], errors)?;
        let path = object.require("path", errors).and_then(|(path, path_pointer)| {
            let text = fields::string(path, &path_pointer, errors)?;
            ArgPath::parse(text)
                .map_err(|message| errors.push(&path_pointer, message))
                .ok()
        });
        let op = object.require("op", errors).and_then(|(op, op_pointer)| {
            let name = fields::string(op, &op_pointer, errors)?;
            let known = OPS.iter().find(|known| **known == name).copied();
            if known.is_none() {
                let expected = OPS.join(", ");
                errors.push(
                    op_pointer,
                    format!("unknown op {name:?} (expected one of: {expected})"),
                );
            }
            known
        });
        // Without a valid op the value cannot be checked, so it is not reported as well.
        let test = op.and_then(|op| compile_test(op, &object, regexes, errors));
        Some(Self {
            path: path?,
            test: test?,
        })
    }

    /// Whether the condition holds for these call arguments. An absent argument satisfies
    /// nothing except `exists: false` (see the crate docs for why).
    pub(crate) fn holds(&self, arguments: &Value) -> bool {
        let found = self.path.resolve(arguments);
        let Some(actual) = found else {
            return matches!(self.test, Test::Exists(false));
        };
        match &self.test {
            // `null` counts as absent: upstreams usually treat it as an omitted argument.
            Test::Exists(wanted) => actual.is_null() != *wanted,
            Test::Eq(expected) => json_equal(actual, expected),
            Test::Neq(expected) => !json_equal(actual, expected),
            Test::In(choices) => choices.iter().any(|choice| json_equal(actual, choice)),
            Test::NotIn(choices) => !choices.iter().any(|choice| json_equal(actual, choice)),
            Test::Order(accepted, bound) => numeric(actual)
                .and_then(|number| number.compare(*bound))
                .is_some_and(|ordering| accepted.contains(&ordering)),
            Test::Regex(regex) => actual.as_str().is_some_and(|text| regex.is_match(text)),
            Test::Contains(needle) => match (actual, needle) {
                (Value::String(text), Value::String(part)) => text.contains(part.as_str()),
                (Value::Array(items), needle) => items.iter().any(|item| json_equal(item, needle)),
                _ => false,
            },
        }
    }
}

fn compile_test(op: &str, object: &Object<'_>, regexes: &mut Regexes, errors: &mut Errors) -> Option<Test> {
    if op == "exists" {
        let Some((wanted, pointer)) = object.get("value") else {
            return Some(Test::Exists(true));
        };
        let wanted = wanted.as_bool();
        if wanted.is_none() {
            errors.push(pointer, "must be a boolean for op \"exists\"");
        }
        return wanted.map(Test::Exists);
    }
    let (value, pointer) = object.require("value", errors)?;
    let test = match op {
        "eq" => Test::Eq(value.clone()),
        "neq" => Test::Neq(value.clone()),
        "contains" => Test::Contains(value.clone()),
        "in" | "not_in" => {
            let Some(choices) = value.as_array() else {
                errors.push(pointer, format!("must be an array for op {op:?}"));
                return None;
            };
            if op == "in" {
                Test::In(choices.clone())
            } else {
                Test::NotIn(choices.clone())
            }
        }
        "lt" | "lte" | "gt" | "gte" => {
            let Value::Number(bound) = value else {
                errors.push(pointer, format!("must be a number for op {op:?}"));
                return None;
            };
            let accepted: &'static [Ordering] = match op {
                "lt" => &[Ordering::Less],
                "lte" => &[Ordering::Less, Ordering::Equal],
                "gt" => &[Ordering::Greater],
                _ => &[Ordering::Greater, Ordering::Equal],
            };
            Test::Order(accepted, Num::new(bound))
        }
        _ => {
            let Some(pattern) = value.as_str() else {
                errors.push(pointer, "must be a string for op \"regex\"");
                return None;
            };
            match regexes.get_or_compile(pattern) {
                Ok(regex) => Test::Regex(regex),
                Err(message) => {
                    errors.push(pointer, message);
                    return None;
                }
            }
        }
    };
    Some(test)
}
