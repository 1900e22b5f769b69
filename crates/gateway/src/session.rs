//! Stateless session ids. The id a client sees is an authenticated encryption of the upstream's
//! session id, the grant, the server and the protocol version, so any worker can serve any request of
//! any session without a session store. A tampered or foreign id does not open.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use toolgate_domain::{GrantId, SecretKey, ServerId};

const ASSOCIATED: &[u8] = b"toolgate-mcp-session:v1";
/// Longest session id accepted from a client (base64 of a sealed claim with a generous upstream id).
const MAX_ENCODED_LEN: usize = 4096;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    /// The upstream's `Mcp-Session-Id`.
    #[serde(rename = "u")]
    pub upstream: String,
    #[serde(rename = "g")]
    pub grant: GrantId,
    #[serde(rename = "s")]
    pub server: ServerId,
    /// The protocol version negotiated by initialize, when known.
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pub protocol_version: Option<String>,
}

impl SessionClaims {
    pub fn seal(&self, key: &SecretKey) -> String {
        let plain = serde_json::to_vec(self).expect("claims serialise: plain strings and uuids");
        URL_SAFE_NO_PAD.encode(key.seal(&plain, ASSOCIATED))
    }

    /// Opens a client's session id. `None` for anything not sealed by this deployment's key.
    pub fn open(encoded: &str, key: &SecretKey) -> Option<Self> {
        if encoded.len() > MAX_ENCODED_LEN {
            return None;
        }
        let sealed = URL_SAFE_NO_PAD.decode(encoded).ok()?;
        let plain = key.open(&sealed, ASSOCIATED).ok()?;
        serde_json::from_slice(&plain).ok()
    }
}

/// A client's session id, opened: what it claims, and a short fingerprint of it for the audit (the id
/// itself is a credential and is never stored).
#[derive(Debug)]
pub struct OpenedSession {
    pub claims: SessionClaims,
    pub fingerprint: String,
}

/// Longest session id kept opened (ids from usual upstreams are 100–200 characters).
const MAX_REMEMBERED_LEN: usize = 512;

/// Session ids that opened before, so the AEAD runs once per session rather than once per request.
/// Only ids that opened are kept (garbage cannot fill it), keyed by the whole id (a lookup is as strict
/// as opening it), and the map is bounded: when full it starts over.
pub struct OpenedSessions {
    opened: RwLock<HashMap<Box<str>, Arc<OpenedSession>>>,
    capacity: usize,
}

impl OpenedSessions {
    pub fn new(capacity: usize) -> Self {
        Self {
            opened: RwLock::default(),
            capacity: capacity.max(1),
        }
    }

    pub fn open(&self, encoded: &str, key: &SecretKey) -> Option<Arc<OpenedSession>> {
        let known = self
            .opened
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .get(encoded)
            .cloned();
        if known.is_some() {
            return known;
        }
        let claims = SessionClaims::open(encoded, key)?;
        let opened = Arc::new(OpenedSession {
            claims,
            fingerprint: fingerprint(encoded),
        });
        // The upstream chooses its session ids' length: long ones are opened every time rather than
        // kept, so the map's memory stays bounded by its count.
        if encoded.len() > MAX_REMEMBERED_LEN {
            return Some(opened);
        }
        let mut map = self
            .opened
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if map.len() >= self.capacity {
            map.clear();
        }
        map.insert(encoded.into(), opened.clone());
        Some(opened)
    }
}

/// The first 8 bytes of the id's SHA-256, in hex.
pub fn fingerprint(encoded: &str) -> String {
    hex::encode(&Sha256::digest(encoded.as_bytes())[..8])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key() -> SecretKey {
        SecretKey::from_bytes([7; 32])
    }

    #[test]
    fn round_trip_and_tamper() {
        let claims = SessionClaims {
            upstream: "abc-123".into(),
            grant: GrantId::new(),
            server: ServerId::new(),
            protocol_version: Some("2025-06-18".into()),
        };
        let id = claims.seal(&key());
        assert!(id.bytes().all(|b| b.is_ascii_graphic()));
        assert_eq!(SessionClaims::open(&id, &key()), Some(claims));
        let mut tampered = id.into_bytes();
        let middle = tampered.len() / 2;
        tampered[middle] = if tampered[middle] == b'A' { b'B' } else { b'A' };
        let tampered = String::from_utf8(tampered).expect("ascii");
        assert_eq!(SessionClaims::open(&tampered, &key()), None);
        assert_eq!(SessionClaims::open("not-base64!", &key()), None);
        assert_eq!(SessionClaims::open(&"A".repeat(5000), &key()), None);
    }

    #[test]
    fn another_key_cannot_open() {
        let claims = SessionClaims {
            upstream: "x".into(),
            grant: GrantId::new(),
            server: ServerId::new(),
            protocol_version: None,
        };
        assert_eq!(
            SessionClaims::open(&claims.seal(&key()), &SecretKey::from_bytes([8; 32])),
            None
        );
    }

    #[test]
    fn opened_sessions_remember_only_what_opens_and_stay_bounded() {
        let sessions = OpenedSessions::new(2);
        let seal = |upstream: &str| {
            SessionClaims {
                upstream: upstream.into(),
                grant: GrantId::new(),
                server: ServerId::new(),
                protocol_version: None,
            }
            .seal(&key())
        };
        let first = seal("one");
        let opened = sessions.open(&first, &key()).expect("opens");
        assert_eq!(opened.claims.upstream, "one");
        assert_eq!(opened.fingerprint, fingerprint(&first));
        // A remembered id is still bound to its exact text and to the key for ids never seen.
        assert!(Arc::ptr_eq(
            &opened,
            &sessions.open(&first, &key()).expect("again")
        ));
        assert!(sessions.open(&format!("{first}A"), &key()).is_none());
        assert!(
            sessions
                .open(&seal("other"), &SecretKey::from_bytes([9; 32]))
                .is_none()
        );
        for name in ["two", "three", "four"] {
            assert!(sessions.open(&seal(name), &key()).is_some());
        }
        assert!(sessions.opened.read().expect("lock").len() <= 2);
        // A long id opens but is not kept.
        let sessions = OpenedSessions::new(10);
        let long = seal(&"u".repeat(600));
        assert_eq!(
            sessions.open(&long, &key()).expect("opens").claims.upstream.len(),
            600
        );
        assert!(sessions.opened.read().expect("lock").is_empty());
        assert_eq!(
            sessions.open(&first, &key()).expect("reopens").claims.upstream,
            "one"
        );
    }
}
