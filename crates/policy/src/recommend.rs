//! A starting policy built from a classified catalog ("Recommended policy" in the builder).

use std::collections::HashMap;

use serde_json::{Map, Value, json};

use crate::risk::{Risk, RiskCategory, ToolDefinition};

/// Builds a v1 policy document from classified tools, as a starting point for a human to edit.
///
/// Choices:
/// - `default: "deny"`: a tool added upstream later is refused until someone decides on it.
/// - `all_tools.limits`: at most 120 calls a minute per grant on the counter `all_calls`, a
///   brake on a looping agent whatever it calls.
/// - Read → `{}` (allowed; reads are only bounded by `all_calls`).
/// - Write → 30 a minute per grant on the shared counter `writes` (a budget across all writing
///   tools, not per tool: an agent cannot multiply it by spreading writes over tools).
/// - Execute → 10 a minute per grant on the shared counter `executions`.
/// - Destructive and Financial → `require_approval` with a 10 minute timeout: a human sees each
///   call; nothing irreversible or costly happens unattended.
///
/// Keys of `tools` follow the catalog's order. A name that appears twice keeps its first place
/// and the stricter rule. Names that are empty or contain `*` are left out (they stay under
/// `default: deny`): a `*` key would be a glob that could allow other tools.
/// The result always compiles with [`crate::compile`].
pub fn recommend_policy<'a>(tools: impl IntoIterator<Item = (ToolDefinition<'a>, Risk)>) -> Value {
    let mut rules = Map::new();
    let mut ranks: HashMap<&'a str, u8> = HashMap::new();
    for (tool, risk) in tools {
        let name = tool.name;
        if name.is_empty() || name.contains('*') {
            continue;
        }
        let rank = risk.category.rank();
        if ranks.get(name).is_some_and(|&existing| existing >= rank) {
            continue;
        }
        ranks.insert(name, rank);
        rules.insert(name.to_owned(), rule_for(risk.category));
    }
    json!({
        "version": "1",
        "default": "deny",
        "all_tools": { "limits": [limit("all_calls", 120)] },
        "tools": rules,
    })
}

fn rule_for(category: RiskCategory) -> Value {
    match category {
        RiskCategory::Read => json!({}),
        RiskCategory::Write => json!({ "limits": [limit("writes", 30)] }),
        RiskCategory::Execute => json!({ "limits": [limit("executions", 10)] }),
        RiskCategory::Destructive | RiskCategory::Financial => {
            json!({ "action": "require_approval", "approval": { "timeout": "10m" } })
        }
    }
}

fn limit(counter: &str, max: u32) -> Value {
    json!({ "counter": counter, "window": "minute", "max": max, "scope": "grant" })
}
