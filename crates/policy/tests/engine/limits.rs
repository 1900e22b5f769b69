//! Limit charges (order, amounts, defaults) and approval settings.

use std::sync::Arc;

use serde_json::{Value, json};
use toolgate_policy::{Decision, LimitCharge, OnCounterError, RefusalKind, Scope};

use crate::support::{policy, reason, refusal};

fn limits(decision: &Decision) -> &[LimitCharge] {
    match decision {
        Decision::Allow { limits } | Decision::RequireApproval { limits, .. } => limits,
        other => panic!("expected charges, got {other:?}"),
    }
}

fn summary(decision: &Decision) -> Vec<(String, String, u64)> {
    limits(decision)
        .iter()
        .map(|charge| (charge.rule.to_string(), charge.counter.to_string(), charge.amount))
        .collect()
}

fn owned(items: &[(&str, &str, u64)]) -> Vec<(String, String, u64)> {
    items
        .iter()
        .map(|(rule, counter, amount)| (rule.to_string(), counter.to_string(), *amount))
        .collect()
}

fn shop() -> toolgate_policy::CompiledPolicy {
    policy(json!({
        "version": "1",
        "default": "allow",
        "on_counter_error": "local",
        "all_tools": {"limits": [
            {"counter": "all_calls", "window": "minute", "max": 120},
            {"counter": "daily", "window": 86400, "max": 5000, "scope": "account", "on_counter_error": "open"}
        ]},
        "tools": {
            "pay": {"limits": [
                {"counter": "pay_rate", "window": "second", "max": 2, "scope": "server"},
                {"counter": "spend", "window": "day", "max": 10000, "increment_from": "args.amount"}
            ]},
            "refund": {"action": "require_approval", "limits": [
                {"counter": "spend", "window": "day", "max": 500, "increment_from": "args.cents"}
            ]}
        }
    }))
}

#[test]
fn all_tools_limits_come_first_with_every_field_set() {
    let decision = shop().evaluate("pay", &json!({"amount": 30}));
    let charges = limits(&decision);
    assert_eq!(charges.len(), 4);
    assert_eq!(
        charges[0],
        LimitCharge {
            rule: Arc::from("/all_tools/limits/0"),
            counter: Arc::from("all_calls"),
            window_ms: 60_000,
            max: 120,
            scope: Scope::Grant,
            amount: 1,
            on_counter_error: OnCounterError::Local,
        }
    );
    assert_eq!(charges[1].rule.as_ref(), "/all_tools/limits/1");
    assert_eq!(
        (charges[1].window_ms, charges[1].scope),
        (86_400_000, Scope::Account)
    );
    assert_eq!(charges[1].on_counter_error, OnCounterError::Open);
    assert_eq!(
        (charges[2].window_ms, charges[2].max, charges[2].scope),
        (1_000, 2, Scope::Server)
    );
    assert_eq!(charges[3].rule.as_ref(), "/tools/pay/limits/1");
    assert_eq!((charges[3].counter.as_ref(), charges[3].amount), ("spend", 30));
}

#[test]
fn tools_without_a_rule_still_get_all_tools_limits() {
    let decision = shop().evaluate("browse", &Value::Null);
    assert_eq!(
        summary(&decision),
        owned(&[
            ("/all_tools/limits/0", "all_calls", 1),
            ("/all_tools/limits/1", "daily", 1)
        ])
    );
}

#[test]
fn increment_from_counts_the_argument() {
    let compiled = shop();
    let cases = [
        (json!(30), 30),
        (json!(0), 0),
        (json!(2.1), 3),
        (json!("7"), 7),
        (json!(1e30), u64::MAX),
    ];
    for (amount, charged) in cases {
        let decision = compiled.evaluate("pay", &json!({"amount": amount}));
        assert_eq!(limits(&decision)[3].amount, charged, "amount {amount}");
    }
}

#[test]
fn bad_increment_from_arguments_are_refused_before_approval() {
    let compiled = shop();
    for arguments in [
        json!({}),
        json!({"amount": -1}),
        json!({"amount": "lots"}),
        json!({"amount": [1]}),
        Value::Null,
    ] {
        let decision = compiled.evaluate("pay", &arguments);
        assert_eq!(
            refusal(&decision),
            ("/tools/pay/limits/1", RefusalKind::BadArgument),
            "{arguments}"
        );
        assert_eq!(
            reason(&decision),
            "the argument \"args.amount\" must be a non-negative number: it is counted by the limit on \"spend\""
        );
    }
    let refund = compiled.evaluate("refund", &json!({"amount": 5}));
    assert_eq!(
        refusal(&refund),
        ("/tools/refund/limits/0", RefusalKind::BadArgument)
    );
}

#[test]
fn approvals_carry_their_charges_and_defaults() {
    let decision = shop().evaluate("refund", &json!({"cents": 250}));
    let Decision::RequireApproval {
        rule,
        timeout_ms,
        wait_ms,
        ..
    } = &decision
    else {
        panic!("expected an approval, got {decision:?}");
    };
    assert_eq!(
        (rule.as_ref(), *timeout_ms, *wait_ms),
        ("/tools/refund", 600_000, 25_000)
    );
    assert_eq!(
        summary(&decision),
        owned(&[
            ("/all_tools/limits/0", "all_calls", 1),
            ("/all_tools/limits/1", "daily", 1),
            ("/tools/refund/limits/0", "spend", 250)
        ])
    );
}

#[test]
fn approval_durations() {
    let cases = [
        (json!({}), (600_000, 25_000)),
        (json!({"timeout": "1h", "wait": "5s"}), (3_600_000, 5_000)),
        (json!({"timeout": "24h"}), (86_400_000, 25_000)),
        (json!({"timeout": "10s"}), (10_000, 10_000)),
        (json!({"timeout": 90, "wait": 0}), (90_000, 0)),
        (json!({"wait": "1m30s"}), (600_000, 90_000)),
    ];
    for (approval, (timeout, wait)) in cases {
        let compiled = policy(json!({"version": "1", "default": "deny", "tools": {"t": {
            "action": "require_approval", "approval": approval
        }}}));
        let decision = compiled.evaluate("t", &json!({}));
        let Decision::RequireApproval {
            timeout_ms,
            wait_ms,
            limits,
            ..
        } = decision
        else {
            panic!("expected an approval");
        };
        assert_eq!((timeout_ms, wait_ms), (timeout, wait), "{approval}");
        assert!(limits.is_empty());
    }
}

#[test]
fn document_on_counter_error_defaults_to_closed() {
    let compiled = policy(json!({"version": "1", "default": "allow", "pin_tools": true,
        "all_tools": {"limits": [{"counter": "c", "window": 10, "max": 1}]}}));
    assert!(compiled.pin_tools());
    let decision = compiled.evaluate("x", &Value::Null);
    assert_eq!(limits(&decision)[0].on_counter_error, OnCounterError::Closed);
    assert_eq!(limits(&decision)[0].window_ms, 10_000);
}

#[test]
fn a_counter_shared_with_the_same_window_and_scope_is_fine() {
    let compiled = policy(json!({"version": "1", "default": "deny", "tools": {
        "a": {"limits": [{"counter": "budget", "window": "hour", "max": 10}]},
        "b": {"limits": [{"counter": "budget", "window": 3600, "max": 20, "scope": "grant", "on_counter_error": "open"}]}
    }}));
    let a = compiled.evaluate("a", &Value::Null);
    let b = compiled.evaluate("b", &Value::Null);
    assert_eq!((limits(&a)[0].max, limits(&b)[0].max), (10, 20));
    assert_eq!(limits(&a)[0].counter, limits(&b)[0].counter);
}
