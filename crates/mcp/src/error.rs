//! The crate's one error type.

use crate::jsonrpc::codes;

/// Everything that can go wrong while reading MCP wire data.
///
/// Messages are lowercase and safe to show to the client: they describe the input, never the
/// gateway's internals. [`McpError::jsonrpc_code`] gives the JSON-RPC code to answer with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum McpError {
    /// The body is not JSON (or not UTF-8): JSON-RPC `-32700`.
    #[error("parse error: {0}")]
    Parse(String),
    /// Valid JSON, but not a valid JSON-RPC message: `-32600`.
    #[error("invalid request: {0}")]
    InvalidRequest(String),
    /// A request whose `params` do not fit its method (e.g. `tools/call` without a name): `-32602`.
    #[error("invalid params: {0}")]
    InvalidParams(String),
    /// The upstream sent something we must act on but cannot read (e.g. a `tools/list` result
    /// without a `tools` array). The gateway answers `-32603` and logs it.
    #[error("invalid upstream message: {0}")]
    InvalidUpstream(String),
    /// One SSE event (or one line of it) grew past the decoder's limit.
    #[error("sse event exceeds {limit} bytes")]
    SseEventTooLarge { limit: usize },
}

impl McpError {
    /// Stable snake_case code for logs and metrics.
    pub fn code(&self) -> &'static str {
        match self {
            McpError::Parse(_) => "parse_error",
            McpError::InvalidRequest(_) => "invalid_request",
            McpError::InvalidParams(_) => "invalid_params",
            McpError::InvalidUpstream(_) => "invalid_upstream",
            McpError::SseEventTooLarge { .. } => "sse_event_too_large",
        }
    }

    /// The JSON-RPC error code a response about this error carries.
    pub fn jsonrpc_code(&self) -> i64 {
        match self {
            McpError::Parse(_) => codes::PARSE_ERROR,
            McpError::InvalidRequest(_) => codes::INVALID_REQUEST,
            McpError::InvalidParams(_) => codes::INVALID_PARAMS,
            McpError::InvalidUpstream(_) | McpError::SseEventTooLarge { .. } => codes::INTERNAL_ERROR,
        }
    }

    /// Re-labels a parse failure of a message that came from the upstream.
    pub(crate) fn into_upstream(self) -> McpError {
        match self {
            McpError::Parse(message)
            | McpError::InvalidRequest(message)
            | McpError::InvalidParams(message) => McpError::InvalidUpstream(message),
            other => other,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_stable() {
        assert_eq!(McpError::Parse("x".into()).jsonrpc_code(), -32700);
        assert_eq!(McpError::InvalidRequest("x".into()).jsonrpc_code(), -32600);
        assert_eq!(McpError::InvalidParams("x".into()).jsonrpc_code(), -32602);
        assert_eq!(McpError::InvalidUpstream("x".into()).jsonrpc_code(), -32603);
        assert_eq!(
            McpError::SseEventTooLarge { limit: 1 }.code(),
            "sse_event_too_large"
        );
        assert_eq!(
            McpError::InvalidRequest("id must be a string".into()).to_string(),
            "invalid request: id must be a string"
        );
    }

    #[test]
    fn upstream_relabels_parse_failures() {
        assert_eq!(
            McpError::Parse("eof".into()).into_upstream(),
            McpError::InvalidUpstream("eof".into())
        );
    }
}
