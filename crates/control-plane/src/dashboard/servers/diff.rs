//! The diff between a tool's accepted definition and its current one, line by line over pretty,
//! key-sorted JSON of the four hashed members (`name`, `description`, `inputSchema`, `annotations`).

use serde_json::{Map, Value, json};
use similar::{ChangeTag, TextDiff};
use toolgate_store::Tool;

use crate::canonical::sorted;

const CONTEXT_LINES: usize = 3;

pub struct DiffLine {
    /// "+", "-" or " ".
    pub sign: &'static str,
    /// `diff-add`, `diff-del`, `diff-gap` (left-out unchanged lines) or "".
    pub css_class: &'static str,
    pub text: String,
}

/// The definition members that the hash covers, absent ones as `null`.
fn hashed_members(definition: &Value) -> Value {
    let mut members = Map::new();
    for key in ["name", "description", "inputSchema", "annotations"] {
        members.insert(
            key.to_owned(),
            definition.get(key).cloned().unwrap_or(Value::Null),
        );
    }
    sorted(&Value::Object(members))
}

fn pretty(value: &Value) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|_| value.to_string())
}

/// Accepted (`-`) against current (`+`).
pub fn tool_diff(tool: &Tool) -> Vec<DiffLine> {
    let current = json!({
        "name": tool.name,
        "description": tool.description,
        "inputSchema": tool.input_schema,
        "annotations": tool.annotations,
    });
    let before = pretty(&hashed_members(&tool.accepted_definition));
    let after = pretty(&hashed_members(&current));
    let diff = TextDiff::from_lines(&before, &after);
    let mut lines = Vec::new();
    // Changed lines with three lines of context; "…" where unchanged lines are left out.
    for (index, group) in diff.grouped_ops(CONTEXT_LINES).iter().enumerate() {
        if index > 0 {
            lines.push(DiffLine {
                sign: " ",
                css_class: "diff-gap",
                text: "…".into(),
            });
        }
        for op in group {
            for change in diff.iter_changes(op) {
                let (sign, css_class) = match change.tag() {
                    ChangeTag::Delete => ("-", "diff-del"),
                    ChangeTag::Insert => ("+", "diff-add"),
                    ChangeTag::Equal => (" ", ""),
                };
                lines.push(DiffLine {
                    sign,
                    css_class,
                    text: change.value().trim_end_matches('\n').to_owned(),
                });
            }
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use time::OffsetDateTime;
    use toolgate_domain::ServerId;

    use super::*;

    #[test]
    fn shows_the_changed_description() {
        let tool = Tool {
            server_id: ServerId::new(),
            name: "run".into(),
            description: Some("Runs a command".into()),
            input_schema: json!({"type": "object"}),
            annotations: None,
            definition_hash: "b".into(),
            accepted_hash: "a".into(),
            accepted_definition: json!({"name": "run", "description": "Lists files", "inputSchema": {"type": "object"}}),
            position: 0,
            synced_at: OffsetDateTime::now_utc(),
        };
        let lines = tool_diff(&tool);
        let changed: Vec<String> = lines
            .iter()
            .filter(|line| line.sign != " ")
            .map(|line| format!("{}{}", line.sign, line.text.trim()))
            .collect();
        assert_eq!(
            changed,
            [
                "-\"description\": \"Lists files\",",
                "+\"description\": \"Runs a command\","
            ]
        );
    }
}
