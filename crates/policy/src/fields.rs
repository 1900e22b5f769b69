//! Small helpers for walking the document by hand: typed reads that report errors with pointers.
//!
//! The document is walked by hand rather than through serde derive so that one pass reports
//! every error with its exact pointer instead of stopping at the first.

use serde_json::{Map, Value};

use crate::error::Errors;
use crate::pointer;

/// An object being read: its members and where it is.
pub(crate) struct Object<'a> {
    pub(crate) map: &'a Map<String, Value>,
    pub(crate) pointer: &'a str,
}

impl<'a> Object<'a> {
    /// Opens `value` as an object, reporting it if it is not one and reporting every member
    /// whose name is not in `known`.
    pub(crate) fn open(
        value: &'a Value,
        pointer: &'a str,
        known: &[&str],
        errors: &mut Errors,
    ) -> Option<Self> {
        let Some(map) = value.as_object() else {
            errors.push(pointer, "must be an object");
            return None;
        };
        for name in map.keys() {
            if !known.contains(&name.as_str()) {
                let expected = known.join(", ");
                errors.push(
                    pointer::child(pointer, name),
                    format!("unknown field {name:?} (expected one of: {expected})"),
                );
            }
        }
        Some(Self { map, pointer })
    }

    /// The member `name` and its pointer, if present.
    pub(crate) fn get(&self, name: &str) -> Option<(&'a Value, String)> {
        self.map.get(name).map(|value| (value, self.field_pointer(name)))
    }

    /// The member `name`, reporting it as missing if absent.
    pub(crate) fn require(&self, name: &str, errors: &mut Errors) -> Option<(&'a Value, String)> {
        let found = self.get(name);
        if found.is_none() {
            errors.push(
                self.field_pointer(name),
                format!("missing required field {name:?}"),
            );
        }
        found
    }

    pub(crate) fn field_pointer(&self, name: &str) -> String {
        pointer::child(self.pointer, name)
    }
}

/// Reads a string, reporting any other type.
pub(crate) fn string<'a>(value: &'a Value, pointer: &str, errors: &mut Errors) -> Option<&'a str> {
    let text = value.as_str();
    if text.is_none() {
        errors.push(pointer, "must be a string");
    }
    text
}

/// Reads an array, reporting any other type.
pub(crate) fn array<'a>(value: &'a Value, pointer: &str, errors: &mut Errors) -> Option<&'a [Value]> {
    let items = value.as_array().map(Vec::as_slice);
    if items.is_none() {
        errors.push(pointer, "must be an array");
    }
    items
}

/// Reads one of a fixed set of string values, reporting anything else with the choices.
pub(crate) fn choice<T: Copy>(
    value: &Value,
    pointer: &str,
    choices: &[(&str, T)],
    errors: &mut Errors,
) -> Option<T> {
    let found = value.as_str().and_then(|text| {
        choices
            .iter()
            .find(|(name, _)| *name == text)
            .map(|(_, choice)| *choice)
    });
    if found.is_none() {
        let names: Vec<String> = choices.iter().map(|(name, _)| format!("{name:?}")).collect();
        errors.push(pointer, format!("must be one of {}", names.join(", ")));
    }
    found
}

/// A whole number as `u64`: an integer, or a float without a fractional part (`10.0`).
pub(crate) fn whole_number(value: &Value) -> Option<u64> {
    if let Some(number) = value.as_u64() {
        return Some(number);
    }
    let float = value.as_f64()?;
    // The upper bound keeps the cast exact; larger floats are rejected rather than truncated.
    let in_range = float >= 0.0 && float.fract() == 0.0 && float < 9_007_199_254_740_992.0;
    in_range.then_some(float as u64)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn unknown_members_are_reported_with_their_pointer() {
        let value = json!({"counter": "x", "foo": 1});
        let mut errors = Errors::default();
        let object = Object::open(&value, "/all_tools/limits/0", &["counter"], &mut errors);
        assert!(object.is_some());
        let errors = errors.into_vec();
        assert_eq!(errors.len(), 1);
        assert_eq!(errors[0].pointer, "/all_tools/limits/0/foo");
        assert_eq!(
            errors[0].message,
            "unknown field \"foo\" (expected one of: counter)"
        );
    }

    #[test]
    fn whole_numbers_accept_integral_floats_only() {
        assert_eq!(whole_number(&json!(10)), Some(10));
        assert_eq!(whole_number(&json!(10.0)), Some(10));
        assert_eq!(whole_number(&json!(10.5)), None);
        assert_eq!(whole_number(&json!(-1)), None);
        assert_eq!(whole_number(&json!(1e300)), None);
        assert_eq!(whole_number(&json!("10")), None);
    }

    #[test]
    fn choice_lists_the_options() {
        let mut errors = Errors::default();
        let picked = choice(
            &json!("maybe"),
            "/default",
            &[("allow", 1), ("deny", 2)],
            &mut errors,
        );
        assert_eq!(picked, None);
        assert_eq!(errors.into_vec()[0].message, "must be one of \"allow\", \"deny\"");
    }
}
