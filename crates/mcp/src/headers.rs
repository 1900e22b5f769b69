//! HTTP header names used by MCP's Streamable HTTP transport, lowercase (as `http::HeaderName`
//! stores them, so they can be used with `HeaderName::from_static`).

/// Legacy era: the session the server assigned at `initialize`.
pub const MCP_SESSION_ID: &str = "mcp-session-id";
/// Negotiated (legacy) or per-request (modern) protocol revision.
pub const MCP_PROTOCOL_VERSION: &str = "mcp-protocol-version";
/// Legacy era: resume an SSE stream after this event id.
pub const LAST_EVENT_ID: &str = "last-event-id";
/// Modern era: mirrors the body's `method`.
pub const MCP_METHOD: &str = "mcp-method";
/// Modern era: mirrors `params.name` (or `params.uri`) of `tools/call`, `prompts/get`, `resources/read`.
pub const MCP_NAME: &str = "mcp-name";
/// Modern era: prefix of the headers mirrored from tool arguments marked `x-mcp-header`. Unknown ones
/// must be forwarded untouched.
pub const MCP_PARAM_PREFIX: &str = "mcp-param-";

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_lowercase() {
        for name in [
            MCP_SESSION_ID,
            MCP_PROTOCOL_VERSION,
            LAST_EVENT_ID,
            MCP_METHOD,
            MCP_NAME,
            MCP_PARAM_PREFIX,
        ] {
            assert_eq!(name, name.to_ascii_lowercase());
        }
    }
}
