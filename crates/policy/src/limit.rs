//! `limits[]`: validated once (including counters shared across tools), then turned into the
//! charges the gateway reserves for a call.

use std::collections::HashMap;
use std::sync::Arc;

use serde_json::Value;

use crate::decision::{Decision, LimitCharge, OnCounterError, RefusalKind, Scope};
use crate::error::Errors;
use crate::fields::{self, Object, whole_number};
use crate::path::ArgPath;
use crate::pointer;
use crate::value_ops::{Num, numeric};
use crate::window::window_ms;

/// The Redis counter script counts in Lua doubles, which are exact up to 2^53 - 1.
const LARGEST_MAX: u64 = (1 << 53) - 1;

const FIELDS: &[&str] = &[
    "counter",
    "window",
    "max",
    "scope",
    "increment_from",
    "on_counter_error",
];
const SCOPES: &[(&str, Scope)] = &[
    ("grant", Scope::Grant),
    ("server", Scope::Server),
    ("account", Scope::Account),
];
pub(crate) const ON_COUNTER_ERROR: &[(&str, OnCounterError)] = &[
    ("closed", OnCounterError::Closed),
    ("open", OnCounterError::Open),
    ("local", OnCounterError::Local),
];

/// A limit as compiled: the charge with amount 1, plus where to read another amount from.
#[derive(Debug, Clone)]
pub(crate) struct ChargeTemplate {
    charge: LimitCharge,
    increment_from: Option<AmountSource>,
}

#[derive(Debug, Clone)]
struct AmountSource {
    path: ArgPath,
    /// The refusal text, built once because it names the path and the counter.
    bad_argument: Arc<str>,
}

impl ChargeTemplate {
    /// The charge for this call, or a refusal when `increment_from` does not hold a
    /// non-negative number.
    pub(crate) fn charge(&self, arguments: &Value) -> Result<LimitCharge, Decision> {
        let Some(source) = &self.increment_from else {
            return Ok(self.charge.clone());
        };
        match source.path.resolve(arguments).and_then(amount) {
            Some(amount) => Ok(LimitCharge {
                amount,
                ..self.charge.clone()
            }),
            None => Err(Decision::Refused {
                rule: self.charge.rule.clone(),
                reason: source.bad_argument.clone(),
                kind: RefusalKind::BadArgument,
            }),
        }
    }
}

/// A non-negative amount; fractions round up so that a budget is never under-counted.
fn amount(value: &Value) -> Option<u64> {
    match numeric(value)? {
        Num::Int(int) => u64::try_from(int).ok(),
        // Float-to-integer casts saturate, so huge amounts become u64::MAX (always over `max`).
        Num::Float(float) => (float >= 0.0).then(|| float.ceil() as u64),
    }
}

struct CounterUse {
    window_ms: u64,
    scope: Scope,
    pointer: String,
}

/// State shared by every `limits` list of one document.
pub(crate) struct Limits {
    on_counter_error: OnCounterError,
    counters: HashMap<String, CounterUse>,
}

impl Limits {
    pub(crate) fn new(on_counter_error: OnCounterError) -> Self {
        Self {
            on_counter_error,
            counters: HashMap::new(),
        }
    }

    pub(crate) fn compile_list(
        &mut self,
        value: &Value,
        list_pointer: &str,
        in_all_tools: bool,
        errors: &mut Errors,
    ) -> Vec<ChargeTemplate> {
        let Some(items) = fields::array(value, list_pointer, errors) else {
            return Vec::new();
        };
        let mut compiled = Vec::with_capacity(items.len());
        for (index, item) in items.iter().enumerate() {
            let limit_pointer = pointer::index(list_pointer, index);
            if let Some(template) = self.compile_one(item, &limit_pointer, in_all_tools, errors) {
                compiled.push(template);
            }
        }
        compiled
    }

