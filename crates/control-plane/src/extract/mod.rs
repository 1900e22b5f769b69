//! Request extractors: every rejection is an [`crate::error::ApiError`] in the API's format.

mod auth;
mod client_ip;
mod json;
mod path;

pub use auth::{AuthUser, Member, Writer, path_param};
pub use client_ip::ClientIp;
pub use json::{ApiJson, MAX_BODY_BYTES};
pub use path::{ApiPath, ApiQuery};
