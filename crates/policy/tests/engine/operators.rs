//! Every operator, both path forms, missing paths and type mismatches.

use serde_json::{Value, json};
use toolgate_policy::{Decision, RefusalKind};

use crate::support::{policy, refusal};

/// Whether `condition` holds for `arguments`, checked through both a `require` and a `deny_if`
/// (which must agree: the require refuses exactly when the deny_if does not match).
fn holds(condition: &Value, arguments: &Value) -> bool {
    let rules = |list: &str| {
        policy(
            json!({"version": "1", "default": "allow", "tools": {"t": {list: [{"conditions": [condition]}]}}}),
        )
    };
    let required = match rules("require").evaluate("t", arguments) {
        Decision::Allow { .. } => true,
        refused => {
            assert_eq!(refusal(&refused), ("/tools/t/require/0", RefusalKind::Condition));
            false
        }
    };
    let denied = match rules("deny_if").evaluate("t", arguments) {
        Decision::Allow { .. } => false,
        refused => {
            assert_eq!(refusal(&refused), ("/tools/t/deny_if/0", RefusalKind::Condition));
            true
        }
    };
    assert_eq!(
        required, denied,
        "require and deny_if disagree on {condition} with {arguments}"
    );
    required
}

fn check(op: &str, value: Value, cases: &[(Value, bool)]) {
    let condition = json!({"path": "args.a", "op": op, "value": value});
    for (argument, expected) in cases {
        let arguments = json!({"a": argument});
        assert_eq!(
            holds(&condition, &arguments),
            *expected,
            "{op} {value} with a = {argument}"
        );
    }
    // A missing argument satisfies nothing (exists: false is checked separately).
    assert!(
        !holds(&condition, &json!({"b": 1})),
        "{op} with a missing argument"
    );
    assert!(!holds(&condition, &Value::Null), "{op} without arguments");
}

#[test]
fn eq_compares_json_values_with_numbers_by_value() {
    check(
        "eq",
        json!("x"),
        &[(json!("x"), true), (json!("y"), false), (json!(["x"]), false)],
    );
    check(
        "eq",
        json!(1),
        &[
            (json!(1), true),
            (json!(1.0), true),
            (json!("1"), false),
            (json!(2), false),
        ],
    );
    check("eq", json!(null), &[(json!(null), true), (json!(0), false)]);
    check(
        "eq",
        json!({"k": [1, 2]}),
        &[(json!({"k": [1.0, 2]}), true), (json!({"k": [2, 1]}), false)],
    );
    check("eq", json!(true), &[(json!(true), true), (json!("true"), false)]);
}

#[test]
fn neq_is_false_for_missing_arguments() {
    check(
        "neq",
        json!("x"),
        &[
            (json!("y"), true),
            (json!("x"), false),
            (json!(null), true),
            (json!(1), true),
        ],
    );
    check("neq", json!(2), &[(json!(2.0), false), (json!(3), true)]);
}

#[test]
fn in_and_not_in() {
    check(
        "in",
        json!(["a", 1, null]),
        &[
            (json!("a"), true),
            (json!(1.0), true),
            (json!(null), true),
            (json!("b"), false),
            (json!(["a"]), false),
        ],
    );
    check(
        "not_in",
        json!(["a", 1]),
        &[(json!("b"), true), (json!("a"), false), (json!(1.0), false)],
    );
    check("in", json!([]), &[(json!("a"), false)]);
    check("not_in", json!([]), &[(json!("a"), true)]);
}

#[test]
fn ordering_ops_compare_numbers_and_numeric_strings() {
    let arguments = [
        json!(5),
        json!(10),
        json!(10.0),
        json!(15),
        json!("15"),
        json!(" 5 "),
        json!(-1e3),
        json!(9.99),
    ];
    let expected = [
        ("lt", [true, false, false, false, false, true, true, true]),
        ("lte", [true, true, true, false, false, true, true, true]),
        ("gt", [false, false, false, true, true, false, false, false]),
        ("gte", [false, true, true, true, true, false, false, false]),
    ];
    for (op, results) in expected {
        let cases: Vec<(Value, bool)> = arguments.iter().cloned().zip(results).collect();
        check(op, json!(10), &cases);
        // Type mismatches never hold.
        check(
            op,
            json!(10),
            &[
                (json!("ten"), false),
                (json!(true), false),
                (json!([5]), false),
                (json!(null), false),
            ],
        );
    }
    check(
        "gt",
        json!(u64::MAX - 1),
        &[(json!(u64::MAX), true), (json!(u64::MAX - 1), false)],
    );
    check("lt", json!(-0.5), &[(json!(-1), true), (json!(0), false)]);
}

