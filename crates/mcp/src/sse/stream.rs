//! Adapting a stream of byte chunks (e.g. an upstream response body) into a stream of events.

use futures_util::{Stream, StreamExt};

use super::{DEFAULT_MAX_EVENT_BYTES, SseDecoder, SseEvent};
use crate::McpError;

/// Decodes a byte stream into events, with [`DEFAULT_MAX_EVENT_BYTES`] per event.
///
/// Transport errors are passed through; an oversized event becomes `E::from(McpError)`. Either
/// ends the stream (the event boundaries after it cannot be trusted). At the end of the input an
/// unfinished event is discarded.
pub fn decode_stream<S, B, E>(stream: S) -> impl Stream<Item = Result<SseEvent, E>>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: From<McpError>,
{
    decode_stream_with_limit(stream, DEFAULT_MAX_EVENT_BYTES)
}

/// [`decode_stream`] with an explicit bound on one event.
pub fn decode_stream_with_limit<S, B, E>(
    stream: S,
    max_event_bytes: usize,
) -> impl Stream<Item = Result<SseEvent, E>>
where
    S: Stream<Item = Result<B, E>>,
    B: AsRef<[u8]>,
    E: From<McpError>,
{
    let state = State {
        chunks: Box::pin(stream),
        decoder: SseDecoder::with_limit(max_event_bytes),
        ended: false,
    };
    futures_util::stream::unfold(state, |mut state| async move {
        loop {
            if let Some(event) = state.decoder.next_event() {
                return Some((Ok(event), state));
            }
            if state.ended {
                return None;
            }
            match state.chunks.next().await {
                Some(Ok(chunk)) => {
                    if let Err(error) = state.decoder.push(chunk.as_ref()) {
                        state.ended = true;
                        return Some((Err(E::from(error)), state));
                    }
                }
                Some(Err(error)) => {
                    state.ended = true;
                    return Some((Err(error), state));
                }
                None => {
                    state.decoder.finish();
                    state.ended = true;
                }
            }
        }
    })
}

struct State<S> {
    chunks: std::pin::Pin<Box<S>>,
    decoder: SseDecoder,
    ended: bool,
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use futures_util::stream;

    use super::*;

    #[derive(Debug, PartialEq)]
    enum TestError {
        Transport(&'static str),
        Sse(McpError),
    }

    impl From<McpError> for TestError {
        fn from(error: McpError) -> Self {
            TestError::Sse(error)
        }
    }

    fn chunks(parts: &[&'static str]) -> Vec<Result<Bytes, TestError>> {
        parts
            .iter()
            .map(|part| Ok(Bytes::from_static(part.as_bytes())))
            .collect()
    }

    #[tokio::test]
    async fn yields_events_across_chunks() {
        let input = stream::iter(chunks(&[
            "event: mess",
            "age\ndata: {\"a\"",
            ":1}\r",
            "\n\r\ndata: 2\n\ndata: cut",
        ]));
        let events: Vec<_> = decode_stream(input).collect().await;
        assert_eq!(
            events,
            vec![
                Ok(SseEvent {
                    event: Some("message".into()),
                    ..SseEvent::message(r#"{"a":1}"#)
                }),
                Ok(SseEvent::message("2")),
            ]
        );
    }

    #[tokio::test]
    async fn a_transport_error_ends_the_stream_after_earlier_events() {
        let mut parts = chunks(&["data: 1\n\n"]);
        parts.push(Err(TestError::Transport("reset")));
        parts.extend(chunks(&["data: 2\n\n"]));
        let events: Vec<_> = decode_stream(stream::iter(parts)).collect().await;
        assert_eq!(
            events,
            vec![Ok(SseEvent::message("1")), Err(TestError::Transport("reset"))]
        );
    }

    #[tokio::test]
    async fn an_oversized_event_is_an_error() {
        let input = stream::iter(chunks(&["data: ok\n\n", "data: far too long\n\n"]));
        let events: Vec<_> = decode_stream_with_limit(input, 8).collect().await;
        assert_eq!(
            events,
            vec![
                Ok(SseEvent::message("ok")),
                Err(TestError::Sse(McpError::SseEventTooLarge { limit: 8 }))
            ]
        );
    }
}
