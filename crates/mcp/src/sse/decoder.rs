//! Incremental `text/event-stream` decoder (WHATWG HTML, "Server-sent events", §9.2.5–9.2.6).
//!
//! Feed it byte chunks split anywhere — inside a UTF-8 character, between `\r` and `\n` — and take
//! complete events out. Lines end with CRLF, LF or CR. Line splitting works on bytes (CR, LF and
//! `:` never occur inside a multi-byte UTF-8 sequence), and each complete line is decoded as UTF-8
//! with replacement, as the standard says.

use std::collections::VecDeque;

use super::SseEvent;
use crate::McpError;

/// Default bound on one event (its data plus the line being read): 16 MiB.
pub const DEFAULT_MAX_EVENT_BYTES: usize = 16 * 1024 * 1024;

const BOM: &[u8] = b"\xEF\xBB\xBF";

#[derive(Debug)]
pub struct SseDecoder {
    /// A line not yet terminated, carried over from earlier chunks.
    line: Vec<u8>,
    /// The previous chunk ended with CR: an LF at the start of the next one ends the same line.
    skip_lf: bool,
    /// No line processed yet: a leading BOM is still to be dropped.
    at_stream_start: bool,
    /// The data buffer: every data line followed by LF.
    data: String,
    event: Option<String>,
    id: Option<String>,
    retry: Option<u64>,
    last_event_id: String,
    reconnection_time: Option<u64>,
    comments: u64,
    ready: VecDeque<SseEvent>,
    max_event_bytes: usize,
}

impl Default for SseDecoder {
    fn default() -> Self {
        SseDecoder::with_limit(DEFAULT_MAX_EVENT_BYTES)
    }
}

impl SseDecoder {
    pub fn new() -> SseDecoder {
        SseDecoder::default()
    }

    /// A decoder that refuses events (or lines) larger than `max_event_bytes`.
    pub fn with_limit(max_event_bytes: usize) -> SseDecoder {
        SseDecoder {
            line: Vec::new(),
            skip_lf: false,
            at_stream_start: true,
            data: String::new(),
            event: None,
            id: None,
            retry: None,
            last_event_id: String::new(),
            reconnection_time: None,
            comments: 0,
            ready: VecDeque::new(),
            max_event_bytes,
        }
    }

    /// Reads a chunk and returns the events it completed, in stream order:
    /// `for event in decoder.feed(&chunk)? { … }`.
    ///
    /// The only error is [`McpError::SseEventTooLarge`]; the stream is out of step after it and
    /// should be abandoned.
    pub fn feed(&mut self, chunk: &[u8]) -> Result<impl Iterator<Item = SseEvent> + '_, McpError> {
        self.push(chunk)?;
        Ok(self.ready.drain(..))
    }

    /// Reads a chunk, leaving the events it completed for [`SseDecoder::next_event`].
    pub fn push(&mut self, chunk: &[u8]) -> Result<(), McpError> {
        let mut rest = chunk;
        if self.skip_lf && !rest.is_empty() {
            self.skip_lf = false;
            if rest[0] == b'\n' {
                rest = &rest[1..];
            }
        }
        while let Some(end) = rest.iter().position(|byte| matches!(byte, b'\n' | b'\r')) {
            self.complete_line(&rest[..end])?;
            let terminator = rest[end];
            rest = &rest[end + 1..];
            if terminator == b'\r' {
                match rest.first() {
                    Some(b'\n') => rest = &rest[1..],
                    Some(_) => {}
                    None => self.skip_lf = true,
                }
            }
        }
        if !rest.is_empty() {
            self.check_size(self.line.len() + rest.len())?;
            self.line.extend_from_slice(rest);
        }
        Ok(())
    }

    /// The next complete event, in stream order.
    pub fn next_event(&mut self) -> Option<SseEvent> {
        self.ready.pop_front()
    }

    /// The end of the stream: an event without its closing blank line is discarded, as the
    /// standard requires. Events already complete stay available.
    pub fn finish(&mut self) {
        self.line.clear();
        self.data.clear();
        self.event = None;
        self.id = None;
        self.retry = None;
        self.skip_lf = false;
    }

    /// How many comment lines (`:` keep-alives) have been read so far. Compare before and after
    /// [`SseDecoder::feed`] to notice a keep-alive worth passing on.
    pub fn comments_seen(&self) -> u64 {
        self.comments
    }

    /// The WHATWG "last event ID": the latest `id` of a dispatched block, kept across events.
    pub fn last_event_id(&self) -> &str {
        &self.last_event_id
    }

    /// The latest valid `retry` value (milliseconds), from any block, dispatched or not.
    pub fn reconnection_time(&self) -> Option<u64> {
        self.reconnection_time
    }

    fn complete_line(&mut self, tail: &[u8]) -> Result<(), McpError> {
        if self.line.is_empty() {
            return self.process_line(tail);
        }
        self.check_size(self.line.len() + tail.len())?;
        let mut line = std::mem::take(&mut self.line);
        line.extend_from_slice(tail);
        let outcome = self.process_line(&line);
        line.clear();
        self.line = line;
        outcome
    }

    fn process_line(&mut self, line: &[u8]) -> Result<(), McpError> {
        let line = if self.at_stream_start {
            self.at_stream_start = false;
            line.strip_prefix(BOM).unwrap_or(line)
        } else {
            line
        };
        let (field, value) = match line.iter().position(|byte| *byte == b':') {
            None if line.is_empty() => {
                self.dispatch();
                return Ok(());
            }
            Some(0) => {
                self.comments += 1;
                return Ok(());
            }
            Some(colon) => {
                let value = &line[colon + 1..];
                (&line[..colon], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &b""[..]),
        };
        match field {
            b"data" => {
                let value = String::from_utf8_lossy(value);
                self.check_size(self.data.len() + value.len() + 1)?;
                self.data.push_str(&value);
                self.data.push('\n');
            }
            b"event" => {
                self.event = (!value.is_empty()).then(|| String::from_utf8_lossy(value).into_owned());
            }
            b"id" if !value.contains(&0) => {
                self.id = Some(String::from_utf8_lossy(value).into_owned());
            }
            b"retry" => {
                // Only ASCII digits count; anything else (or an overflowing number) is ignored.
                let digits = std::str::from_utf8(value)
                    .ok()
                    .filter(|digits| digits.bytes().all(|byte| byte.is_ascii_digit()));
                if let Some(retry) = digits.and_then(|digits| digits.parse::<u64>().ok()) {
                    self.retry = Some(retry);
                    self.reconnection_time = Some(retry);
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self) {
        let id = self.id.take();
        let event = self.event.take();
        let retry = self.retry.take();
        if let Some(id) = &id {
            self.last_event_id.clone_from(id);
        }
        if self.data.is_empty() {
            return;
        }
        let mut data = std::mem::take(&mut self.data);
        data.pop();
        self.ready.push_back(SseEvent {
            id,
            event,
            data,
            retry,
        });
    }

    fn check_size(&mut self, size: usize) -> Result<(), McpError> {
        if size <= self.max_event_bytes {
            return Ok(());
        }
        self.finish();
        Err(McpError::SseEventTooLarge {
            limit: self.max_event_bytes,
        })
    }
}

#[cfg(test)]
mod tests;
