//! Argument names (top-level `inputSchema.properties` keys) as evidence.

use serde_json::Value;

use super::RiskCategory::{self, Execute, Financial, Read, Write};
use super::signals::{Context, Findings, Modifier, Strength};
use super::tokens::split_name;

/// Top-level property names of an input schema, in schema order.
pub(crate) fn names(schema: Option<&Value>) -> Vec<String> {
    schema
        .and_then(|schema| schema.get("properties"))
        .and_then(Value::as_object)
        .map(|properties| properties.keys().cloned().collect())
        .unwrap_or_default()
}

fn has_word(words: &[String], wanted: &[&str]) -> bool {
    words.iter().any(|word| wanted.contains(&word.as_str()))
}

/// Arguments that carry something to run.
const EXECUTE_WORDS: &[&str] = &[
    "command",
    "commands",
    "cmd",
    "script",
    "shell",
    "sql",
    "exec",
    "powershell",
    "bash",
];
const EXECUTE_NAMES: &[&str] = &[
    "code",
    "source_code",
    "javascript",
    "python",
    "program",
    "snippet",
];
/// Arguments that run something only when the tool talks to a database.
const QUERY_NAMES: &[&str] = &["query", "statement", "stmt", "queries"];
/// Arguments that say where output lands.
const WRITE_WORDS: &[&str] = &["overwrite", "destination", "dest"];
const WRITE_NAMES: &[&str] = &[
    "output_path",
    "output_dir",
    "output_file",
    "out_path",
    "out_dir",
    "outfile",
    "save_to",
    "save_path",
    "target_path",
    "target_dir",
    "in_place",
];
const CONTENT_NAMES: &[&str] = &[
    "content",
    "contents",
    "new_content",
    "new_text",
    "file_content",
    "data",
];
const PATH_NAMES: &[&str] = &["path", "file", "file_path", "filepath", "filename"];
const BANKING_NAMES: &[&str] = &[
    "iban",
    "bic",
    "swift",
    "account_number",
    "card_number",
    "routing_number",
    "cvv",
    "cvc",
    "sort_code",
];
const MONEY_NAMES: &[&str] = &["amount", "currency"];

/// Whether an argument is about money at all (for `transfer`).
pub(crate) fn any_money(context: &Context) -> bool {
    context.argument_names.iter().any(|name| {
        let name = name.to_ascii_lowercase();
        BANKING_NAMES.contains(&name.as_str()) || MONEY_NAMES.contains(&name.as_str())
    })
}

pub(crate) fn read(context: &Context, lead: Option<RiskCategory>, findings: &mut Findings) {
    let database = context.mentions_database();
    let lowered: Vec<String> = context
        .argument_names
        .iter()
        .map(|name| name.to_ascii_lowercase())
        .collect();
    let mut money_arguments = Vec::new();
    for (original, name) in context.argument_names.iter().zip(&lowered) {
        let words = split_name(original);
        let subject = format!("argument \"{original}\"");
        let is = |list: &[&str]| list.contains(&name.as_str());
        if has_word(&words, EXECUTE_WORDS) || is(EXECUTE_NAMES) {
            findings.push(Execute, Strength::Strong, subject.clone(), subject.clone());
        } else if is(QUERY_NAMES) && database {
            findings.push(
                Execute,
                Strength::Strong,
                subject.clone(),
                format!("{subject} (SQL on a database)"),
            );
        } else if words.first().is_some_and(|first| first == "run") {
            // `run_args`, `run_after_compile`; not `dryRun`, which runs nothing.
            findings.push(Execute, Strength::Weak(1), subject.clone(), subject.clone());
        }
        let overwrite = has_word(&words, &["overwrite"]);
        let write_evidence = if overwrite {
            format!("{subject} (can replace existing data)")
        } else {
            subject.clone()
        };
        if overwrite {
            findings.note(Modifier::Overwrite, write_evidence.clone());
        }
        if has_word(&words, WRITE_WORDS) || is(WRITE_NAMES) {
            findings.push(Write, Strength::Strong, subject.clone(), write_evidence);
        }
        if has_word(&words, &["url", "uri", "endpoint", "webhook"]) {
            findings.note(Modifier::OpenWorld, format!("{subject} (reaches the network)"));
        }
        if has_word(&words, &["remote", "ssh"]) {
            findings.note(Modifier::Remote, format!("{subject} (runs on another machine)"));
        }
        if has_word(&words, &["recursive"]) {
            findings.note(Modifier::BroadWipe, format!("{subject} (wipes broadly)"));
        }
        if is(BANKING_NAMES) || is(MONEY_NAMES) {
            money_arguments.push((original, is(BANKING_NAMES)));
        }
    }
    let named = |list: &[&str]| {
        let mut pairs = context.argument_names.iter().zip(&lowered);
        pairs
            .find(|(_, name)| list.contains(&name.as_str()))
            .map(|(original, _)| original)
    };
    if let (Some(content), Some(path)) = (named(CONTENT_NAMES), named(PATH_NAMES)) {
        let subject = format!("arguments \"{path}\" + \"{content}\"");
        findings.push(Write, Strength::Weak(1), subject.clone(), subject);
    }
    read_money(&money_arguments, context, lead, findings);
}

/// Banking details are Financial on their own; `amount`/`currency` need each other or a money
/// word in the name or description (a lone `amount` may be a scroll distance). A reading lead
/// verb (`validate_iban`, `get_exchange_rate`) makes them weak.
fn read_money(
    arguments: &[(&String, bool)],
    context: &Context,
    lead: Option<RiskCategory>,
    findings: &mut Findings,
) {
    let convincing = arguments.len() >= 2 || context.mentions_money();
    for &(name, banking) in arguments {
        if !(banking || convincing) {
            continue;
        }
        let strength = match lead {
            Some(Read) => Strength::Weak(1),
            _ => Strength::Strong,
        };
        let subject = format!("argument \"{name}\"");
        findings.push(Financial, strength, subject.clone(), subject);
    }
}
