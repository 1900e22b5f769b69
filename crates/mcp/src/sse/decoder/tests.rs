use super::*;

fn decode_all(chunks: &[&[u8]]) -> Vec<SseEvent> {
    let mut decoder = SseDecoder::new();
    let mut events = Vec::new();
    for chunk in chunks {
        events.extend(decoder.feed(chunk).expect("within limits"));
    }
    decoder.finish();
    events
}

fn decode(decoder: &mut SseDecoder, chunk: &[u8]) -> Result<Vec<SseEvent>, McpError> {
    Ok(decoder.feed(chunk)?.collect())
}

fn event(id: Option<&str>, event: Option<&str>, data: &str, retry: Option<u64>) -> SseEvent {
    SseEvent {
        id: id.map(str::to_owned),
        event: event.map(str::to_owned),
        data: data.to_owned(),
        retry,
    }
}

/// A stream with a BOM, comments, CRLF/CR/LF line ends, multi-byte UTF-8, multi-line data, ids,
/// retry, and a final incomplete event that must not be dispatched.
const SAMPLE: &[u8] = b"\xEF\xBB\xBF: welcome\r\n\
retry: 2500\r\n\
id: 1\r\n\
event: message\r\n\
data: {\"jsonrpc\":\"2.0\",\"method\":\"notifications/progress\"}\r\n\
\r\n\
:keep-alive\r\r\
data: caf\xC3\xA9 \xE2\x9C\x93\r\
data:second line\n\
data:  indented\n\
id: 2\r\n\
\n\
id: 3\n\
data\n\
\n\
data: incomplete";

fn sample_events() -> Vec<SseEvent> {
    vec![
        event(
            Some("1"),
            Some("message"),
            r#"{"jsonrpc":"2.0","method":"notifications/progress"}"#,
            Some(2500),
        ),
        event(Some("2"), None, "café ✓\nsecond line\n indented", None),
        event(Some("3"), None, "", None),
    ]
}

#[test]
fn decodes_the_sample_in_one_chunk() {
    assert_eq!(decode_all(&[SAMPLE]), sample_events());
}

#[test]
fn decodes_the_sample_split_at_every_byte() {
    for split in 0..=SAMPLE.len() {
        let (head, tail) = SAMPLE.split_at(split);
        assert_eq!(decode_all(&[head, tail]), sample_events(), "split at {split}");
    }
}

#[test]
fn decodes_the_sample_split_at_every_pair_of_points() {
    for first in 0..=SAMPLE.len() {
        for second in first..=SAMPLE.len() {
            let chunks = [&SAMPLE[..first], &SAMPLE[first..second], &SAMPLE[second..]];
            assert_eq!(
                decode_all(&chunks),
                sample_events(),
                "splits at {first} and {second}"
            );
        }
    }
}

#[test]
fn decodes_the_sample_byte_by_byte() {
    let chunks: Vec<&[u8]> = SAMPLE.chunks(1).collect();
    assert_eq!(decode_all(&chunks), sample_events());
}

#[test]
fn every_line_ending_style_gives_the_same_events() {
    let expected = vec![
        event(None, Some("message"), "a\nb", None),
        event(Some("7"), None, "c", None),
    ];
    for ending in ["\n", "\r\n", "\r"] {
        let stream = [
            "event: message",
            "data: a",
            "data: b",
            "",
            "id: 7",
            "data: c",
            "",
            "",
        ]
        .join(ending);
        assert_eq!(decode_all(&[stream.as_bytes()]), expected, "{ending:?}");
    }
    // Mixed in one stream.
    assert_eq!(
        decode_all(&[b"event: message\rdata: a\r\ndata: b\n\nid: 7\r\ndata: c\r\r"]),
        expected
    );
}

#[test]
fn cr_at_a_chunk_end_then_lf_is_one_line_ending() {
    // If "\r" + "\n" were two line ends, the empty line between them would dispatch early.
    let events = decode_all(&[b"data: a\r", b"\ndata: b\r", b"\n\r", b"\n"]);
    assert_eq!(events, vec![SseEvent::message("a\nb")]);
    // A CR followed later by something other than LF.
    let events = decode_all(&[b"data: a\r", b"", b"\r"]);
    assert_eq!(events, vec![SseEvent::message("a")]);
}

