//! Each kind of validation error, with its exact pointer; all errors reported at once.

use serde_json::{Value, json};
use toolgate_policy::compile_str;

use crate::support::{error_at, errors, with_tool};

fn with_condition(condition: Value) -> Value {
    with_tool(json!({"require": [{"conditions": [condition]}]}))
}

const CONDITION: &str = "/tools/t/require/0/conditions/0";

#[test]
fn unknown_fields_anywhere() {
    let limit = json!({"counter": "c", "window": "minute", "max": 1, "foo": 1});
    let error = error_at(with_tool(json!({"limits": [limit]})), "/tools/t/limits/0/foo");
    assert!(
        error.message.starts_with("unknown field \"foo\""),
        "{}",
        error.message
    );
    error_at(
        json!({"version": "1", "default": "deny", "$schema": "x"}),
        "/$schema",
    );
    error_at(with_tool(json!({"actions": "deny"})), "/tools/t/actions");
    error_at(
        with_tool(json!({"action": "require_approval", "approval": {"timeout": "1m", "retries": 1}})),
        "/tools/t/approval/retries",
    );
    error_at(
        with_tool(json!({"deny_if": [{"conditions": [], "message": "x"}]})),
        "/tools/t/deny_if/0/message",
    );
    error_at(
        with_condition(json!({"path": "args.a", "op": "eq", "value": 1, "negate": true})),
        &format!("{CONDITION}/negate"),
    );
    error_at(
        json!({"version": "1", "default": "deny", "all_tools": {"require": []}}),
        "/all_tools/require",
    );
    error_at(
        json!({"version": "1", "default": "deny", "tools": {"a/b~c": {"foo": 1}}}),
        "/tools/a~1b~0c/foo",
    );
}

#[test]
fn bad_regexes() {
    let error = error_at(
        with_condition(json!({"path": "args.a", "op": "regex", "value": "(unclosed"})),
        &format!("{CONDITION}/value"),
    );
    assert!(error.message.starts_with("invalid regex: "), "{}", error.message);
    assert!(!error.message.contains('\n'));
    let huge = error_at(
        with_condition(json!({"path": "args.a", "op": "regex", "value": "(\\w{100}){100}"})),
        &format!("{CONDITION}/value"),
    );
    assert!(huge.message.starts_with("regex is too large"), "{}", huge.message);
    error_at(
        with_condition(json!({"path": "args.a", "op": "regex", "value": 5})),
        &format!("{CONDITION}/value"),
    );
}

#[test]
fn unknown_ops_and_wrongly_typed_values() {
    let unknown = error_at(
        with_condition(json!({"path": "args.a", "op": "matches", "value": "x"})),
        &format!("{CONDITION}/op"),
    );
    assert!(
        unknown.message.starts_with("unknown op \"matches\""),
        "{}",
        unknown.message
    );
    error_at(
        with_condition(json!({"path": "args.a", "op": "EQ", "value": "x"})),
        &format!("{CONDITION}/op"),
    );
    error_at(
        with_condition(json!({"path": "args.a", "op": 1, "value": "x"})),
        &format!("{CONDITION}/op"),
    );
    let cases = [
        ("in", json!("a")),
        ("not_in", json!({"a": 1})),
        ("lt", json!("10")),
        ("lte", json!(null)),
        ("gt", json!([1])),
        ("gte", json!(true)),
        ("regex", json!(["a"])),
        ("exists", json!("yes")),
    ];
    for (op, value) in cases {
        let error = error_at(
            with_condition(json!({"path": "args.a", "op": op, "value": value})),
            &format!("{CONDITION}/value"),
        );
        assert!(error.message.starts_with("must be a"), "{op}: {}", error.message);
        assert!(error.message.contains(op), "{op}: {}", error.message);
    }
    for op in ["eq", "neq", "in", "lt", "regex", "contains"] {
        error_at(
            with_condition(json!({"path": "args.a", "op": op})),
            &format!("{CONDITION}/value"),
        );
    }
}

#[test]
fn bad_paths() {
    for path in ["command", "args.", "args[x]", "arguments.a", "args.a b"] {
        error_at(
            with_condition(json!({"path": path, "op": "exists"})),
            &format!("{CONDITION}/path"),
        );
    }
    error_at(
        with_condition(json!({"path": 1, "op": "exists"})),
        &format!("{CONDITION}/path"),
    );
    error_at(
        with_condition(json!({"op": "exists"})),
        &format!("{CONDITION}/path"),
    );
}

