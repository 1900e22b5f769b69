//! Dev-only helpers: a fake upstream MCP server and a small API client for end-to-end tests.
//! (Tests against real MCP peers live in `tests/e2e`; the fake upstream keeps Rust tests fast and
//! lets them observe exactly what reached the upstream.)

pub mod api;
pub mod fake_upstream;

pub use api::ApiClient;
pub use fake_upstream::FakeUpstream;
