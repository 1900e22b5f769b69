//! `toolgate policy check` and the policy examples in the docs.

use std::process::Command;

fn toolgate() -> Command {
    Command::new(env!("CARGO_BIN_EXE_toolgate"))
}

fn json_blocks(markdown: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in markdown.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```json") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    blocks
}

#[test]
fn the_documented_policy_examples_are_valid() {
    let docs = include_str!("../../../docs/POLICY.md");
    let blocks = json_blocks(docs);
    assert!(!blocks.is_empty(), "docs/POLICY.md has no json example");
    for block in blocks {
        if let Err(errors) = toolgate_policy::compile_str(&block) {
            panic!("invalid example in docs/POLICY.md: {errors:?}\n{block}");
        }
    }
}

#[test]
fn policy_check_prints_pointers_and_fails_on_errors() {
    let folder = tempfile::tempdir().expect("tempdir");
    let good = folder.path().join("good.json");
    std::fs::write(&good, r#"{"version":"1","default":"deny","tools":{"create_background_task":{"limits":[{"counter":"create_background_task_rate","window":"minute","max":10,"scope":"grant"}]}}}"#)
        .expect("write");
    let output = toolgate()
        .args(["policy", "check"])
        .arg(&good)
        .output()
        .expect("run");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );

    let bad = folder.path().join("bad.json");
    std::fs::write(
        &bad,
        r#"{"version":"1","default":"deny","tools":{"run_shell":{"require":[{"conditions":[{"path":"args.command","op":"matches","value":"x"}]}],"limits":[{"counter":"c","window":"fortnight","max":1}]}}}"#,
    )
    .expect("write");
    let output = toolgate()
        .args(["policy", "check"])
        .arg(&bad)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.contains("/tools/run_shell/require/0/conditions/0/op"),
        "{stderr}"
    );
    assert!(stderr.contains("/tools/run_shell/limits/0/window"), "{stderr}");

    let syntax = folder.path().join("syntax.json");
    std::fs::write(&syntax, "{\n  \"version\": \"1\",\n  \"default\": deny\n}").expect("write");
    let output = toolgate()
        .args(["policy", "check"])
        .arg(&syntax)
        .output()
        .expect("run");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("syntax.json:3:"), "{stderr}");
}
