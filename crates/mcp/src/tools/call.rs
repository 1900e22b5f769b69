//! The parts of `tools/call` params policy needs, borrowed from the request.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::McpError;
use crate::jsonrpc::raw::{decode_str, is_object, is_string_or_number, present};

/// `tools/call` params: `{name, arguments?, _meta?: {progressToken?}}`. Other fields are ignored
/// here and forwarded untouched with the message.
#[derive(Debug, Clone)]
pub struct CallToolParams<'a> {
    /// Borrowed unless the JSON string had escapes.
    pub name: Cow<'a, str>,
    /// Always a JSON object when present (`null` counts as absent).
    pub arguments: Option<&'a RawValue>,
    /// `_meta.progressToken`: a string or number, kept raw so notifications can be matched to it.
    pub progress_token: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct Wire<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    name: Option<&'a RawValue>,
    #[serde(borrow, default)]
    arguments: Option<&'a RawValue>,
    #[serde(borrow, default, rename = "_meta")]
    meta: Option<&'a RawValue>,
}

#[derive(Deserialize)]
struct MetaWire<'a> {
    #[serde(borrow, default, rename = "progressToken")]
    progress_token: Option<&'a RawValue>,
}

impl<'a> CallToolParams<'a> {
    /// Reads the params of a `tools/call` request. Every error is [`McpError::InvalidParams`]
    /// (`-32602`). Duplicate keys (e.g. two `name`s) are refused, so policy and upstream can never
    /// read different tools from one request. Arguments that are not an object are refused too:
    /// policy conditions address `args.*` and could not see into them.
    ///
    /// Takes `message.params` as it is (`Option<&RawValue>`) or a `&RawValue`.
    pub fn parse(params: impl Into<Option<&'a RawValue>>) -> Result<CallToolParams<'a>, McpError> {
        let invalid = |message: &str| McpError::InvalidParams(message.into());
        let params = params
            .into()
            .ok_or_else(|| invalid("tools/call requires params"))?;
        if !is_object(params) {
            return Err(invalid("params must be an object"));
        }
        let wire: Wire<'a> =
            serde_json::from_str(params.get()).map_err(|error| McpError::InvalidParams(error.to_string()))?;
        let name = match wire.name.map(decode_str) {
            None => return Err(invalid("tools/call requires a tool name")),
            Some(None) => return Err(invalid("name must be a string")),
            Some(Some(name)) if name.is_empty() => return Err(invalid("name must not be empty")),
            Some(Some(name)) => name,
        };
        if wire.arguments.is_some_and(|arguments| !is_object(arguments)) {
            return Err(invalid("arguments must be an object"));
        }
        let progress_token = match wire.meta {
            None => None,
            Some(meta) if !is_object(meta) => return Err(invalid("_meta must be an object")),
            Some(meta) => {
                let meta: MetaWire<'a> = serde_json::from_str(meta.get())
                    .map_err(|error| McpError::InvalidParams(format!("_meta: {error}")))?;
                if meta
                    .progress_token
                    .is_some_and(|token| !is_string_or_number(token))
                {
                    return Err(invalid("_meta.progressToken must be a string or a number"));
                }
                meta.progress_token
            }
        };
        Ok(CallToolParams {
            name,
            arguments: wire.arguments,
            progress_token,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("valid json")
    }

    #[test]
    fn reads_name_arguments_and_progress_token() {
        let params = raw(
            r#"{"name":"run_shell","arguments":{"command":"ls -la"},"_meta":{"progressToken":"p-1","other":1}}"#,
        );
        let call = CallToolParams::parse(&*params).expect("valid");
        assert_eq!(call.name, "run_shell");
        assert!(matches!(call.name, Cow::Borrowed(_)));
        assert_eq!(call.arguments.map(RawValue::get), Some(r#"{"command":"ls -la"}"#));
        assert_eq!(call.progress_token.map(RawValue::get), Some(r#""p-1""#));

        let numeric = raw(r#"{"_meta":{"progressToken":17},"name":"x"}"#);
        let call = CallToolParams::parse(Some(&*numeric)).expect("valid");
        assert_eq!(call.progress_token.map(RawValue::get), Some("17"));
        assert!(call.arguments.is_none());
    }

    #[test]
    fn optional_parts_may_be_absent_or_null() {
        let params = raw(r#"{"name":"get_system_info","arguments":null,"_meta":{}}"#);
        let call = CallToolParams::parse(&*params).expect("valid");
        assert!(call.arguments.is_none());
        assert!(call.progress_token.is_none());
        let escaped = raw(r#"{"name":"run\u005fshell"}"#);
        assert_eq!(CallToolParams::parse(&*escaped).expect("valid").name, "run_shell");
    }

    #[test]
    fn invalid_params_are_minus_32602() {
        let cases = [
            (r#"{"arguments":{}}"#, "tools/call requires a tool name"),
            (r#"{"name":null}"#, "name must be a string"),
            (r#"{"name":7}"#, "name must be a string"),
            (r#"{"name":""}"#, "name must not be empty"),
            (r#"{"name":"x","arguments":"ls"}"#, "arguments must be an object"),
            (
                r#"{"name":"x","arguments":["ls"]}"#,
                "arguments must be an object",
            ),
            (r#"{"name":"x","_meta":[]}"#, "_meta must be an object"),
            (
                r#"{"name":"x","_meta":{"progressToken":{}}}"#,
                "_meta.progressToken must be a string or a number",
            ),
            (r#"["run_shell", {"command": "rm"}]"#, "params must be an object"),
        ];
        for (params, expected) in cases {
            let params = raw(params);
            let error = CallToolParams::parse(&*params).expect_err("invalid");
            assert_eq!(
                error,
                McpError::InvalidParams(expected.into()),
                "{}",
                params.get()
            );
            assert_eq!(error.jsonrpc_code(), -32602);
        }
        assert_eq!(
            CallToolParams::parse(None).expect_err("missing"),
            McpError::InvalidParams("tools/call requires params".into())
        );
    }

    #[test]
    fn duplicate_names_are_refused() {
        let params = raw(r#"{"name":"list_dir","name":"run_shell"}"#);
        let error = CallToolParams::parse(&*params).expect_err("duplicate");
        assert!(error.to_string().contains("duplicate field"), "{error}");
        assert_eq!(error.jsonrpc_code(), -32602);
    }
}
