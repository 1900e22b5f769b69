//! One dispatched SSE event.

/// An event as the decoder dispatches it and the encoder writes it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SseEvent {
    /// The `id` field of this event's own block, if it had one. (The WHATWG "last event ID", which
    /// persists across events, is [`super::SseDecoder::last_event_id`].)
    pub id: Option<String>,
    /// The event type; `None` means the default type, `message`.
    pub event: Option<String>,
    /// The data lines joined by `\n`.
    pub data: String,
    /// A valid `retry` field (milliseconds) in this event's block.
    pub retry: Option<u64>,
}

impl SseEvent {
    /// An event of the default type carrying `data`.
    pub fn message(data: impl Into<String>) -> SseEvent {
        SseEvent {
            data: data.into(),
            ..SseEvent::default()
        }
    }

    /// The event type with the default applied: MCP's JSON-RPC messages travel as `message`.
    pub fn event_type(&self) -> &str {
        self.event.as_deref().unwrap_or("message")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_type_is_message() {
        assert_eq!(SseEvent::message("{}").event_type(), "message");
        let typed = SseEvent {
            event: Some("endpoint".into()),
            ..SseEvent::message("/x")
        };
        assert_eq!(typed.event_type(), "endpoint");
    }
}
