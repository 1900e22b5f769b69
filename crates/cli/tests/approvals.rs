//! Human approvals and the audit trail through the whole all-in-one stack (fake upstream).

use std::time::Duration;

use reqwest::Method;
use serde_json::{Value, json};
use toolgate_cli::all_in_one::{self, Running};
use toolgate_cli::settings::ServeSettings;
use toolgate_test_support::{ApiClient, FakeUpstream};

struct Harness {
    _running: Running,
    data: tempfile::TempDir,
    api: ApiClient,
    upstream: FakeUpstream,
    token: String,
    http: reqwest::Client,
}

const SECRET: &str = "s3cr3t-value-7f1c2e";

async fn harness() -> Harness {
    let data = tempfile::tempdir().expect("tempdir");
    let settings = ServeSettings {
        listen: "127.0.0.1:0".parse().expect("addr"),
        data_dir: data.path().to_path_buf(),
        public_url: None,
        gateway_url: None,
        secret_key: None,
        allow_private_upstreams: true,
        redis_url: None,
        counter_deadline_ms: 25,
    };
    let running = all_in_one::spawn(settings).await.expect("stack starts");
    let upstream = FakeUpstream::start(&["kill_process", "read_file"])
        .await
        .expect("upstream");
    let api = ApiClient::signup(&running.base_url, "approver@example.com", "Ops")
        .await
        .expect("signup");
    let policy = json!({
        "version": "1",
        "default": "deny",
        "tools": {
            "read_file": {},
            "kill_process": {"action": "require_approval", "approval": {"timeout": "10m", "wait": "1s"}}
        }
    });
    let token = api
        .setup_server("sys", &upstream.url, json!({}), policy)
        .await
        .expect("setup");
    Harness {
        _running: running,
        data,
        api,
        upstream,
        token,
        http: reqwest::Client::new(),
    }
}

impl Harness {
    async fn call(&self, tool: &str, arguments: Value, accept: &str) -> reqwest::Response {
        let body = json!({"jsonrpc": "2.0", "id": 3, "method": "tools/call", "params": {"name": tool, "arguments": arguments}});
        self.http
            .post(self.api.gateway_url("sys"))
            .bearer_auth(&self.token)
            .header("accept", accept)
            .header("content-type", "application/json")
            .body(body.to_string())
            .send()
            .await
            .expect("call")
    }

    async fn call_json(&self, tool: &str, arguments: Value) -> Value {
        self.call(tool, arguments, "application/json")
            .await
            .json()
            .await
            .expect("json")
    }

    async fn pending(&self) -> Vec<Value> {
        let path = format!("{}/approvals?status=pending", self.api.account_path());
        let (status, body) = self.api.send(Method::GET, &path, None).await.expect("list");
        assert_eq!(status, 200, "{body}");
        body["items"].as_array().expect("items").clone()
    }

    async fn decide(&self, id: &str, verb: &str, note: Option<&str>) -> (u16, Value) {
        let path = format!("{}/approvals/{id}/{verb}", self.api.account_path());
        let body = note.map(|note| json!({ "note": note }));
        self.api.send(Method::POST, &path, body).await.expect("decide")
    }
}

fn decision(result: &Value) -> &Value {
    &result["result"]["_meta"]["dev.toolgate/decision"]
}

#[tokio::test]
async fn an_undecided_call_names_its_approval_and_the_approved_retry_goes_through_once() {
    let h = harness().await;
    let arguments = json!({"pid": 42, "token": SECRET});
    let first = h.call_json("kill_process", arguments.clone()).await;
    assert_eq!(decision(&first)["decision"], "approval_requested");
    assert_eq!(decision(&first)["rule"], "/tools/kill_process");
    let approval_id = decision(&first)["approval_id"]
        .as_str()
        .expect("approval id")
        .to_owned();
    assert!(
        first["result"]["content"][0]["text"]
            .as_str()
            .expect("text")
            .contains(&approval_id)
    );
    assert_eq!(h.upstream.calls_of("kill_process"), 0);

    // A retry before the decision waits on the same approval rather than asking again.
    let again = h.call_json("kill_process", arguments.clone()).await;
    assert_eq!(decision(&again)["approval_id"], approval_id.as_str());
    let pending = h.pending().await;
    assert_eq!(pending.len(), 1);
    assert_eq!(pending[0]["tool"], "kill_process");
    assert_eq!(
        pending[0]["arguments"]["pid"], 42,
        "the approver sees the arguments"
    );

    let (status, body) = h.decide(&approval_id, "approve", None).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "approved");
    let (status, _) = h.decide(&approval_id, "deny", None).await;
    assert_eq!(status, 409, "a decided approval cannot be decided again");

    let approved = h.call_json("kill_process", arguments.clone()).await;
    assert_eq!(approved["result"]["content"][0]["text"], "called kill_process");
    assert_eq!(h.upstream.calls_of("kill_process"), 1);

    // Single use: the next identical call needs a new approval; so do other arguments.
    let after = h.call_json("kill_process", arguments.clone()).await;
    assert_eq!(decision(&after)["decision"], "approval_requested");
    assert_ne!(decision(&after)["approval_id"], approval_id.as_str());
    let other = h.call_json("kill_process", json!({"pid": 43})).await;
    assert_eq!(decision(&other)["decision"], "approval_requested");
    assert_ne!(decision(&other)["approval_id"], decision(&after)["approval_id"]);
    assert_eq!(h.upstream.calls_of("kill_process"), 1);

    // The audit holds the decisions with argument keys only.
    let (status, audit) = h
        .api
        .send(
            Method::GET,
            &format!("{}/audit?tool=kill_process", h.api.account_path()),
            None,
        )
        .await
        .expect("audit");
    assert_eq!(status, 200, "{audit}");
    let decisions: Vec<&str> = audit["items"]
        .as_array()
        .expect("items")
        .iter()
        .filter_map(|e| e["decision"].as_str())
        .collect();
    assert!(
        decisions.contains(&"approved") && decisions.contains(&"approval_requested"),
        "{decisions:?}"
    );
    let text = audit.to_string();
    assert!(text.contains("\"argument_keys\":[\"pid\",\"token\"]"), "{text}");
    assert!(!text.contains(SECRET), "argument values must not be in the audit");
}

