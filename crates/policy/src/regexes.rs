//! The `regex` op's patterns: compiled once per distinct pattern text within one document.
//!
//! Generated policies repeat the same few patterns across many tools (a path allowlist, a
//! traversal check); building each occurrence again made compiling a 100-tool policy take
//! tens of milliseconds. Every occurrence of a pattern shares one [`Regex`] (and so one pool of
//! match caches), and a bad pattern is reported at each place it is written.

use std::collections::HashMap;
use std::sync::Arc;

use regex::{Regex, RegexBuilder};

/// Compiled regexes are bounded so a policy cannot make the gateway build a huge automaton;
/// the regex crate matches in linear time, so matching cost stays proportional to the input.
const REGEX_SIZE_LIMIT: usize = 1 << 20;
const REGEX_DFA_SIZE_LIMIT: usize = 1 << 20;

/// The patterns of one document compiled so far, by pattern text, with their errors too.
#[derive(Debug, Default)]
pub(crate) struct Regexes {
    compiled: HashMap<Box<str>, Result<Arc<Regex>, String>>,
}

impl Regexes {
    /// The compiled pattern, or the error message to report at the pattern's pointer.
    pub(crate) fn get_or_compile(&mut self, pattern: &str) -> Result<Arc<Regex>, String> {
        if let Some(known) = self.compiled.get(pattern) {
            return known.clone();
        }
        let compiled = compile_regex(pattern).map(Arc::new);
        self.compiled.insert(Box::from(pattern), compiled.clone());
        compiled
    }
}

fn compile_regex(pattern: &str) -> Result<Regex, String> {
    let built = RegexBuilder::new(pattern)
        .size_limit(REGEX_SIZE_LIMIT)
        .dfa_size_limit(REGEX_DFA_SIZE_LIMIT)
        .build();
    built.map_err(|error| match error {
        regex::Error::CompiledTooBig(limit) => {
            format!("regex is too large (the compiled size limit is {limit} bytes)")
        }
        regex::Error::Syntax(report) => {
            // The report spans several lines with a caret diagram; its "error: " line is the
            // part that reads well in an API answer.
            let reason = report
                .lines()
                .find_map(|line| line.strip_prefix("error: "))
                .unwrap_or("syntax error");
            format!("invalid regex: {reason}")
        }
        other => format!("invalid regex: {other}"),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_regex_per_distinct_pattern() {
        let mut regexes = Regexes::default();
        let first = regexes.get_or_compile("^a+$").expect("valid");
        let again = regexes.get_or_compile("^a+$").expect("valid");
        let other = regexes.get_or_compile("^b+$").expect("valid");
        assert!(Arc::ptr_eq(&first, &again));
        assert!(!Arc::ptr_eq(&first, &other));
        assert!(first.is_match("aaa") && !first.is_match("bbb"));
        assert!(other.is_match("bbb") && !other.is_match("aaa"));
        assert_eq!(regexes.compiled.len(), 2);
    }

    #[test]
    fn errors_are_remembered_and_repeated() {
        let mut regexes = Regexes::default();
        let first = regexes.get_or_compile("(unclosed").expect_err("invalid");
        let again = regexes.get_or_compile("(unclosed").expect_err("invalid");
        assert!(first.starts_with("invalid regex: "), "{first}");
        assert_eq!(first, again);
        let huge = regexes.get_or_compile("(\\w{100}){100}").expect_err("too big");
        assert!(huge.starts_with("regex is too large"), "{huge}");
    }
}
