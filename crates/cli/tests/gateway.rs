//! The whole all-in-one stack on a loopback port, with a fake upstream that records what reached it.
//! (The same behaviours against real MCP peers and the official SDK client: tests/e2e.)

use reqwest::StatusCode;
use serde_json::{Value, json};
use toolgate_cli::all_in_one::{self, Running};
use toolgate_cli::settings::ServeSettings;
use toolgate_test_support::{ApiClient, FakeUpstream};

struct Harness {
    running: Running,
    _data: tempfile::TempDir,
    api: ApiClient,
    upstream: FakeUpstream,
    token: String,
    http: reqwest::Client,
}

const INIT: &str = r#"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#;

fn settings(data: &std::path::Path) -> ServeSettings {
    ServeSettings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data_dir: data.to_path_buf(),
        public_url: None,
        gateway_url: None,
        secret_key: None,
        allow_private_upstreams: true,
        redis_url: None,
        counter_deadline_ms: 25,
    }
}

async fn harness(policy: Value) -> Harness {
    let data = tempfile::tempdir().expect("tempdir");
    let running = all_in_one::spawn(settings(data.path()))
        .await
        .expect("stack starts");
    let upstream = FakeUpstream::start(&[
        "read_file",
        "run_shell",
        "delete_path",
        "debug_dump",
        "create_task",
        "cancel_task",
    ])
    .await
    .expect("upstream starts");
    let api = ApiClient::signup(&running.base_url, "owner@example.com", "Acme")
        .await
        .expect("signup");
    let token = api
        .setup_server(
            "sys",
            &upstream.url,
            json!({"X-Upstream-Key": "upstream-secret"}),
            policy,
        )
        .await
        .expect("setup");
    Harness {
        running,
        _data: data,
        api,
        upstream,
        token,
        http: reqwest::Client::new(),
    }
}

impl Harness {
    /// A POST as an MCP client sends it, to `url` through `http` (a client is a connection pool).
    fn request(
        &self,
        http: &reqwest::Client,
        url: &str,
        session: Option<&str>,
        body: &str,
    ) -> reqwest::RequestBuilder {
        let mut request = http
            .post(url)
            .bearer_auth(&self.token)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(body.to_owned());
        if let Some(session) = session {
            request = request
                .header("mcp-session-id", session)
                .header("mcp-protocol-version", "2025-06-18");
        }
        request
    }

    async fn post(&self, session: Option<&str>, body: &str) -> reqwest::Response {
        self.request(&self.http, &self.api.gateway_url("sys"), session, body)
            .send()
            .await
            .expect("request")
    }

    async fn session(&self) -> String {
        let response = self.post(None, INIT).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.headers()["mcp-session-id"]
            .to_str()
            .expect("ascii")
            .to_owned()
    }