#[tokio::test]
async fn a_held_call_is_released_by_an_approval_while_it_waits() {
    let h = harness().await;
    // Raise the inline wait so the call is still held when the approval comes.
    let mut policy: Value = json!({
        "version": "1", "default": "deny",
        "tools": {"kill_process": {"action": "require_approval", "approval": {"timeout": "10m", "wait": "20s"}}}
    });
    let path = format!("{}/servers/sys/policies/main", h.api.account_path());
    let (status, body) = h
        .api
        .send(Method::PUT, &path, Some(json!({"document": policy.take()})))
        .await
        .expect("put");
    assert_eq!(status, 200, "{body}");

    let held = tokio::spawn({
        let http = h.http.clone();
        let url = h.api.gateway_url("sys");
        let token = h.token.clone();
        async move {
            let body = json!({"jsonrpc": "2.0", "id": 9, "method": "tools/call", "params": {"name": "kill_process", "arguments": {"pid": 7}}});
            let response = http
                .post(url)
                .bearer_auth(token)
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .expect("call");
            assert_eq!(response.headers()["content-type"], "text/event-stream");
            response.text().await.expect("stream")
        }
    });
    let mut pending = Vec::new();
    for _ in 0..50 {
        pending = h.pending().await;
        if !pending.is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let id = pending
        .first()
        .and_then(|p| p["id"].as_str())
        .expect("a pending approval")
        .to_owned();
    let (status, _) = h.decide(&id, "approve", Some("ok for pid 7")).await;
    assert_eq!(status, 200);
    let stream = tokio::time::timeout(Duration::from_secs(10), held)
        .await
        .expect("released in time")
        .expect("task");
    assert!(stream.contains("called kill_process"), "{stream}");
    assert_eq!(h.upstream.calls_of("kill_process"), 1);

    // A denied call returns the approver's note.
    let denied = tokio::spawn({
        let http = h.http.clone();
        let url = h.api.gateway_url("sys");
        let token = h.token.clone();
        async move {
            let body = json!({"jsonrpc": "2.0", "id": 10, "method": "tools/call", "params": {"name": "kill_process", "arguments": {"pid": 8}}});
            http.post(url)
                .bearer_auth(token)
                .header("accept", "application/json, text/event-stream")
                .header("content-type", "application/json")
                .body(body.to_string())
                .send()
                .await
                .expect("call")
                .text()
                .await
                .expect("stream")
        }
    });
    let mut id = None;
    for _ in 0..50 {
        id = h
            .pending()
            .await
            .first()
            .and_then(|p| p["id"].as_str().map(str::to_owned));
        if id.is_some() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let (status, _) = h
        .decide(&id.expect("pending"), "deny", Some("Not on production hosts"))
        .await;
    assert_eq!(status, 200);
    let stream = tokio::time::timeout(Duration::from_secs(10), denied)
        .await
        .expect("answered")
        .expect("task");
    assert!(stream.contains("Not on production hosts"), "{stream}");
    assert!(stream.contains("approval_denied"), "{stream}");
    assert_eq!(h.upstream.calls_of("kill_process"), 1);
}

#[tokio::test]
async fn argument_values_stay_out_of_the_database_files() {
    let h = harness().await;
    let allowed = h.call_json("read_file", json!({"path": SECRET})).await;
    assert_eq!(allowed["result"]["isError"], false);
    let held = h
        .call_json("kill_process", json!({"pid": 1, "reason": SECRET}))
        .await;
    let id = decision(&held)["approval_id"]
        .as_str()
        .expect("approval")
        .to_owned();
    h.decide(&id, "approve", None).await;
    h.call_json("kill_process", json!({"pid": 1, "reason": SECRET}))
        .await;
    tokio::time::sleep(Duration::from_millis(600)).await; // the audit writer flushes every 200 ms
    for entry in std::fs::read_dir(h.data.path()).expect("data dir") {
        let path = entry.expect("entry").path();
        let bytes = std::fs::read(&path).expect("read");
        let found = bytes
            .windows(SECRET.len())
            .any(|window| window == SECRET.as_bytes());
        assert!(!found, "{} holds an argument value", path.display());
    }
    let (_, audit) = h
        .api
        .send(Method::GET, &format!("{}/audit", h.api.account_path()), None)
        .await
        .expect("audit");
    assert!(audit["items"].as_array().expect("items").len() >= 3, "{audit}");
    assert!(!audit.to_string().contains(SECRET));
}
