//! Policy evaluation on the `tools/call` hot path: a 100-tool `default: deny` policy whose every
//! tool has a `require` and two `deny_if` regex rules (the policy `toolgate bench` enforces), and
//! the three ways a call goes: allowed (with two limits to charge), refused by a `deny_if`, refused
//! by a `require`. Also compiling the policy, which happens once per saved version.
//!
//! Run: `cargo bench -p toolgate-policy --bench evaluate`.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use serde_json::{Value, json};
use toolgate_policy::{Decision, compile};

const TOOL_COUNT: usize = 100;
const CALLED_TOOL: &str = "tool_042";

fn policy() -> Value {
    let mut tools = serde_json::Map::new();
    for index in 0..TOOL_COUNT {
        let name = format!("tool_{index:03}");
        let mut rule = json!({
            "require": [{
                "conditions": [{"path": "args.path", "op": "regex", "value": "^/srv/(data|logs|tmp)/[A-Za-z0-9_./-]{1,200}$"}],
                "on_deny": "Only files under /srv/data, /srv/logs and /srv/tmp may be read."
            }],
            "deny_if": [
                {"conditions": [{"path": "args.path", "op": "regex", "value": r"(\.\./|~|\$\{)"}],
                 "on_deny": "Path traversal is not allowed."},
                {"conditions": [{"path": "args.query", "op": "regex", "value": r"(?i)\b(drop|truncate|delete|alter)\b"}],
                 "on_deny": "Only read queries are allowed."}
            ]
        });
        if name == CALLED_TOOL {
            rule["limits"] = json!([
                {"counter": "bench_per_minute", "window": "minute", "max": 1_000_000_000u64, "scope": "grant"},
                {"counter": "bench_per_hour", "window": "hour", "max": 1_000_000_000u64, "scope": "server"}
            ]);
        }
        tools.insert(name, rule);
    }
    json!({"version": "1", "default": "deny", "hide": ["debug_*", "internal_*"], "tools": tools})
}

fn arguments(path: &str, query: &str) -> Value {
    json!({"path": path, "query": query})
}

fn evaluate(c: &mut Criterion) {
    let document = policy();
    let compiled = compile(&document).expect("the benchmark policy is valid");
    let allowed = arguments(
        "/srv/data/reports/2026/q3-summary.csv",
        "select id, total from orders where region = 'eu' limit 10",
    );
    let deny_if = arguments("/srv/data/../../etc/shadow", "select 1");
    let require = arguments("/home/user/notes.txt", "select 1");
    assert!(
        matches!(compiled.evaluate(CALLED_TOOL, &allowed), Decision::Allow { ref limits } if limits.len() == 2)
    );
    assert!(matches!(
        compiled.evaluate(CALLED_TOOL, &deny_if),
        Decision::Refused { .. }
    ));
    assert!(matches!(
        compiled.evaluate(CALLED_TOOL, &require),
        Decision::Refused { .. }
    ));

    let mut group = c.benchmark_group("policy_evaluate_100_tools");
    group.bench_function("allow_two_limits", |b| {
        b.iter(|| compiled.evaluate(black_box(CALLED_TOOL), black_box(&allowed)))
    });
    group.bench_function("deny_if_matches", |b| {
        b.iter(|| compiled.evaluate(black_box(CALLED_TOOL), black_box(&deny_if)))
    });
    group.bench_function("require_fails", |b| {
        b.iter(|| compiled.evaluate(black_box(CALLED_TOOL), black_box(&require)))
    });
    group.bench_function("default_deny_unknown_tool", |b| {
        b.iter(|| compiled.evaluate(black_box("not_in_policy"), black_box(&allowed)))
    });
    group.bench_function("hidden_tool", |b| {
        b.iter(|| compiled.evaluate(black_box("debug_dump"), black_box(&allowed)))
    });
    // What the gateway does before evaluating: arguments arrive as raw JSON text.
    let raw = serde_json::to_string(&allowed).expect("serializable");
    group.bench_function("parse_arguments_then_allow", |b| {
        b.iter(|| {
            let arguments: Value = serde_json::from_str(black_box(&raw)).expect("valid JSON");
            compiled.evaluate(CALLED_TOOL, &arguments)
        })
    });
    group.finish();

    c.bench_function("policy_compile_100_tools", |b| {
        b.iter(|| compile(black_box(&document)))
    });
}

criterion_group!(benches, evaluate);
criterion_main!(benches);
