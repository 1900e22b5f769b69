//! Protocol revisions and the two eras (MCP-NOTES.md, spec `2026-07-28/basic/versioning`).
//!
//! * **Legacy** revisions open a session with `initialize` (2025-11-25 and earlier).
//! * **Modern** revisions (2026-07-28 and later) carry the version on every request, in the
//!   `MCP-Protocol-Version` header and in `params._meta["io.modelcontextprotocol/protocolVersion"]`.
//!
//! Until the gateway serves the modern era it refuses modern requests with
//! [`modern_not_supported_response_body`], which every dual-era client reads as "legacy server,
//! fall back to `initialize`".

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use crate::jsonrpc::raw::{decode_str, is_object};
use crate::jsonrpc::{INVALID_REQUEST, Message, error_response};

/// The legacy Streamable HTTP revisions, newest first.
pub const LEGACY_VERSIONS: [&str; 3] = ["2025-11-25", "2025-06-18", "2025-03-26"];

/// The HTTP+SSE revision. Its clients can still POST `initialize` to a Streamable HTTP endpoint;
/// the negotiation goes through to the upstream unchanged, and some SDKs then send this value in
/// `MCP-Protocol-Version`, so it is accepted there too.
pub const HANDSHAKE_ONLY_VERSION: &str = "2024-11-05";

/// The modern revision this crate knows.
pub const MODERN_VERSION: &str = "2026-07-28";

/// What a legacy request without `MCP-Protocol-Version` is taken to speak (spec 2025-06-18).
pub const DEFAULT_LEGACY_VERSION: &str = "2025-03-26";

/// The `_meta` key that carries the protocol version on every modern request.
pub const PROTOCOL_VERSION_META_KEY: &str = "io.modelcontextprotocol/protocolVersion";

/// The HTTP status to send with [`modern_not_supported_response_body`].
pub const MODERN_NOT_SUPPORTED_STATUS: u16 = 400;

/// Whether a legacy `MCP-Protocol-Version` header value is one the gateway serves.
pub fn is_supported_legacy(version: &str) -> bool {
    LEGACY_VERSIONS.contains(&version) || version == HANDSHAKE_ONLY_VERSION
}

/// Whether a version string is modern: a `YYYY-MM-DD` date on or after [`MODERN_VERSION`]. Later
/// revisions we do not know yet count as modern too, so their clients get the fallback answer.
pub fn is_modern_version(version: &str) -> bool {
    let bytes = version.as_bytes();
    let date_shaped = bytes.len() == 10
        && bytes.iter().enumerate().all(|(index, byte)| {
            if index == 4 || index == 7 {
                *byte == b'-'
            } else {
                byte.is_ascii_digit()
            }
        });
    date_shaped && version >= MODERN_VERSION
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Era {
    Legacy,
    Modern,
}

/// Which era a client message speaks.
///
/// In order: `initialize` is legacy (it selects legacy semantics on a dual-era server, whatever
/// headers came with it); `server/discover` is modern (SDK probes may send it with no version at
/// all); then modern if the `MCP-Protocol-Version` header or the body's
/// `params._meta["io.modelcontextprotocol/protocolVersion"]` names a modern version. Anything else
/// is legacy, including a missing header.
pub fn detect_era(protocol_version_header: Option<&str>, message: &Message<'_>) -> Era {
    match message.method() {
        Some("initialize") => return Era::Legacy,
        Some("server/discover") => return Era::Modern,
        _ => {}
    }
    if protocol_version_header.is_some_and(|header| is_modern_version(header.trim())) {
        return Era::Modern;
    }
    if message
        .params
        .and_then(meta_protocol_version)
        .is_some_and(|version| is_modern_version(&version))
    {
        return Era::Modern;
    }
    Era::Legacy
}

/// `params._meta["io.modelcontextprotocol/protocolVersion"]`, if it is a string.
fn meta_protocol_version(params: &RawValue) -> Option<Cow<'_, str>> {
    #[derive(Deserialize)]
    struct Params<'a> {
        #[serde(borrow, default, rename = "_meta")]
        meta: Option<&'a RawValue>,
    }
    #[derive(Deserialize)]
    struct Meta<'a> {
        #[serde(borrow, default, rename = "io.modelcontextprotocol/protocolVersion")]
        version: Option<&'a RawValue>,
    }
    if !is_object(params) {
        return None;
    }
    let meta = serde_json::from_str::<Params<'_>>(params.get()).ok()?.meta?;
    if !is_object(meta) {
        return None;
    }
    decode_str(serde_json::from_str::<Meta<'_>>(meta.get()).ok()?.version?)
}

