//! `tools/call`: decide by policy in the order of ARCHITECTURE §4, reserve limits all or nothing,
//! forward, and give the reservation back when the upstream fails.

use std::sync::Arc;

use axum::response::Response;
use bytes::Bytes;
use http::{HeaderMap, Method};
use serde_json::Value;
use serde_json::value::RawValue;
use toolgate_cluster::{CounterKey, LimitRequest, Reservation, ReserveOutcome, Scope};
use toolgate_mcp::{jsonrpc, tools};
use toolgate_policy::{CompiledPolicy, Decision, LimitCharge, OnCounterError, RefusalKind};

use crate::error::GatewayError;
use crate::handler::Connection;
use crate::refusal::{self, DecisionKind, Refusal};
use crate::state::GatewayState;
use crate::upstream;

pub(crate) async fn handle(
    state: &GatewayState,
    connection: &Connection,
    headers: &HeaderMap,
    body: &Bytes,
    id: &RawValue,
    params: Option<&RawValue>,
) -> Result<Response, GatewayError> {
    let Some(call) = params.and_then(|raw| tools::CallToolParams::parse(raw).ok()) else {
        return Ok(refusal::json_response(jsonrpc::error_response(
            Some(id),
            jsonrpc::INVALID_PARAMS,
            "tools/call needs params with a string \"name\"",
            None,
        )));
    };
    let arguments: Value = match call.arguments {
        Some(raw) => match serde_json::from_str(raw.get()) {
            Ok(value) => value,
            Err(_) => {
                return Ok(refusal::json_response(jsonrpc::error_response(
                    Some(id),
                    jsonrpc::INVALID_PARAMS,
                    "arguments are not valid JSON",
                    None,
                )));
            }
        },
        None => Value::Null,
    };
    let tool = call.name.as_ref();

    let Some(policy) = policy_of(state, connection).await? else {
        return Ok(Refusal::new(
            DecisionKind::Denied,
            "(no policy)",
            refusal::NO_POLICY_TEXT.to_owned(),
        )
        .into_response(id));
    };
    let compiled: &CompiledPolicy = &policy.compiled;
    let limits = match compiled.evaluate(tool, &arguments) {
        Decision::Hidden => return Ok(refusal::unknown_tool(id, tool)),
        Decision::Refused { rule, reason, kind } => {
            let text = match kind {
                RefusalKind::DefaultDeny => refusal::default_deny_text(tool),
                RefusalKind::Denied => refusal::denied_text(&reason),
                RefusalKind::Condition => refusal::condition_text(&reason),
                RefusalKind::BadArgument => refusal::bad_argument_text(&reason),
            };
            return Ok(Refusal::new(DecisionKind::Denied, rule.as_ref(), text).into_response(id));
        }
        Decision::RequireApproval { rule, .. } => {
            return Ok(Refusal::new(
                DecisionKind::ApprovalRequested,
                rule.as_ref(),
                refusal::approval_unavailable_text(),
            )
            .into_response(id));
        }
        Decision::Allow { limits } => limits,
    };
    if compiled.pin_tools() && connection.server.changed_tools.contains(tool) {
        return Ok(Refusal::new(
            DecisionKind::Denied,
            "/pin_tools",
            refusal::changed_tool_text(tool),
        )
        .into_response(id));
    }

    let reservation = match reserve(state, connection, &limits).await {
        Ok(reservation) => reservation,
        Err(refused) => return Ok(refused.into_response(id)),
    };

    let upstream_session = connection.session.as_ref().map(|claims| claims.upstream.as_str());
    let sent = state
        .inner
        .upstream
        .send(
            Method::POST,
            &connection.server,
            headers,
            upstream_session,
            Some(body.clone()),
        )
        .await;
    match sent {
        Ok(response) if !response.status().is_server_error() => Ok(upstream::relay(response, None)),
        Ok(response) => {
            rollback(state, reservation).await;
            let detail = format!(
                "the upstream MCP server answered HTTP {}",
                response.status().as_u16()
            );
            Ok(Refusal::new(
                DecisionKind::UpstreamError,
                "(upstream)",
                refusal::upstream_failed_text(&detail),
            )
            .into_response(id))
        }
        Err(error) => {
            rollback(state, reservation).await;
            Ok(Refusal::new(
                DecisionKind::UpstreamError,
                "(upstream)",
                refusal::upstream_failed_text(&error.to_string()),
            )
            .into_response(id))
        }
    }
}

async fn policy_of(
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

/// Reserves every limit of the call, all or nothing. `Ok(None)` when there was nothing to reserve or
/// the counters were down and the policy says to admit anyway.
async fn reserve(
    state: &GatewayState,
    connection: &Connection,
    limits: &[LimitCharge],
) -> Result<Option<Reservation>, Refusal> {
    if limits.is_empty() {
        return Ok(None);
    }
    let requests: Vec<LimitRequest> = limits
        .iter()
        .map(|charge| limit_request(connection, charge))
        .collect();
    match state.inner.counters.reserve(&requests).await {
        Ok(ReserveOutcome::Admitted(reservation)) => Ok(Some(reservation)),
        Ok(ReserveOutcome::Exhausted {
            index,
            retry_after_ms,
        }) => {
            let charge = limits.get(index).unwrap_or(&limits[0]);
            let text =
                refusal::rate_limited_text(&charge.counter, charge.max, charge.window_ms, retry_after_ms);
            let mut refused = Refusal::new(DecisionKind::RateLimited, charge.rule.as_ref(), text);
            refused.retry_after_ms = Some(retry_after_ms.max(1));
            Err(refused)
        }
        Err(error) => {
            tracing::warn!(%error, "rate-limit counters unavailable");
            match limits
                .iter()
                .find(|charge| charge.on_counter_error == OnCounterError::Closed)
            {
                Some(closed) => {
                    let mut refused = Refusal::new(
                        DecisionKind::RateLimited,
                        closed.rule.as_ref(),
                        refusal::COUNTER_STORE_DOWN_TEXT.to_owned(),
                    );
                    refused.retry_after_ms = Some(2_000);
                    Err(refused)
                }
                // "open" and "local" admit here; counting locally during an outage comes with the
                // shared (Redis) counters, where an outage can happen at all.
                None => Ok(None),
            }
        }
    }
}

async fn rollback(state: &GatewayState, reservation: Option<Reservation>) {
    let Some(reservation) = reservation else { return };
    if let Err(error) = state.inner.counters.rollback(&reservation).await {
        tracing::warn!(%error, "could not roll back a reservation after an upstream failure");
    }
}
