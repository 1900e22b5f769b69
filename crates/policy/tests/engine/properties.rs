//! Properties: compiling never panics and reports pointers into the document; evaluation never
//! panics, is deterministic, and agrees with `lists_tool`.

use std::sync::OnceLock;

use proptest::prelude::*;
use proptest::sample::{Index, select};
use serde_json::{Map, Value, json};
use toolgate_policy::{CompiledPolicy, Decision, RefusalKind, compile, compile_str};

use crate::support::policy;

/// Words of the policy language, so random documents often reach deep into validation.
const WORDS: &[&str] = &[
    "version",
    "default",
    "hide",
    "all_tools",
    "tools",
    "on_counter_error",
    "pin_tools",
    "action",
    "reason",
    "approval",
    "timeout",
    "wait",
    "limits",
    "require",
    "deny_if",
    "conditions",
    "on_deny",
    "path",
    "op",
    "value",
    "counter",
    "window",
    "max",
    "scope",
    "increment_from",
    "1",
    "allow",
    "deny",
    "require_approval",
    "minute",
    "day",
    "grant",
    "account",
    "closed",
    "local",
    "eq",
    "neq",
    "in",
    "not_in",
    "lt",
    "gte",
    "regex",
    "contains",
    "exists",
    "args",
    "args.a",
    "args.items[0].name",
    "10m",
    "25h",
    "*",
    "run_*",
    "[",
    "^a+$",
    "a/b~c",
];

fn word() -> impl Strategy<Value = String> {
    prop_oneof![select(WORDS).prop_map(str::to_owned), ".{0,6}"]
}

fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        word().prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            prop::collection::vec((word(), inner), 0..6)
                .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
        ]
    })
}

fn rich_document() -> Value {
    json!({
        "version": "1",
        "default": "deny",
        "hide": ["secret_*", "drop_db"],
        "on_counter_error": "open",
        "all_tools": {"limits": [{"counter": "all", "window": "minute", "max": 100}]},
        "tools": {
            "run_shell": {
                "require": [{"conditions": [{"path": "args.command", "op": "regex", "value": "^(ls|pwd)( .*)?$"}], "on_deny": "no"}],
                "deny_if": [{"conditions": [{"path": "args.command", "op": "regex", "value": "[;&|]"}]}]
            },
            "pay": {
                "action": "require_approval",
                "approval": {"timeout": "1h", "wait": "5s"},
                "deny_if": [{"conditions": [{"path": "args.amount", "op": "gt", "value": 500}]}],
                "limits": [{"counter": "spend", "window": "day", "max": 1000, "increment_from": "args.amount"}]
            },
            "fs/*": {"require": [{"conditions": [
                {"path": "args.path", "op": "not_in", "value": ["/etc", "/root"]},
                {"path": "args.items[0].name", "op": "exists", "value": false}
            ]}]},
            "get_*": {},
            "get_secret*": {"action": "deny", "reason": "secrets"},
            "tag": {"deny_if": [
                {"conditions": [{"path": "args.tags", "op": "contains", "value": "prod"}]},
                {"conditions": [{"path": "args.n", "op": "lte", "value": -1}, {"path": "args.m", "op": "neq", "value": null}]}
            ]},
            "modes": {"require": [{"conditions": [
                {"path": "args.mode", "op": "in", "value": ["a", 1, {"x": [1]}]},
                {"path": "args.level", "op": "gte", "value": 2.5},
                {"path": "args.level", "op": "lt", "value": 1e10},
                {"path": "args[\"odd.key\"]", "op": "eq", "value": "v"}
            ]}]}
        }
    })
}

fn rich_policy() -> &'static CompiledPolicy {
    static POLICY: OnceLock<CompiledPolicy> = OnceLock::new();
    POLICY.get_or_init(|| policy(rich_document()))
}

/// Every pointer in a document (RFC 6901, escaped), the root excluded.
fn pointers(value: &Value, prefix: &str, out: &mut Vec<String>) {
    let children: Vec<(String, &Value)> = match value {
        Value::Object(members) => members
            .iter()
            .map(|(key, child)| (key.replace('~', "~0").replace('/', "~1"), child))
            .collect(),
        Value::Array(items) => items
            .iter()
            .enumerate()
            .map(|(index, child)| (index.to_string(), child))
            .collect(),
        _ => return,
    };
    for (token, child) in children {
        let pointer = format!("{prefix}/{token}");
        pointers(child, &pointer, out);
        out.push(pointer);
    }
}

