use std::io::Read;
use std::path::Path;
use std::process::ExitCode;

use anyhow::Context;

/// `toolgate policy check FILE`: exit 0 when valid, 1 with one line per error otherwise.
pub fn run(file: &Path) -> anyhow::Result<ExitCode> {
    let text = if file == Path::new("-") {
        let mut text = String::new();
        std::io::stdin()
            .read_to_string(&mut text)
            .context("reading standard input")?;
        text
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?
    };
    match toolgate_policy::compile_str(&text) {
        Ok(_) => {
            println!("{}: valid", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            for error in &errors {
                let pointer = if error.pointer.is_empty() {
                    "(document)"
                } else {
                    &error.pointer
                };
                match (error.line, error.column) {
                    (Some(line), Some(column)) => {
                        eprintln!("{}:{line}:{column}: {pointer}: {}", file.display(), error.message)
                    }
                    _ => eprintln!("{}: {pointer}: {}", file.display(), error.message),
                }
            }
            eprintln!("{} error(s)", errors.len());
            Ok(ExitCode::FAILURE)
        }
    }
}