#[test]
fn regex_searches_strings_unanchored() {
    check(
        "regex",
        json!("[;&|`]"),
        &[
            (json!("ls; rm -rf /"), true),
            (json!("ls -la"), false),
            (json!(22), false),
            (json!(["a;b"]), false),
        ],
    );
    check(
        "regex",
        json!("^(ls|pwd|git status)( .*)?$"),
        &[
            (json!("ls"), true),
            (json!("git status --short"), true),
            (json!("lsblk"), false),
            (json!("echo; ls"), false),
        ],
    );
}

#[test]
fn contains_on_strings_and_arrays() {
    check(
        "contains",
        json!("prod"),
        &[
            (json!("eu-prod-1"), true),
            (json!("staging"), false),
            (json!(["prod"]), true),
            (json!(["production"]), false),
            (json!(7), false),
        ],
    );
    check(
        "contains",
        json!(2),
        &[(json!([1, 2.0]), true), (json!([1]), false), (json!("2"), false)],
    );
    check(
        "contains",
        json!({"k": 1}),
        &[(json!([{"k": 1.0}]), true), (json!({"k": 1}), false)],
    );
}

#[test]
fn exists_defaults_to_true_and_treats_null_as_absent() {
    let present = json!({"path": "args.a", "op": "exists"});
    let absent = json!({"path": "args.a", "op": "exists", "value": false});
    for (arguments, is_present) in [
        (json!({"a": 0}), true),
        (json!({"a": ""}), true),
        (json!({"a": false}), true),
        (json!({"a": null}), false),
        (json!({"b": 1}), false),
        (Value::Null, false),
    ] {
        assert_eq!(holds(&present, &arguments), is_present, "exists with {arguments}");
        assert_eq!(
            holds(&absent, &arguments),
            !is_present,
            "exists false with {arguments}"
        );
    }
}

#[test]
fn both_path_forms_and_quoted_keys() {
    let arguments = json!({"items": [{"name": "first"}, {"name": "second"}], "a.b": {"c": 1}});
    let cases = [
        ("args.items[0].name", "first", true),
        ("args.items[1].name", "second", true),
        ("args.items.1.name", "second", true),
        ("args.items[2].name", "second", false),
        ("args[\"a.b\"].c", "x", false),
    ];
    for (path, value, expected) in cases {
        let condition = json!({"path": path, "op": "eq", "value": value});
        assert_eq!(holds(&condition, &arguments), expected, "{path}");
    }
    assert!(holds(
        &json!({"path": "args[\"a.b\"].c", "op": "eq", "value": 1}),
        &arguments
    ));
    assert!(holds(
        &json!({"path": "args.a.b", "op": "exists", "value": false}),
        &arguments
    ));
}

#[test]
fn bare_args_names_the_whole_arguments() {
    let condition = json!({"path": "args", "op": "exists"});
    assert!(holds(&condition, &json!({})));
    assert!(!holds(&condition, &Value::Null));
    assert!(holds(
        &json!({"path": "args", "op": "eq", "value": {"x": 1}}),
        &json!({"x": 1.0})
    ));
}

#[test]
fn conditions_in_one_rule_are_anded() {
    let compiled = policy(
        json!({"version": "1", "default": "allow", "tools": {"t": {"deny_if": [{
            "conditions": [
                {"path": "args.env", "op": "eq", "value": "prod"},
                {"path": "args.force", "op": "eq", "value": true}
            ],
            "on_deny": "no forced deploys to prod"
        }]}}}),
    );
    let denied = compiled.evaluate("t", &json!({"env": "prod", "force": true}));
    assert_eq!(refusal(&denied), ("/tools/t/deny_if/0", RefusalKind::Condition));
    assert_eq!(crate::support::reason(&denied), "no forced deploys to prod");
    for arguments in [
        json!({"env": "prod"}),
        json!({"env": "dev", "force": true}),
        json!({"force": true}),
    ] {
        assert!(
            matches!(compiled.evaluate("t", &arguments), Decision::Allow { .. }),
            "{arguments}"
        );
    }
}
