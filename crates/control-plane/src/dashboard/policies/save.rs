//! Saving from the no-JS forms: the same steps as `PUT /api/v1/…/policies/{policy}` (the compiler
//! validates, then `service::policies::save`: a new immutable version, an admin event, gateway workers
//! are told), answering the validator's errors with their pointers and, for JSON syntax errors, their
//! line and column.

use serde_json::Value;
use toolgate_domain::UserId;
use toolgate_policy::PolicyError;
use toolgate_store::{Account, Policy, Server};

use crate::dashboard::error::PageError;
use crate::service::policies;
use crate::state::AppState;

/// Why a save did not happen.
pub enum SaveError {
    /// The document (or its text) is not a valid policy: shown at the fields / lines.
    Invalid(Vec<PolicyError>),
    Page(PageError),
}

impl From<PageError> for SaveError {
    fn from(error: PageError) -> Self {
        SaveError::Page(error)
    }
}

/// Parses policy text strictly (duplicate keys are errors) and validates it.
pub fn parse_and_check(text: &str) -> Result<Value, Vec<PolicyError>> {
    toolgate_policy::compile_str(text)?;
    // compile_str accepted the text, so it is JSON without duplicate keys: plain parsing agrees.
    serde_json::from_str(text).map_err(|error| {
        vec![PolicyError {
            pointer: String::new(),
            message: error.to_string(),
            line: Some(error.line()),
            column: Some(error.column()),
        }]
    })
}

/// Validates `document` and saves it as the policy's next version, through
/// `service::policies::save` (as the API does): a new immutable version, an admin event with the
/// versions before and after, and gateway workers are told.
pub async fn save_version(
    state: &AppState,
    account: &Account,
    server: &Server,
    policy: &Policy,
    document: Value,
    user: UserId,
) -> Result<Policy, SaveError> {
    toolgate_policy::compile(&document).map_err(SaveError::Invalid)?;
    let saved = policies::save(state, account, server, policy, document, Some(user))
        .await
        .map_err(PageError::from)?;
    Ok(saved)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax_errors_have_a_line() {
        let errors =
            parse_and_check("{\n  \"version\": \"1\",\n  \"default\": \"deny\",\n}").expect_err("bad");
        assert_eq!(errors[0].line, Some(4));
    }

    #[test]
    fn semantic_errors_have_a_pointer() {
        let errors = parse_and_check(r#"{"version": "1", "default": "maybe"}"#).expect_err("bad");
        assert_eq!(errors[0].pointer, "/default");
        assert_eq!(errors[0].line, None);
    }

    #[test]
    fn a_valid_text_is_its_document() {
        let document = parse_and_check(r#"{"version": "1", "default": "deny", "tools": {"b": {}, "a": {}}}"#)
            .expect("valid");
        let keys: Vec<&String> = document["tools"].as_object().expect("object").keys().collect();
        assert_eq!(keys, ["b", "a"], "key order is kept");
    }
}
