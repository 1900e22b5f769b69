//! Toolgate's domain: identifiers, slugs and validated value types. No IO.

pub mod crypto;
pub mod ids;
pub mod role;
pub mod slug;
pub mod token;

pub use crypto::{CryptoError, SecretKey};
pub use ids::{AccountId, ApiTokenId, ApprovalId, GrantId, PolicyId, ServerId, UserId};
pub use role::Role;
pub use slug::{Slug, SlugError};
pub use token::{TokenHash, TokenKind};
