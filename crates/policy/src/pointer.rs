//! RFC 6901 JSON pointers, built while walking the document so every error and rule is located.

use std::borrow::Cow;

/// Escapes one reference token: `~` becomes `~0` and `/` becomes `~1` (in that order, so that
/// a `/` turned into `~1` is not escaped again).
pub(crate) fn escape(token: &str) -> Cow<'_, str> {
    if token.contains(['~', '/']) {
        Cow::Owned(token.replace('~', "~0").replace('/', "~1"))
    } else {
        Cow::Borrowed(token)
    }
}

/// The pointer to member `key` of the value at `parent`.
pub(crate) fn child(parent: &str, key: &str) -> String {
    format!("{parent}/{}", escape(key))
}

/// The pointer to element `index` of the array at `parent`.
pub(crate) fn index(parent: &str, index: usize) -> String {
    format!("{parent}/{index}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_tilde_before_slash() {
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("a/b"), "a~1b");
        assert_eq!(escape("a~b"), "a~0b");
        assert_eq!(escape("~/"), "~0~1");
        assert_eq!(child("/tools", "fs/read~x"), "/tools/fs~1read~0x");
        assert_eq!(child("", ""), "/");
        assert_eq!(index("/hide", 3), "/hide/3");
    }

    #[test]
    fn escaped_pointers_resolve_with_serde_json() {
        let document = serde_json::json!({"tools": {"fs/read~x": {"action": "deny"}}});
        let pointer = child(&child("", "tools"), "fs/read~x");
        assert!(document.pointer(&pointer).is_some());
    }
}
