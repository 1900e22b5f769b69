//! Comparing JSON values the way a policy author means: numbers by value (`1` equals `1.0`),
//! objects regardless of member order.

use std::cmp::Ordering;

use serde_json::{Number, Value};

/// A JSON number: integers exactly (i128 holds every i64 and u64), others as f64.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) enum Num {
    Int(i128),
    Float(f64),
}

impl Num {
    pub(crate) fn new(number: &Number) -> Self {
        if let Some(int) = number.as_i64() {
            Num::Int(i128::from(int))
        } else if let Some(int) = number.as_u64() {
            Num::Int(i128::from(int))
        } else {
            // Without arbitrary_precision every other serde_json number is a finite f64.
            Num::Float(number.as_f64().unwrap_or(f64::NAN))
        }
    }

    pub(crate) fn compare(self, other: Num) -> Option<Ordering> {
        match (self, other) {
            (Num::Int(left), Num::Int(right)) => Some(left.cmp(&right)),
            _ => self.as_f64().partial_cmp(&other.as_f64()),
        }
    }

    pub(crate) fn as_f64(self) -> f64 {
        match self {
            Num::Int(int) => int as f64,
            Num::Float(float) => float,
        }
    }
}

/// A number, or a string holding a JSON number (`"15000"`, `" 1e3 "`): upstreams often coerce
/// such strings, so comparisons and amounts treat them as the number they hold.
pub(crate) fn numeric(value: &Value) -> Option<Num> {
    match value {
        Value::Number(number) => Some(Num::new(number)),
        Value::String(text) => text.trim().parse::<Number>().ok().map(|number| Num::new(&number)),
        _ => None,
    }
}

/// Structural equality with numbers compared by value.
pub(crate) fn json_equal(left: &Value, right: &Value) -> bool {
    match (left, right) {
        (Value::Number(left), Value::Number(right)) => {
            Num::new(left).compare(Num::new(right)) == Some(Ordering::Equal)
        }
        (Value::Array(left), Value::Array(right)) => {
            left.len() == right.len() && left.iter().zip(right).all(|(l, r)| json_equal(l, r))
        }
        (Value::Object(left), Value::Object(right)) => {
            left.len() == right.len()
                && left
                    .iter()
                    .all(|(key, l)| right.get(key).is_some_and(|r| json_equal(l, r)))
        }
        _ => left == right,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn numbers_equal_by_value() {
        assert!(json_equal(&json!(1), &json!(1.0)));
        assert!(json_equal(&json!(-3), &json!(-3.0)));
        assert!(!json_equal(&json!(1), &json!(1.5)));
        assert!(!json_equal(&json!(1), &json!("1")));
        assert!(json_equal(&json!(u64::MAX), &json!(u64::MAX)));
        assert!(!json_equal(&json!(u64::MAX), &json!(u64::MAX - 1)));
        assert!(json_equal(&json!([1, {"a": 2.0}]), &json!([1.0, {"a": 2}])));
        assert!(json_equal(&json!({"a": 1, "b": 2}), &json!({"b": 2, "a": 1})));
        assert!(!json_equal(&json!({"a": 1}), &json!({"a": 1, "b": 2})));
        assert!(!json_equal(&json!([1]), &json!([1, 1])));
        assert!(json_equal(&json!(null), &json!(null)));
    }

    #[test]
    fn numeric_reads_numbers_and_numeric_strings() {
        assert_eq!(numeric(&json!(5)), Some(Num::Int(5)));
        assert_eq!(numeric(&json!(" 15000 ")), Some(Num::Int(15_000)));
        assert_eq!(numeric(&json!("1.5")), Some(Num::Float(1.5)));
        assert_eq!(numeric(&json!("1e3")), Some(Num::Float(1000.0)));
        assert_eq!(numeric(&json!("NaN")), None);
        assert_eq!(numeric(&json!("inf")), None);
        assert_eq!(numeric(&json!("0x10")), None);
        assert_eq!(numeric(&json!("")), None);
        assert_eq!(numeric(&json!(true)), None);
        assert_eq!(numeric(&json!([1])), None);
    }

    #[test]
    fn compares_mixed_numbers() {
        assert_eq!(Num::Int(2).compare(Num::Float(1.5)), Some(Ordering::Greater));
        assert_eq!(Num::Int(-1).compare(Num::Int(0)), Some(Ordering::Less));
        assert_eq!(Num::Float(2.0).compare(Num::Int(2)), Some(Ordering::Equal));
    }
}
