//! The server's synced tools as the builder shows them: name, description, input schema and risk
//! (classified here from the definition, by the same classifier the API uses).

use serde::Serialize;
use serde_json::Value;
use toolgate_policy::risk::{Risk, ToolDefinition, classify};
use toolgate_store::Tool;

#[derive(Debug, Serialize)]
pub struct CatalogTool {
    pub name: String,
    pub description: Option<String>,
    pub input_schema: Value,
    pub risk: Risk,
}

pub fn definition(tool: &Tool) -> ToolDefinition<'_> {
    ToolDefinition {
        name: &tool.name,
        description: tool.description.as_deref(),
        input_schema: Some(&tool.input_schema),
        annotations: tool.annotations.as_ref(),
    }
}

/// Each tool with its risk, in the upstream's order.
pub fn classify_all(tools: &[Tool]) -> Vec<CatalogTool> {
    tools
        .iter()
        .map(|tool| CatalogTool {
            name: tool.name.clone(),
            description: tool.description.clone(),
            input_schema: tool.input_schema.clone(),
            risk: classify(&definition(tool)),
        })
        .collect()
}

/// The catalog as JSON for the page's `data-catalog` attribute (askama escapes it for HTML).
pub fn to_json(catalog: &[CatalogTool]) -> String {
    serde_json::to_string(catalog).unwrap_or_else(|_| "[]".to_owned())
}
