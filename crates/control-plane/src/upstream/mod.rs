//! What the control plane checks and keeps about an upstream MCP server: its URL (no SSRF into
//! link-local, metadata or, unless allowed, private addresses) and its auth headers (sealed at rest).

pub mod address;
pub mod headers;
