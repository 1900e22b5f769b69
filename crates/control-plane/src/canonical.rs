//! Canonical JSON (object keys sorted recursively, no whitespace) and a tool's definition hash.
//!
//! The gateway must compute the same hash for `pin_tools`: hex SHA-256 of the canonical JSON of
//! `{"annotations", "description", "inputSchema", "name"}` taken from the upstream's tool object, with
//! every absent member as `null`.

use serde_json::{Map, Value};
use sha2::{Digest, Sha256};

/// The value with every object's keys in sorted order (serde_json keeps insertion order here).
pub fn sorted(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::with_capacity(map.len());
            for key in keys {
                out.insert(key.clone(), sorted(&map[key]));
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
    }
}

pub fn to_canonical_string(value: &Value) -> String {
    sorted(value).to_string()
}

/// Hex SHA-256 of the canonical `{name, description, inputSchema, annotations}` of a raw tool object.
pub fn definition_hash(tool: &Value) -> String {
    let member = |key: &str| tool.get(key).cloned().unwrap_or(Value::Null);
    let mut definition = Map::new();
    for key in ["name", "description", "inputSchema", "annotations"] {
        definition.insert(key.to_owned(), member(key));
    }
    hex::encode(Sha256::digest(
        to_canonical_string(&Value::Object(definition)).as_bytes(),
    ))
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn sorts_keys_recursively_without_whitespace() {
        let value = json!({"b": 1, "a": {"d": [ {"z": 1, "y": 2} ], "c": null}});
        assert_eq!(
            to_canonical_string(&value),
            r#"{"a":{"c":null,"d":[{"y":2,"z":1}]},"b":1}"#
        );
    }

    #[test]
    fn hash_ignores_key_order_and_other_members() {
        let one = json!({"name": "t", "inputSchema": {"type": "object", "properties": {}}, "title": "x"});
        let two = json!({"inputSchema": {"properties": {}, "type": "object"}, "name": "t"});
        assert_eq!(definition_hash(&one), definition_hash(&two));
        let changed = json!({"name": "t", "description": "new", "inputSchema": {"type": "object"}});
        assert_ne!(definition_hash(&one), definition_hash(&changed));
        assert_eq!(definition_hash(&one).len(), 64);
    }
}
