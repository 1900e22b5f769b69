//! Filtering a `tools/list` result without re-serialising the tools it keeps.
//!
//! The result object is read once into (key, raw value) pairs, with `tools` read as a list of raw
//! tool objects; each tool is then scanned only for its `name`. The output is the same object with
//! the same keys in the same order, the kept tools copied byte-for-byte. Only the whitespace
//! between the result's own top-level tokens is not kept.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

use crate::McpError;
use crate::jsonrpc::build::push_result_response;
use crate::jsonrpc::raw::is_object;
use crate::jsonrpc::write::push_json_str;
use crate::jsonrpc::{Message, MessageKind, ResponseKind};

/// Keeps the tools for which `keep(name)` is true, in the upstream's order, and every other key of
/// the result (`nextCursor`, `_meta`, …) exactly.
///
/// A tool that is not an object or has no string `name` cannot be checked against policy, so it is
/// dropped (fail closed) without calling `keep`. Errors ([`McpError::InvalidUpstream`]): the
/// result is not an object, has no `tools` array, or names `tools` twice.
///
/// Building the `Box<RawValue>` validates the output once more; on the hot path prefer
/// [`filter_tools_list_response`], which writes the whole message without that pass.
pub fn filter_tools_list_result(
    result: &RawValue,
    mut keep: impl FnMut(&str) -> bool,
) -> Result<Box<RawValue>, McpError> {
    let mut out = String::with_capacity(result.get().len());
    push_filtered_result(&mut out, result, &mut keep)?;
    RawValue::from_string(out).map_err(|error| McpError::InvalidUpstream(error.to_string()))
}

/// Rewrites a whole `tools/list` response message (`{"jsonrpc","id","result":{tools…}}`) into the
/// filtered message. The id is copied raw. An error response is returned unchanged. Anything that
/// is not a response is [`McpError::InvalidUpstream`].
pub fn filter_tools_list_response(
    message_bytes: &[u8],
    mut keep: impl FnMut(&str) -> bool,
) -> Result<Vec<u8>, McpError> {
    let message = Message::parse(message_bytes).map_err(McpError::into_upstream)?;
    let (id, result) = match (message.kind(), message.id, message.result) {
        (MessageKind::Response(ResponseKind::Error), _, _) => return Ok(message_bytes.to_vec()),
        (MessageKind::Response(ResponseKind::Result), Some(id), Some(result)) => (id, result),
        _ => return Err(McpError::InvalidUpstream("expected a tools/list response".into())),
    };
    let mut filtered = String::with_capacity(result.get().len());
    push_filtered_result(&mut filtered, result, &mut keep)?;
    let mut out = String::with_capacity(filtered.len() + 48);
    push_result_response(&mut out, id, &filtered);
    Ok(out.into_bytes())
}

fn push_filtered_result(
    out: &mut String,
    result: &RawValue,
    keep: &mut dyn FnMut(&str) -> bool,
) -> Result<(), McpError> {
    if !is_object(result) {
        return Err(McpError::InvalidUpstream(
            "tools/list result must be an object".into(),
        ));
    }
    let entries: ResultEntries<'_> = serde_json::from_str(result.get())
        .map_err(|error| McpError::InvalidUpstream(format!("tools/list result: {error}")))?;
    if !entries
        .0
        .iter()
        .any(|(_, value)| matches!(value, EntryValue::Tools(_)))
    {
        return Err(McpError::InvalidUpstream(
            "tools/list result has no tools array".into(),
        ));
    }
    out.push('{');
    for (index, (key, value)) in entries.0.iter().enumerate() {
        if index > 0 {
            out.push(',');
        }
        push_json_str(out, key);
        out.push(':');
        match value {
            EntryValue::Other(raw) => out.push_str(raw.get()),
            EntryValue::Tools(tools) => push_kept_tools(out, tools, keep),
        }
    }
    out.push('}');
    Ok(())
}

