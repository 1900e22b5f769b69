//! Regex patterns are compiled once per distinct text within a document: sharing must never
//! make one tool's pattern stand in for another's, and a bad pattern is reported everywhere.

use serde_json::json;
use toolgate_policy::{Decision, RefusalKind};

use crate::support::{errors, policy, refusal};

fn allowed(decision: &Decision) -> bool {
    matches!(decision, Decision::Allow { .. })
}

#[test]
fn different_patterns_stay_apart_and_a_repeated_pattern_works_everywhere() {
    let compiled = policy(json!({
        "version": "1",
        "default": "deny",
        "tools": {
            "ls_only": {"require": [{"conditions": [{"path": "args.command", "op": "regex", "value": "^ls( .*)?$"}]}]},
            "pwd_only": {"require": [{"conditions": [{"path": "args.command", "op": "regex", "value": "^pwd( .*)?$"}]}]},
            "also_ls": {
                "require": [{"conditions": [{"path": "args.command", "op": "regex", "value": "^ls( .*)?$"}]}],
                "deny_if": [
                    {"conditions": [{"path": "args.command", "op": "regex", "value": "[;&|]"}]},
                    {"conditions": [
                        {"path": "args.command", "op": "regex", "value": "^ls( .*)?$"},
                        {"path": "args.target", "op": "regex", "value": "^ls( .*)?$"}
                    ]}
                ]
            }
        }
    }));
    let ls = json!({"command": "ls -la"});
    let pwd = json!({"command": "pwd"});
    assert!(allowed(&compiled.evaluate("ls_only", &ls)));
    assert!(allowed(&compiled.evaluate("pwd_only", &pwd)));
    assert_eq!(
        refusal(&compiled.evaluate("ls_only", &pwd)),
        ("/tools/ls_only/require/0", RefusalKind::Condition)
    );
    assert_eq!(
        refusal(&compiled.evaluate("pwd_only", &ls)),
        ("/tools/pwd_only/require/0", RefusalKind::Condition)
    );
    // The same pattern in a second tool and twice within one rule behaves the same everywhere.
    assert!(allowed(&compiled.evaluate("also_ls", &ls)));
    assert_eq!(
        refusal(&compiled.evaluate("also_ls", &pwd)),
        ("/tools/also_ls/require/0", RefusalKind::Condition)
    );
    assert_eq!(
        refusal(&compiled.evaluate("also_ls", &json!({"command": "ls; rm x"}))),
        ("/tools/also_ls/deny_if/0", RefusalKind::Condition)
    );
    assert_eq!(
        refusal(&compiled.evaluate("also_ls", &json!({"command": "ls", "target": "ls /"}))),
        ("/tools/also_ls/deny_if/1", RefusalKind::Condition)
    );
}

#[test]
fn a_bad_pattern_is_reported_at_every_occurrence() {
    let bad = json!({"conditions": [{"path": "args.a", "op": "regex", "value": "(unclosed"}]});
    let found = errors(json!({
        "version": "1",
        "default": "deny",
        "tools": {"x": {"require": [bad.clone()]}, "y": {"deny_if": [bad.clone(), bad]}}
    }));
    let pointers: Vec<&str> = found.iter().map(|error| error.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/tools/x/require/0/conditions/0/value",
            "/tools/y/deny_if/0/conditions/0/value",
            "/tools/y/deny_if/1/conditions/0/value",
        ]
    );
    assert!(found.iter().all(|error| error.message == found[0].message));
    assert!(
        found[0].message.starts_with("invalid regex: "),
        "{}",
        found[0].message
    );
}
