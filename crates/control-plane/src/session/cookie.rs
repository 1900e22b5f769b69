//! Reading one cookie from `Cookie` headers and writing `Set-Cookie` values: HttpOnly, SameSite=Lax,
//! Path=/, Secure when the public URL is https.

use std::time::Duration;

use axum::http::{HeaderMap, HeaderValue, header};

use crate::error::ApiError;

/// The value of the first cookie called `name`, if any.
pub fn find<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|line| line.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find_map(|(key, value)| (key.trim() == name).then(|| value.trim().trim_matches('"')))
}

pub fn set(name: &str, value: &str, max_age: Duration, secure: bool) -> Result<HeaderValue, ApiError> {
    build(name, value, max_age.as_secs(), secure)
}

pub fn clear(name: &str, secure: bool) -> Result<HeaderValue, ApiError> {
    build(name, "", 0, secure)
}

fn build(name: &str, value: &str, max_age: u64, secure: bool) -> Result<HeaderValue, ApiError> {
    let secure = if secure { "; Secure" } else { "" };
    let text = format!("{name}={value}; Path=/; HttpOnly; SameSite=Lax; Max-Age={max_age}{secure}");
    HeaderValue::from_str(&text).map_err(ApiError::internal)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.append(
            header::COOKIE,
            HeaderValue::from_static("a=1; toolgate_session=tgs_x"),
        );
        headers.append(header::COOKIE, HeaderValue::from_static("b=2"));
        assert_eq!(find(&headers, "toolgate_session"), Some("tgs_x"));
        assert_eq!(find(&headers, "b"), Some("2"));
        assert_eq!(find(&headers, "c"), None);
    }

    #[test]
    fn sets_the_attributes() {
        let value = set("s", "v", Duration::from_secs(60), true).expect("header");
        assert_eq!(value, "s=v; Path=/; HttpOnly; SameSite=Lax; Max-Age=60; Secure");
        let value = clear("s", false).expect("header");
        assert_eq!(value, "s=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0");
    }
}
