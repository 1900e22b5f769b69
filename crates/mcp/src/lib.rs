//! MCP wire handling for a transparent proxy.
//!
//! Everything here is pure: bytes in, bytes (or borrowed views) out, no IO. Messages stay raw JSON:
//! the envelope parser borrows `&RawValue`s from the request body, `tools/list` filtering copies the
//! kept tools byte-for-byte, and builders write JSON text directly instead of going through
//! `serde_json::Value` where they can.
//!
//! | module | job |
//! |---|---|
//! | [`headers`] | HTTP header names the MCP transports use |
//! | [`version`] | protocol revisions, era detection, the answer that makes dual-era clients fall back |
//! | [`jsonrpc`] | the JSON-RPC envelope: parse, classify, build responses |
//! | [`tools`] | `tools/list` filtering, `tools/call` params, policy refusals |
//! | [`sse`] | incremental SSE decoder, stream adapter, encoder |
//! | [`ids`] | request ids the gateway issues itself |

pub mod error;
pub mod headers;
pub mod ids;
pub mod jsonrpc;
pub mod sse;
pub mod tools;
pub mod version;

pub use error::McpError;
