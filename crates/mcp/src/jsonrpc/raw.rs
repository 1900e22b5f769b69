//! Small readers over `&RawValue` shared by the envelope and params parsers.

use std::borrow::Cow;

use serde::{Deserialize, Deserializer};
use serde_json::value::RawValue;

/// Deserializes a field that is present, keeping a JSON `null` as `Some("null")` (serde's `Option`
/// would turn it into `None`). Use with `#[serde(default)]` so an absent field is `None`.
pub(crate) fn present<'de, D>(deserializer: D) -> Result<Option<&'de RawValue>, D::Error>
where
    D: Deserializer<'de>,
{
    <&'de RawValue>::deserialize(deserializer).map(Some)
}

/// Whether the raw value is a JSON object. serde's derived structs also accept arrays
/// (positionally), so every struct parse over untrusted input checks this first.
pub(crate) fn is_object(raw: &RawValue) -> bool {
    raw.get().starts_with('{')
}

/// Whether the raw value is a JSON string or number: what JSON-RPC and MCP allow as a request id
/// (and as a progress token).
pub(crate) fn is_string_or_number(raw: &RawValue) -> bool {
    matches!(raw.get().as_bytes().first(), Some(b'"' | b'-' | b'0'..=b'9'))
}

/// The string a raw JSON string holds, borrowed when it has no escapes; `None` if not a string.
pub(crate) fn decode_str(raw: &RawValue) -> Option<Cow<'_, str>> {
    let text = raw.get();
    let inner = text.strip_prefix('"')?.strip_suffix('"')?;
    if !inner.contains('\\') {
        // A JSON string without escapes holds exactly the characters between its quotes.
        return Some(Cow::Borrowed(inner));
    }
    serde_json::from_str::<String>(text).ok().map(Cow::Owned)
}

/// JSON whitespace, for trimming a body before looking at its first byte.
pub(crate) fn trim_json_whitespace(text: &str) -> &str {
    text.trim_matches([' ', '\t', '\n', '\r'])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("valid json")
    }

    #[test]
    fn decodes_strings_borrowing_when_possible() {
        let plain = raw(r#""tools/call""#);
        assert!(matches!(decode_str(&plain), Some(Cow::Borrowed("tools/call"))));
        let escaped = raw(r#""tools\/call\u0021""#);
        assert_eq!(decode_str(&escaped).as_deref(), Some("tools/call!"));
        assert!(matches!(decode_str(&escaped), Some(Cow::Owned(_))));
        assert_eq!(decode_str(&raw("12")), None);
        assert_eq!(decode_str(&raw("null")), None);
    }

    #[test]
    fn classifies_ids() {
        for good in [r#""a""#, "0", "-1", "1.5", "7e3"] {
            assert!(is_string_or_number(&raw(good)), "{good}");
        }
        for bad in ["null", "true", "{}", "[]"] {
            assert!(!is_string_or_number(&raw(bad)), "{bad}");
        }
    }
}
