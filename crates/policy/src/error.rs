//! The one error type of this crate: a problem located by a JSON pointer into the document.

use serde::Serialize;

/// One problem in a policy document. `pointer` is an RFC 6901 JSON pointer (`""` is the whole
/// document); `line` and `column` are set only for JSON syntax errors.
#[derive(Debug, Clone, PartialEq, Serialize, thiserror::Error)]
#[error("{message}{}", location(.pointer, .line, .column))]
pub struct PolicyError {
    pub pointer: String,
    pub message: String,
    pub line: Option<usize>,
    pub column: Option<usize>,
}

fn location(pointer: &str, line: &Option<usize>, column: &Option<usize>) -> String {
    match (line, column) {
        (Some(line), Some(column)) => format!(" at line {line} column {column}"),
        _ if pointer.is_empty() => String::new(),
        _ => format!(" at {pointer}"),
    }
}

/// Collects every validation error so that one pass reports them all.
#[derive(Debug, Default)]
pub(crate) struct Errors(Vec<PolicyError>);

impl Errors {
    pub(crate) fn push(&mut self, pointer: impl Into<String>, message: impl Into<String>) {
        self.0.push(PolicyError {
            pointer: pointer.into(),
            message: message.into(),
            line: None,
            column: None,
        });
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub(crate) fn into_vec(self) -> Vec<PolicyError> {
        self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_names_the_location() {
        let mut errors = Errors::default();
        errors.push("/tools/x", "must be an object");
        errors.push("", "must be an object");
        let errors = errors.into_vec();
        assert_eq!(errors[0].to_string(), "must be an object at /tools/x");
        assert_eq!(errors[1].to_string(), "must be an object");
        let syntax = PolicyError {
            line: Some(2),
            column: Some(5),
            ..errors[1].clone()
        };
        assert_eq!(syntax.to_string(), "must be an object at line 2 column 5");
    }
}