/// Replaces (or, without a replacement, removes) the member or element at one pointer.
fn mutate(document: &mut Value, pointer: &str, replacement: Option<Value>) {
    let (parent, token) = pointer.rsplit_once('/').expect("pointer has a parent");
    let key = token.replace("~1", "/").replace("~0", "~");
    match (document.pointer_mut(parent), replacement) {
        (Some(Value::Object(members)), Some(value)) => {
            members.insert(key, value);
        }
        (Some(Value::Object(members)), None) => {
            members.shift_remove(&key);
        }
        (Some(Value::Array(items)), Some(value)) => {
            let index: usize = key.parse().expect("array index");
            items[index] = value;
        }
        (Some(Value::Array(items)), None) => {
            let index: usize = key.parse().expect("array index");
            items.remove(index);
        }
        _ => {}
    }
}

/// An error's pointer names a place in the document, or a missing member of a place in it.
fn assert_pointers_locate(
    document: &Value,
    result: &Result<CompiledPolicy, Vec<toolgate_policy::PolicyError>>,
) {
    let Err(errors) = result else { return };
    assert!(!errors.is_empty());
    for error in errors {
        let parent = error.pointer.rsplit_once('/').map_or("", |(parent, _)| parent);
        assert!(
            document.pointer(&error.pointer).is_some() || document.pointer(parent).is_some(),
            "{} does not locate anything in {document}",
            error.pointer
        );
    }
}

fn tool_name() -> impl Strategy<Value = String> {
    prop_oneof![
        select(
            &[
                "run_shell",
                "pay",
                "fs/read",
                "get_x",
                "get_secret_key",
                "tag",
                "modes",
                "drop_db",
                "secret_a",
                "nope"
            ][..]
        )
        .prop_map(str::to_owned),
        "[a-z_/]{0,12}",
        ".{0,8}",
    ]
}

fn arguments() -> impl Strategy<Value = Value> {
    let field = prop_oneof![
        json_value(),
        Just(json!("ls -la")),
        Just(json!(250)),
        Just(json!("/etc")),
        Just(json!(["prod"]))
    ];
    prop_oneof![
        json_value(),
        prop::collection::vec(
            (
                select(
                    &[
                        "command", "amount", "path", "items", "tags", "n", "m", "mode", "level", "odd.key"
                    ][..]
                ),
                field
            ),
            0..6
        )
        .prop_map(|members| Value::Object(
            members
                .into_iter()
                .map(|(key, value)| (key.to_owned(), value))
                .collect()
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn compile_never_panics_on_arbitrary_json(document in json_value()) {
        let first = compile(&document);
        assert_pointers_locate(&document, &first);
        let again = compile(&document);
        prop_assert_eq!(first.err(), again.err());
    }

    #[test]
    fn compile_str_never_panics_on_arbitrary_text(text in ".{0,64}") {
        let _ = compile_str(&text);
    }

    #[test]
    fn compile_never_panics_on_mutated_valid_documents(
        picks in prop::collection::vec((any::<Index>(), prop::option::of(json_value())), 1..4)
    ) {
        let mut document = rich_document();
        for (pick, replacement) in picks {
            let mut all = Vec::new();
            pointers(&document, "", &mut all);
            if all.is_empty() {
                break;
            }
            let pointer = pick.get(&all).clone();
            mutate(&mut document, &pointer, replacement);
        }
        let result = compile(&document);
        assert_pointers_locate(&document, &result);
        if let Ok(compiled) = result {
            let _ = compiled.evaluate("pay", &json!({"amount": 1}));
        }
    }

    #[test]
    fn evaluate_never_panics_and_is_deterministic(tool in tool_name(), arguments in arguments()) {
        let compiled = rich_policy();
        let first = compiled.evaluate(&tool, &arguments);
        let second = compiled.evaluate(&tool, &arguments);
        prop_assert_eq!(&first, &second);
        let unlisted = matches!(first, Decision::Hidden)
            || matches!(first, Decision::Refused { kind: RefusalKind::DefaultDeny, .. });
        prop_assert_eq!(compiled.lists_tool(&tool), !unlisted);
        if let Decision::Allow { limits } | Decision::RequireApproval { limits, .. } = &first {
            prop_assert_eq!(limits.first().map(|charge| charge.counter.as_ref()), Some("all"));
        }
    }
}