#[test]
fn rule_shapes() {
    error_at(
        with_tool(json!({"require": [{"conditions": []}]})),
        "/tools/t/require/0/conditions",
    );
    error_at(
        with_tool(json!({"require": [{"on_deny": "x"}]})),
        "/tools/t/require/0/conditions",
    );
    error_at(
        with_tool(json!({"require": {"conditions": []}})),
        "/tools/t/require",
    );
    error_at(with_tool(json!({"deny_if": ["x"]})), "/tools/t/deny_if/0");
    error_at(
        with_tool(json!({"deny_if": [{"conditions": [{"path": "args", "op": "exists"}], "on_deny": 1}]})),
        "/tools/t/deny_if/0/on_deny",
    );
    error_at(with_tool(json!({"action": "block"})), "/tools/t/action");
    error_at(with_tool(json!({"reason": "no"})), "/tools/t/reason");
    error_at(
        with_tool(json!({"action": "require_approval", "reason": "no"})),
        "/tools/t/reason",
    );
    error_at(
        with_tool(json!({"action": "deny", "reason": 5})),
        "/tools/t/reason",
    );
    error_at(
        with_tool(json!({"approval": {"timeout": "1m"}})),
        "/tools/t/approval",
    );
    error_at(with_tool(json!("allow")), "/tools/t");
}

#[test]
fn top_level_fields() {
    error_at(json!({"version": "2", "default": "deny"}), "/version");
    error_at(json!({"version": 1, "default": "deny"}), "/version");
    error_at(json!({"default": "deny"}), "/version");
    error_at(json!({"version": "1"}), "/default");
    error_at(json!({"version": "1", "default": "block"}), "/default");
    error_at(json!({"version": "1", "default": "deny", "hide": "x"}), "/hide");
    error_at(
        json!({"version": "1", "default": "deny", "hide": ["ok", 3]}),
        "/hide/1",
    );
    error_at(
        json!({"version": "1", "default": "deny", "hide": [""]}),
        "/hide/0",
    );
    error_at(json!({"version": "1", "default": "deny", "tools": []}), "/tools");
    error_at(
        json!({"version": "1", "default": "deny", "tools": {"": {}}}),
        "/tools/",
    );
    error_at(
        json!({"version": "1", "default": "deny", "all_tools": []}),
        "/all_tools",
    );
    error_at(
        json!({"version": "1", "default": "deny", "pin_tools": "yes"}),
        "/pin_tools",
    );
    error_at(
        json!({"version": "1", "default": "deny", "on_counter_error": "fail"}),
        "/on_counter_error",
    );
    let root = error_at(json!(["version", "1"]), "");
    assert_eq!(root.message, "must be an object");
    assert_eq!((root.line, root.column), (None, None));
}

#[test]
fn syntax_errors_carry_line_and_column() {
    let errors = compile_str("{\n  \"version\": \"1\",\n  \"default\": deny\n}").expect_err("syntax error");
    assert_eq!(errors.len(), 1);
    assert_eq!(errors[0].pointer, "");
    assert_eq!((errors[0].line, errors[0].column), (Some(3), Some(14)));
    assert!(!errors[0].message.contains("line"), "{}", errors[0].message);
    let duplicate =
        compile_str(r#"{"version": "1", "default": "deny", "default": "allow"}"#).expect_err("duplicate");
    assert!(
        duplicate[0].message.starts_with("duplicate key \"default\""),
        "{}",
        duplicate[0].message
    );
    assert_eq!(duplicate[0].line, Some(1));
    let empty = compile_str("").expect_err("empty text");
    assert_eq!(empty[0].line, Some(1));
}

#[test]
fn every_error_is_reported_at_once() {
    let document = json!({
        "version": "2",
        "default": "deny",
        "hide": [1],
        "all_tools": {"limits": [{"counter": "c", "window": "fortnight", "max": 1}]},
        "tools": {
            "x": {"limits": [{"counter": "d", "window": "minute", "max": 0, "foo": true}]},
            "y": {"deny_if": [{"conditions": [{"path": "args.a", "op": "regex", "value": "["}]}]},
            "z": {"require": [{"conditions": [{"path": "a", "op": "in", "value": 1}]}]}
        }
    });
    let errors = errors(document);
    let mut pointers: Vec<&str> = errors.iter().map(|error| error.pointer.as_str()).collect();
    pointers.sort_unstable();
    assert_eq!(
        pointers,
        [
            "/all_tools/limits/0/window",
            "/hide/0",
            "/tools/x/limits/0/foo",
            "/tools/x/limits/0/max",
            "/tools/y/deny_if/0/conditions/0/value",
            "/tools/z/require/0/conditions/0/path",
            "/tools/z/require/0/conditions/0/value",
            "/version",
        ]
    );
    for error in &errors {
        assert!(!error.message.ends_with('.'), "{}", error.message);
        assert!(
            !error.message.starts_with(char::is_uppercase),
            "{}",
            error.message
        );
    }
}

#[test]
fn errors_serialize_for_the_api() {
    let error = error_at(json!({"version": "1"}), "/default");
    let value = serde_json::to_value(&error).expect("serializes");
    assert_eq!(
        value,
        json!({"pointer": "/default", "message": "missing required field \"default\"", "line": null, "column": null})
    );
}
