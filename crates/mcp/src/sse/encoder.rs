//! Writing SSE events. Every event ends with a blank line; data with line breaks becomes several
//! `data:` lines, which a decoder joins back with `\n`.

use bytes::Bytes;

use super::SseEvent;

/// Writes `event`, `id`, `retry` (when present) and the data lines. Line breaks (and NUL) are
/// removed from `event` and `id`, so a value can never start a field of its own.
pub fn encode_event(event: &SseEvent) -> Bytes {
    let mut out = Vec::with_capacity(event.data.len() + 32);
    if let Some(kind) = &event.event {
        push_field(&mut out, "event", kind);
    }
    if let Some(id) = &event.id {
        push_field(&mut out, "id", id);
    }
    if let Some(retry) = event.retry {
        push_field(&mut out, "retry", &retry.to_string());
    }
    push_data_lines(&mut out, event.data.as_bytes());
    out.push(b'\n');
    Bytes::from(out)
}

/// `event: message`, an optional `id`, and `data` (one JSON-RPC message, forwarded as it is).
pub fn encode_message(data: &[u8], id: Option<&str>) -> Bytes {
    let mut out = Vec::with_capacity(data.len() + 32);
    out.extend_from_slice(b"event: message\n");
    if let Some(id) = id {
        push_field(&mut out, "id", id);
    }
    push_data_lines(&mut out, data);
    out.push(b'\n');
    Bytes::from(out)
}

/// A comment line that keeps idle connections open; clients ignore it.
pub fn keep_alive() -> Bytes {
    Bytes::from_static(b":\n\n")
}

fn push_field(out: &mut Vec<u8>, name: &str, value: &str) {
    out.extend_from_slice(name.as_bytes());
    out.extend_from_slice(b": ");
    out.extend(value.bytes().filter(|byte| !matches!(byte, b'\r' | b'\n' | 0)));
    out.push(b'\n');
}

fn push_data_lines(out: &mut Vec<u8>, data: &[u8]) {
    let mut rest = data;
    loop {
        out.extend_from_slice(b"data: ");
        let Some(end) = rest.iter().position(|byte| matches!(byte, b'\r' | b'\n')) else {
            out.extend_from_slice(rest);
            out.push(b'\n');
            return;
        };
        out.extend_from_slice(&rest[..end]);
        out.push(b'\n');
        let crlf = rest[end] == b'\r' && rest.get(end + 1) == Some(&b'\n');
        rest = &rest[end + if crlf { 2 } else { 1 }..];
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sse::SseDecoder;

    fn decode(bytes: &[u8]) -> Vec<SseEvent> {
        SseDecoder::new().feed(bytes).expect("within limits").collect()
    }

    #[test]
    fn writes_fields_then_data() {
        let event = SseEvent {
            id: Some("42".into()),
            event: Some("message".into()),
            data: "a\nb".into(),
            retry: Some(1000),
        };
        assert_eq!(
            &encode_event(&event)[..],
            b"event: message\nid: 42\nretry: 1000\ndata: a\ndata: b\n\n"
        );
        assert_eq!(&encode_event(&SseEvent::message(""))[..], b"data: \n\n");
    }

    #[test]
    fn message_helper() {
        assert_eq!(
            &encode_message(br#"{"jsonrpc":"2.0"}"#, Some("s1-9"))[..],
            b"event: message\nid: s1-9\ndata: {\"jsonrpc\":\"2.0\"}\n\n"
        );
        assert_eq!(
            &encode_message(b"{\r\n  \"a\": 1\r\n}", None)[..],
            b"event: message\ndata: {\ndata:   \"a\": 1\ndata: }\n\n"
        );
    }

    #[test]
    fn field_values_cannot_inject_fields() {
        let event = SseEvent {
            id: Some("1\ndata: evil".into()),
            event: Some("x\r\nretry: 1".into()),
            ..SseEvent::message("ok")
        };
        let decoded = decode(&encode_event(&event));
        assert_eq!(
            decoded,
            vec![SseEvent {
                id: Some("1data: evil".into()),
                event: Some("xretry: 1".into()),
                data: "ok".into(),
                retry: None
            }]
        );
    }

    #[test]
    fn keep_alive_is_a_comment() {
        let mut decoder = SseDecoder::new();
        assert_eq!(decoder.feed(&keep_alive()).expect("ok").count(), 0);
        assert_eq!(decoder.comments_seen(), 1);
    }

    #[test]
    fn encode_then_decode_round_trips() {
        let events = [
            SseEvent::message(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#),
            SseEvent {
                id: Some("7".into()),
                event: Some("message".into()),
                data: "line 1\nline 2\n".into(),
                retry: Some(5),
            },
            SseEvent::message(""),
            SseEvent::message("\n\n"),
            SseEvent::message(" leading space and ünïcödé ✓"),
            SseEvent {
                id: Some(String::new()),
                event: Some("endpoint".into()),
                data: "/messages?x=1".into(),
                retry: None,
            },
        ];
        let mut stream = Vec::new();
        for event in &events {
            stream.extend_from_slice(&encode_event(event));
            stream.extend_from_slice(&keep_alive());
        }
        assert_eq!(decode(&stream), events);
    }
}
