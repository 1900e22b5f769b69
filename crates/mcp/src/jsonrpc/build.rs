//! Writing JSON-RPC responses. The id and result are spliced in as raw text, never re-serialised.

use serde_json::value::RawValue;

use super::write::push_json_str;

/// `{"jsonrpc":"2.0","id":ID,"error":{"code":CODE,"message":MESSAGE[,"data":DATA]}}`.
///
/// `id` is the request's raw id, or `None` when it could not be read (written as `null`).
pub fn error_response(
    id: Option<&RawValue>,
    code: i64,
    message: &str,
    data: Option<&serde_json::Value>,
) -> Vec<u8> {
    let mut out = String::with_capacity(64 + message.len());
    out.push_str(r#"{"jsonrpc":"2.0","id":"#);
    out.push_str(id.map_or("null", RawValue::get));
    out.push_str(r#","error":{"code":"#);
    out.push_str(&code.to_string());
    out.push_str(r#","message":"#);
    push_json_str(&mut out, message);
    if let Some(data) = data {
        out.push_str(r#","data":"#);
        out.push_str(&data.to_string());
    }
    out.push_str("}}");
    out.into_bytes()
}

/// `{"jsonrpc":"2.0","id":ID,"result":RESULT}`.
pub fn result_response(id: &RawValue, result: &RawValue) -> Vec<u8> {
    let mut out = String::with_capacity(32 + id.get().len() + result.get().len());
    push_result_response(&mut out, id, result.get());
    out.into_bytes()
}

/// Appends a result response whose result is already JSON text.
pub(crate) fn push_result_response(out: &mut String, id: &RawValue, result_json: &str) {
    out.push_str(r#"{"jsonrpc":"2.0","id":"#);
    out.push_str(id.get());
    out.push_str(r#","result":"#);
    out.push_str(result_json);
    out.push('}');
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("valid json")
    }

    fn parse(bytes: &[u8]) -> Value {
        serde_json::from_slice(bytes).expect("builders write valid json")
    }

    #[test]
    fn error_response_with_and_without_id() {
        let id = raw(r#""req-1""#);
        let body = error_response(Some(&id), -32602, "Unknown tool: \"x\"", None);
        assert_eq!(
            String::from_utf8(body).expect("utf-8"),
            r#"{"jsonrpc":"2.0","id":"req-1","error":{"code":-32602,"message":"Unknown tool: \"x\""}}"#
        );
        let body = error_response(None, -32700, "parse error", Some(&json!({"at": 3})));
        assert_eq!(
            parse(&body),
            json!({"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"parse error","data":{"at":3}}})
        );
    }

    #[test]
    fn result_response_keeps_raw_bytes() {
        let id = raw("42");
        let result = raw(r#"{"b":1,  "a":[1.50, "\u00e9"]}"#);
        let body = result_response(&id, &result);
        assert_eq!(
            String::from_utf8(body).expect("utf-8"),
            r#"{"jsonrpc":"2.0","id":42,"result":{"b":1,  "a":[1.50, "\u00e9"]}}"#
        );
    }
}
