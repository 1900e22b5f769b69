//! Parses policy text into a `serde_json::Value`, rejecting duplicate object keys.
//!
//! Plain `serde_json` keeps the last of two equal keys, so a policy with `"run_shell"` twice would
//! silently lose the first rule. Here a duplicate key is a syntax error with line and column.

use std::fmt;

use serde::de::{Deserialize, Deserializer, Error as _, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Number, Value};

use crate::error::PolicyError;

pub(crate) fn parse(text: &str) -> Result<Value, PolicyError> {
    match serde_json::from_str::<StrictValue>(text) {
        Ok(StrictValue(value)) => Ok(value),
        Err(error) => Err(syntax_error(&error)),
    }
}

fn syntax_error(error: &serde_json::Error) -> PolicyError {
    let (line, column) = (error.line(), error.column());
    let full = error.to_string();
    // serde_json appends the location to its message; it is reported in its own fields.
    let suffix = format!(" at line {line} column {column}");
    let message = full.strip_suffix(&suffix).unwrap_or(&full).to_owned();
    PolicyError {
        pointer: String::new(),
        message,
        line: Some(line),
        column: Some(column),
    }
}

struct StrictValue(Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_bool<E>(self, value: bool) -> Result<Value, E> {
        Ok(Value::Bool(value))
    }

    fn visit_i64<E>(self, value: i64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_u64<E>(self, value: u64) -> Result<Value, E> {
        Ok(Value::Number(value.into()))
    }

    fn visit_f64<E: serde::de::Error>(self, value: f64) -> Result<Value, E> {
        Number::from_f64(value)
            .map(Value::Number)
            .ok_or_else(|| E::custom("number is not finite"))
    }

    fn visit_str<E>(self, value: &str) -> Result<Value, E> {
        Ok(Value::String(value.to_owned()))
    }

    fn visit_string<E>(self, value: String) -> Result<Value, E> {
        Ok(Value::String(value))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            if map.contains_key(&key) {
                return Err(A::Error::custom(format!("duplicate key {key:?}")));
            }
            let StrictValue(value) = access.next_value()?;
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_like_serde_json() {
        let text = r#"{"a": [1, -2, 3.5, true, null, "s"], "b": {"c": {}}}"#;
        let expected: Value = serde_json::from_str(text).expect("valid json");
        assert_eq!(parse(text), Ok(expected));
    }

    #[test]
    fn keeps_key_order() {
        let value = parse(r#"{"z": 1, "a": 2}"#).expect("valid json");
        let keys: Vec<&String> = value.as_object().expect("object").keys().collect();
        assert_eq!(keys, ["z", "a"]);
    }

    #[test]
    fn duplicate_key_is_a_syntax_error_with_location() {
        let error = parse("{\n  \"tools\": {},\n  \"tools\": {}\n}").expect_err("duplicate");
        assert_eq!(error.pointer, "");
        assert!(
            error.message.starts_with("duplicate key \"tools\""),
            "{}",
            error.message
        );
        assert_eq!(error.line, Some(3));
        assert!(error.column.is_some());
    }

    #[test]
    fn syntax_error_message_has_no_location_suffix() {
        let error = parse("{\"version\": }").expect_err("bad json");
        assert_eq!(error.message, "expected value");
        assert_eq!((error.line, error.column), (Some(1), Some(13)));
    }
}
