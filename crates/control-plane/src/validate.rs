//! Small parse-don't-validate helpers for request fields, and a collector so that one answer lists every
//! problem at once.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::error::{ApiError, FieldError};

pub const MIN_PASSWORD_CHARS: usize = 10;
pub const MAX_PASSWORD_CHARS: usize = 256;
pub const MAX_NAME_CHARS: usize = 100;
const MAX_EMAIL_LEN: usize = 254;

/// Collects field errors; `finish` turns them into one `validation_failed` answer.
#[derive(Default)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn add(&mut self, path: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(path, message));
    }

    /// Keeps the value when valid, records the problem under `path` otherwise.
    pub fn check<T>(&mut self, path: &str, result: Result<T, String>) -> Option<T> {
        match result {
            Ok(value) => Some(value),
            Err(message) => {
                self.add(path, message);
                None
            }
        }
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn finish(self) -> Result<(), ApiError> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(ApiError::Validation(self.0))
        }
    }
}

/// A display name: trimmed, 1 to `MAX_NAME_CHARS` characters, no control characters.
pub fn display_name(value: &str) -> Result<String, String> {
    let trimmed = value.trim();
    let chars = trimmed.chars().count();
    if chars == 0 {
        return Err("must not be empty".into());
    }
    if chars > MAX_NAME_CHARS {
        return Err(format!(
            "must be at most {MAX_NAME_CHARS} characters (got {chars})"
        ));
    }
    if trimmed.chars().any(char::is_control) {
        return Err("must not contain control characters".into());
    }
    Ok(trimmed.to_owned())
}

/// Trimmed and lowercased, so that lookups match however it was typed.
pub fn normalise_email(value: &str) -> String {
    value.trim().to_lowercase()
}

/// A basic shape check of an already normalised email: `local@domain.tld`, no spaces.
pub fn email(normalised: &str) -> Result<(), String> {
    if normalised.is_empty() {
        return Err("must not be empty".into());
    }
    if normalised.len() > MAX_EMAIL_LEN {
        return Err(format!("must be at most {MAX_EMAIL_LEN} characters"));
    }
    let valid = normalised.split_once('@').is_some_and(|(local, domain)| {
        !local.is_empty()
            && !domain.contains('@')
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
            && !domain.contains("..")
    }) && !normalised.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(())
    } else {
        Err("must be an email address like name@example.com".into())
    }
}

pub fn password(value: &str) -> Result<(), String> {
    let chars = value.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "must be at least {MIN_PASSWORD_CHARS} characters long (got {chars})"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!(
            "must be at most {MAX_PASSWORD_CHARS} characters long (got {chars})"
        ));
    }
    Ok(())
}

/// [`password`], and hard enough to guess: zxcvbn's score of at least 3 of 4 (more than about 10^8
/// guesses), taking `hints` (the email, the account name) as words an attacker knows.
/// The message says why and how to do better, in zxcvbn's words.
pub fn password_strength(value: &str, hints: &[&str]) -> Result<(), String> {
    password(value)?;
    let estimate = zxcvbn::zxcvbn(value, hints);
    if estimate.score() >= zxcvbn::Score::Three {
        return Ok(());
    }
    let mut message = "too easy to guess".to_owned();
    if let Some(feedback) = estimate.feedback() {
        if let Some(warning) = feedback.warning() {
            message.push_str(&format!(": {}", warning.to_string().trim_end_matches('.')));
        }
        let suggestions: Vec<String> = feedback.suggestions().iter().map(ToString::to_string).collect();
        if !suggestions.is_empty() {
            message.push_str(&format!(". {}", suggestions.join(" ")));
        }
    }
    if !message.contains(". ") {
        message.push_str(". Try a few uncommon words together");
    }
    Err(message)
}

/// A policy name: a display name that does not look like an id (`{policy}` accepts either).
pub fn policy_name(value: &str) -> Result<String, String> {
    let name = display_name(value)?;
    if uuid::Uuid::parse_str(&name).is_ok() {
        return Err("must not look like an id (a UUID)".into());
    }
    if name.contains('/') {
        return Err("must not contain '/'".into());
    }
    Ok(name)
}

/// An MCP tool name as Toolgate keeps it: 1 to 128 of `[A-Za-z0-9_.-]`.
pub fn tool_name(value: &str) -> Result<(), String> {
    if value.is_empty() || value.len() > 128 {
        return Err("must be 1 to 128 characters long".into());
    }
    if !value
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'.' | b'-'))
    {
        return Err("may contain only letters, digits, '_', '.' and '-'".into());
    }
    Ok(())
}

/// An RFC 3339 time strictly after `now`, as UTC.
pub fn future_time(value: &str, now: OffsetDateTime) -> Result<OffsetDateTime, String> {
    let time = OffsetDateTime::parse(value.trim(), &Rfc3339)
        .map_err(|_| "must be an RFC 3339 time such as 2030-01-31T12:00:00Z".to_owned())?;
    if time <= now {
        return Err("must be in the future".into());
    }
    Ok(time.to_offset(time::UtcOffset::UTC))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        assert_eq!(display_name("  Acme  "), Ok("Acme".into()));
        assert!(display_name("   ").is_err());
        assert!(display_name(&"x".repeat(101)).is_err());
        assert!(display_name("a\nb").is_err());
        assert!(policy_name("0190a0a0-0000-7000-8000-000000000000").is_err());
        assert!(policy_name("read only").is_ok());
    }

    #[test]
    fn emails_and_passwords() {
        assert_eq!(normalise_email("  Ann@Example.COM "), "ann@example.com");
        assert!(email("ann@example.com").is_ok());
        for bad in [
            "",
            "ann",
            "ann@",
            "@example.com",
            "ann@example",
            "a b@example.com",
            "a@b@c.d",
            "a@.com",
        ] {
            assert!(email(bad).is_err(), "{bad}");
        }
        assert!(password("short").is_err());
        assert!(password("long enough!").is_ok());
        assert!(password(&"x".repeat(257)).is_err());
        assert!(password_strength("a long passphrase", &[]).is_ok());
        let weak = password_strength("password1234", &[]).expect_err("weak");
        assert!(
            weak.starts_with("too easy to guess: This is a very common password"),
            "{weak}"
        );
        assert!(password_strength("ann@example.com", &["ann@example.com"]).is_err());
        assert!(
            password_strength("short", &[])
                .expect_err("short")
                .contains("at least 10")
        );
    }

    #[test]
    fn tool_names_and_times() {
        assert!(tool_name("run_shell").is_ok());
        assert!(tool_name("fs.read-file").is_ok());
        assert!(tool_name("").is_err());
        assert!(tool_name("a b").is_err());
        let now = OffsetDateTime::now_utc();
        assert!(future_time("2999-01-01T00:00:00+02:00", now).is_ok());
        assert!(future_time("2000-01-01T00:00:00Z", now).is_err());
        assert!(future_time("tomorrow", now).is_err());
    }
}
