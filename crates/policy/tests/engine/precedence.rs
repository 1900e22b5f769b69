//! Which rule applies (exact, globs, hide, default) and the order of §4.

use serde_json::{Value, json};
use toolgate_policy::{Decision, DefaultAction, RefusalKind};

use crate::support::{policy, reason, refusal};

/// Every rule denies with its own key as the reason, so the decision shows which one applied.
fn denying(keys: &[&str]) -> Value {
    let tools: serde_json::Map<String, Value> = keys
        .iter()
        .map(|key| (key.to_string(), json!({"action": "deny", "reason": key})))
        .collect();
    json!({"version": "1", "default": "allow", "tools": tools})
}

fn applied_rule(document: &Value, tool: &str) -> String {
    let decision = policy(document.clone()).evaluate(tool, &Value::Null);
    reason(&decision).to_owned()
}

#[test]
fn exact_beats_longer_prefix_beats_shorter_prefix() {
    // Listed shortest first, so document order cannot be what decides.
    let document = denying(&["*", "run_*", "run_sh*", "run_shell"]);
    let cases = [
        ("run_shell", "run_shell"),
        ("run_shellx", "run_sh*"),
        ("run_sh", "run_sh*"),
        ("run_script", "run_*"),
        ("run_", "run_*"),
        ("other", "*"),
        ("", "*"),
    ];
    for (tool, expected) in cases {
        assert_eq!(applied_rule(&document, tool), expected, "{tool}");
    }
}

#[test]
fn prefix_ties_go_to_more_literal_characters_then_document_order() {
    let document = denying(&["a*", "a*z"]);
    assert_eq!(applied_rule(&document, "abz"), "a*z");
    assert_eq!(applied_rule(&document, "abc"), "a*");
    // Same prefix and literal count: the first written wins, whichever it is.
    assert_eq!(applied_rule(&denying(&["a*b*", "a*c*"]), "abcx"), "a*b*");
    assert_eq!(applied_rule(&denying(&["a*c*", "a*b*"]), "abcx"), "a*c*");
    // A suffix glob has no literal prefix, so any prefix glob beats it.
    assert_eq!(applied_rule(&denying(&["*_task", "c*"]), "create_task"), "c*");
}

#[test]
fn hide_comes_before_everything() {
    let compiled = policy(json!({
        "version": "1",
        "default": "allow",
        "hide": ["debug_*", "delete_account"],
        "tools": {"debug_dump": {}, "delete_account": {"action": "deny"}}
    }));
    for tool in ["debug_dump", "debug_", "delete_account"] {
        assert_eq!(compiled.evaluate(tool, &json!({})), Decision::Hidden, "{tool}");
        assert!(!compiled.lists_tool(tool), "{tool}");
        assert_eq!(compiled.evaluate(tool, &json!({})).rule(), "(hidden)");
    }
    assert!(compiled.lists_tool("delete_accounts"));
    assert!(matches!(
        compiled.evaluate("delete_accounts", &json!({})),
        Decision::Allow { .. }
    ));
}

#[test]
fn hide_works_without_any_tool_rules() {
    // No `tools` key at all: exact and glob hide entries must still hide (listing and calling).
    for default in ["allow", "deny"] {
        let compiled = policy(json!({
            "version": "1",
            "default": default,
            "hide": ["delete_account", "debug_*"]
        }));
        for tool in ["delete_account", "debug_dump"] {
            assert_eq!(
                compiled.evaluate(tool, &json!({})),
                Decision::Hidden,
                "{default}: {tool}"
            );
            assert!(!compiled.lists_tool(tool), "{default}: {tool}");
        }
        assert_eq!(compiled.lists_tool("list_files"), default == "allow");
    }
}

#[test]
fn hide_star_hides_everything() {
    let compiled = policy(json!({"version": "1", "default": "allow", "hide": ["*"], "tools": {"x": {}}}));
    for tool in ["x", "y", ""] {
        assert_eq!(compiled.evaluate(tool, &Value::Null), Decision::Hidden);
        assert!(!compiled.lists_tool(tool));
    }
}

#[test]
fn default_deny_refuses_tools_without_a_rule() {
    let compiled = policy(json!({"version": "1", "default": "deny", "tools": {"allowed": {}, "list_*": {}}}));
    assert_eq!(compiled.default_action(), DefaultAction::Deny);
    let refused = compiled.evaluate("other", &json!({}));
    assert_eq!(refusal(&refused), ("(default deny)", RefusalKind::DefaultDeny));
    assert_eq!(
        reason(&refused),
        "the tool \"other\" is not allowed by this policy"
    );
    assert_eq!(
        compiled.evaluate("allowed", &json!({})),
        Decision::Allow { limits: vec![] }
    );
    assert_eq!(
        compiled.evaluate("list_files", &json!({})),
        Decision::Allow { limits: vec![] }
    );
}

#[test]
fn default_allow_allows_tools_without_a_rule() {
    let compiled = policy(json!({"version": "1", "default": "allow"}));
    assert_eq!(compiled.default_action(), DefaultAction::Allow);
    assert!(!compiled.pin_tools());
    let allowed = compiled.evaluate("anything", &Value::Null);
    assert_eq!(allowed, Decision::Allow { limits: vec![] });
    assert_eq!(allowed.rule(), "");
}

