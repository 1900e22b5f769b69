//! The deployment's secret key, and authenticated encryption with it (ChaCha20-Poly1305).
//!
//! Sealed format: `version (1 byte) || nonce (12 bytes) || ciphertext+tag`. The associated data binds a
//! sealed value to its purpose and row (for example `b"server-headers:" + server id`), so a ciphertext
//! copied to another row or used for another purpose does not open.

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::RngCore;

const VERSION: u8 = 1;
const NONCE_LEN: usize = 12;

#[derive(Clone)]
pub struct SecretKey {
    cipher: ChaCha20Poly1305,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CryptoError {
    #[error("the secret key must be 64 hex characters (32 bytes)")]
    BadKey,
    #[error("sealed value is malformed, tampered with, or sealed with another key")]
    Open,
}

impl SecretKey {
    pub fn from_bytes(bytes: [u8; 32]) -> Self {
        Self {
            cipher: ChaCha20Poly1305::new(Key::from_slice(&bytes)),
        }
    }

    pub fn from_hex(hex_text: &str) -> Result<Self, CryptoError> {
        let bytes = hex::decode(hex_text.trim()).map_err(|_| CryptoError::BadKey)?;
        let bytes: [u8; 32] = bytes.try_into().map_err(|_| CryptoError::BadKey)?;
        Ok(Self::from_bytes(bytes))
    }

    /// A fresh random key, hex-encoded (for `toolgate serve`'s first start).
    pub fn generate_hex() -> String {
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        hex::encode(bytes)
    }

    pub fn seal(&self, plaintext: &[u8], associated: &[u8]) -> Vec<u8> {
        let mut nonce = [0u8; NONCE_LEN];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: plaintext,
                    aad: associated,
                },
            )
            .expect("chacha20poly1305 encryption cannot fail for in-memory buffers");
        let mut out = Vec::with_capacity(1 + NONCE_LEN + ciphertext.len());
        out.push(VERSION);
        out.extend_from_slice(&nonce);
        out.extend_from_slice(&ciphertext);
        out
    }

    pub fn open(&self, sealed: &[u8], associated: &[u8]) -> Result<Vec<u8>, CryptoError> {
        if sealed.len() < 1 + NONCE_LEN + 16 || sealed[0] != VERSION {
            return Err(CryptoError::Open);
        }
        let (nonce, ciphertext) = sealed[1..].split_at(NONCE_LEN);
        self.cipher
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: ciphertext,
                    aad: associated,
                },
            )
            .map_err(|_| CryptoError::Open)
    }
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretKey([redacted])")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_open_and_tamper() {
        let key = SecretKey::from_hex(&SecretKey::generate_hex()).expect("key");
        let sealed = key.seal(b"hello", b"row-1");
        assert_eq!(key.open(&sealed, b"row-1").expect("open"), b"hello");
        assert_eq!(key.open(&sealed, b"row-2"), Err(CryptoError::Open));
        let mut tampered = sealed.clone();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(key.open(&tampered, b"row-1"), Err(CryptoError::Open));
        let other = SecretKey::from_hex(&SecretKey::generate_hex()).expect("key");
        assert_eq!(other.open(&sealed, b"row-1"), Err(CryptoError::Open));
        assert_eq!(SecretKey::from_hex("abc").err(), Some(CryptoError::BadKey));
    }
}
