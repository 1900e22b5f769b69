//! Request ids the gateway issues itself (e.g. a `ping` or `tools/list` of its own on an upstream
//! session). They are strings with a prefix no client id is expected to use, so the gateway can tell
//! its own responses from the ones it must forward.

use serde_json::value::RawValue;

use crate::jsonrpc::raw::decode_str;
use crate::jsonrpc::write::push_json_str;

/// Prefix of every id the gateway issues.
pub const GATEWAY_ID_PREFIX: &str = "toolgate-";

/// The request `{"jsonrpc":"2.0","id":"toolgate-N","method":METHOD[,"params":PARAMS]}`.
pub fn gateway_request(sequence: u64, method: &str, params: Option<&RawValue>) -> Vec<u8> {
    let mut out = String::with_capacity(64 + params.map_or(0, |params| params.get().len()));
    out.push_str(r#"{"jsonrpc":"2.0","id":""#);
    out.push_str(GATEWAY_ID_PREFIX);
    out.push_str(&sequence.to_string());
    out.push_str(r#"","method":"#);
    push_json_str(&mut out, method);
    if let Some(params) = params {
        out.push_str(r#","params":"#);
        out.push_str(params.get());
    }
    out.push('}');
    out.into_bytes()
}

/// The sequence number of an id made by [`gateway_request`], `None` for any other id.
pub fn parse_gateway_request_id(id: &RawValue) -> Option<u64> {
    let text = decode_str(id)?;
    let digits = text.strip_prefix(GATEWAY_ID_PREFIX)?;
    if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
        return None;
    }
    digits.parse().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonrpc::{Message, MessageKind};

    fn raw(text: &str) -> Box<RawValue> {
        RawValue::from_string(text.to_owned()).expect("valid json")
    }

    #[test]
    fn round_trips_gateway_ids() {
        for sequence in [0, 7, u64::MAX] {
            let body = gateway_request(sequence, "ping", None);
            let message = Message::parse(&body).expect("valid request");
            assert_eq!(message.kind(), MessageKind::Request);
            assert_eq!(message.method(), Some("ping"));
            let id = message.id.expect("id");
            assert_eq!(id.get(), format!("\"toolgate-{sequence}\""));
            assert_eq!(parse_gateway_request_id(id), Some(sequence));
        }
        let params = raw(r#"{"cursor":"c"}"#);
        let body = gateway_request(3, "tools/list", Some(&params));
        assert_eq!(
            String::from_utf8(body).expect("utf-8"),
            r#"{"jsonrpc":"2.0","id":"toolgate-3","method":"tools/list","params":{"cursor":"c"}}"#
        );
    }

    #[test]
    fn other_ids_are_not_ours() {
        for id in [
            "7",
            r#""7""#,
            r#""toolgate-""#,
            r#""toolgate-+1""#,
            r#""toolgate-1x""#,
            r#""toolgate-99999999999999999999999""#,
            "null",
        ] {
            assert_eq!(parse_gateway_request_id(&raw(id)), None, "{id}");
        }
    }
}
