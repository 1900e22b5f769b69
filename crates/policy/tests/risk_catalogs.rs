//! The classifier against a careful person's reading of four real catalogs
//! (`shared/fixtures/catalogs/`). Every tool is either in EXPECTED or in SKIPPED with a reason.
//!
//! Skipped as genuinely ambiguous:
//! - allcanuse `check_c_syntax`, `preprocess_c_source`: read-only by purpose, but they start a
//!   caller-chosen `preferred_compiler` with `extra_args`/`defines` (Read by purpose, Execute by
//!   mechanism).
//! - allcanuse `cancel_background_task`: cancelling a watch job is irreversible but loses
//!   nothing except the wait (Write or Destructive).
//! - allcanuse `capture_screenshot`, `capture_camera_photo`: read the screen or a camera, but
//!   switch on a device and save a file; privacy-sensitive (Read by data flow, Write by effect).
//! - allcanuse `http_request`, `websocket_connect`, `raw_tcp_exchange`, `udp_send_receive`:
//!   send arbitrary methods/bytes to any host: a probe or a remote write depending on the call.
//! - git `git_reset`: named and annotated destructive, described as only unstaging (working
//!   tree untouched): Write or Destructive.
//! - everything `gzip-file-as-resource`: fetches an arbitrary URL and stores a session
//!   resource: neither plainly Read nor Write.

use std::collections::HashSet;

use serde_json::Value;
use toolgate_policy::risk::RiskCategory::{self, Destructive, Execute, Read, Write};
use toolgate_policy::risk::{ToolDefinition, classify};

const CATALOGS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/fixtures/catalogs/");

const A: &str = "allcanuse";
const F: &str = "filesystem";
const G: &str = "git";
const E: &str = "everything";

const SKIPPED: &[(&str, &str)] = &[
    (A, "check_c_syntax"),
    (A, "preprocess_c_source"),
    (A, "cancel_background_task"),
    (A, "capture_screenshot"),
    (A, "capture_camera_photo"),
    (A, "http_request"),
    (A, "websocket_connect"),
    (A, "raw_tcp_exchange"),
    (A, "udp_send_receive"),
    (G, "git_reset"),
    (E, "gzip-file-as-resource"),
];