#[test]
fn lists_tool_hides_hidden_and_default_denied_but_keeps_explicit_denies() {
    let compiled = policy(json!({
        "version": "1",
        "default": "deny",
        "hide": ["secret"],
        "tools": {"read": {}, "delete_path": {"action": "deny"}, "get_*": {}, "secret": {}}
    }));
    let cases = [
        ("read", true),
        ("delete_path", true),
        ("get_x", true),
        ("secret", false),
        ("write", false),
    ];
    for (tool, listed) in cases {
        assert_eq!(compiled.lists_tool(tool), listed, "{tool}");
    }
    let allowing = policy(json!({"version": "1", "default": "allow", "tools": {"x": {"action": "deny"}}}));
    assert!(allowing.lists_tool("x"));
    assert!(allowing.lists_tool("y"));
}

#[test]
fn deny_comes_before_conditions() {
    let compiled = policy(json!({"version": "1", "default": "allow", "tools": {"t": {
        "action": "deny",
        "deny_if": [{"conditions": [{"path": "args", "op": "exists", "value": false}]}]
    }}}));
    let decision = compiled.evaluate("t", &Value::Null);
    assert_eq!(refusal(&decision), ("/tools/t", RefusalKind::Denied));
    assert_eq!(reason(&decision), "the tool \"t\" is denied by this policy");
}

#[test]
fn deny_if_comes_before_require_and_first_match_wins() {
    let compiled = policy(json!({"version": "1", "default": "allow", "tools": {"t": {
        "require": [
            {"conditions": [{"path": "args.ok", "op": "eq", "value": true}], "on_deny": "require 0"},
            {"conditions": [{"path": "args.n", "op": "gt", "value": 0}], "on_deny": "require 1"}
        ],
        "deny_if": [
            {"conditions": [{"path": "args.n", "op": "gt", "value": 100}], "on_deny": "deny_if 0"},
            {"conditions": [{"path": "args.n", "op": "gt", "value": 10}], "on_deny": "deny_if 1"}
        ]
    }}}));
    let cases = [
        (json!({"n": 1000}), "/tools/t/deny_if/0", "deny_if 0"),
        (json!({"n": 50}), "/tools/t/deny_if/1", "deny_if 1"),
        (json!({"n": 5}), "/tools/t/require/0", "require 0"),
        (json!({"ok": true, "n": -1}), "/tools/t/require/1", "require 1"),
    ];
    for (arguments, rule, text) in cases {
        let decision = compiled.evaluate("t", &arguments);
        assert_eq!(refusal(&decision), (rule, RefusalKind::Condition), "{arguments}");
        assert_eq!(reason(&decision), text);
        assert_eq!(decision.rule(), rule);
    }
    assert!(matches!(
        compiled.evaluate("t", &json!({"ok": true, "n": 5})),
        Decision::Allow { .. }
    ));
}

#[test]
fn conditions_come_before_approval() {
    let compiled = policy(json!({"version": "1", "default": "deny", "tools": {"kill": {
        "action": "require_approval",
        "require": [{"conditions": [{"path": "args.pid", "op": "gt", "value": 1}]}]
    }}}));
    let refused = compiled.evaluate("kill", &json!({"pid": 1}));
    assert_eq!(
        refusal(&refused),
        ("/tools/kill/require/0", RefusalKind::Condition)
    );
    assert_eq!(
        reason(&refused),
        "the arguments do not meet a requirement of this policy"
    );
    let approval = compiled.evaluate("kill", &json!({"pid": 42}));
    assert!(
        matches!(approval, Decision::RequireApproval { .. }),
        "{approval:?}"
    );
    assert_eq!(approval.rule(), "/tools/kill");
}

#[test]
fn rule_pointers_escape_slash_and_tilde() {
    let compiled = policy(json!({"version": "1", "default": "allow", "tools": {
        "fs/read~x": {"deny_if": [{"conditions": [{"path": "args.p", "op": "eq", "value": "/etc"}]}]},
        "fs/write": {"action": "deny"},
        "net/*": {"action": "deny", "reason": "no network"}
    }}));
    let matched = compiled.evaluate("fs/read~x", &json!({"p": "/etc"}));
    assert_eq!(
        refusal(&matched),
        ("/tools/fs~1read~0x/deny_if/0", RefusalKind::Condition)
    );
    assert_eq!(
        reason(&matched),
        "the arguments match a rule that refuses this call"
    );
    assert_eq!(
        refusal(&compiled.evaluate("fs/write", &Value::Null)).0,
        "/tools/fs~1write"
    );
    let glob = compiled.evaluate("net/get", &Value::Null);
    assert_eq!(refusal(&glob), ("/tools/net~1*", RefusalKind::Denied));
    assert_eq!(reason(&glob), "no network");
}

#[test]
fn deny_without_reason_on_a_glob_names_the_pattern() {
    let compiled = policy(
        json!({"version": "1", "default": "allow", "tools": {"drop_*": {"action": "deny", "reason": "  "}}}),
    );
    let decision = compiled.evaluate("drop_table", &Value::Null);
    assert_eq!(
        reason(&decision),
        "tools matching \"drop_*\" are denied by this policy"
    );
}
