//! MCP wire handling for a transparent proxy.
