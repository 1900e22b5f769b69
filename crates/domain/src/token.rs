//! Bearer tokens: grant tokens (`tg_…`) for agents and API tokens (`tgk_…`) for people and scripts.
//! Tokens are 32 random bytes in base62; only their SHA-256 is stored, compared in constant time.

use rand::RngCore;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

const BASE62: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/// 43 base62 digits carry more than 256 bits.
const TOKEN_DIGITS: usize = 43;
/// How much of a token is kept in clear to tell tokens apart in lists ("tg_AbC1").
pub const PREFIX_LEN: usize = 8;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenKind {
    Grant,
    Api,
    Session,
}

impl TokenKind {
    pub fn prefix(&self) -> &'static str {
        match self {
            TokenKind::Grant => "tg_",
            TokenKind::Api => "tgk_",
            TokenKind::Session => "tgs_",
        }
    }

    /// Generates a fresh token of this kind.
    pub fn generate(&self) -> String {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        let mut out = String::with_capacity(self.prefix().len() + TOKEN_DIGITS);
        out.push_str(self.prefix());
        // Base62 of a 256-bit number, by repeated division of the big-endian bytes.
        let mut number = bytes.to_vec();
        let mut digits = Vec::with_capacity(TOKEN_DIGITS);
        for _ in 0..TOKEN_DIGITS {
            let mut remainder = 0u32;
            for byte in number.iter_mut() {
                let acc = (remainder << 8) | u32::from(*byte);
                *byte = (acc / 62) as u8;
                remainder = acc % 62;
            }
            digits.push(BASE62[remainder as usize]);
        }
        out.extend(digits.iter().rev().map(|&d| d as char));
        out
    }

    /// Does `token` look like a token of this kind (prefix and alphabet)? Cheap pre-check before hashing.
    pub fn matches(&self, token: &str) -> bool {
        token
            .strip_prefix(self.prefix())
            .is_some_and(|rest| rest.len() == TOKEN_DIGITS && rest.bytes().all(|b| b.is_ascii_alphanumeric()))
    }
}

/// The clear-text start of a token shown in lists.
pub fn token_prefix(token: &str) -> String {
    token.chars().take(PREFIX_LEN).collect()
}

#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct TokenHash(pub [u8; 32]);

impl TokenHash {
    pub fn of(token: &str) -> Self {
        Self(Sha256::digest(token.as_bytes()).into())
    }

    pub fn from_slice(bytes: &[u8]) -> Option<Self> {
        <[u8; 32]>::try_from(bytes).ok().map(Self)
    }

    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Constant-time comparison.
    pub fn verify(&self, token: &str) -> bool {
        Self::of(token).0.ct_eq(&self.0).into()
    }
}

impl std::fmt::Debug for TokenHash {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "TokenHash({}…)", hex::encode(&self.0[..4]))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_have_prefix_length_and_verify() {
        let token = TokenKind::Grant.generate();
        assert!(token.starts_with("tg_"));
        assert!(TokenKind::Grant.matches(&token), "{token}");
        assert!(!TokenKind::Api.matches(&token));
        let hash = TokenHash::of(&token);
        assert!(hash.verify(&token));
        assert!(!hash.verify(&TokenKind::Grant.generate()));
        assert_ne!(token, TokenKind::Grant.generate());
        assert_eq!(token_prefix(&token).len(), PREFIX_LEN);
    }
}
