//! Writing JSON text directly into a buffer, for builders that splice raw values together.

/// Appends `value` as a JSON string literal (quoted and escaped).
pub(crate) fn push_json_str(out: &mut String, value: &str) {
    out.reserve(value.len() + 2);
    out.push('"');
    let mut clean_from = 0;
    for (index, byte) in value.bytes().enumerate() {
        let escape = match byte {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0x08 => "\\b",
            0x0c => "\\f",
            0x00..=0x1f => "",
            _ => continue,
        };
        out.push_str(&value[clean_from..index]);
        if escape.is_empty() {
            out.push_str(&format!("\\u{byte:04x}"));
        } else {
            out.push_str(escape);
        }
        clean_from = index + 1;
    }
    out.push_str(&value[clean_from..]);
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_like_serde_json() {
        for sample in [
            "plain",
            "quote \" and \\ slash",
            "lines\n\r\ttab",
            "\u{0}\u{1f}\u{8}\u{c}",
            "中文 ✓",
            "",
        ] {
            let mut out = String::new();
            push_json_str(&mut out, sample);
            assert_eq!(out, serde_json::Value::String(sample.to_owned()).to_string());
            assert_eq!(serde_json::from_str::<String>(&out).expect("round trip"), sample);
        }
    }
}
