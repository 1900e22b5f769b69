//! `ApiJson<T>`: a JSON body extractor whose every failure is an [`ApiError`] in the API's format.
//!
//! - wrong or missing `Content-Type` → 400 `unsupported_content_type`
//! - body over the limit → 413 `payload_too_large`
//! - not JSON (syntax, empty body, trailing bytes) → 400 `malformed_json`
//! - JSON of the wrong shape (unknown field, missing field, wrong type) → 422 `validation_failed`
//!   with the offending field's path (`headers.X-Key`, `items[0].name`)

use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::http::{StatusCode, header};
use serde::de::DeserializeOwned;
use serde_path_to_error::{Path, Segment};

use crate::error::{ApiError, FieldError};

/// The largest request body the API accepts.
pub const MAX_BODY_BYTES: usize = 1024 * 1024;

pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        if !is_json_content_type(request.headers().get(header::CONTENT_TYPE)) {
            return Err(ApiError::UnsupportedContentType);
        }
        let bytes = Bytes::from_request(request, state).await.map_err(|rejection| {
            if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE {
                ApiError::PayloadTooLarge {
                    limit: MAX_BODY_BYTES,
                }
            } else {
                ApiError::BadRequest(format!(
                    "could not read the request body: {}",
                    rejection.body_text()
                ))
            }
        })?;
        parse(&bytes).map(ApiJson)
    }
}

fn is_json_content_type(value: Option<&header::HeaderValue>) -> bool {
    let Some(mime) = value.and_then(|value| value.to_str().ok()) else {
        return false;
    };
    let essence = mime
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    essence == "application/json" || (essence.starts_with("application/") && essence.ends_with("+json"))
}

/// Parses a body, telling syntax errors (400) from shape errors (422).
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(ApiError::MalformedJson(
            "the request body is empty; expected a JSON object".into(),
        ));
    }
    // Every body is an object; serde would also read a struct from an array, with confusing errors.
    if bytes.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
        return match serde_json::from_slice::<serde::de::IgnoredAny>(bytes) {
            Ok(_) => Err(ApiError::field("(body)", "must be a JSON object")),
            Err(error) => Err(ApiError::MalformedJson(format!("malformed JSON: {error}"))),
        };
    }
    let mut deserializer = serde_json::Deserializer::from_slice(bytes);
    let value = match serde_path_to_error::deserialize(&mut deserializer) {
        Ok(value) => value,
        Err(error) => return Err(shape_or_syntax(error.path(), error.inner())),
    };
    deserializer
        .end()
        .map_err(|error| ApiError::MalformedJson(format!("malformed JSON: {error}")))?;
    Ok(value)
}

fn shape_or_syntax(path: &Path, error: &serde_json::Error) -> ApiError {
    if !error.is_data() {
        return ApiError::MalformedJson(format!("malformed JSON: {error}"));
    }
    let parent = render_path(path);
    let message = strip_position(&error.to_string());
    // A missing field is reported at its parent; point at the field itself.
    if let Some(name) = backticked_after(&message, "missing field ") {
        return ApiError::field(join(&parent, &name), "is required");
    }
    // An unknown field is reported at the field already.
    if let Some(name) = backticked_after(&message, "unknown field ") {
        let path = if parent.is_empty() { name } else { parent };
        let expected = message.split_once(", expected ").map(|(_, rest)| rest.to_owned());
        let hint = expected.map(|rest| format!("unknown field (expected {rest})"));
        return ApiError::field(path, hint.unwrap_or_else(|| "unknown field".into()));
    }
    let path = if parent.is_empty() {
        "(body)".to_owned()
    } else {
        parent
    };
    ApiError::Validation(vec![FieldError::new(path, message)])
}

fn render_path(path: &Path) -> String {
    let mut out = String::new();
    for segment in path.iter() {
        match segment {
            Segment::Seq { index } => out.push_str(&format!("[{index}]")),
            Segment::Map { key } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(key);
            }
            Segment::Enum { variant } => {
                if !out.is_empty() {
                    out.push('.');
                }
                out.push_str(variant);
            }
            Segment::Unknown => {}
        }
    }
    out
}

fn join(parent: &str, name: &str) -> String {
    if parent.is_empty() {
        name.to_owned()
    } else {
        format!("{parent}.{name}")
    }
}

/// serde_json appends " at line L column C"; the path already says where.
fn strip_position(message: &str) -> String {
    match message.rfind(" at line ") {
        Some(index) => message[..index].to_owned(),
        None => message.to_owned(),
    }
}

fn backticked_after(message: &str, prefix: &str) -> Option<String> {
    let rest = message.strip_prefix(prefix)?.strip_prefix('`')?;
    let end = rest.find('`')?;
    Some(rest[..end].to_owned())
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Body {
        name: String,
        #[serde(default)]
        headers: std::collections::BTreeMap<String, String>,
    }

    fn fields(error: ApiError) -> Vec<FieldError> {
        match error {
            ApiError::Validation(fields) => fields,
            other => panic!("expected validation error, got {other:?}"),
        }
    }

    #[test]
    fn syntax_errors_are_malformed_json() {
        for body in ["", "  ", "{", "{\"name\": }", "{\"name\": \"a\"} {}", "nope"] {
            assert!(
                matches!(parse::<Body>(body.as_bytes()), Err(ApiError::MalformedJson(_))),
                "{body:?}"
            );
        }
    }

    #[test]
    fn shape_errors_name_the_field() {
        let error = parse::<Body>(br#"{"name": "a", "extra": 1}"#).expect_err("unknown field");
        assert_eq!(fields(error)[0].path, "extra");
        let error =
            parse::<Body>(br#"{"name": "a", "headers": {}, "nested": {"x": 1}}"#).expect_err("unknown");
        assert_eq!(fields(error)[0].path, "nested");
        let error = parse::<Body>(br#"{}"#).expect_err("missing field");
        assert_eq!(fields(error), vec![FieldError::new("name", "is required")]);
        let error = parse::<Body>(br#"{"name": "a", "headers": {"X-Key": 5}}"#).expect_err("type");
        let field = &fields(error)[0];
        assert_eq!(field.path, "headers.X-Key");
        assert!(!field.message.contains("line"), "{}", field.message);
        let error = parse::<Body>(br#"[1]"#).expect_err("not an object");
        assert_eq!(fields(error)[0].path, "(body)");
    }

    #[test]
    fn content_types() {
        let ok = |text: &'static str| is_json_content_type(Some(&header::HeaderValue::from_static(text)));
        assert!(ok("application/json"));
        assert!(ok("Application/JSON; charset=utf-8"));
        assert!(ok("application/merge-patch+json"));
        assert!(!ok("text/plain"));
        assert!(!is_json_content_type(None));
    }
}
