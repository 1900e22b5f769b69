//! Parsing and filtering a 200-tool `tools/list` answer, as the gateway does for every list request:
//! the upstream's whole JSON-RPC response in, the filtered response out. The tools are the real
//! catalogs of `shared/fixtures/catalogs/` (169 tools), duplicated under new names up to 200; the
//! filter is a compiled policy's `lists_tool` (`default: deny` allowing 100 of them, two hide globs).
//! The `serde_json::Value` round trip is the naive way, for comparison.
//!
//! Run: `cargo bench -p toolgate-mcp --bench tools_list`.

use std::hint::black_box;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use serde_json::{Value, json};
use toolgate_mcp::tools::filter_tools_list_response;

const CATALOGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/catalogs/");
const FILES: [&str; 4] = ["allcanuse", "filesystem", "git", "everything"];
const TOOLS: usize = 200;

fn catalog_tools() -> Vec<Value> {
    let mut tools = Vec::new();
    for file in FILES {
        let path = format!("{CATALOGS}{file}.tools.json");
        let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {path}: {error}"));
        let catalog: Value = serde_json::from_str(&text).expect("a catalog is JSON");
        tools.extend(
            catalog["tools"]
                .as_array()
                .expect("a tools array")
                .iter()
                .cloned(),
        );
    }
    let originals = tools.clone();
    let mut copy = 2;
    while tools.len() < TOOLS {
        for tool in &originals {
            if tools.len() == TOOLS {
                break;
            }
            let mut renamed = tool.clone();
            let name = tool["name"].as_str().expect("a tool name");
            renamed["name"] = Value::from(format!("{name}_{copy}"));
            tools.push(renamed);
        }
        copy += 1;
    }
    tools.truncate(TOOLS);
    tools
}

fn tools_list(c: &mut Criterion) {
    let tools = catalog_tools();
    let names: Vec<String> = tools
        .iter()
        .map(|tool| tool["name"].as_str().expect("name").to_owned())
        .collect();
    let message = serde_json::to_vec(&json!({"jsonrpc": "2.0", "id": 7, "result": {"tools": tools}}))
        .expect("serializable");
    let allowed: serde_json::Map<String, Value> = names
        .iter()
        .step_by(2)
        .map(|name| (name.clone(), json!({})))
        .collect();
    let policy = toolgate_policy::compile(&json!({
        "version": "1", "default": "deny", "hide": ["debug_*", "*_internal"], "tools": allowed
    }))
    .expect("a valid policy");
    let kept = |bytes: &[u8]| {
        let value: Value = serde_json::from_slice(bytes).expect("valid JSON");
        value["result"]["tools"].as_array().map(Vec::len)
    };
    let filtered =
        filter_tools_list_response(&message, |name| policy.lists_tool(name)).expect("a valid answer");
    // Two catalogs share a few names (read_file, write_file), so count what the policy allows.
    let expected = names.iter().filter(|name| allowed.contains_key(*name)).count();
    assert!(expected >= TOOLS / 2, "the policy allows about half the tools");
    assert_eq!(kept(&filtered), Some(expected));

    let mut group = c.benchmark_group("tools_list_200_tools");
    group.throughput(Throughput::Bytes(message.len() as u64));
    group.bench_function("filter_by_policy", |b| {
        b.iter(|| filter_tools_list_response(black_box(&message), |name| policy.lists_tool(name)))
    });
    group.bench_function("filter_keep_all", |b| {
        b.iter(|| filter_tools_list_response(black_box(&message), |_| true))
    });
    group.bench_function("naive_value_round_trip", |b| {
        b.iter(|| {
            let mut value: Value = serde_json::from_slice(black_box(&message)).expect("valid JSON");
            if let Some(tools) = value["result"]["tools"].as_array_mut() {
                tools.retain(|tool| tool["name"].as_str().is_some_and(|name| policy.lists_tool(name)));
            }
            serde_json::to_vec(&value).expect("serializable")
        })
    });
    group.finish();
}

criterion_group!(benches, tools_list);
criterion_main!(benches);
