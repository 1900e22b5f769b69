//! `tools/call`: decide by policy in the order of ARCHITECTURE §4, reserve limits all or nothing,
//! forward, and give the reservation back when the upstream fails.

use std::sync::Arc;
use std::time::Instant;

use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, Method};
use serde_json::Value;
use serde_json::value::RawValue;
use time::OffsetDateTime;
use toolgate_cluster::{CounterKey, Counters, LimitRequest, Reservation, ReserveOutcome, Scope};
use toolgate_mcp::{jsonrpc, tools};
use toolgate_policy::{CompiledPolicy, Decision, LimitCharge, OnCounterError, RefusalKind};
use toolgate_store::NewAuditEvent;

use crate::error::GatewayError;
use crate::handler::Connection;
use crate::refusal::{self, DecisionKind, Refusal};
use crate::state::GatewayState;
use crate::upstream;
use crate::{approval, audit};

/// What the audit records of one call's decision.
pub(crate) struct Outcome {
    pub decision: &'static str,
    pub rule: Option<String>,
    pub reason: Option<String>,
    pub upstream_status: Option<i32>,
}

impl Outcome {
    pub fn allowed(decision: &'static str, status: u16) -> Self {
        Self {
            decision,
            rule: None,
            reason: None,
            upstream_status: Some(i32::from(status)),
        }
    }

    pub fn refused(refusal: &Refusal) -> Self {
        Self {
            decision: refusal.kind.as_str(),
            rule: Some(refusal.rule.clone()),
            reason: Some(refusal.text.clone()),
            upstream_status: None,
        }
    }
}

/// A parsed `tools/call` on its way through the pipeline.
pub(crate) struct Call<'a> {
    pub id: &'a RawValue,
    pub tool: &'a str,
    pub arguments: Value,
    pub progress_token: Option<&'a RawValue>,
    pub body: &'a Bytes,
    pub headers: &'a HeaderMap,
}

pub(crate) async fn handle(
    state: &GatewayState,
    connection: &Connection,
    headers: &HeaderMap,
    body: &Bytes,
    id: &RawValue,
    params: Option<&RawValue>,
) -> Result<Response, GatewayError> {
    let started = Instant::now();
    let Some(params) = params.and_then(|raw| tools::CallToolParams::parse(raw).ok()) else {
        return Ok(refusal::json_response(jsonrpc::error_response(
            Some(id),
            jsonrpc::INVALID_PARAMS,
            "tools/call needs params with a string \"name\" and an object \"arguments\"",
            None,
        )));
    };
    let arguments: Value = match params.arguments.map(|raw| serde_json::from_str(raw.get())) {
        None => Value::Null,
        Some(Ok(value)) => value,
        Some(Err(_)) => {
            return Ok(refusal::json_response(jsonrpc::error_response(
                Some(id),
                jsonrpc::INVALID_PARAMS,
                "arguments are not valid JSON",
                None,
            )));
        }
    };
    let call = Call {
        id,
        tool: params.name.as_ref(),
        arguments,
        progress_token: params.progress_token,
        body,
        headers,
    };
    let (response, outcome) = decide(state, connection, &call).await?;
    record(state, connection, &call, outcome, started);
    Ok(response)
}

pub(crate) fn record(
    state: &GatewayState,
    connection: &Connection,
    call: &Call<'_>,
    outcome: Outcome,
    started: Instant,
) {
    let event = NewAuditEvent {
        account_id: connection.server.account_id,
        server_id: Some(connection.server.server_id),
        grant_id: Some(connection.grant.id),
        session: connection.session_fingerprint(),
        method: "tools/call".to_owned(),
        tool: Some(call.tool.to_owned()),
        decision: outcome.decision.to_owned(),
        rule: outcome.rule,
        reason: outcome.reason,
        argument_keys: audit::argument_keys(&call.arguments),
        arguments: connection
            .server
            .log_argument_values
            .then(|| call.arguments.clone()),
        upstream_status: outcome.upstream_status,
        latency_ms: Some(started.elapsed().as_secs_f64() * 1000.0),
        time: OffsetDateTime::now_utc(),
    };
    state.inner.audit.record(event);
}

