//! The classifier on hand-made definitions: contradicting annotations, Chinese-only
//! descriptions, missing parts, unknown tools and evidence texts.

use serde_json::{Value, json};
use toolgate_policy::risk::RiskCategory::{self, Destructive, Execute, Financial, Read, Write};
use toolgate_policy::risk::RiskLevel::{self, Critical, High, Low, Medium};
use toolgate_policy::risk::{Risk, ToolDefinition, classify};

/// Classifies a tool from a name, a description, argument names and annotations.
fn risk(name: &str, description: Option<&str>, arguments: &[&str], annotations: Option<Value>) -> Risk {
    let properties: serde_json::Map<String, Value> = arguments
        .iter()
        .map(|argument| (argument.to_string(), json!({"type": "string"})))
        .collect();
    let schema = json!({"type": "object", "properties": properties});
    let tool = ToolDefinition {
        name,
        description,
        input_schema: Some(&schema),
        annotations: annotations.as_ref(),
    };
    classify(&tool)
}

fn named(name: &str) -> Risk {
    risk(name, None, &[], None)
}

#[track_caller]
fn assert_risk(risk: &Risk, category: RiskCategory, level: RiskLevel) {
    assert_eq!((risk.category, risk.level), (category, level), "{risk:#?}");
}

#[track_caller]
fn assert_evidence(risk: &Risk, text: &str) {
    assert!(
        risk.evidence.iter().any(|line| line == text),
        "no {text:?} in {:#?}",
        risk.evidence
    );
}

#[test]
fn read_only_annotation_never_hides_a_command_or_sql() {
    let shell = risk(
        "inspect_host",
        Some("Read-only diagnostics."),
        &["command"],
        Some(json!({"readOnlyHint": true})),
    );
    assert_risk(&shell, Execute, High);
    assert_evidence(&shell, "argument \"command\"");
    assert_evidence(
        &shell,
        "annotation readOnlyHint=true contradicted by argument \"command\"",
    );
    assert_evidence(
        &shell,
        "description says \"read-only\" contradicted by argument \"command\"",
    );

    let sql = risk(
        "get_rows",
        None,
        &["sql"],
        Some(json!({"readOnlyHint": true, "destructiveHint": false})),
    );
    assert_risk(&sql, Execute, High);
    assert_evidence(
        &sql,
        "annotation readOnlyHint=true contradicted by argument \"sql\"",
    );

    let query = risk(
        "query_database",
        None,
        &["query"],
        Some(json!({"readOnlyHint": true})),
    );
    assert_eq!(query.category, Execute);
    assert_evidence(&query, "argument \"query\" (SQL on a database)");
}

#[test]
fn a_search_query_is_not_sql() {
    assert_risk(
        &risk(
            "search_docs",
            Some("Full-text search."),
            &["query", "limit"],
            None,
        ),
        Read,
        Low,
    );
}

#[test]
fn destructive_name_wins_over_a_non_destructive_hint() {
    let annotations = json!({"destructiveHint": false, "idempotentHint": true});
    let deleted = risk(
        "delete_user",
        Some("Deletes a user."),
        &["user_id"],
        Some(annotations),
    );
    assert_risk(&deleted, Destructive, High);
    assert_evidence(&deleted, "name contains \"delete\"");
    assert_evidence(
        &deleted,
        "annotation destructiveHint=false contradicted by name \"delete\"",
    );
}

#[test]
fn hints_move_write_levels_only() {
    let plain = risk("create_issue", None, &["title"], None);
    assert_risk(&plain, Write, Medium);
    let open_world = risk(
        "create_issue",
        None,
        &["title"],
        Some(json!({"openWorldHint": true})),
    );
    assert_risk(&open_world, Write, High);
    assert_evidence(&open_world, "annotation openWorldHint=true (hint only)");
    let destructive = risk(
        "write_file",
        None,
        &["path", "content"],
        Some(json!({"destructiveHint": true})),
    );
    assert_risk(&destructive, Write, High);
    assert_evidence(&destructive, "annotation destructiveHint=true (hint only)");
    let gentle = risk(
        "add_label",
        None,
        &[],
        Some(json!({"destructiveHint": false, "idempotentHint": true})),
    );
    assert_risk(&gentle, Write, Low);
    let read = risk("list_items", None, &[], Some(json!({"readOnlyHint": true})));
    assert_risk(&read, Read, Low);
    assert_evidence(&read, "annotation readOnlyHint=true");
}

