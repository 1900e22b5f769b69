//! `GET …/builder/recommended`: the starting policy recommended from the tools' risk
//! (`toolgate_policy::risk::recommend_policy`), with a legend saying what it chose per category.

use axum::Json;
use axum::extract::{Path, State};
use serde::Serialize;
use serde_json::Value;
use toolgate_policy::recommend::recommend_policy;
use toolgate_policy::risk::RiskCategory;

use super::catalog::{CatalogTool, classify_all, definition};
use crate::dashboard::error::PageError;
use crate::dashboard::extract::DashboardMember;
use crate::service::lookup;
use crate::state::AppState;

#[derive(Debug, Serialize)]
pub struct Recommendation {
    pub document: Value,
    pub legend: Vec<LegendItem>,
    pub summary: &'static str,
}

#[derive(Debug, Serialize, PartialEq)]
pub struct LegendItem {
    pub category: &'static str,
    pub tools: usize,
    pub treatment: &'static str,
}

/// What the recommendation does for each category (mirrors `recommend_policy`'s documented choices).
const TREATMENTS: [(RiskCategory, &str, &str); 5] = [
    (RiskCategory::Read, "Read", "allowed"),
    (
        RiskCategory::Write,
        "Write",
        "allowed, at most 30 calls a minute per grant, shared by all writing tools (counter “writes”)",
    ),
    (
        RiskCategory::Execute,
        "Execute",
        "allowed, at most 10 calls a minute per grant, shared (counter “executions”)",
    ),
    (
        RiskCategory::Destructive,
        "Destructive",
        "every call needs a person’s approval (expires after 10 minutes)",
    ),
    (
        RiskCategory::Financial,
        "Financial",
        "every call needs a person’s approval (expires after 10 minutes)",
    ),
];

pub const SUMMARY: &str = "Tools without a rule (for example tools added upstream later) are denied; \
                           all tools together are limited to 120 calls a minute per grant.";

pub fn recommend(catalog: &[CatalogTool], tools: &[toolgate_store::Tool]) -> Recommendation {
    let pairs = tools
        .iter()
        .zip(catalog)
        .map(|(tool, entry)| (definition(tool), entry.risk.clone()));
    let document = recommend_policy(pairs);
    let legend = TREATMENTS
        .iter()
        .map(|(category, label, treatment)| LegendItem {
            category: label,
            tools: catalog
                .iter()
                .filter(|tool| tool.risk.category == *category)
                .count(),
            treatment,
        })
        .collect();
    Recommendation {
        document,
        legend,
        summary: SUMMARY,
    }
}

pub async fn show(
    State(state): State<AppState>,
    member: DashboardMember,
    Path((_account, server)): Path<(String, String)>,
) -> Result<Json<Recommendation>, PageError> {
    let server = lookup::server(&state, member.account.id, &server).await?;
    let tools = state.store.list_tools(member.account.id, server.id).await?;
    let catalog = classify_all(&tools);
    Ok(Json(recommend(&catalog, &tools)))
}

/// The recommended document for a server's synced tools (for "start from the recommendation").
pub async fn document_for(state: &AppState, server: &toolgate_store::Server) -> Result<Value, PageError> {
    let tools = state.store.list_tools(server.account_id, server.id).await?;
    Ok(recommend(&classify_all(&tools), &tools).document)
}

#[cfg(test)]
mod tests {
    use serde_json::json;
    use time::OffsetDateTime;
    use toolgate_store::Tool;

    use super::*;

    fn tool(name: &str, description: &str, schema: Value) -> Tool {
        Tool {
            server_id: toolgate_domain::ServerId::new(),
            name: name.into(),
            description: Some(description.into()),
            input_schema: schema,
            annotations: None,
            definition_hash: String::new(),
            accepted_hash: String::new(),
            accepted_definition: Value::Null,
            position: 0,
            synced_at: OffsetDateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn legend_counts_tools_per_category_and_the_document_compiles() {
        let tools = vec![
            tool("list_files", "Lists files", json!({"type": "object"})),
            tool(
                "run_shell",
                "Runs a shell command",
                json!({"type": "object", "properties": {"command": {"type": "string"}}}),
            ),
            tool("delete_path", "Deletes a path", json!({"type": "object"})),
        ];
        let catalog = classify_all(&tools);
        let recommendation = recommend(&catalog, &tools);
        toolgate_policy::compile(&recommendation.document).expect("the recommendation compiles");
        let counts: Vec<(&str, usize)> = recommendation
            .legend
            .iter()
            .map(|item| (item.category, item.tools))
            .collect();
        assert_eq!(
            counts,
            [
                ("Read", 1),
                ("Write", 0),
                ("Execute", 1),
                ("Destructive", 1),
                ("Financial", 0)
            ]
        );
        assert_eq!(
            recommendation.document["tools"]["delete_path"]["action"],
            "require_approval"
        );
    }
}
