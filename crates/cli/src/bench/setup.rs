//! Setting up a gateway through its HTTP API, as a user would: sign up, register the fast upstream,
//! save the benchmark policy, issue a grant.

use anyhow::{Context, bail};
use serde_json::{Value, json};

use super::{CALLED_TOOL, TOOL_COUNT, tool_name};

const SERVER: &str = "bench";
const PASSWORD: &str = "correct-horse-battery-staple-42";

/// What the load generator needs to call through a configured gateway.
pub struct Configured {
    /// `/mcp/{account}/{server}`
    pub path: String,
    /// The grant's `tg_…` token.
    pub token: String,
}

pub async fn configure(
    http: &reqwest::Client,
    base_url: &str,
    upstream_url: &str,
) -> anyhow::Result<Configured> {
    let signup = json!({"email": "bench@example.com", "password": PASSWORD, "account_name": "Bench"});
    let body = call(http, base_url, None, "/api/v1/signup", Some(signup), 201).await?;
    let api_token = body["api_token"]
        .as_str()
        .context("signup: api_token")?
        .to_owned();
    let account = body["account"]["slug"]
        .as_str()
        .context("signup: account slug")?
        .to_owned();
    let auth = Some(api_token.as_str());
    let prefix = format!("/api/v1/accounts/{account}");

    let server = json!({"name": SERVER, "slug": SERVER, "url": upstream_url, "headers": {}});
    call(
        http,
        base_url,
        auth,
        &format!("{prefix}/servers"),
        Some(server),
        201,
    )
    .await?;
    call(
        http,
        base_url,
        auth,
        &format!("{prefix}/servers/{SERVER}/sync"),
        None,
        200,
    )
    .await?;
    let policy_body = json!({"name": "bench", "document": policy()});
    call(
        http,
        base_url,
        auth,
        &format!("{prefix}/servers/{SERVER}/policies"),
        Some(policy_body),
        201,
    )
    .await?;
    // Auditing needs no switch: the gateway records every tools/call decision (batched writes to the
    // store); argument values are left out (`log_argument_values` stays false, the default).
    let grant = json!({"name": "bench", "server": SERVER, "policy": "bench"});
    let body = call(
        http,
        base_url,
        auth,
        &format!("{prefix}/grants"),
        Some(grant),
        201,
    )
    .await?;
    let token = body["token"].as_str().context("grant: token")?.to_owned();
    Ok(Configured {
        path: format!("/mcp/{account}/{SERVER}"),
        token,
    })
}

async fn call(
    http: &reqwest::Client,
    base_url: &str,
    token: Option<&str>,
    path: &str,
    body: Option<Value>,
    expected: u16,
) -> anyhow::Result<Value> {
    let mut request = http.post(format!("{base_url}{path}"));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    if let Some(body) = body {
        request = request.json(&body);
    }
    let response = request.send().await.with_context(|| format!("POST {path}"))?;
    let status = response.status().as_u16();
    let text = response.text().await.unwrap_or_default();
    if status != expected {
        bail!("POST {path} answered HTTP {status} (expected {expected}): {text}");
    }
    Ok(serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// The benchmark policy: `default: deny`, 100 tools each with a `require` and two `deny_if` regex
/// rules on the arguments, and two limits on the tool the load calls (high enough never to refuse).
pub fn policy() -> Value {
    let mut tools = serde_json::Map::new();
    for index in 0..TOOL_COUNT {
        let name = tool_name(index);
        let mut rule = json!({
            "require": [{
                "conditions": [{"path": "args.path", "op": "regex", "value": "^/srv/(data|logs|tmp)/[A-Za-z0-9_./-]{1,200}$"}],
                "on_deny": "Only files under /srv/data, /srv/logs and /srv/tmp may be read."
            }],
            "deny_if": [
                {
                    "conditions": [{"path": "args.path", "op": "regex", "value": r"(\.\./|~|\$\{)"}],
                    "on_deny": "Path traversal is not allowed."
                },
                {
                    "conditions": [{"path": "args.query", "op": "regex", "value": r"(?i)\b(drop|truncate|delete|alter)\b"}],
                    "on_deny": "Only read queries are allowed."
                }
            ]
        });
        if name == CALLED_TOOL {
            rule["limits"] = json!([
                {"counter": "bench_per_minute", "window": "minute", "max": 1_000_000_000u64, "scope": "grant"},
                {"counter": "bench_per_hour", "window": "hour", "max": 1_000_000_000u64, "scope": "server"}
            ]);
        }
        tools.insert(name, rule);
    }
    json!({
        "version": "1",
        "default": "deny",
        "hide": ["debug_*", "internal_*"],
        "tools": tools
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_compiles_and_allows_the_benchmark_call() {
        let compiled = toolgate_policy::compile(&policy()).expect("the benchmark policy is valid");
        let arguments: Value = serde_json::from_str(super::super::CALL_ARGUMENTS).expect("valid arguments");
        match compiled.evaluate(CALLED_TOOL, &arguments) {
            toolgate_policy::Decision::Allow { limits } => assert_eq!(limits.len(), 2),
            other => panic!("expected the call to be allowed, got {other:?}"),
        }
    }
}
