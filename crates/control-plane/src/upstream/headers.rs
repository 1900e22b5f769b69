//! Headers the gateway sends to an upstream (its credentials): validated, then sealed at rest with the
//! deployment's secret key. Only their names are ever shown.
//!
//! The sealed form is a JSON object `{name: value}` and its associated data is exactly
//! `server-headers:{server_id}`: the gateway opens it with the same string.

use std::collections::{BTreeMap, HashSet};

use axum::http::HeaderValue;
use toolgate_domain::{SecretKey, ServerId};
use toolgate_store::Server;

use crate::error::{ApiError, FieldError};

pub const MAX_HEADERS: usize = 32;
const MAX_NAME_LEN: usize = 256;
const MAX_VALUE_LEN: usize = 8 * 1024;

/// Set by the HTTP layer or the gateway itself, so an upstream configuration may not set them.
/// (`mcp-*` headers belong to the protocol and are refused as well.)
const RESERVED: &[&str] = &[
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
    "host",
    "content-length",
];

/// Validated headers, in name order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UpstreamHeaders(pub Vec<(String, String)>);

impl UpstreamHeaders {
    /// Checks every header; errors name the field as `headers.NAME`.
    pub fn parse(map: BTreeMap<String, String>) -> Result<Self, Vec<FieldError>> {
        let mut problems = Vec::new();
        if map.len() > MAX_HEADERS {
            problems.push(FieldError::new(
                "headers",
                format!("at most {MAX_HEADERS} headers (got {})", map.len()),
            ));
        }
        let mut seen = HashSet::new();
        for (name, value) in &map {
            let path = format!("headers.{name}");
            if let Err(message) = check_name(name) {
                problems.push(FieldError::new(&path, message));
            } else if !seen.insert(name.to_ascii_lowercase()) {
                problems.push(FieldError::new(
                    &path,
                    "is given twice (header names ignore case)",
                ));
            }
            if let Err(message) = check_value(value) {
                problems.push(FieldError::new(&path, message));
            }
        }
        if problems.is_empty() {
            Ok(Self(map.into_iter().collect()))
        } else {
            Err(problems)
        }
    }

    pub fn names(&self) -> Vec<String> {
        self.0.iter().map(|(name, _)| name.clone()).collect()
    }

    /// `None` when there are no headers to keep.
    pub fn seal(&self, secret: &SecretKey, server: ServerId) -> Result<Option<Vec<u8>>, ApiError> {
        if self.0.is_empty() {
            return Ok(None);
        }
        let object: serde_json::Map<String, serde_json::Value> = self
            .0
            .iter()
            .map(|(name, value)| (name.clone(), value.clone().into()))
            .collect();
        let plaintext = serde_json::to_vec(&object).map_err(ApiError::internal)?;
        Ok(Some(secret.seal(&plaintext, associated_data(server).as_bytes())))
    }

    /// The server's headers in clear, to call the upstream.
    pub fn open(secret: &SecretKey, server: &Server) -> Result<Self, ApiError> {
        let Some(sealed) = &server.headers_sealed else {
            return Ok(Self(Vec::new()));
        };
        let plaintext = secret
            .open(sealed, associated_data(server.id).as_bytes())
            .map_err(|error| {
                ApiError::internal(format!(
                    "cannot open the headers of server {}: {error}",
                    server.id
                ))
            })?;
        let map: BTreeMap<String, String> = serde_json::from_slice(&plaintext).map_err(|error| {
            ApiError::internal(format!(
                "sealed headers of server {} are not an object: {error}",
                server.id
            ))
        })?;
        Ok(Self(map.into_iter().collect()))
    }
}

pub fn associated_data(server: ServerId) -> String {
    format!("server-headers:{server}")
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() || name.len() > MAX_NAME_LEN {
        return Err(format!(
            "header names must be 1 to {MAX_NAME_LEN} characters long"
        ));
    }
    let token = name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !token {
        return Err("is not a valid header name (letters, digits and !#$%&'*+-.^_`|~ only)".into());
    }
    let lower = name.to_ascii_lowercase();
    if RESERVED.contains(&lower.as_str()) || lower.starts_with("mcp-") {
        return Err("is set by the gateway or the HTTP layer and may not be configured".into());
    }
    Ok(())
}

fn check_value(value: &str) -> Result<(), String> {
    if value.len() > MAX_VALUE_LEN {
        return Err(format!(
            "header values must be at most {MAX_VALUE_LEN} bytes long"
        ));
    }
    if value.contains(['\r', '\n', '\0']) || HeaderValue::from_str(value).is_err() {
        return Err("header values must not contain line breaks or control characters".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<UpstreamHeaders, Vec<FieldError>> {
        UpstreamHeaders::parse(
            pairs
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect(),
        )
    }

    #[test]
    fn accepts_credentials_and_refuses_reserved_or_broken_headers() {
        assert!(parse(&[("Authorization", "Bearer x"), ("X-Api-Key", "k")]).is_ok());
        for name in [
            "Host",
            "content-length",
            "Connection",
            "Mcp-Session-Id",
            "MCP-Protocol-Version",
            "bad name",
            "",
        ] {
            assert!(parse(&[(name, "v")]).is_err(), "{name:?}");
        }
        assert!(parse(&[("X-Key", "a\r\nInjected: 1")]).is_err());
        assert!(parse(&[("X-Key", &"v".repeat(8 * 1024 + 1))]).is_err());
        assert!(parse(&[("x-key", "a"), ("X-Key", "b")]).is_err());
        let many: Vec<(String, String)> = (0..33).map(|i| (format!("X-{i}"), "v".into())).collect();
        assert!(UpstreamHeaders::parse(many.into_iter().collect()).is_err());
    }

    #[test]
    fn seals_with_the_server_bound_associated_data() {
        let secret = SecretKey::from_hex(&SecretKey::generate_hex()).expect("key");
        let headers = parse(&[("Authorization", "Bearer s3cret")]).expect("valid");
        let id = ServerId::new();
        let sealed = headers.seal(&secret, id).expect("seal").expect("some");
        let plain = secret
            .open(&sealed, format!("server-headers:{id}").as_bytes())
            .expect("open");
        assert_eq!(plain, br#"{"Authorization":"Bearer s3cret"}"#);
        assert!(
            parse(&[])
                .expect("empty")
                .seal(&secret, id)
                .expect("seal")
                .is_none()
        );
    }
}
