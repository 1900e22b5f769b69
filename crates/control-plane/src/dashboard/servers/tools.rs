//! A catalog entry as the server page shows it: risk badge, changed mark, diff.

use toolgate_store::Tool;

use super::diff::{DiffLine, tool_diff};
use crate::dashboard::risk::RiskBadge;

pub struct ToolRow {
    pub name: String,
    pub description: String,
    pub risk: RiskBadge,
    pub changed: bool,
    /// Accepted → current, only for changed tools.
    pub diff: Vec<DiffLine>,
    /// The argument names from the input schema, for a quick look.
    pub arguments: Vec<String>,
}

impl ToolRow {
    pub fn new(tool: &Tool) -> Self {
        let changed = tool.changed();
        let arguments = tool
            .input_schema
            .get("properties")
            .and_then(|properties| properties.as_object())
            .map(|properties| properties.keys().cloned().collect())
            .unwrap_or_default();
        Self {
            name: tool.name.clone(),
            description: tool.description.clone().unwrap_or_default(),
            risk: RiskBadge::of(tool),
            changed,
            diff: if changed { tool_diff(tool) } else { Vec::new() },
            arguments,
        }
    }
}
