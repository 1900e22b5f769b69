//! The documents the project promises to load unchanged.

use serde_json::{Value, json};
use toolgate_policy::{Decision, RefusalKind, compile_str};

use crate::support::{reason, refusal};

const SEED: &str = r#"{"version":"1","default":"deny","tools":{"create_background_task":{"limits":[{"counter":"create_background_task_rate","window":"minute","max":10,"scope":"grant"}]}}}"#;

/// ARCHITECTURE.md §5, verbatim.
const FULL: &str = r#"{
  "version": "1",
  "default": "deny",
  "hide": ["delete_account", "debug_*"],
  "all_tools": { "limits": [ {"counter": "all_calls", "window": "minute", "max": 120, "scope": "grant"} ] },
  "tools": {
    "create_background_task": {
      "limits": [ {"counter": "create_background_task_rate", "window": "minute", "max": 10, "scope": "grant"} ]
    },
    "run_shell": {
      "require": [ {"conditions": [ {"path": "args.command", "op": "regex", "value": "^(ls|pwd|git status)( .*)?$"} ],
                    "on_deny": "Command not on the allowlist."} ],
      "deny_if": [ {"conditions": [ {"path": "args.command", "op": "regex", "value": "[;&|`]"} ],
                    "on_deny": "Shell metacharacters are not allowed."} ]
    },
    "kill_process": { "action": "require_approval", "approval": {"timeout": "10m"} },
    "delete_path":  { "action": "deny", "reason": "Deleting files is not allowed for agents." }
  }
}"#;

/// The shapes shown in PolicyLayer's "Writing policies" page.
const POLICYLAYER: &str = r#"{
  "version": "1",
  "default": "deny",
  "hide": ["delete_account"],
  "all_tools": { "limits": [] },
  "tools": {
    "create_charge": { "require": [], "deny_if": [], "limits": [] },
    "list_customers": {}
  }
}"#;

#[test]
fn seed_example_loads() {
    let compiled = compile_str(SEED).expect("seed example loads");
    let decision = compiled.evaluate("create_background_task", &json!({"title": "x"}));
    let Decision::Allow { limits } = decision else {
        panic!("expected allow")
    };
    assert_eq!(limits.len(), 1);
    assert_eq!(limits[0].rule.as_ref(), "/tools/create_background_task/limits/0");
    assert_eq!((limits[0].window_ms, limits[0].max), (60_000, 10));
    assert_eq!(
        refusal(&compiled.evaluate("run_shell", &Value::Null)).1,
        RefusalKind::DefaultDeny
    );
}

#[test]
fn architecture_example_loads_and_decides() {
    let compiled = compile_str(FULL).expect("architecture example loads");
    let shell = |command: &str| compiled.evaluate("run_shell", &json!({"command": command}));
    assert!(matches!(shell("git status --short"), Decision::Allow { .. }));
    let metachar = shell("ls; rm -rf /");
    assert_eq!(
        refusal(&metachar),
        ("/tools/run_shell/deny_if/0", RefusalKind::Condition)
    );
    assert_eq!(reason(&metachar), "Shell metacharacters are not allowed.");
    let not_listed = shell("rm -rf /");
    assert_eq!(
        refusal(&not_listed),
        ("/tools/run_shell/require/0", RefusalKind::Condition)
    );
    assert_eq!(reason(&not_listed), "Command not on the allowlist.");
    let no_command = compiled.evaluate("run_shell", &json!({}));
    assert_eq!(refusal(&no_command).0, "/tools/run_shell/require/0");

    let deleted = compiled.evaluate("delete_path", &json!({"path": "/"}));
    assert_eq!(refusal(&deleted), ("/tools/delete_path", RefusalKind::Denied));
    assert_eq!(reason(&deleted), "Deleting files is not allowed for agents.");
    assert!(compiled.lists_tool("delete_path"));

    let kill = compiled.evaluate("kill_process", &json!({"pid": 7}));
    let Decision::RequireApproval {
        timeout_ms,
        ref limits,
        ..
    } = kill
    else {
        panic!("expected approval")
    };
    assert_eq!((timeout_ms, limits.len()), (600_000, 1));

    for hidden in ["delete_account", "debug_dump"] {
        assert_eq!(compiled.evaluate(hidden, &Value::Null), Decision::Hidden);
    }
    let task = compiled.evaluate("create_background_task", &Value::Null);
    let Decision::Allow { limits } = task else {
        panic!("expected allow")
    };
    let counters: Vec<&str> = limits.iter().map(|charge| charge.counter.as_ref()).collect();
    assert_eq!(counters, ["all_calls", "create_background_task_rate"]);
    assert!(!compiled.lists_tool("unlisted_tool"));
}

#[test]
fn policylayer_shapes_load() {
    let compiled = compile_str(POLICYLAYER).expect("policylayer example loads");
    assert_eq!(
        compiled.evaluate("create_charge", &json!({})),
        Decision::Allow { limits: vec![] }
    );
    assert_eq!(
        compiled.evaluate("list_customers", &Value::Null),
        Decision::Allow { limits: vec![] }
    );
    assert_eq!(
        compiled.evaluate("delete_account", &Value::Null),
        Decision::Hidden
    );
}

#[test]
fn compiled_policy_is_shareable() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<toolgate_policy::CompiledPolicy>();
    assert_send_sync::<Decision>();
}
