//! Validation errors of limits and approvals, with their exact pointers.

use serde_json::{Value, json};

use crate::support::{error_at, errors, with_tool};

fn with_limit(limit: Value) -> Value {
    with_tool(json!({"limits": [limit]}))
}

#[test]
fn approval_durations_are_bounded() {
    let approval = |approval: Value| with_tool(json!({"action": "require_approval", "approval": approval}));
    error_at(approval(json!({"timeout": "25h"})), "/tools/t/approval/timeout");
    error_at(approval(json!({"timeout": "0s"})), "/tools/t/approval/timeout");
    error_at(
        approval(json!({"timeout": "ten minutes"})),
        "/tools/t/approval/timeout",
    );
    error_at(approval(json!({"timeout": -5})), "/tools/t/approval/timeout");
    error_at(approval(json!({"wait": "11m"})), "/tools/t/approval/wait");
    error_at(approval(json!("10m")), "/tools/t/approval");
}

#[test]
fn limit_fields() {
    let limit = |field: &str, value: Value| {
        let mut limit = json!({"counter": "c", "window": "minute", "max": 10});
        limit[field] = value;
        with_limit(limit)
    };
    for window in [
        json!("minutes"),
        json!("week"),
        json!(0),
        json!(1.5),
        json!(-60),
        json!("1500ms"),
        json!(2_678_401),
        json!(null),
    ] {
        error_at(limit("window", window), "/tools/t/limits/0/window");
    }
    for max in [
        json!(0),
        json!(1.5),
        json!(-1),
        json!("10"),
        json!(9_007_199_254_740_992_u64),
    ] {
        error_at(limit("max", max), "/tools/t/limits/0/max");
    }
    error_at(limit("counter", json!("")), "/tools/t/limits/0/counter");
    error_at(limit("counter", json!(7)), "/tools/t/limits/0/counter");
    error_at(limit("scope", json!("user")), "/tools/t/limits/0/scope");
    error_at(
        limit("on_counter_error", json!("retry")),
        "/tools/t/limits/0/on_counter_error",
    );
    error_at(
        limit("increment_from", json!("amount")),
        "/tools/t/limits/0/increment_from",
    );
    error_at(
        limit("increment_from", json!("args")),
        "/tools/t/limits/0/increment_from",
    );
    error_at(
        with_limit(json!({"window": "minute", "max": 1})),
        "/tools/t/limits/0/counter",
    );
    error_at(
        with_limit(json!({"counter": "c", "max": 1})),
        "/tools/t/limits/0/window",
    );
    error_at(
        with_limit(json!({"counter": "c", "window": "hour"})),
        "/tools/t/limits/0/max",
    );
    error_at(with_tool(json!({"limits": {"counter": "c"}})), "/tools/t/limits");
    let all_tools = json!({"version": "1", "default": "allow", "all_tools": {"limits": [
        {"counter": "c", "window": "minute", "max": 1, "increment_from": "args.n"}
    ]}});
    error_at(all_tools, "/all_tools/limits/0/increment_from");
}

#[test]
fn a_counter_reused_with_another_window_or_scope() {
    let document = json!({"version": "1", "default": "deny",
    "all_tools": {"limits": [{"counter": "shared", "window": "minute", "max": 100}]},
    "tools": {
        "a": {"limits": [{"counter": "shared", "window": "hour", "max": 10}]},
        "b": {"limits": [{"counter": "shared", "window": 60, "max": 10, "scope": "account"}]},
        "c": {"limits": [{"counter": "other", "window": "day", "max": 1}, {"counter": "other", "window": "day", "max": 2, "scope": "server"}]}
    }});
    let errors = errors(document);
    let pointers: Vec<&str> = errors.iter().map(|error| error.pointer.as_str()).collect();
    assert_eq!(
        pointers,
        [
            "/tools/a/limits/0/window",
            "/tools/b/limits/0/scope",
            "/tools/c/limits/1/scope"
        ]
    );
    assert_eq!(
        errors[0].message,
        "counter \"shared\" is already used with a different window at /all_tools/limits/0"
    );
    assert_eq!(
        errors[2].message,
        "counter \"other\" is already used with a different scope at /tools/c/limits/0"
    );
}
