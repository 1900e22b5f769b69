use super::*;

fn single(text: &str) -> Message<'_> {
    match Payload::parse(text.as_bytes()) {
        Ok(Payload::Single(message)) => message,
        other => panic!("expected a single message for {text}: {other:?}"),
    }
}

fn error_of(text: &str) -> McpError {
    match Payload::parse(text.as_bytes()) {
        Err(error) => error,
        Ok(payload) => panic!("expected an error for {text}: {payload:?}"),
    }
}

#[test]
fn classifies_requests() {
    let message = single(r#" {"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"x"}} "#);
    assert_eq!(message.kind(), MessageKind::Request);
    assert_eq!(message.method(), Some("tools/call"));
    assert_eq!(message.id.map(RawValue::get), Some("7"));
    assert_eq!(message.params.map(RawValue::get), Some(r#"{"name":"x"}"#));
    assert!(message.raw.starts_with('{') && message.raw.ends_with('}'));
    assert!(matches!(message.method, Some(Cow::Borrowed(_))));

    let string_id = single(r#"{"jsonrpc":"2.0","id":"a-1","method":"ping"}"#);
    assert_eq!(string_id.kind(), MessageKind::Request);
    assert_eq!(string_id.id.map(RawValue::get), Some(r#""a-1""#));
    assert_eq!(string_id.params.map(RawValue::get), None);
}

#[test]
fn classifies_notifications_and_responses() {
    let note = single(r#"{"jsonrpc":"2.0","method":"notifications/initialized"}"#);
    assert_eq!(note.kind(), MessageKind::Notification);
    assert!(!note.is_request());

    let result = single(r#"{"jsonrpc":"2.0","id":1,"result":{}}"#);
    assert_eq!(result.kind(), MessageKind::Response(ResponseKind::Result));

    let null_result = single(r#"{"jsonrpc":"2.0","id":1,"result":null}"#);
    assert_eq!(null_result.kind(), MessageKind::Response(ResponseKind::Result));
    assert_eq!(null_result.result.map(RawValue::get), Some("null"));

    let error = single(r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"x"}}"#);
    assert_eq!(error.kind(), MessageKind::Response(ResponseKind::Error));
    assert_eq!(error.id.map(RawValue::get), Some("null"));

    let error_without_id = single(r#"{"jsonrpc":"2.0","error":{"code":-32600,"message":"x"}}"#);
    assert_eq!(
        error_without_id.kind(),
        MessageKind::Response(ResponseKind::Error)
    );
    assert!(error_without_id.id.is_none());
}

#[test]
fn keeps_unknown_fields_and_decodes_escaped_methods() {
    let message = single(r#"{"jsonrpc":"2.0","id":1,"method":"tools\/list","extra":[1,2],"_meta":{}}"#);
    assert_eq!(message.method(), Some("tools/list"));
    assert!(message.raw.contains(r#""extra":[1,2]"#));
}

#[test]
fn null_params_count_as_absent() {
    let message = single(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","params":null}"#);
    assert!(message.params.is_none());
}

#[test]
fn parse_errors_are_minus_32700() {
    for body in [
        "",
        "   ",
        "{",
        r#"{"jsonrpc":"2.0","#,
        "nope",
        "[1,",
        r#"{"a":1} x"#,
    ] {
        let error = error_of(body);
        assert_eq!(error.jsonrpc_code(), -32700, "{body:?}: {error}");
    }
    let error = Payload::parse(b"{\"jsonrpc\":\"2.0\",\"method\":\"\xff\"}").expect_err("invalid utf-8");
    assert_eq!(error, McpError::Parse("body is not valid utf-8".into()));
}

#[test]
fn invalid_requests_are_minus_32600() {
    let cases = [
        ("1", "message must be a json object"),
        (r#""text""#, "message must be a json object"),
        ("null", "message must be a json object"),
        ("[]", "batch is empty"),
        (r#"{"id":1,"method":"ping"}"#, r#"jsonrpc must be "2.0""#),
        (
            r#"{"jsonrpc":"1.0","id":1,"method":"ping"}"#,
            r#"jsonrpc must be "2.0""#,
        ),
        (
            r#"{"jsonrpc":2.0,"id":1,"method":"ping"}"#,
            r#"jsonrpc must be "2.0""#,
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":5}"#,
            "method must be a string",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":null}"#,
            "method must be a string",
        ),
        (
            r#"{"jsonrpc":"2.0","id":null,"method":"ping"}"#,
            "id must be a string or a number",
        ),
        (
            r#"{"jsonrpc":"2.0","id":{},"method":"ping"}"#,
            "id must be a string or a number",
        ),
        (
            r#"{"jsonrpc":"2.0","id":[1],"method":"ping"}"#,
            "id must be a string or a number",
        ),
        (
            r#"{"jsonrpc":"2.0","id":true,"method":"ping"}"#,
            "id must be a string or a number",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","params":"x"}"#,
            "params must be an object or an array",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"method":"ping","result":{}}"#,
            "a request or notification cannot carry result or error",
        ),
        (
            r#"{"jsonrpc":"2.0","method":"ping","error":{}}"#,
            "a request or notification cannot carry result or error",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"result":{},"error":{}}"#,
            "a response cannot carry both result and error",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1}"#,
            "message is not a request, notification or response",
        ),
        (
            r#"{"jsonrpc":"2.0"}"#,
            "message is not a request, notification or response",
        ),
        (
            r#"{"jsonrpc":"2.0","result":{}}"#,
            "a result response needs a string or number id",
        ),
        (
            r#"{"jsonrpc":"2.0","id":null,"result":{}}"#,
            "a result response needs a string or number id",
        ),
        (
            r#"{"jsonrpc":"2.0","id":1,"error":"bad"}"#,
            "error must be an object",
        ),
        (
            r#"{"jsonrpc":"2.0","id":true,"error":{}}"#,
            "id must be a string, a number or null",
        ),
    ];
    for (body, expected) in cases {
        assert_eq!(
            error_of(body),
            McpError::InvalidRequest(expected.into()),
            "{body}"
        );
    }
}

#[test]
fn duplicate_envelope_fields_are_refused() {
    // Two `method`s could let policy read one and the upstream the other.
    let error = error_of(r#"{"jsonrpc":"2.0","id":1,"method":"tools/list","method":"tools/call"}"#);
    assert_eq!(error.jsonrpc_code(), -32600, "{error}");
    assert!(error.to_string().contains("duplicate field"), "{error}");
}

#[test]
fn arrays_are_batches_of_objects() {
    let payload = Payload::parse(
        br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}, {"jsonrpc":"2.0","method":"notifications/x"}]"#,
    )
    .expect("valid batch");
    assert!(payload.is_batch());
    let kinds: Vec<_> = payload.messages().iter().map(Message::kind).collect();
    assert_eq!(kinds, [MessageKind::Request, MessageKind::Notification]);
    assert_eq!(
        payload.messages()[1].raw,
        r#"{"jsonrpc":"2.0","method":"notifications/x"}"#
    );

    let single = Payload::parse(br#"{"jsonrpc":"2.0","id":1,"method":"ping"}"#).expect("valid");
    assert!(!single.is_batch());
    assert_eq!(single.messages().len(), 1);
}

#[test]
fn a_bad_batch_element_refuses_the_batch() {
    // A positional array must not be read as a message.
    let error = error_of(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}, ["2.0", 1, "ping"]]"#);
    assert_eq!(
        error,
        McpError::InvalidRequest("batch element 1: message must be a json object".into())
    );
    let error = error_of(r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}, {"jsonrpc":"2.0","id":2}]"#);
    assert_eq!(
        error,
        McpError::InvalidRequest(
            "batch element 1: message is not a request, notification or response".into()
        )
    );
}

#[test]
fn message_parse_refuses_batches() {
    let error = Message::parse(br#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#).expect_err("batch");
    assert_eq!(
        error,
        McpError::InvalidRequest("message must be a json object".into())
    );
    let message = Message::parse(br#"{"jsonrpc":"2.0","id":1,"result":{}}"#).expect("valid");
    assert_eq!(message.kind(), MessageKind::Response(ResponseKind::Result));
}
