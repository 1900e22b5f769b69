//! JSON-RPC and MCP error codes.

/// Invalid JSON was received.
pub const PARSE_ERROR: i64 = -32700;
/// The JSON sent is not a valid request object.
pub const INVALID_REQUEST: i64 = -32600;
/// The method does not exist or is not available.
pub const METHOD_NOT_FOUND: i64 = -32601;
/// Invalid method parameters. MCP also uses it for "Unknown tool: NAME".
pub const INVALID_PARAMS: i64 = -32602;
/// Internal JSON-RPC error.
pub const INTERNAL_ERROR: i64 = -32603;

/// MCP 2026-07-28: HTTP headers do not match the body, or required ones are missing (HTTP 400).
pub const HEADER_MISMATCH: i64 = -32020;
/// MCP 2026-07-28: the request lacks a client capability the server requires.
pub const MISSING_REQUIRED_CLIENT_CAPABILITY: i64 = -32021;
/// MCP 2026-07-28: the requested protocol version is not served; `data.supported` lists the ones
/// that are. A dual-era client treats it as *modern* evidence, so never use it to refuse the modern
/// era as a whole (see [`crate::version::modern_not_supported_response_body`]).
pub const UNSUPPORTED_PROTOCOL_VERSION: i64 = -32022;
