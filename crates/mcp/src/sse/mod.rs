//! Server-Sent Events, as MCP's Streamable HTTP uses them: a sans-IO incremental [`SseDecoder`], a
//! [`decode_stream`] adapter over any byte stream, and an encoder.
//!
//! Why our own decoder rather than the `sse-stream` crate: `sse-stream` is built around an
//! `http_body::Body` (it would pull `http-body`/`http-body-util` into this pure crate), offers no
//! chunk-in/events-out API to test split points against, turns an unparsable `retry` or invalid
//! UTF-8 into stream errors where the WHATWG rules say ignore / replace, and has no bound on how
//! much one event may buffer. The event-stream grammar is small; the decoder here follows the
//! WHATWG "event stream interpretation" rules and is tested at every chunk split.

mod decoder;
mod encoder;
mod event;
mod stream;

pub use decoder::{DEFAULT_MAX_EVENT_BYTES, SseDecoder};
pub use encoder::{encode_event, encode_message, keep_alive};
pub use event::SseEvent;
pub use stream::{decode_stream, decode_stream_with_limit};