#[rustfmt::skip]
const EXPECTED: &[(&str, &str, RiskCategory)] = &[
    (A, "list_all_tools", Read), (A, "get_system_info", Read), (A, "get_env", Read),
    (A, "get_time", Read), (A, "get_disk_usage", Read), (A, "get_network_config", Read),
    (A, "get_ipconfig", Read), (A, "list_network_adapters", Read),
    (A, "run_shell", Execute), (A, "run_cmd", Execute), (A, "run_powershell", Execute),
    (A, "start_process", Execute), (A, "start_managed_process", Execute),
    (A, "list_managed_processes", Read), (A, "get_managed_process", Read),
    (A, "note_managed_process", Write), (A, "stop_managed_process", Destructive),
    (A, "kill_process", Destructive), (A, "list_processes", Read), (A, "get_process_tree", Read),
    (A, "find_port_process", Read), (A, "list_tree", Read), (A, "read_file", Read),
    (A, "write_file", Write), (A, "patch_lines", Write), (A, "replace_text", Write),
    (A, "mkdir", Write), (A, "move_path", Write), (A, "delete_path", Destructive),
    (A, "zip_paths", Write), (A, "extract_archive", Write), (A, "list_desktop_files", Read),
    (A, "find_files", Read), (A, "search_text", Read), (A, "stat_path", Read),
    (A, "copy_path", Write), (A, "hash_file", Read), (A, "read_binary_file", Read),
    (A, "write_binary_file", Write), (A, "list_recent_files", Read), (A, "read_json_file", Read),
    (A, "write_json_file", Write), (A, "which_command", Read), (A, "scan_suspicious_files", Read),
    (A, "deploy_and_update_service", Execute),
    // "只读" (read-only) in the description, but they run the caller's SQL.
    (A, "extract_sqlite_content", Execute), (A, "extract_postgresql_content", Execute),
    (A, "extract_mysql_content", Execute),
    (A, "detect_c_toolchains", Read), (A, "compile_c_program", Execute),
    (A, "inspect_c_source", Read), (A, "scan_c_memory_risks", Read), (A, "scan_c_numeric_risks", Read),
    (A, "evaluate_c_math_expression", Execute),
    (A, "generate_c_numeric_test_harness", Write), (A, "generate_c_math_utils_header", Write),
    (A, "generate_c_vector_math_header", Write), (A, "generate_c_lookup_table_header", Write),
    (A, "generate_c_polynomial_eval_header", Write), (A, "generate_c_matrix_math_header", Write),
    (A, "generate_c_matrix_algorithms_header", Write), (A, "generate_c_statistics_header", Write),
    (A, "generate_c_fixed_point_header", Write), (A, "generate_c_build_files", Write),
    (A, "format_c_code", Write), (A, "list_installed_microsoft_software", Read),
    (A, "inspect_excel_workbook", Read), (A, "inspect_word_document", Read),
    (A, "inspect_powerpoint_presentation", Read), (A, "list_cameras", Read),
    (A, "wait", Read), (A, "wait_until", Read), (A, "get_scheduler_time", Read),
    (A, "wait_for_file", Read), (A, "wait_for_process", Read), (A, "wait_for_port", Read),
    (A, "wait_for_http", Read), (A, "wait_for_window", Read), (A, "wait_for_desktop_change", Read),
    (A, "create_background_task", Write), (A, "list_background_tasks", Read),
    (A, "get_background_task", Read), (A, "pause_background_task", Write),
    (A, "resume_background_task", Write), (A, "wait_for_background_task", Read),
    (A, "create_task_plan", Write), (A, "update_task_step", Write), (A, "append_task_event", Write),
    (A, "record_task_artifact", Write), (A, "summarize_background_task", Read),
    (A, "get_task_handoff", Read), (A, "mark_task_waiting_for_user", Write),
    (A, "mark_task_waiting_for_condition", Write), (A, "list_windows", Read),
    (A, "get_active_window", Read), (A, "get_desktop_context", Read),
    (A, "download_file", Write), (A, "http_head", Read), (A, "fetch_response_headers", Read),
    (A, "submit_web_form", Write), (A, "upload_file", Write), (A, "fetch_webpage_text", Read),
    (A, "webpage_to_markdown", Read), (A, "extract_links_from_webpage", Read),
    (A, "extract_webpage_metadata", Read), (A, "crawl_webpages", Read),
    (A, "extract_tables_from_webpage", Read), (A, "extract_webpage_elements", Read),
    (A, "trace_http_redirects", Read), (A, "trace_route", Read), (A, "resolve_dns_records", Read),
    (A, "reverse_dns_lookup", Read), (A, "dns_lookup", Read), (A, "get_tls_certificate", Read),
    (A, "ping_host", Read), (A, "tcp_connect", Read), (A, "scan_ports", Read),
    (A, "list_established_connections", Read), (A, "list_listening_ports", Read),
    (A, "audit_seo", Read), (A, "optimize_images_for_memory", Write),
    (F, "read_file", Read), (F, "read_text_file", Read), (F, "read_media_file", Read),
    (F, "read_multiple_files", Read), (F, "write_file", Write), (F, "edit_file", Write),
    (F, "create_directory", Write), (F, "list_directory", Read), (F, "list_directory_with_sizes", Read),
    (F, "directory_tree", Read), (F, "move_file", Write), (F, "search_files", Read),
    (F, "get_file_info", Read), (F, "list_allowed_directories", Read),
    (G, "git_status", Read), (G, "git_diff_unstaged", Read), (G, "git_diff_staged", Read),
    (G, "git_diff", Read), (G, "git_commit", Write), (G, "git_add", Write), (G, "git_log", Read),
    (G, "git_create_branch", Write), (G, "git_checkout", Write), (G, "git_show", Read),
    (G, "git_branch", Read),
    (E, "echo", Read), (E, "get-annotated-message", Read), (E, "get-env", Read),
    (E, "get-resource-links", Read), (E, "get-resource-reference", Read),
    (E, "get-structured-content", Read), (E, "get-sum", Read), (E, "get-tiny-image", Read),
    (E, "toggle-simulated-logging", Write), (E, "toggle-subscriber-updates", Write),
    (E, "trigger-long-running-operation", Read), (E, "simulate-research-query", Read),
];

