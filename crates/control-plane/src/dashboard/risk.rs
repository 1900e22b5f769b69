//! A tool's risk badge (category + level, colour-coded by level, evidence for a `<details>`), from
//! `toolgate_policy::risk::classify`.

use toolgate_policy::risk::{self, RiskCategory, RiskLevel, ToolDefinition};
use toolgate_store::Tool;

pub struct RiskBadge {
    /// "Read", "Write", "Execute", "Destructive", "Financial".
    pub category: &'static str,
    /// "Low", "Medium", "High", "Critical".
    pub level: &'static str,
    /// `risk-low` … `risk-critical` (see `static/app.css`).
    pub css_class: &'static str,
    pub evidence: Vec<String>,
}

impl RiskBadge {
    pub fn of(tool: &Tool) -> Self {
        let definition = ToolDefinition {
            name: &tool.name,
            description: tool.description.as_deref(),
            input_schema: Some(&tool.input_schema),
            annotations: tool.annotations.as_ref(),
        };
        let risk = risk::classify(&definition);
        let (level, css_class) = match risk.level {
            RiskLevel::Low => ("Low", "risk-low"),
            RiskLevel::Medium => ("Medium", "risk-medium"),
            RiskLevel::High => ("High", "risk-high"),
            RiskLevel::Critical => ("Critical", "risk-critical"),
        };
        Self {
            category: category_label(risk.category),
            level,
            css_class,
            evidence: risk.evidence,
        }
    }
}

pub fn category_label(category: RiskCategory) -> &'static str {
    match category {
        RiskCategory::Read => "Read",
        RiskCategory::Write => "Write",
        RiskCategory::Execute => "Execute",
        RiskCategory::Destructive => "Destructive",
        RiskCategory::Financial => "Financial",
    }
}