#[test]
fn counts_comments() {
    let mut decoder = SseDecoder::new();
    assert_eq!(decode(&mut decoder, b":\n: ping\n\n").expect("ok"), vec![]);
    assert_eq!(decoder.comments_seen(), 2);
    decoder.push(b": another\n").expect("ok");
    assert_eq!(decoder.comments_seen(), 3);
}

#[test]
fn field_parsing_rules() {
    let stream = b"data:no space\ndata:  two spaces\ndata\nunknown: x\nDATA: wrong case\nevent:\n\n";
    assert_eq!(
        decode_all(&[stream]),
        vec![SseEvent::message("no space\n two spaces\n")]
    );
}

#[test]
fn retry_must_be_digits() {
    let mut decoder = SseDecoder::new();
    let events = decode(&mut decoder, b"retry: 10a\nretry: -5\nretry:\ndata: x\n\n").expect("ok");
    assert_eq!(events, vec![SseEvent::message("x")]);
    assert_eq!(decoder.reconnection_time(), None);
    let events = decode(
        &mut decoder,
        b"retry: 300\n\nretry: 99999999999999999999999\ndata: y\n\n",
    )
    .expect("ok");
    assert_eq!(
        events,
        vec![SseEvent::message("y")],
        "a retry-only block dispatches nothing"
    );
    assert_eq!(
        decoder.reconnection_time(),
        Some(300),
        "an overflowing retry is ignored"
    );
}

#[test]
fn ids_persist_as_last_event_id() {
    let mut decoder = SseDecoder::new();
    let events = decode(
        &mut decoder,
        b"id: a\ndata: 1\n\ndata: 2\n\nid: b\n\nid: bad\0id\ndata: 3\n\n",
    )
    .expect("ok");
    assert_eq!(
        events,
        vec![
            event(Some("a"), None, "1", None),
            SseEvent::message("2"),
            SseEvent::message("3")
        ]
    );
    assert_eq!(
        decoder.last_event_id(),
        "b",
        "an id-only block updates it, an id with NUL does not"
    );
    decode(&mut decoder, b"id:\ndata: 4\n\n").expect("ok");
    assert_eq!(decoder.last_event_id(), "", "an empty id resets it");
}

#[test]
fn bom_is_only_dropped_at_the_start() {
    assert_eq!(
        decode_all(&[b"\xEF\xBB\xBFdata: x\n\n"]),
        vec![SseEvent::message("x")]
    );
    assert_eq!(
        decode_all(&[b"\xEF", b"\xBB", b"\xBF", b"data: x\n\n"]),
        vec![SseEvent::message("x")]
    );
    assert_eq!(
        decode_all(&[b"data: x\n\n\xEF\xBB\xBFdata: y\n\n"]),
        vec![SseEvent::message("x")]
    );
    assert_eq!(decode_all(&[b"\xEF\xBB\xBF\n"]), vec![]);
}

#[test]
fn invalid_utf8_is_replaced() {
    assert_eq!(
        decode_all(&[b"data: a\xFFb\n\n"]),
        vec![SseEvent::message("a\u{FFFD}b")]
    );
    // A character split across chunks is not replaced.
    assert_eq!(
        decode_all(&[b"data: \xE2", b"\x9C\x93\n\n"]),
        vec![SseEvent::message("✓")]
    );
}

#[test]
fn an_unfinished_event_is_discarded_at_the_end() {
    assert_eq!(
        decode_all(&[b"data: done\n\ndata: partial\n"]),
        vec![SseEvent::message("done")]
    );
    assert_eq!(decode_all(&[b"data: no newline at all"]), vec![]);
}

#[test]
fn limits_one_event() {
    let mut decoder = SseDecoder::with_limit(8);
    assert_eq!(
        decode(&mut decoder, b"data: 1234\n\n").expect("fits"),
        vec![SseEvent::message("1234")]
    );
    let error = decode(&mut decoder, b"data: 1234\ndata: 5678\n").expect_err("data too large");
    assert_eq!(error, McpError::SseEventTooLarge { limit: 8 });

    let mut decoder = SseDecoder::with_limit(8);
    decoder.push(b"data: 12").expect("fits");
    assert!(decoder.push(b"34567").is_err(), "a partial line too large");
}