fn catalog(name: &str) -> Value {
    let path = format!("{CATALOGS}{name}.tools.json");
    let text = std::fs::read_to_string(&path).unwrap_or_else(|error| panic!("read {path}: {error}"));
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("parse {path}: {error}"))
}

fn tools(catalog: &Value) -> &[Value] {
    catalog["tools"]
        .as_array()
        .map(Vec::as_slice)
        .expect("a tools array")
}

#[test]
fn every_catalog_tool_is_expected_or_skipped_once() {
    let mut listed = HashSet::new();
    for (name, tool) in EXPECTED
        .iter()
        .map(|(c, t, _)| (c, t))
        .chain(SKIPPED.iter().map(|(c, t)| (c, t)))
    {
        assert!(listed.insert((*name, *tool)), "{name}/{tool} listed twice");
    }
    let mut total = 0;
    for name in [A, F, G, E] {
        for tool in tools(&catalog(name)) {
            let tool_name = tool["name"].as_str().expect("a tool name");
            assert!(
                listed.contains(&(name, tool_name)),
                "{name}/{tool_name} is neither expected nor skipped"
            );
            total += 1;
        }
    }
    assert_eq!(total, listed.len(), "a listed tool is missing from its catalog");
    assert_eq!(total, 130 + 14 + 12 + 13);
}

#[test]
fn classifier_agrees_with_the_expectations() {
    let catalogs: Vec<(&str, Value)> = [A, F, G, E]
        .into_iter()
        .map(|name| (name, catalog(name)))
        .collect();
    let mut agreed_by_catalog = Vec::new();
    let mut disagreements = Vec::new();
    for (name, catalog) in &catalogs {
        let expected: Vec<_> = EXPECTED.iter().filter(|(c, _, _)| c == name).collect();
        let mut agreed = 0;
        for (_, tool_name, category) in &expected {
            let tool = tools(catalog)
                .iter()
                .find(|tool| tool["name"] == *tool_name)
                .expect("tool in catalog");
            let risk = classify(&ToolDefinition::from_json(tool).expect("a definition"));
            if risk.category == *category {
                agreed += 1;
            } else {
                disagreements.push(format!("{name}/{tool_name}: expected {category:?}, got {risk:?}"));
            }
        }
        agreed_by_catalog.push((*name, agreed, expected.len()));
    }
    for line in &disagreements {
        println!("disagreement: {line}");
    }
    let percent = |agreed: usize, total: usize| agreed as f64 * 100.0 / total as f64;
    for (name, agreed, total) in &agreed_by_catalog {
        println!("{name}: {agreed}/{total} ({:.1} %)", percent(*agreed, *total));
    }
    let agreed: usize = agreed_by_catalog.iter().map(|(_, agreed, _)| agreed).sum();
    let total: usize = agreed_by_catalog.iter().map(|(_, _, total)| total).sum();
    println!("overall: {agreed}/{total} ({:.1} %)", percent(agreed, total));
    assert!(percent(agreed, total) >= 90.0, "overall agreement below 90 %");
    let (_, allcanuse_agreed, allcanuse_total) = agreed_by_catalog[0];
    assert!(
        percent(allcanuse_agreed, allcanuse_total) >= 90.0,
        "allcanuse agreement below 90 %"
    );
}
