//! URL-safe names of accounts and servers: 1–63 of `[a-z0-9-]`, no leading, trailing or double `-`.

use std::fmt;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SlugError {
    #[error("must be 1 to 63 characters long")]
    Length,
    #[error("may contain only lowercase letters, digits and single hyphens, not at either end")]
    Characters,
}

pub const MAX_SLUG_LEN: usize = 63;

impl Slug {
    pub fn parse(value: &str) -> Result<Self, SlugError> {
        if value.is_empty() || value.len() > MAX_SLUG_LEN {
            return Err(SlugError::Length);
        }
        let allowed = value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        if !allowed || value.starts_with('-') || value.ends_with('-') || value.contains("--") {
            return Err(SlugError::Characters);
        }
        Ok(Self(value.to_owned()))
    }

    /// Derives a slug from a display name ("Acme Corp." → "acme-corp"). Falls back to `fallback`
    /// when the name has no usable characters.
    pub fn from_name(name: &str, fallback: &str) -> Self {
        let mut out = String::new();
        for ch in name.chars().flat_map(char::to_lowercase) {
            if ch.is_ascii_lowercase() || ch.is_ascii_digit() {
                out.push(ch);
            } else if !out.is_empty() && !out.ends_with('-') {
                out.push('-');
            }
            if out.len() >= MAX_SLUG_LEN {
                break;
            }
        }
        let trimmed = out.trim_end_matches('-');
        Slug::parse(trimmed).unwrap_or_else(|_| Slug(fallback.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl TryFrom<String> for Slug {
    type Error = SlugError;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Slug::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(value: Slug) -> Self {
        value.0
    }
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_and_rejects() {
        assert!(Slug::parse("acme").is_ok());
        assert!(Slug::parse("acme-2").is_ok());
        assert_eq!(Slug::parse(""), Err(SlugError::Length));
        assert_eq!(Slug::parse(&"a".repeat(64)), Err(SlugError::Length));
        for bad in ["Acme", "-a", "a-", "a--b", "a_b", "a b", "é"] {
            assert_eq!(Slug::parse(bad), Err(SlugError::Characters), "{bad}");
        }
    }

    #[test]
    fn derives_from_names() {
        assert_eq!(Slug::from_name("Acme Corp.", "x").as_str(), "acme-corp");
        assert_eq!(
            Slug::from_name("  System  Tools!! ", "x").as_str(),
            "system-tools"
        );
        assert_eq!(Slug::from_name("東京", "server").as_str(), "server");
        assert!(Slug::from_name(&"ab ".repeat(40), "x").as_str().len() <= MAX_SLUG_LEN);
    }
}