async fn decide(
    state: &GatewayState,
    connection: &Connection,
    call: &Call<'_>,
) -> Result<(Response, Outcome), GatewayError> {
    let refuse = |refusal: Refusal| {
        let outcome = Outcome::refused(&refusal);
        Ok((refusal.into_response(call.id), outcome))
    };
    let Some(policy) = policy_of(state, connection).await? else {
        return refuse(Refusal::new(
            DecisionKind::Denied,
            "(no policy)",
            refusal::NO_POLICY_TEXT.to_owned(),
        ));
    };
    let compiled: &CompiledPolicy = &policy.compiled;
    let limits = match compiled.evaluate(call.tool, &call.arguments) {
        Decision::Hidden => {
            let outcome = Outcome {
                decision: "hidden",
                rule: Some("(hidden)".into()),
                reason: None,
                upstream_status: None,
            };
            return Ok((refusal::unknown_tool(call.id, call.tool), outcome));
        }
        Decision::Refused { rule, reason, kind } => {
            let text = match kind {
                RefusalKind::DefaultDeny => refusal::default_deny_text(call.tool),
                RefusalKind::Denied => refusal::denied_text(&reason),
                RefusalKind::Condition => refusal::condition_text(&reason),
                RefusalKind::BadArgument => refusal::bad_argument_text(&reason),
            };
            return refuse(Refusal::new(DecisionKind::Denied, rule.as_ref(), text));
        }
        Decision::RequireApproval {
            rule,
            timeout_ms,
            wait_ms,
            limits,
        } => {
            if let Some(refused) = pinned(compiled, connection, call.tool) {
                return refuse(refused);
            }
            let request = approval::Request {
                rule: &rule,
                timeout_ms,
                wait_ms,
                limits,
                policy: &policy,
            };
            return approval::handle(state, connection, call, request).await;
        }
        Decision::Allow { limits } => limits,
    };
    if let Some(refused) = pinned(compiled, connection, call.tool) {
        return refuse(refused);
    }
    match forward(state, connection, call, &limits).await {
        Ok(response) => {
            let outcome = Outcome::allowed("allowed", response.status().as_u16());
            Ok((upstream::relay(response, None), outcome))
        }
        Err(refused) => refuse(refused),
    }
}

/// `pin_tools`: a tool whose definition changed since it was accepted is refused.
fn pinned(compiled: &CompiledPolicy, connection: &Connection, tool: &str) -> Option<Refusal> {
    (compiled.pin_tools() && connection.server.changed_tools.contains(tool)).then(|| {
        Refusal::new(
            DecisionKind::Denied,
            "/pin_tools",
            refusal::changed_tool_text(tool),
        )
    })
}

/// Reserves the call's limits, forwards it, and gives the reservation back if the upstream fails.
pub(crate) async fn forward(
    state: &GatewayState,
    connection: &Connection,
    call: &Call<'_>,
    limits: &[LimitCharge],
) -> Result<upstream::UpstreamResponse, Refusal> {
    let held = reserve(state, connection, limits).await?;
    let upstream_session = connection.upstream_session();
    let started = Instant::now();
    let sent = state
        .inner
        .upstream
        .send(
            Method::POST,
            &connection.server,
            call.headers,
            upstream_session,
            Some(call.body.clone()),
        )
        .await;
    let detail = match sent {
        Ok(response) if !response.status().is_server_error() => {
            crate::call_metrics::record_decision("allowed");
            crate::call_metrics::record_upstream_seconds(started.elapsed().as_secs_f64());
            return Ok(response);
        }
        Ok(response) => format!(
            "the upstream MCP server answered HTTP {}",
            response.status().as_u16()
        ),
        Err(error) => error.to_string(),
    };
    rollback(state, held).await;
    Err(Refusal::new(
        DecisionKind::UpstreamError,
        "(upstream)",
        refusal::upstream_failed_text(&detail),
    ))
}

pub(crate) async fn policy_of(
    state: &GatewayState,
    connection: &Connection,
) -> Result<Option<Arc<crate::snapshot::PolicySnapshot>>, GatewayError> {
    let Some(policy_id) = connection.grant.policy_id else {
        return Ok(None);
    };
    state
        .cache()
        .policy(connection.grant.account_id, policy_id)
        .await
        .map_err(|error| {
            tracing::error!(%error, "cannot load policy");
            GatewayError::Unavailable
        })
}

fn limit_request(connection: &Connection, charge: &LimitCharge) -> LimitRequest {
    let (scope, scope_id) = match charge.scope {
        toolgate_policy::Scope::Grant => (Scope::Grant, connection.grant.id.to_string()),
        toolgate_policy::Scope::Server => (Scope::Server, connection.server.server_id.to_string()),
        toolgate_policy::Scope::Account => (Scope::Account, connection.server.account_id.to_string()),
    };
    LimitRequest {
        key: CounterKey {
            account: connection.server.account_id,
            scope,
            scope_id,
            counter: charge.counter.to_string(),
            window_ms: charge.window_ms,
        },
        max: charge.max,
        amount: charge.amount,
    }
}

