//! Ids are stored as hyphenated UUID text. sqlx would bind a bare `Uuid` as a 16-byte BLOB, which never
//! equals the stored text, so every id is bound through [`text`].

use toolgate_domain::ids::ApprovalId;
use toolgate_domain::{AccountId, ApiTokenId, GrantId, PolicyId, ServerId, UserId};
use uuid::Uuid;
use uuid::fmt::Hyphenated;

/// The typed ids of the domain, as their UUID.
pub(super) trait Id {
    fn uuid(&self) -> Uuid;
}

macro_rules! impl_id {
    ($($name:ty),*) => {
        $(impl Id for $name {
            fn uuid(&self) -> Uuid {
                self.as_uuid()
            }
        })*
    };
}

impl_id!(
    AccountId, ApiTokenId, ApprovalId, GrantId, PolicyId, ServerId, UserId
);

pub(super) fn text(id: impl Id) -> Hyphenated {
    id.uuid().hyphenated()
}

/// `key` read as an id, when it is one (callers accept a slug or name, or an id).
pub(super) fn parse_key(key: &str) -> Option<Hyphenated> {
    Uuid::parse_str(key).ok().map(Uuid::hyphenated)
}
