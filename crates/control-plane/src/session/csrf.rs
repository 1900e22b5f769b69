//! CSRF defences for cookie-authenticated writes:
//!
//! 1. The synchronizer token: the session's `csrf_token`, sent back as the `csrf_token` form field or
//!    the `X-CSRF-Token` header, compared in constant time. Before login (the login and signup forms)
//!    the expected token is a random `toolgate_csrf` cookie set with the form (double submit), so a
//!    foreign site cannot log a victim into the attacker's account either.
//! 2. Fetch metadata: `Sec-Fetch-Site: cross-site` is refused, and so is an `Origin` that is neither
//!    the public URL's origin nor the origin of the request's own `Host`.

use axum::http::{HeaderMap, header};
use rand::RngCore;
use subtle::ConstantTimeEq;

pub const FIELD: &str = "csrf_token";
pub const HEADER: &str = "x-csrf-token";
/// The pre-session token (login and signup forms).
pub const PRE_SESSION_COOKIE: &str = "toolgate_csrf";

/// A fresh token: 32 random bytes, hex.
pub fn generate() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

pub fn tokens_match(expected: &str, presented: &str) -> bool {
    !expected.is_empty() && bool::from(expected.as_bytes().ct_eq(presented.as_bytes()))
}

/// The `X-CSRF-Token` header, if any.
pub fn header_token(headers: &HeaderMap) -> Option<&str> {
    headers
        .get(HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
}

/// Is this request from another site? (`public_url` without a trailing slash.)
pub fn is_cross_site(headers: &HeaderMap, public_url: &str) -> bool {
    let fetch_site = headers
        .get("sec-fetch-site")
        .and_then(|value| value.to_str().ok());
    if fetch_site.is_some_and(|site| site.eq_ignore_ascii_case("cross-site")) {
        return true;
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    let origin = origin.trim().trim_end_matches('/');
    if origin.eq_ignore_ascii_case(&origin_of(public_url)) {
        return false;
    }
    // The origin of the address the browser actually used (e.g. localhost instead of 127.0.0.1).
    let host = headers.get(header::HOST).and_then(|value| value.to_str().ok());
    let same_host = host.is_some_and(|host| {
        origin
            .split_once("://")
            .is_some_and(|(_, rest)| rest.eq_ignore_ascii_case(host.trim()))
    });
    !same_host
}

/// `scheme://host[:port]` of a URL.
fn origin_of(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(parsed) => parsed.origin().ascii_serialization(),
        Err(_) => url.trim_end_matches('/').to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use axum::http::HeaderValue;

    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn tells_cross_site_requests() {
        let public = "http://127.0.0.1:8080";
        assert!(!is_cross_site(&headers(&[]), public));
        assert!(!is_cross_site(
            &headers(&[("origin", "http://127.0.0.1:8080")]),
            public
        ));
        assert!(!is_cross_site(
            &headers(&[("origin", "http://localhost:8080"), ("host", "localhost:8080")]),
            public
        ));
        assert!(is_cross_site(
            &headers(&[("origin", "https://evil.example")]),
            public
        ));
        assert!(is_cross_site(
            &headers(&[("origin", "https://evil.example"), ("host", "127.0.0.1:8080")]),
            public
        ));
        assert!(is_cross_site(&headers(&[("origin", "null")]), public));
        assert!(is_cross_site(
            &headers(&[("sec-fetch-site", "cross-site")]),
            public
        ));
        assert!(!is_cross_site(
            &headers(&[("sec-fetch-site", "same-origin")]),
            public
        ));
    }

    #[test]
    fn compares_tokens() {
        let token = generate();
        assert_eq!(token.len(), 64);
        assert!(tokens_match(&token, &token.clone()));
        assert!(!tokens_match(&token, "x"));
        assert!(!tokens_match("", ""));
    }
}