fn push_kept_tools(out: &mut String, tools: &[&RawValue], keep: &mut dyn FnMut(&str) -> bool) {
    out.push('[');
    let mut first = true;
    for tool in tools {
        let Some(name) = tool_name(tool) else { continue };
        if !keep(&name) {
            continue;
        }
        if !first {
            out.push(',');
        }
        first = false;
        out.push_str(tool.get());
    }
    out.push(']');
}

fn tool_name(tool: &RawValue) -> Option<Cow<'_, str>> {
    #[derive(Deserialize)]
    struct Named<'a> {
        #[serde(borrow)]
        name: Cow<'a, str>,
    }
    if !is_object(tool) {
        return None;
    }
    serde_json::from_str::<Named<'_>>(tool.get())
        .ok()
        .map(|named| named.name)
}

/// The result object's members in order, `tools` already split into raw tools.
struct ResultEntries<'a>(Vec<(Cow<'a, str>, EntryValue<'a>)>);

enum EntryValue<'a> {
    Tools(Vec<&'a RawValue>),
    Other(&'a RawValue),
}

/// A map key, borrowed when it has no escapes.
#[derive(Deserialize)]
struct Key<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'de> Deserialize<'de> for ResultEntries<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;

        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = ResultEntries<'de>;

            fn expecting(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
                formatter.write_str("a tools/list result object")
            }

            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::new();
                let mut seen_tools = false;
                while let Some(Key(key)) = map.next_key()? {
                    let value = if key == "tools" {
                        if seen_tools {
                            return Err(de::Error::custom("duplicate field `tools`"));
                        }
                        seen_tools = true;
                        let tools: Vec<&'de RawValue> = map
                            .next_value()
                            .map_err(|_| de::Error::custom("tools must be an array"))?;
                        EntryValue::Tools(tools)
                    } else {
                        EntryValue::Other(map.next_value()?)
                    };
                    entries.push((key, value));
                }
                Ok(ResultEntries(entries))
            }
        }

        deserializer.deserialize_map(EntriesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::{Value, json};

    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("valid json")
    }

    const RESULT: &str = r#"{"_meta":{"k":1},"tools":[
        {"name":"a","inputSchema":{"type":"object"},  "description":"keep  spacing \u00e9"},
        {"name":"hidden_b","inputSchema":{}},
        {"description":"no name"},
        "not an object",
        {"name":"c","annotations":{"readOnlyHint":true}}
    ],"nextCursor":"abc"}"#;

    #[test]
    fn keeps_order_other_keys_and_raw_tool_bytes() {
        let mut asked = Vec::new();
        let filtered = filter_tools_list_result(&raw(RESULT), |name| {
            asked.push(name.to_owned());
            !name.starts_with("hidden_")
        })
        .expect("valid result");
        assert_eq!(asked, ["a", "hidden_b", "c"]);
        assert_eq!(
            filtered.get(),
            concat!(
                r#"{"_meta":{"k":1},"tools":["#,
                r#"{"name":"a","inputSchema":{"type":"object"},  "description":"keep  spacing \u00e9"},"#,
                r#"{"name":"c","annotations":{"readOnlyHint":true}}"#,
                r#"],"nextCursor":"abc"}"#
            )
        );
    }

    #[test]
    fn can_drop_every_tool() {
        let filtered =
            filter_tools_list_result(&raw(r#"{"tools":[{"name":"a"}]}"#), |_| false).expect("valid");
        assert_eq!(filtered.get(), r#"{"tools":[]}"#);
    }

    #[test]
    fn rejects_results_without_a_tools_array() {
        for result in [
            r#"{"nextCursor":"x"}"#,
            r#"{"tools":{}}"#,
            r#"[{"name":"a"}]"#,
            r#"{"tools":[],"tools":[]}"#,
            "null",
        ] {
            let error = filter_tools_list_result(&raw(result), |_| true).expect_err(result);
            assert_eq!(error.code(), "invalid_upstream", "{result}: {error}");
        }
    }

    #[test]
    fn response_keeps_the_raw_id() {
        let message = format!(r#"{{"jsonrpc":"2.0","id":"req-\u0031","result":{RESULT}}}"#);
        let out = filter_tools_list_response(message.as_bytes(), |name| name == "c").expect("valid");
        let text = String::from_utf8(out).expect("utf-8");
        assert!(
            text.starts_with(r#"{"jsonrpc":"2.0","id":"req-\u0031","result":{"_meta""#),
            "{text}"
        );
        let value: Value = serde_json::from_str(&text).expect("valid json");
        assert_eq!(
            value,
            json!({"jsonrpc":"2.0","id":"req-1","result":{"_meta":{"k":1},"tools":[{"name":"c","annotations":{"readOnlyHint":true}}],"nextCursor":"abc"}})
        );
    }

    #[test]
    fn error_responses_pass_through_and_requests_are_refused() {
        let error = br#"{"jsonrpc":"2.0","id":3,"error":{"code":-32603,"message":"boom"}}"#;
        assert_eq!(
            filter_tools_list_response(error, |_| false).expect("passes"),
            error.to_vec()
        );
        let request = br#"{"jsonrpc":"2.0","id":3,"method":"tools/list"}"#;
        assert_eq!(
            filter_tools_list_response(request, |_| true).expect_err("not a response"),
            McpError::InvalidUpstream("expected a tools/list response".into())
        );
        assert_eq!(
            filter_tools_list_response(b"{", |_| true)
                .expect_err("garbage")
                .code(),
            "invalid_upstream"
        );
    }

    /// The real 130-tool catalog (`shared/fixtures/catalogs`), shaped as a tools/list result with
    /// extra top-level keys.
    #[test]
    fn filters_the_allcanuse_catalog() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/fixtures/catalogs/allcanuse.tools.json"
        );
        let text = std::fs::read_to_string(path).unwrap_or_else(|error| panic!("read {path}: {error}"));
        let catalog = raw(text.trim());
        let original: Value = serde_json::from_str(&text).expect("valid json");
        let original_tools = original["tools"].as_array().expect("tools array");
        assert_eq!(original_tools.len(), 130);

        let risky =
            |name: &str| name.contains("shell") || name.starts_with("kill") || name.starts_with("delete");
        let filtered = filter_tools_list_result(&catalog, |name| !risky(name)).expect("valid catalog");
        let value: Value = serde_json::from_str(filtered.get()).expect("valid json");

        let expected: Vec<&Value> = original_tools
            .iter()
            .filter(|tool| !risky(tool["name"].as_str().expect("name")))
            .collect();
        let kept = value["tools"].as_array().expect("tools array");
        assert!(kept.len() < 130 && !kept.is_empty(), "kept {}", kept.len());
        assert_eq!(
            kept.iter().collect::<Vec<_>>(),
            expected,
            "same tools, same order"
        );

        // Every other key is kept, in order.
        let keys: Vec<&String> = value.as_object().expect("object").keys().collect();
        let original_keys: Vec<&String> = original.as_object().expect("object").keys().collect();
        assert_eq!(keys, original_keys);
        for key in [
            "server",
            "repository",
            "commit",
            "profile",
            "source",
            "tool_count",
        ] {
            assert_eq!(value[key], original[key], "{key}");
        }

        // Kept tools are the upstream's bytes, not a re-serialisation (the file is pretty-printed).
        let raw_tools: Vec<&RawValue> = {
            #[derive(Deserialize)]
            struct Tools<'a> {
                #[serde(borrow)]
                tools: Vec<&'a RawValue>,
            }
            serde_json::from_str::<Tools<'_>>(filtered.get())
                .expect("tools")
                .tools
        };
        for tool in raw_tools {
            assert!(
                text.contains(tool.get()),
                "tool bytes not found verbatim in the catalog"
            );
            assert!(tool.get().contains("\n "), "pretty-printing was kept");
        }

        let message = format!(r#"{{"jsonrpc":"2.0","id":99,"result":{}}}"#, text.trim());
        let response = filter_tools_list_response(message.as_bytes(), |name| !risky(name)).expect("valid");
        let value: Value = serde_json::from_slice(&response).expect("valid json");
        assert_eq!(value["id"], 99);
        assert_eq!(
            value["result"]["tools"].as_array().map(Vec::len),
            Some(expected.len())
        );
    }
}