    fn compile_one(
        &mut self,
        value: &Value,
        limit_pointer: &str,
        in_all_tools: bool,
        errors: &mut Errors,
    ) -> Option<ChargeTemplate> {
        let object = Object::open(value, limit_pointer, FIELDS, errors)?;
        let counter = object.require("counter", errors).and_then(|(counter, at)| {
            let name = fields::string(counter, &at, errors)?;
            if name.trim().is_empty() {
                errors.push(at, "must be a non-empty string");
                return None;
            }
            Some(name)
        });
        let window = object
            .require("window", errors)
            .and_then(|(window, at)| window_ms(window).map_err(|message| errors.push(at, message)).ok());
        let max = object
            .require("max", errors)
            .and_then(|(max, at)| read_max(max, &at, errors));
        let scope = match object.get("scope") {
            None => Some(Scope::Grant),
            Some((scope, at)) => fields::choice(scope, &at, SCOPES, errors),
        };
        let on_counter_error = match object.get("on_counter_error") {
            None => Some(self.on_counter_error),
            Some((choice, at)) => fields::choice(choice, &at, ON_COUNTER_ERROR, errors),
        };
        let increment_from = match object.get("increment_from") {
            None => Some(None),
            Some((path, at)) => read_source(path, &at, counter, in_all_tools, errors).map(Some),
        };
        let (counter, window_ms, scope) = (counter?, window?, scope?);
        self.check_shared_counter(counter, window_ms, scope, &object, errors);
        let charge = LimitCharge {
            rule: Arc::from(limit_pointer),
            counter: Arc::from(counter),
            window_ms,
            max: max?,
            scope,
            amount: 1,
            on_counter_error: on_counter_error?,
        };
        Some(ChargeTemplate {
            charge,
            increment_from: increment_from?,
        })
    }

    /// Limits naming one counter share one count, so they must agree on what is counted.
    fn check_shared_counter(
        &mut self,
        counter: &str,
        window_ms: u64,
        scope: Scope,
        object: &Object<'_>,
        errors: &mut Errors,
    ) {
        let Some(first) = self.counters.get(counter) else {
            let first = CounterUse {
                window_ms,
                scope,
                pointer: object.pointer.to_owned(),
            };
            self.counters.insert(counter.to_owned(), first);
            return;
        };
        if first.window_ms != window_ms {
            errors.push(
                object.field_pointer("window"),
                format!(
                    "counter {counter:?} is already used with a different window at {}",
                    first.pointer
                ),
            );
        }
        if first.scope != scope {
            errors.push(
                object.field_pointer("scope"),
                format!(
                    "counter {counter:?} is already used with a different scope at {}",
                    first.pointer
                ),
            );
        }
    }
}

fn read_max(value: &Value, at: &str, errors: &mut Errors) -> Option<u64> {
    match whole_number(value) {
        Some(0) | None => {
            errors.push(at, "must be a positive whole number");
            None
        }
        Some(max) if max > LARGEST_MAX => {
            errors.push(at, format!("must be at most {LARGEST_MAX}"));
            None
        }
        Some(max) => Some(max),
    }
}

fn read_source(
    value: &Value,
    at: &str,
    counter: Option<&str>,
    in_all_tools: bool,
    errors: &mut Errors,
) -> Option<AmountSource> {
    if in_all_tools {
        errors.push(
            at,
            "is not allowed in all_tools limits (most tools lack the argument); put it on a tool's limit",
        );
        return None;
    }
    let text = fields::string(value, at, errors)?;
    let path = ArgPath::parse(text)
        .map_err(|message| errors.push(at, message))
        .ok()?;
    if path.is_root() {
        errors.push(at, "must name an argument, e.g. \"args.amount\"");
        return None;
    }
    let counter = counter.unwrap_or_default();
    let bad_argument = format!(
        "the argument {text:?} must be a non-negative number: it is counted by the limit on {counter:?}"
    );
    Some(AmountSource {
        path,
        bad_argument: Arc::from(bad_argument),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn amounts_round_up_and_refuse_negatives() {
        assert_eq!(amount(&json!(3)), Some(3));
        assert_eq!(amount(&json!(0)), Some(0));
        assert_eq!(amount(&json!(2.1)), Some(3));
        assert_eq!(amount(&json!("7")), Some(7));
        assert_eq!(amount(&json!(1e30)), Some(u64::MAX));
        assert_eq!(amount(&json!(-1)), None);
        assert_eq!(amount(&json!(-0.5)), None);
        assert_eq!(amount(&json!("x")), None);
        assert_eq!(amount(&json!(null)), None);
    }
}