    /// `tools/list` in `session`, the response as it came.
    async fn list_tools(&self, session: &str) -> reqwest::Response {
        self.post(Some(session), r#"{"jsonrpc":"2.0","id":2,"method":"tools/list"}"#)
            .await
    }

    async fn call(&self, session: &str, tool: &str, arguments: Value) -> Value {
        let body = json!({"jsonrpc": "2.0", "id": 7, "method": "tools/call", "params": {"name": tool, "arguments": arguments}});
        let response = self.post(Some(session), &body.to_string()).await;
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("json")
    }
}

fn policy() -> Value {
    json!({
        "version": "1",
        "default": "deny",
        "hide": ["debug_*"],
        "tools": {
            "read_file": {},
            "delete_path": {"action": "deny", "reason": "Deleting files is not allowed for agents."},
            "run_shell": {
                "deny_if": [{"conditions": [{"path": "args.command", "op": "regex", "value": "[;&|`]"}], "on_deny": "Shell metacharacters are not allowed."}],
                "require": [{"conditions": [{"path": "args.command", "op": "regex", "value": "^(ls|pwd)( .*)?$"}], "on_deny": "Command not on the allowlist."}]
            },
            "create_task": {"limits": [{"counter": "tasks", "window": "minute", "max": 2}]},
            "cancel_task": {"limits": [{"counter": "tasks", "window": "minute", "max": 2}]}
        }
    })
}

fn decision(result: &Value) -> &Value {
    &result["result"]["_meta"]["dev.toolgate/decision"]
}

#[tokio::test]
async fn session_ids_are_ours_and_upstream_sees_only_its_own_credentials() {
    let h = harness(policy()).await;
    let session = h.session().await;
    assert!(
        !session.starts_with("fake-session"),
        "the upstream's session id must not leak: {session}"
    );
    let result = h.call(&session, "read_file", json!({"path": "/etc/hosts"})).await;
    assert_eq!(result["result"]["content"][0]["text"], "called read_file");
    let received = h.upstream.received();
    let call = received
        .iter()
        .find(|r| r.body["method"] == "tools/call")
        .expect("call reached upstream");
    // Session 1 was the catalog sync's; the gateway's initialize opened session 2.
    assert_eq!(call.headers["mcp-session-id"], "fake-session-2");
    assert_eq!(call.headers["x-upstream-key"], "upstream-secret");
    assert!(
        call.headers.get("authorization").is_none(),
        "the agent's token must never reach the upstream"
    );
}

#[tokio::test]
async fn tools_list_hides_and_drops_default_denied_tools() {
    let h = harness(policy()).await;
    let session = h.session().await;
    let response = h.list_tools(&session).await;
    let body: Value = response.json().await.expect("json");
    let names: Vec<&str> = body["result"]["tools"]
        .as_array()
        .expect("tools")
        .iter()
        .filter_map(|t| t["name"].as_str())
        .collect();
    assert_eq!(
        names,
        [
            "read_file",
            "run_shell",
            "delete_path",
            "create_task",
            "cancel_task"
        ]
    );
}

#[tokio::test]
async fn refusals_name_their_rule_and_never_reach_the_upstream() {
    let h = harness(policy()).await;
    let session = h.session().await;

    let denied = h.call(&session, "delete_path", json!({"path": "/"})).await;
    assert_eq!(denied["result"]["isError"], true);
    let text = denied["result"]["content"][0]["text"].as_str().expect("text");
    assert!(
        text.starts_with("Refused by policy: Deleting files is not allowed for agents"),
        "{text}"
    );
    assert_eq!(decision(&denied)["rule"], "/tools/delete_path");
    assert_eq!(decision(&denied)["decision"], "denied");

    let meta = h
        .call(&session, "run_shell", json!({"command": "ls; rm -rf /"}))
        .await;
    assert_eq!(decision(&meta)["rule"], "/tools/run_shell/deny_if/0");
    let not_allowed = h
        .call(&session, "run_shell", json!({"command": "cat /etc/passwd"}))
        .await;
    assert_eq!(decision(&not_allowed)["rule"], "/tools/run_shell/require/0");
    assert!(
        not_allowed["result"]["content"][0]["text"]
            .as_str()
            .expect("text")
            .contains("Command not on the allowlist")
    );
    let allowed = h.call(&session, "run_shell", json!({"command": "ls -la"})).await;
    assert_eq!(allowed["result"]["isError"], false);

    let hidden = h.call(&session, "debug_dump", json!({})).await;
    assert_eq!(hidden["error"]["code"], -32602);
    assert_eq!(hidden["error"]["message"], "Unknown tool: debug_dump");

    let unlisted = h.call(&session, "unknown_tool", json!({})).await;
    assert_eq!(decision(&unlisted)["rule"], "(default deny)");

    assert_eq!(h.upstream.calls_of("delete_path"), 0);
    assert_eq!(h.upstream.calls_of("debug_dump"), 0);
    assert_eq!(h.upstream.calls_of("run_shell"), 1);
}

#[tokio::test]
async fn a_shared_counter_admits_exactly_max_across_tools_and_rolls_back_on_upstream_failure() {
    let h = harness(policy()).await;
    let session = h.session().await;
    h.upstream.set_failing(true);
    let failed = h.call(&session, "create_task", json!({})).await;
    assert_eq!(decision(&failed)["decision"], "upstream_error");
    h.upstream.set_failing(false);

    let first = h.call(&session, "create_task", json!({})).await;
    let second = h.call(&session, "cancel_task", json!({})).await;
    let third = h.call(&session, "create_task", json!({})).await;
    assert_eq!(
        first["result"]["isError"], false,
        "the failed call must not have consumed the count"
    );
    assert_eq!(second["result"]["isError"], false);
    assert_eq!(decision(&third)["decision"], "rate_limited");
    assert_eq!(decision(&third)["rule"], "/tools/create_task/limits/0");
    let retry = decision(&third)["retry_after_ms"]
        .as_u64()
        .expect("retry_after_ms");
    assert!(retry > 50_000 && retry <= 60_000, "{retry}");
}

#[tokio::test]
async fn bad_tokens_sessions_and_bodies_get_clear_4xx() {
    let h = harness(policy()).await;
    let url = h.api.gateway_url("sys");
    for token in [None, Some("tg_nope"), Some("tgk_abc")] {
        let mut request = h
            .http
            .post(&url)
            .header("content-type", "application/json")
            .body(INIT);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        let response = request.send().await.expect("request");
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
        assert!(
            response.headers()["www-authenticate"]
                .to_str()
                .expect("ascii")
                .starts_with("Bearer")
        );
    }
    let session = h.session().await;
    let mut tampered = session.clone().into_bytes();
    tampered[10] = if tampered[10] == b'x' { b'y' } else { b'x' };
    let tampered = String::from_utf8(tampered).expect("ascii");
    let response = h.list_tools(&tampered).await;
    assert_eq!(response.status(), StatusCode::NOT_FOUND);

    let malformed = h.post(Some(&session), "{not json").await;
    assert_eq!(malformed.status(), StatusCode::BAD_REQUEST);
    let body: Value = malformed.json().await.expect("json");
    assert_eq!(body["error"]["code"], -32700);

    let batch = h
        .post(Some(&session), r#"[{"jsonrpc":"2.0","id":1,"method":"ping"}]"#)
        .await;
    assert_eq!(batch.status(), StatusCode::BAD_REQUEST);

    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"x":"{}"}}}}"#,
        "a".repeat(5 * 1024 * 1024)
    );
    let too_large = h.post(Some(&session), &huge).await;
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);

    let modern = h
        .http
        .post(&url)
        .bearer_auth(&h.token)
        .header("content-type", "application/json")
        .header("mcp-protocol-version", "2026-07-28")
        .body(r#"{"jsonrpc":"2.0","id":1,"method":"server/discover","params":{}}"#)
        .send()
        .await
        .expect("request");
    assert_eq!(modern.status(), StatusCode::BAD_REQUEST);
}