#[test]
fn chinese_only_descriptions_speak() {
    let deleting = risk("tool_a", Some("删除指定的文件。"), &["target"], None);
    assert_eq!(deleting.category, Destructive);
    assert_evidence(&deleting, "description mentions \"删除\" (delete)");
    let executing = risk("tool_b", Some("执行任意命令并返回输出。"), &["input"], None);
    assert_eq!(executing.category, Execute);
    assert_evidence(&executing, "description mentions \"执行\" (execute)");
    assert_eq!(
        risk("tool_c", Some("查询订单状态。"), &["order_id"], None).category,
        Read
    );
    assert_eq!(
        risk("tool_d", Some("创建一个新的工单。"), &["title"], None).category,
        Write
    );
    assert_risk(
        &risk("tool_e", Some("向指定账户转账，金额以元计。"), &["to"], None),
        Financial,
        Critical,
    );
}

#[test]
fn negations_and_code_spans_do_not_count() {
    let chinese = risk("tool_f", Some("只读扫描，不删除、不执行任何文件。"), &[], None);
    assert_eq!(chinese.category, Read);
    assert!(
        !chinese
            .evidence
            .iter()
            .any(|line| line.contains("删除") || line.contains("执行"))
    );
    let english = risk(
        "show_item",
        Some("Does not delete anything. See `delete_item`."),
        &[],
        None,
    );
    assert!(
        !english.evidence.iter().any(|line| line.contains("delete")),
        "{english:#?}"
    );
    // 只读取 means "only reads", not "read-only": no claim to contradict.
    let reads = risk("tool_g", Some("只读取状态码，然后执行命令。"), &["command"], None);
    assert!(
        !reads.evidence.iter().any(|line| line.contains("只读")),
        "{reads:#?}"
    );
}

#[test]
fn missing_parts_are_fine() {
    let bare = ToolDefinition {
        name: "get_user",
        description: None,
        input_schema: None,
        annotations: None,
    };
    assert_risk(&classify(&bare), Read, Low);
    assert_risk(&risk("delete_user", Some(""), &[], None), Destructive, High);
    let odd_schema = json!({"type": "object", "properties": ["not", "an", "object"]});
    let odd = ToolDefinition {
        name: "run",
        description: Some("   "),
        input_schema: Some(&odd_schema),
        annotations: Some(&json!("x")),
    };
    assert_eq!(classify(&odd).category, Execute);
}

#[test]
fn unknown_tools_are_treated_as_writes() {
    for name in ["", "x", "frobnicate", "---", "v2"] {
        let unknown = named(name);
        assert_risk(&unknown, Write, Medium);
        assert_evidence(
            &unknown,
            "no recognisable signal in name, arguments or description: assumed to change state",
        );
    }
    let hinted = risk("frobnicate", None, &[], Some(json!({"readOnlyHint": true})));
    assert_risk(&hinted, Read, Low);
}

#[test]
fn serializes_in_snake_case_and_is_deterministic() {
    let first = risk("run_shell", Some("执行命令"), &["command"], None);
    assert_eq!(first, risk("run_shell", Some("执行命令"), &["command"], None));
    let value = serde_json::to_value(&first).expect("serializable");
    assert_eq!(value["category"], "execute");
    assert_eq!(value["level"], "high");
    assert_eq!(value["evidence"][0], "name contains \"run\"");
}

#[test]
fn definitions_read_from_tools_list_json() {
    let tool = json!({"name": "kill_process", "description": "按 PID 结束进程。", "inputSchema": {"properties": {"pid": {}}}});
    let definition = ToolDefinition::from_json(&tool).expect("has a name");
    assert_eq!(
        (definition.name, definition.description),
        ("kill_process", Some("按 PID 结束进程。"))
    );
    assert!(ToolDefinition::from_json(&json!({"description": "no name"})).is_none());
}