/// The body to answer a modern-era request with while the gateway serves only the legacy era:
/// send it with HTTP [`MODERN_NOT_SUPPORTED_STATUS`] (400) and `Content-Type: application/json`.
///
/// It is a JSON-RPC error `-32600` naming the versions we serve and `initialize` as the way in.
/// Dual-era clients fall back to `initialize` on any 4xx whose body is not a *recognised modern
/// error* (spec 2026-07-28 `basic/transports/streamable-http#backward-compatibility`); the codes to
/// avoid are the modern ones: `-32022` (clients retry with `data.supported` instead of falling back,
/// and the Python SDK fails outright when that list has no legacy version), `-32020`/`-32021`, and
/// `-32601` on a 404 (the spec lists "unknown method" as modern evidence).
pub fn modern_not_supported_response_body(id: Option<&RawValue>) -> Vec<u8> {
    let message = format!(
        "this endpoint does not serve MCP {MODERN_VERSION} yet; start a session with initialize using one of {}",
        LEGACY_VERSIONS.join(", ")
    );
    error_response(id, INVALID_REQUEST, &message, None)
}

#[cfg(test)]
mod tests {
    use serde_json::Value;

    use super::*;

    fn message(text: &str) -> Message<'_> {
        Message::parse(text.as_bytes()).expect("valid message")
    }

    #[test]
    fn knows_the_legacy_versions() {
        for version in LEGACY_VERSIONS.iter().chain([&HANDSHAKE_ONLY_VERSION]) {
            assert!(is_supported_legacy(version), "{version}");
            assert!(!is_modern_version(version), "{version}");
        }
        for version in ["2026-07-28", "2025-01-01", "", "2025-11-25 "] {
            assert!(!is_supported_legacy(version), "{version:?}");
        }
        let mut sorted = LEGACY_VERSIONS;
        sorted.sort_unstable_by(|a, b| b.cmp(a));
        assert_eq!(sorted, LEGACY_VERSIONS, "newest first");
    }

    #[test]
    fn modern_versions_are_dates_from_2026_07_28() {
        for version in ["2026-07-28", "2026-12-01", "2030-01-01"] {
            assert!(is_modern_version(version), "{version}");
        }
        for version in [
            "2026-07-27",
            "2025-11-25",
            "DRAFT-2026",
            "2026-7-28",
            "2026-07-28x",
            "9999_99_99",
            "",
        ] {
            assert!(!is_modern_version(version), "{version}");
        }
    }

    #[test]
    fn detects_eras() {
        let list = message(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list"}"#);
        assert_eq!(detect_era(None, &list), Era::Legacy);
        assert_eq!(detect_era(Some("2025-06-18"), &list), Era::Legacy);
        assert_eq!(detect_era(Some("2026-07-28"), &list), Era::Modern);
        assert_eq!(detect_era(Some(" 2027-01-01 "), &list), Era::Modern);

        let discover = message(r#"{"jsonrpc":"2.0","id":0,"method":"server/discover","params":{}}"#);
        assert_eq!(detect_era(None, &discover), Era::Modern);

        let initialize = message(
            r#"{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2024-11-05","capabilities":{}}}"#,
        );
        assert_eq!(detect_era(None, &initialize), Era::Legacy);
        assert_eq!(detect_era(Some("2026-07-28"), &initialize), Era::Legacy);

        let modern_body = message(
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}}"#,
        );
        assert_eq!(detect_era(None, &modern_body), Era::Modern);
        assert_eq!(detect_era(Some("2025-11-25"), &modern_body), Era::Modern);

        let legacy_meta = message(
            r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"x","_meta":{"progressToken":1,"io.modelcontextprotocol/protocolVersion":"2025-11-25"}}}"#,
        );
        assert_eq!(detect_era(None, &legacy_meta), Era::Legacy);

        let odd_meta = message(r#"{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"_meta":[1]}}"#);
        assert_eq!(detect_era(None, &odd_meta), Era::Legacy);

        let response = message(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
        assert_eq!(detect_era(Some("2025-11-25"), &response), Era::Legacy);
    }

    #[test]
    fn modern_refusal_is_a_plain_invalid_request() {
        let id = RawValue::from_string("0".to_owned()).expect("valid json");
        let body = modern_not_supported_response_body(Some(&id));
        let value: Value = serde_json::from_slice(&body).expect("valid json");
        assert_eq!(value["jsonrpc"], "2.0");
        assert_eq!(value["id"], 0);
        assert_eq!(value["error"]["code"], -32600);
        let text = value["error"]["message"].as_str().expect("message");
        assert!(
            text.contains("initialize") && text.contains("2025-11-25"),
            "{text}"
        );
        assert!(value["error"].get("data").is_none());
        assert_eq!(MODERN_NOT_SUPPORTED_STATUS, 400);

        let without_id: Value =
            serde_json::from_slice(&modern_not_supported_response_body(None)).expect("valid json");
        assert_eq!(without_id["id"], Value::Null);
    }
}