/// The `Connection` header of a response, lower-cased ("" when absent).
fn connection_header(response: &reqwest::Response) -> String {
    response
        .headers()
        .get("connection")
        .map(|value| value.to_str().expect("ascii").to_ascii_lowercase())
        .unwrap_or_default()
}

/// A request answered before its body was read leaves the rest of the body on the connection, so
/// the server closes it: the response must say so, or the client reuses a closing connection for its
/// next request (seen in CI as `IncompleteMessage` on the request after a 413).
#[tokio::test]
async fn a_response_that_leaves_the_body_unread_says_connection_close() {
    let h = harness(policy()).await;
    let session = h.session().await;
    let listed = h.list_tools(&session).await;
    assert_eq!(listed.status(), StatusCode::OK);
    assert_ne!(
        connection_header(&listed),
        "close",
        "a read body keeps the connection"
    );

    let huge = format!(
        r#"{{"jsonrpc":"2.0","id":1,"method":"ping","params":{{"x":"{}"}}}}"#,
        "a".repeat(5 * 1024 * 1024)
    );
    let too_large = h.post(Some(&session), &huge).await;
    assert_eq!(too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(connection_header(&too_large), "close");

    // The gateway checks the token before it reads the body.
    let unauthorized = h
        .http
        .post(h.api.gateway_url("sys"))
        .header("content-type", "application/json")
        .body(INIT)
        .send()
        .await
        .expect("request");
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(connection_header(&unauthorized), "close");

    // The router's routes too: the control plane refuses a body over its limit.
    let api_too_large = h
        .http
        .post(format!("{}/api/v1/login", h.running.base_url))
        .header("content-type", "application/json")
        .body(format!(r#"{{"email":"{}"}}"#, "a".repeat(2 * 1024 * 1024)))
        .send()
        .await
        .expect("request");
    assert_eq!(api_too_large.status(), StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(connection_header(&api_too_large), "close");

    // Every one of those came back whole, and the next request on the same client still works.
    let after = h.list_tools(&session).await;
    assert_eq!(after.status(), StatusCode::OK);
}

/// An upstream that accepts TCP and then never completes the TLS handshake cannot hold a call: the
/// whole connect is bounded (5 s), not only its TCP part.
#[tokio::test]
async fn an_upstream_that_stalls_its_tls_handshake_fails_the_call_in_bounded_time() {
    let h = harness(policy()).await;
    let stalled = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let stalled_url = format!("https://{}/mcp", stalled.local_addr().expect("addr"));
    let held = tokio::spawn(async move {
        let mut open = Vec::new();
        while let Ok((stream, _)) = stalled.accept().await {
            open.push(stream);
        }
    });
    let path = format!("{}/servers/sys", h.api.account_path());
    let (status, body) = h
        .api
        .send(reqwest::Method::PATCH, &path, Some(json!({"url": stalled_url})))
        .await
        .expect("patch");
    assert_eq!(status, StatusCode::OK, "{body}");

    let started = std::time::Instant::now();
    let response = h.post(None, INIT).await;
    let took = started.elapsed();
    assert_eq!(response.status(), StatusCode::BAD_GATEWAY);
    let body: Value = response.json().await.expect("json");
    let message = body["error"]["message"].as_str().expect("message");
    assert!(message.contains("no connection within 5 s"), "{message}");
    assert!(
        took >= std::time::Duration::from_secs(4) && took < std::time::Duration::from_secs(9),
        "{took:?}"
    );
    held.abort();
}

#[tokio::test]
async fn revocation_and_policy_edits_apply_to_the_next_request() {
    let h = harness(policy()).await;
    let session = h.session().await;
    let before = h.call(&session, "read_file", json!({})).await;
    assert_eq!(before["result"]["isError"], false);

    let mut stricter = policy();
    stricter["tools"]["read_file"] = json!({"action": "deny", "reason": "Reading is off today."});
    let path = format!("{}/servers/sys/policies/main", h.api.account_path());
    let (status, body) = h
        .api
        .send(reqwest::Method::PUT, &path, Some(json!({"document": stricter})))
        .await
        .expect("put");
    assert_eq!(status, 200, "{body}");
    let after = h.call(&session, "read_file", json!({})).await;
    assert_eq!(decision(&after)["rule"], "/tools/read_file");

    let (_, grants) = h
        .api
        .send(
            reqwest::Method::GET,
            &format!("{}/grants", h.api.account_path()),
            None,
        )
        .await
        .expect("grants");
    let grant_id = grants["items"][0]["id"].as_str().expect("grant id").to_owned();
    let (status, _) = h
        .api
        .send(
            reqwest::Method::DELETE,
            &format!("{}/grants/{grant_id}", h.api.account_path()),
            None,
        )
        .await
        .expect("revoke");
    assert_eq!(status, 204);
    let response = h.list_tools(&session).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// Plain `/mcp/{account}/{server}` paths go to the gateway directly; others (here a percent-encoded
/// slug) take the router. Both must be the same gateway.
#[tokio::test]
async fn a_percent_encoded_gateway_url_is_the_same_endpoint() {
    let h = harness(policy()).await;
    let plain = h.api.gateway_url("sys");
    let encoded = plain
        .strip_suffix("/sys")
        .map(|prefix| format!("{prefix}/%73ys"))
        .expect("gateway URLs end in the server slug");
    let response = h
        .request(&h.http, &encoded, None, INIT)
        .send()
        .await
        .expect("request");
    assert_eq!(response.status(), StatusCode::OK);
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    // The session opened through the router works on the plain path, and the policy applies there.
    let result = h.call(&session, "delete_path", json!({"path": "/"})).await;
    assert_eq!(decision(&result)["decision"], "denied");
    let unauthorized = h
        .http
        .post(&encoded)
        .bearer_auth("tg_wrong")
        .body(INIT)
        .send()
        .await
        .expect("request");
    assert_eq!(unauthorized.status(), StatusCode::UNAUTHORIZED);
}

/// Connections are spread over the server's lanes (one thread each); limits are counted once for the
/// whole process, whichever lane a call arrives on.
#[tokio::test]
async fn calls_on_many_connections_share_one_count() {
    let h = harness(policy()).await;
    let session = h.session().await;
    let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "create_task", "arguments": {}}});
    let mut calls = Vec::new();
    for _ in 0..8 {
        // A client of its own: a connection of its own.
        let request = h.request(
            &reqwest::Client::new(),
            &h.api.gateway_url("sys"),
            Some(&session),
            &body.to_string(),
        );
        calls.push(tokio::spawn(async move {
            let response = request.send().await.expect("request");
            assert_eq!(response.status(), StatusCode::OK);
            response.json::<Value>().await.expect("json")
        }));
    }
    let mut decisions = Vec::new();
    for call in calls {
        let result = call.await.expect("task");
        let upstream_answered = result["result"]["content"][0]["text"] == "called create_task";
        let refused = decision(&result)["decision"].as_str();
        decisions.push(match (upstream_answered, refused) {
            (true, None) => "allowed".to_owned(),
            (false, Some(refused)) => refused.to_owned(),
            _ => format!("unexpected: {result}"),
        });
    }
    let admitted = decisions.iter().filter(|d| *d == "allowed").count();
    assert_eq!(
        admitted, 2,
        "max 2 per minute across every connection: {decisions:?}"
    );
    assert_eq!(
        decisions.iter().filter(|d| *d == "rate_limited").count(),
        6,
        "{decisions:?}"
    );
}

/// Clients that start in HTTP/2 without an upgrade (h2c with prior knowledge, as some load balancers
/// do) are served too, on the direct gateway path as on the router's.
#[tokio::test]
async fn http2_with_prior_knowledge_is_served() {
    let h = harness(policy()).await;
    let h2 = reqwest::Client::builder()
        .http2_prior_knowledge()
        .build()
        .expect("h2c client");
    let response = h
        .request(&h2, &h.api.gateway_url("sys"), None, INIT)
        .send()
        .await
        .expect("request");
    assert_eq!(response.version(), reqwest::Version::HTTP_2);
    assert_eq!(response.status(), StatusCode::OK);
    let session = response.headers()["mcp-session-id"]
        .to_str()
        .expect("ascii")
        .to_owned();
    let call = json!({"jsonrpc": "2.0", "id": 2, "method": "tools/call", "params": {"name": "delete_path", "arguments": {}}});
    let refused: Value = h
        .request(&h2, &h.api.gateway_url("sys"), Some(&session), &call.to_string())
        .send()
        .await
        .expect("request")
        .json()
        .await
        .expect("json");
    assert_eq!(decision(&refused)["decision"], "denied");
    let health = h2
        .get(format!("{}/healthz", h.running.base_url))
        .send()
        .await
        .expect("healthz");
    assert_eq!(health.version(), reqwest::Version::HTTP_2);
    assert_eq!(health.status(), StatusCode::OK);
}

/// The value of the Prometheus sample named exactly `series` (name and labels), if any.
fn sample(metrics: &str, series: &str) -> Option<f64> {
    metrics.lines().find_map(|line| {
        let value = line.strip_prefix(series)?.strip_prefix(' ')?;
        value.trim().parse().ok()
    })
}

#[tokio::test]
async fn metrics_count_every_decision_and_time_the_upstream() {
    let h = harness(policy()).await;
    let session = h.session().await;
    let allowed = h.call(&session, "read_file", json!({"path": "/srv/a"})).await;
    assert_eq!(allowed["result"]["isError"], false);
    let denied = h.call(&session, "delete_path", json!({"path": "/"})).await;
    assert_eq!(decision(&denied)["decision"], "denied");
    let hidden = h.call(&session, "debug_dump", json!({})).await;
    assert_eq!(hidden["error"]["code"], -32602);

    let metrics = h
        .http
        .get(format!("{}/metrics", h.running.base_url))
        .send()
        .await
        .expect("GET /metrics")
        .text()
        .await
        .expect("text");
    // Other tests of this binary may share the process (and its recorder) under `cargo test`: at least.
    for (series, at_least) in [
        (r#"toolgate_gateway_calls_total{decision="allowed"}"#, 1.0),
        (r#"toolgate_gateway_calls_total{decision="denied"}"#, 1.0),
        (r#"toolgate_gateway_calls_total{decision="hidden"}"#, 1.0),
        ("toolgate_audit_events_total", 3.0),
        ("toolgate_gateway_upstream_seconds_count", 1.0),
    ] {
        let value = sample(&metrics, series).unwrap_or_else(|| panic!("no {series} in:\n{metrics}"));
        assert!(
            value >= at_least,
            "{series} = {value}, expected at least {at_least}"
        );
    }
}
