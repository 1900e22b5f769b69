//! Turning an upstream's raw tools/list into catalog entries.
//!
//! Tools the catalog cannot keep are skipped, not fatal, and listed with the reason: a name outside
//! 1–128 of `[A-Za-z0-9_.-]` (a policy could not name it), a repeated name (the first wins), or an
//! `inputSchema` that is not an object.

use std::collections::HashSet;

use serde::Serialize;
use serde_json::Value;
use toolgate_store::NewTool;

use crate::canonical::definition_hash;
use crate::validate;

#[derive(Debug, Serialize, PartialEq)]
pub struct Skipped {
    /// Position in the upstream's list.
    pub index: usize,
    pub name: Option<String>,
    pub reason: String,
}

/// Turns raw upstream tool objects into catalog entries, in upstream order.
pub fn catalog(raw: Vec<Value>) -> (Vec<NewTool>, Vec<Skipped>) {
    let mut tools = Vec::with_capacity(raw.len());
    let mut skipped = Vec::new();
    let mut seen = HashSet::new();
    for (index, definition) in raw.into_iter().enumerate() {
        let name = definition.get("name").and_then(Value::as_str).map(str::to_owned);
        let mut skip = |reason: String| {
            skipped.push(Skipped {
                index,
                name: name.clone(),
                reason,
            })
        };
        let Some(tool_name) = name.clone() else {
            skip("the tool has no string \"name\"".into());
            continue;
        };
        if let Err(reason) = validate::tool_name(&tool_name) {
            skip(format!("the name {reason}"));
            continue;
        }
        let input_schema = definition.get("inputSchema").cloned().unwrap_or(Value::Null);
        if !input_schema.is_object() {
            skip("\"inputSchema\" is missing or not an object".into());
            continue;
        }
        if !seen.insert(tool_name.clone()) {
            skip("a tool of the same name comes earlier in the list".into());
            continue;
        }
        tools.push(NewTool {
            description: definition
                .get("description")
                .and_then(Value::as_str)
                .map(str::to_owned),
            annotations: definition
                .get("annotations")
                .filter(|value| !value.is_null())
                .cloned(),
            definition_hash: definition_hash(&definition),
            name: tool_name,
            input_schema,
            definition,
        });
    }
    (tools, skipped)
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn keeps_valid_tools_in_order_and_explains_the_rest() {
        let schema = json!({"type": "object"});
        let raw = vec![
            json!({"name": "b_tool", "description": "B", "inputSchema": schema}),
            json!({"name": "bad name", "inputSchema": schema}),
            json!({"description": "no name", "inputSchema": schema}),
            json!({"name": "a_tool", "inputSchema": schema, "annotations": {"readOnlyHint": true}}),
            json!({"name": "b_tool", "inputSchema": schema}),
            json!({"name": "no_schema"}),
        ];
        let (tools, skipped) = catalog(raw);
        let names: Vec<&str> = tools.iter().map(|tool| tool.name.as_str()).collect();
        assert_eq!(names, ["b_tool", "a_tool"]);
        assert_eq!(tools[0].description.as_deref(), Some("B"));
        assert_eq!(tools[1].annotations, Some(json!({"readOnlyHint": true})));
        let indexes: Vec<usize> = skipped.iter().map(|skip| skip.index).collect();
        assert_eq!(indexes, [1, 2, 4, 5]);
    }
}
