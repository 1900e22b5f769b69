//! Parsing and classifying JSON-RPC messages without copying them.

use std::borrow::Cow;

use serde::Deserialize;
use serde_json::value::RawValue;

use super::raw::{decode_str, is_object, is_string_or_number, present, trim_json_whitespace};
use crate::McpError;

/// One HTTP body: a single message or a batch (JSON-RPC batches are legal in MCP 2025-03-26 only;
/// whether to accept them is the caller's decision).
#[derive(Debug, Clone)]
pub enum Payload<'a> {
    Single(Message<'a>),
    Batch(Vec<Message<'a>>),
}

/// One JSON-RPC message, every part borrowed from the input.
///
/// A `Message` only exists once it has been validated: `jsonrpc` is `"2.0"` and it is exactly one
/// of request, notification or response (see [`Message::kind`]). Unknown extra fields are allowed
/// and ignored (they are still in [`Message::raw`]).
#[derive(Debug, Clone)]
pub struct Message<'a> {
    /// The message's exact JSON text, for forwarding it unchanged.
    pub raw: &'a str,
    /// Requests: a string or number. Responses: a string, a number, JSON `null` (kept as the raw
    /// text `null`), or absent on an error response that could not name its request.
    pub id: Option<&'a RawValue>,
    /// Borrowed unless the JSON string contained escapes.
    pub method: Option<Cow<'a, str>>,
    /// An object or array; a JSON `null` is treated as absent.
    pub params: Option<&'a RawValue>,
    pub result: Option<&'a RawValue>,
    /// Always an object when present.
    pub error: Option<&'a RawValue>,
}

/// What a message is, by the JSON-RPC 2.0 rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MessageKind {
    /// Has `method` and `id`.
    Request,
    /// Has `method`, no `id`.
    Notification,
    /// Has `result` or `error`, no `method`.
    Response(ResponseKind),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ResponseKind {
    Result,
    Error,
}

/// The envelope as it is on the wire; validated into a [`Message`].
#[derive(Deserialize)]
struct Envelope<'a> {
    #[serde(borrow, default, deserialize_with = "present")]
    jsonrpc: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    id: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    method: Option<&'a RawValue>,
    #[serde(borrow, default)]
    params: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    result: Option<&'a RawValue>,
    #[serde(borrow, default, deserialize_with = "present")]
    error: Option<&'a RawValue>,
}

/// Parses one HTTP request body; the same as [`Payload::parse`].
pub fn parse(body: &[u8]) -> Result<Payload<'_>, McpError> {
    Payload::parse(body)
}

