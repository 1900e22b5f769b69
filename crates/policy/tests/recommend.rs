//! The recommended policy: compiles for every real catalog, follows catalog order, maps each
//! category to its rule.

use serde_json::{Value, json};
use toolgate_policy::recommend::recommend_policy;
use toolgate_policy::risk::{Risk, RiskCategory, RiskLevel, ToolDefinition, classify};
use toolgate_policy::{Decision, RefusalKind, compile};

const CATALOGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/catalogs/");

fn catalog(name: &str) -> Value {
    let path = format!("{CATALOGS}{name}.tools.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("parse {path}: {error}"))
}

fn classified(catalog: &Value) -> Vec<(ToolDefinition<'_>, Risk)> {
    let tools = catalog["tools"].as_array().expect("a tools array");
    tools
        .iter()
        .map(|tool| ToolDefinition::from_json(tool).expect("a definition"))
        .map(|definition| (definition, classify(&definition)))
        .collect()
}

fn expected_rule(category: RiskCategory) -> Value {
    let limit = |counter: &str, max: u32| json!({"limits": [{"counter": counter, "window": "minute", "max": max, "scope": "grant"}]});
    match category {
        RiskCategory::Read => json!({}),
        RiskCategory::Write => limit("writes", 30),
        RiskCategory::Execute => limit("executions", 10),
        RiskCategory::Destructive | RiskCategory::Financial => {
            json!({"action": "require_approval", "approval": {"timeout": "10m"}})
        }
    }
}

#[test]
fn every_catalog_gets_a_policy_that_compiles() {
    for name in ["allcanuse", "filesystem", "git", "everything"] {
        let catalog = catalog(name);
        let tools = classified(&catalog);
        let policy = recommend_policy(tools.clone());
        let compiled = compile(&policy).unwrap_or_else(|errors| panic!("{name}: {errors:#?}"));
        assert_eq!(policy["version"], "1");
        assert_eq!(policy["default"], "deny");
        assert_eq!(
            policy["all_tools"],
            json!({"limits": [{"counter": "all_calls", "window": "minute", "max": 120, "scope": "grant"}]})
        );
        let rules = policy["tools"].as_object().expect("a tools object");
        let keys: Vec<&str> = rules.keys().map(String::as_str).collect();
        let names: Vec<&str> = tools.iter().map(|(tool, _)| tool.name).collect();
        assert_eq!(keys, names, "{name}: keys follow the catalog order");
        for (tool, risk) in &tools {
            assert_eq!(
                rules[tool.name],
                expected_rule(risk.category),
                "{name}/{}",
                tool.name
            );
            assert!(compiled.lists_tool(tool.name), "{name}/{} is listed", tool.name);
        }
    }
}

#[test]
fn decisions_follow_the_categories() {
    let catalog = catalog("allcanuse");
    let compiled = compile(&recommend_policy(classified(&catalog))).expect("compiles");
    let limits = |decision: Decision| match decision {
        Decision::Allow { limits } => limits
            .iter()
            .map(|charge| charge.counter.to_string())
            .collect::<Vec<_>>(),
        other => panic!("expected allow, got {other:?}"),
    };
    assert_eq!(
        limits(compiled.evaluate("read_file", &json!({"path": "a"}))),
        ["all_calls"]
    );
    assert_eq!(
        limits(compiled.evaluate("write_file", &json!({}))),
        ["all_calls", "writes"]
    );
    assert_eq!(
        limits(compiled.evaluate("run_shell", &json!({"command": "ls"}))),
        ["all_calls", "executions"]
    );
    let deleting = compiled.evaluate("delete_path", &json!({"path": "/"}));
    assert!(
        matches!(
            deleting,
            Decision::RequireApproval {
                timeout_ms: 600_000,
                ..
            }
        ),
        "{deleting:?}"
    );
    let unknown = compiled.evaluate("not_in_the_catalog", &json!({}));
    assert!(
        matches!(
            unknown,
            Decision::Refused {
                kind: RefusalKind::DefaultDeny,
                ..
            }
        ),
        "{unknown:?}"
    );
}

fn risk(category: RiskCategory) -> Risk {
    Risk {
        category,
        level: RiskLevel::Medium,
        evidence: Vec::new(),
    }
}

fn tool(name: &str) -> ToolDefinition<'_> {
    ToolDefinition {
        name,
        description: None,
        input_schema: None,
        annotations: None,
    }
}

#[test]
fn duplicates_keep_first_place_and_the_stricter_rule() {
    let policy = recommend_policy([
        (tool("a"), risk(RiskCategory::Read)),
        (tool("b"), risk(RiskCategory::Write)),
        (tool("a"), risk(RiskCategory::Financial)),
        (tool("b"), risk(RiskCategory::Read)),
    ]);
    let rules = policy["tools"].as_object().expect("a tools object");
    assert_eq!(rules.keys().collect::<Vec<_>>(), ["a", "b"]);
    assert_eq!(rules["a"], expected_rule(RiskCategory::Financial));
    assert_eq!(rules["b"], expected_rule(RiskCategory::Write));
    compile(&policy).expect("compiles");
}

#[test]
fn names_that_cannot_be_exact_keys_are_left_to_default_deny() {
    let policy = recommend_policy([
        (tool(""), risk(RiskCategory::Read)),
        (tool("get_*"), risk(RiskCategory::Read)),
        (tool("ok"), risk(RiskCategory::Execute)),
    ]);
    assert_eq!(
        policy["tools"]
            .as_object()
            .expect("object")
            .keys()
            .collect::<Vec<_>>(),
        ["ok"]
    );
    let compiled = compile(&policy).expect("compiles");
    assert!(!compiled.lists_tool("get_secrets"));
}

#[test]
fn an_empty_catalog_still_compiles() {
    let policy = recommend_policy(Vec::new());
    assert_eq!(policy["tools"], json!({}));
    compile(&policy).expect("compiles");
}
