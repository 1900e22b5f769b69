//! Form input for pages: [`PageForm`] (a urlencoded body; a malformed one is a 400 page, never a 500),
//! [`FormFields`] (the raw name/value pairs, for repeated fields such as header rows) and
//! [`FieldErrors`] (errors to show next to each field, from the service layer's `validation_failed`).

use axum::extract::{FromRequest, Request};
use axum::{Form, extract::rejection::FormRejection};
use serde::de::DeserializeOwned;

use super::error::PageError;
use crate::error::{ApiError, FieldError};

pub struct PageForm<T>(pub T);

impl<S, T> FromRequest<S> for PageForm<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, Self::Rejection> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(value)) => Ok(PageForm(value)),
            Err(FormRejection::FailedToDeserializeForm(error)) => Err(PageError::BadRequest(format!(
                "The form could not be read: {}",
                error.body_text()
            ))),
            Err(other) => Err(PageError::BadRequest(format!(
                "The form could not be read: {}",
                other.body_text()
            ))),
        }
    }
}

/// Every name/value pair of a form, in order (`serde_urlencoded` keeps repeated names).
#[derive(Debug, Default, serde::Deserialize)]
#[serde(transparent)]
pub struct FormFields(pub Vec<(String, String)>);

impl FormFields {
    /// The first value of `name`, or "".
    pub fn get(&self, name: &str) -> &str {
        self.0
            .iter()
            .find_map(|(key, value)| (key == name).then_some(value.as_str()))
            .unwrap_or("")
    }

    /// Every value of `name`, in order.
    pub fn all(&self, name: &str) -> Vec<&str> {
        self.0
            .iter()
            .filter(|(key, _)| key == name)
            .map(|(_, value)| value.as_str())
            .collect()
    }
}

/// Errors to show at the fields of a form, by field name. `form` holds what belongs to no field.
#[derive(Debug, Default)]
pub struct FieldErrors(pub Vec<FieldError>);

impl FieldErrors {
    pub fn none() -> Self {
        Self::default()
    }

    pub fn one(path: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(path, message)])
    }

    /// The first message for `path`, as a sentence, for
    /// `{% if let Some(message) = errors.get("email") %}`.
    pub fn get(&self, path: &str) -> Option<String> {
        self.0
            .iter()
            .find_map(|field| (field.path == path).then(|| sentence(&field.message)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// Field errors of a `validation_failed` answer; any other error is the page's to handle.
    pub fn from_api(error: ApiError) -> Result<Self, ApiError> {
        match error {
            ApiError::Validation(fields) => Ok(Self(fields)),
            other => Err(other),
        }
    }
}

/// "must not be empty" → "Must not be empty."
fn sentence(message: &str) -> String {
    let mut chars = message.chars();
    let mut text: String = match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => return String::new(),
    };
    if !text.ends_with(['.', '!', '?']) {
        text.push('.');
    }
    text
}