impl<'a> Payload<'a> {
    /// Parses one HTTP request body.
    ///
    /// Errors: not UTF-8, not JSON, or empty → [`McpError::Parse`] (`-32700`); JSON that is not an
    /// object or a non-empty array of valid messages → [`McpError::InvalidRequest`] (`-32600`). A
    /// batch with one invalid element is refused as a whole, naming the element.
    pub fn parse(body: &'a [u8]) -> Result<Payload<'a>, McpError> {
        let text = body_text(body)?;
        match text.as_bytes().first() {
            Some(b'[') => parse_batch(text),
            _ => parse_object(text).map(Payload::Single),
        }
    }

    pub fn is_batch(&self) -> bool {
        matches!(self, Payload::Batch(_))
    }

    /// The messages, one for a single message.
    pub fn messages(&self) -> &[Message<'a>] {
        match self {
            Payload::Single(message) => std::slice::from_ref(message),
            Payload::Batch(messages) => messages,
        }
    }
}

impl<'a> Message<'a> {
    /// Parses exactly one message (no batch), e.g. the data of one SSE event or an upstream's JSON
    /// response body. Same errors as [`Payload::parse`]; an array is [`McpError::InvalidRequest`].
    pub fn parse(bytes: &'a [u8]) -> Result<Message<'a>, McpError> {
        parse_object(body_text(bytes)?)
    }

    pub fn kind(&self) -> MessageKind {
        match (&self.method, self.id, self.error) {
            (Some(_), Some(_), _) => MessageKind::Request,
            (Some(_), None, _) => MessageKind::Notification,
            (None, _, Some(_)) => MessageKind::Response(ResponseKind::Error),
            (None, _, None) => MessageKind::Response(ResponseKind::Result),
        }
    }

    /// The method name, for requests and notifications.
    pub fn method(&self) -> Option<&str> {
        self.method.as_deref()
    }

    pub fn is_request(&self) -> bool {
        self.kind() == MessageKind::Request
    }
}

fn body_text(body: &[u8]) -> Result<&str, McpError> {
    let text = std::str::from_utf8(body).map_err(|_| McpError::Parse("body is not valid utf-8".into()))?;
    let text = trim_json_whitespace(text);
    if text.is_empty() {
        return Err(McpError::Parse("body is empty".into()));
    }
    Ok(text)
}

fn parse_batch(text: &str) -> Result<Payload<'_>, McpError> {
    let elements: Vec<&RawValue> = serde_json::from_str(text).map_err(classify)?;
    if elements.is_empty() {
        return Err(McpError::InvalidRequest("batch is empty".into()));
    }
    let messages = elements
        .into_iter()
        .enumerate()
        .map(|(index, element)| {
            parse_object(element.get()).map_err(|error| match error {
                McpError::InvalidRequest(message) => {
                    McpError::InvalidRequest(format!("batch element {index}: {message}"))
                }
                other => other,
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Payload::Batch(messages))
}

/// `text` is trimmed and non-empty.
fn parse_object(text: &str) -> Result<Message<'_>, McpError> {
    if !text.starts_with('{') {
        // Tell "not JSON" (-32700) from "JSON, but not an object" (-32600).
        return Err(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
            Ok(_) => McpError::InvalidRequest("message must be a json object".into()),
            Err(error) => classify(error),
        });
    }
    let envelope: Envelope<'_> = serde_json::from_str(text).map_err(classify)?;
    validate(text, envelope)
}

fn classify(error: serde_json::Error) -> McpError {
    match error.classify() {
        // Duplicate fields and type mismatches: the JSON is fine, the message is not.
        serde_json::error::Category::Data => McpError::InvalidRequest(error.to_string()),
        _ => McpError::Parse(error.to_string()),
    }
}

fn validate<'a>(raw: &'a str, envelope: Envelope<'a>) -> Result<Message<'a>, McpError> {
    let invalid = |message: &str| Err(McpError::InvalidRequest(message.into()));
    if envelope.jsonrpc.map(RawValue::get) != Some(r#""2.0""#) {
        return invalid(r#"jsonrpc must be "2.0""#);
    }
    let method = match envelope.method {
        None => None,
        Some(method) => match decode_str(method) {
            Some(name) => Some(name),
            None => return invalid("method must be a string"),
        },
    };
    if method.is_some() {
        if envelope.result.is_some() || envelope.error.is_some() {
            return invalid("a request or notification cannot carry result or error");
        }
        if envelope.id.is_some_and(|id| !is_string_or_number(id)) {
            return invalid("id must be a string or a number");
        }
        if envelope
            .params
            .is_some_and(|params| !matches!(params.get().as_bytes().first(), Some(b'{' | b'[')))
        {
            return invalid("params must be an object or an array");
        }
    } else {
        match (envelope.result, envelope.error) {
            (Some(_), Some(_)) => return invalid("a response cannot carry both result and error"),
            (None, None) => return invalid("message is not a request, notification or response"),
            (Some(_), None) => {
                if !envelope.id.is_some_and(is_string_or_number) {
                    return invalid("a result response needs a string or number id");
                }
            }
            (None, Some(error)) => {
                if !is_object(error) {
                    return invalid("error must be an object");
                }
                if envelope
                    .id
                    .is_some_and(|id| id.get() != "null" && !is_string_or_number(id))
                {
                    return invalid("id must be a string, a number or null");
                }
            }
        }
    }
    Ok(Message {
        raw,
        id: envelope.id,
        method,
        params: envelope.params,
        result: envelope.result,
        error: envelope.error,
    })
}

#[cfg(test)]
mod tests;