/// What a call holds while it is forwarded: a reservation in the shared counters, or (during an
/// outage under `on_counter_error: local`) in this process's fallback counters.
pub(crate) enum Held {
    Nothing,
    Shared(Reservation),
    Local(Reservation),
}

/// Reserves every limit of the call, all or nothing. When the counter store fails, each limit's
/// `on_counter_error` decides: any `closed` limit refuses the call; `local` limits are counted in this
/// process at max ÷ live workers; `open` limits are skipped.
pub(crate) async fn reserve(
    state: &GatewayState,
    connection: &Connection,
    limits: &[LimitCharge],
) -> Result<Held, Refusal> {
    if limits.is_empty() {
        return Ok(Held::Nothing);
    }
    let requests: Vec<LimitRequest> = limits
        .iter()
        .map(|charge| limit_request(connection, charge))
        .collect();
    let error = match state.inner.counters.reserve(&requests).await {
        Ok(ReserveOutcome::Admitted(reservation)) => return Ok(Held::Shared(reservation)),
        Ok(ReserveOutcome::Exhausted {
            index,
            retry_after_ms,
        }) => {
            return Err(rate_limited(limits, index, retry_after_ms));
        }
        Err(error) => error,
    };
    if let Some(closed) = limits
        .iter()
        .find(|charge| charge.on_counter_error == OnCounterError::Closed)
    {
        tracing::warn!(%error, rule = %closed.rule, "counter store unavailable; refusing (on_counter_error: closed)");
        metrics::counter!("toolgate_counter_store_errors_total", "handling" => "closed").increment(1);
        let mut refused = Refusal::new(
            DecisionKind::RateLimited,
            closed.rule.as_ref(),
            refusal::COUNTER_STORE_DOWN_TEXT.to_owned(),
        );
        refused.retry_after_ms = Some(2_000);
        return Err(refused);
    }
    let workers = u64::from(state.inner.counters.live_workers().max(1));
    let (local_limits, local_requests): (Vec<LimitCharge>, Vec<LimitRequest>) = limits
        .iter()
        .zip(requests)
        .filter(|(charge, _)| charge.on_counter_error == OnCounterError::Local)
        .map(|(charge, mut request)| {
            request.max = (request.max / workers).max(1);
            let mut charge = charge.clone();
            charge.max = request.max;
            (charge, request)
        })
        .unzip();
    if local_requests.is_empty() {
        tracing::warn!(%error, "counter store unavailable; admitting (on_counter_error: open)");
        metrics::counter!("toolgate_counter_store_errors_total", "handling" => "open").increment(1);
        return Ok(Held::Nothing);
    }
    tracing::warn!(%error, workers, "counter store unavailable; counting in process (on_counter_error: local)");
    metrics::counter!("toolgate_counter_store_errors_total", "handling" => "local").increment(1);
    match state.inner.local_counters.reserve(&local_requests).await {
        Ok(ReserveOutcome::Admitted(reservation)) => Ok(Held::Local(reservation)),
        Ok(ReserveOutcome::Exhausted {
            index,
            retry_after_ms,
        }) => Err(rate_limited(&local_limits, index, retry_after_ms)),
        // The in-process counters do not fail; admit rather than invent a refusal.
        Err(_) => Ok(Held::Nothing),
    }
}

fn rate_limited(limits: &[LimitCharge], index: usize, retry_after_ms: u64) -> Refusal {
    let charge = &limits[index.min(limits.len() - 1)];
    let text = refusal::rate_limited_text(&charge.counter, charge.max, charge.window_ms, retry_after_ms);
    let mut refused = Refusal::new(DecisionKind::RateLimited, charge.rule.as_ref(), text);
    refused.retry_after_ms = Some(retry_after_ms.max(1));
    refused
}

pub(crate) async fn rollback(state: &GatewayState, held: Held) {
    let result = match &held {
        Held::Nothing => return,
        Held::Shared(reservation) => state.inner.counters.rollback(reservation).await,
        Held::Local(reservation) => state.inner.local_counters.rollback(reservation).await,
    };
    if let Err(error) = result {
        tracing::warn!(%error, "could not roll back a reservation after an upstream failure");
    }
}
