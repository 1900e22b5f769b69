//! The classifier on hand-made definitions: odd names, word pairs, money, and the level rules.

use serde_json::{Value, json};
use toolgate_policy::risk::RiskCategory::{self, Destructive, Execute, Financial, Read, Write};
use toolgate_policy::risk::RiskLevel::{self, Critical, High, Medium};
use toolgate_policy::risk::{Risk, ToolDefinition, classify};

/// Classifies a tool from a name, a description, argument names and annotations.
fn risk(name: &str, description: Option<&str>, arguments: &[&str], annotations: Option<Value>) -> Risk {
    let properties: serde_json::Map<String, Value> = arguments
        .iter()
        .map(|argument| (argument.to_string(), json!({"type": "string"})))
        .collect();
    let schema = json!({"type": "object", "properties": properties});
    let tool = ToolDefinition {
        name,
        description,
        input_schema: Some(&schema),
        annotations: annotations.as_ref(),
    };
    classify(&tool)
}

fn named(name: &str) -> Risk {
    risk(name, None, &[], None)
}

#[track_caller]
fn assert_risk(risk: &Risk, category: RiskCategory, level: RiskLevel) {
    assert_eq!((risk.category, risk.level), (category, level), "{risk:#?}");
}

#[track_caller]
fn assert_evidence(risk: &Risk, text: &str) {
    assert!(
        risk.evidence.iter().any(|line| line == text),
        "no {text:?} in {:#?}",
        risk.evidence
    );
}

#[test]
fn odd_names_split_into_words() {
    assert_eq!(named("deleteUser").category, Destructive);
    assert_eq!(named("HTTPGetRequest").category, Read);
    assert_eq!(named("files.remove").category, Destructive);
    assert_eq!(named("__RUN__").category, Execute);
    assert_eq!(named("get_v2_users").category, Read);
    assert_eq!(named("Shell").category, Execute);
    assert_eq!(named("删除文件").category, Destructive);
    assert_eq!(named(&format!("get_{}", "a".repeat(124))).category, Read);
    // Inflected words in names are not verbs: a list of deleted items only reads.
    assert_eq!(named("list_deleted_items").category, Read);
}

#[test]
fn reading_lead_verb_weakens_execute_nouns_but_not_arguments() {
    assert_eq!(named("which_command").category, Read);
    assert_eq!(named("get_shell_history").category, Read);
    assert_eq!(risk("check_host", None, &["cmd"], None).category, Execute);
}

#[test]
fn pairs_decide_start_stop_and_format() {
    assert_eq!(named("start_process").category, Execute);
    assert_eq!(named("start_timer").category, Write);
    assert_risk(&named("stop_container"), Destructive, High);
    assert_eq!(named("stop_recording").category, Write);
    assert_eq!(named("format_c_code").category, Write);
    let disk = named("format_disk");
    assert_risk(&disk, Destructive, Critical);
    assert_evidence(&disk, "name contains \"format\" + \"disk\" (wipes broadly)");
}

#[test]
fn money_needs_a_money_action_or_money_arguments() {
    assert_risk(
        &risk("transfer_funds", None, &["amount", "currency", "to"], None),
        Financial,
        Critical,
    );
    assert_risk(&named("create_invoice"), Financial, Critical);
    assert_risk(&named("refund_payment"), Financial, Critical);
    assert_risk(
        &risk("send", None, &["iban", "amount"], None),
        Financial,
        Critical,
    );
    assert_eq!(named("get_invoice").category, Read);
    assert_eq!(
        risk("get_exchange_rate", None, &["currency"], None).category,
        Read
    );
    assert_eq!(
        risk("transfer_file", None, &["path", "destination"], None).category,
        Write
    );
    assert_eq!(risk("scroll_page", None, &["amount"], None).category, Write);
}

#[test]
fn destructive_levels() {
    assert_risk(&risk("delete_path", None, &["path"], None), Destructive, High);
    let recursive = risk("delete_path", None, &["path", "recursive"], None);
    assert_risk(&recursive, Destructive, Critical);
    assert_evidence(&recursive, "argument \"recursive\" (wipes broadly)");
    assert_risk(&named("purge_all_records"), Destructive, Critical);
    let scripted = risk("remove_files", None, &["script"], None);
    assert_risk(&scripted, Destructive, Critical);
    assert_evidence(&scripted, "argument \"script\" (also executes)");
}

#[test]
fn execute_levels() {
    assert_risk(&risk("run_shell", None, &["command"], None), Execute, High);
    let remote = risk("run_remote", None, &["command", "remote_host"], None);
    assert_risk(&remote, Execute, Critical);
    assert_evidence(&remote, "argument \"remote_host\" (runs on another machine)");
}

#[test]
fn read_levels() {
    let env = named("get_env");
    assert_risk(&env, Read, Medium);
    assert_evidence(&env, "name contains \"env\" (may expose secrets)");
    assert_risk(
        &risk("list_items", None, &[], Some(json!({"destructiveHint": true}))),
        Read,
        Medium,
    );
}
