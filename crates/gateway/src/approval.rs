//! `action: require_approval`: hold the call while a person decides (ARCHITECTURE §8).
//!
//! A call creates (or, when retried with identical arguments, finds) an approval bound to the grant,
//! the tool, the SHA-256 of the canonical arguments and the policy version. The gateway holds the call
//! for `approval.wait`, keeping the client alive with SSE comments (and `notifications/progress` when
//! the client sent a progress token), polling the approval. Approved in time → forwarded (limits are
//! reserved only then). Denied → a refusal with the approver's note. Undecided → a refusal naming the
//! approval id; a retry of the same call after approval is forwarded exactly once.

use std::convert::Infallible;
use std::time::Duration;

use axum::body::Body;
use axum::response::Response;
use bytes::Bytes;
use futures_util::StreamExt;
use http::header;
use http_body_util::BodyExt;
use serde_json::Value;
use serde_json::value::RawValue;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;
use tokio::sync::mpsc;
use toolgate_cluster::ChangeEvent;
use toolgate_domain::ApprovalId;
use toolgate_mcp::sse;
use toolgate_policy::LimitCharge;
use toolgate_store::{Approval, ApprovalStatus, NewApproval};

use crate::call::{self, Call, Outcome};
use crate::error::GatewayError;
use crate::handler::Connection;
use crate::refusal::{self, DecisionKind, Refusal};
use crate::snapshot::PolicySnapshot;
use crate::state::GatewayState;
use crate::upstream::UpstreamResponse;

/// How often a held call re-reads its approval when no event arrives.
const POLL_EVERY: Duration = Duration::from_secs(1);
const KEEP_ALIVE_EVERY: Duration = Duration::from_secs(5);
const MAX_RESULT_BYTES: usize = 64 * 1024 * 1024;

pub(crate) struct Request<'a> {
    pub rule: &'a str,
    pub timeout_ms: u64,
    pub wait_ms: u64,
    pub limits: Vec<LimitCharge>,
    pub policy: &'a PolicySnapshot,
}

/// Hex SHA-256 of the arguments in canonical form (object keys sorted, no whitespace).
pub fn arguments_hash(arguments: &Value) -> String {
    let mut canonical = String::new();
    write_canonical(arguments, &mut canonical);
    hex::encode(Sha256::digest(canonical.as_bytes()))
}

fn write_canonical(value: &Value, out: &mut String) {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (index, key) in keys.into_iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(key.clone()).to_string());
                out.push(':');
                write_canonical(&map[key], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (index, item) in items.iter().enumerate() {
                if index > 0 {
                    out.push(',');
                }
                write_canonical(item, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

fn unavailable(error: toolgate_store::StoreError) -> GatewayError {
    tracing::error!(%error, "approvals unavailable");
    GatewayError::Unavailable
}

pub(crate) async fn handle(
    state: &GatewayState,
    connection: &Connection,
    call: &Call<'_>,
    request: Request<'_>,
) -> Result<(Response, Outcome), GatewayError> {
    let store = &state.inner.store;
    let account = connection.server.account_id;
    let now = OffsetDateTime::now_utc();
    let hash = arguments_hash(&call.arguments);
    let latest = store
        .find_latest_approval(
            account,
            connection.grant.id,
            call.tool,
            &hash,
            request.policy.version,
        )
        .await
        .map_err(unavailable)?;
    let mut expired: Option<ApprovalId> = None;
    let approval = match latest {
        Some(approval) if approval.is_usable(now) => {
            if store
                .consume_approval(account, approval.id, now)
                .await
                .map_err(unavailable)?
            {
                let concluded = forward_approved(state, connection, call, &request.limits).await;
                return Ok(concluded
                    .approved_by(request.rule, approval.id)
                    .into_response(call.id));
            }
            create(state, connection, call, &request, &hash).await?
        }
        Some(approval) if approval.is_pending(now) => approval,
        // A denial stands for the approval's lifetime: the same call is refused with the note.
        Some(approval) if approval.status == ApprovalStatus::Denied && approval.expires_at > now => {
            let text = refusal::approval_denied_text(approval.note.as_deref());
            let refused = approval_refusal(DecisionKind::ApprovalDenied, request.rule, text, approval.id);
            return Ok(Concluded::Refused(refused).into_response(call.id));
        }
        Some(approval) if approval.used_at.is_none() && approval.status != ApprovalStatus::Denied => {
            // Pending or approved, but it ran out before it was used: say so, and ask again.
            expired = Some(approval.id);
            create(state, connection, call, &request, &hash).await?
        }
        _ => create(state, connection, call, &request, &hash).await?,
    };
    let deadline = tokio::time::Instant::now()
        + Duration::from_millis(
            request
                .wait_ms
                .min(u64::try_from((approval.expires_at - now).whole_milliseconds().max(0)).unwrap_or(0)),
        );
    let requested = Outcome {
        decision: "approval_requested",
        rule: Some(request.rule.to_owned()),
        reason: Some(format!("approval {}", approval.id)),
        upstream_status: None,
    };
    if accepts_event_stream(call) {
        let response = hold_streaming(
            state,
            connection,
            call,
            request.rule,
            request.limits,
            approval,
            deadline,
            expired,
        );
        return Ok((response, requested));
    }
    let status = wait(state, connection, approval.id, deadline, |_| true).await;
    let concluded = conclude(
        state,
        connection,
        call,
        request.rule,
        &request.limits,
        &approval,
        status,
        expired,
    )
    .await;
    Ok(concluded.into_response(call.id))
}

async fn create(
    state: &GatewayState,
    connection: &Connection,
    call: &Call<'_>,
    request: &Request<'_>,
    hash: &str,
) -> Result<Approval, GatewayError> {
    let id = ApprovalId::new();
    let now = OffsetDateTime::now_utc();
    let plain = serde_json::to_vec(&call.arguments).unwrap_or_default();
    let sealed = state
        .inner
        .secret
        .seal(&plain, format!("approval-arguments:{id}").as_bytes());
    let approval = state
        .inner
        .store
        .create_approval(
            connection.server.account_id,
            NewApproval {
                id,
                server_id: connection.server.server_id,
                grant_id: connection.grant.id,
                tool: call.tool.to_owned(),
                arguments_hash: hash.to_owned(),
                arguments_sealed: Some(sealed),
                policy_id: request.policy.id,
                policy_version: request.policy.version,
                created_at: now,
                expires_at: now + Duration::from_millis(request.timeout_ms),
            },
        )
        .await
        .map_err(unavailable)?;
    tracing::info!(approval = %approval.id, tool = call.tool, "approval requested");
    let event = ChangeEvent::ApprovalRequested {
        account: approval.account_id,
        approval: approval.id,
    };
    if let Err(error) = state.inner.events.publish(event).await {
        tracing::warn!(%error, "could not announce the approval request");
    }
    Ok(approval)
}

/// Polls the approval until it is decided or `deadline` passes. `tick` is called on every keep-alive
/// interval with its count; returning false (the client went away) stops waiting.
async fn wait(
    state: &GatewayState,
    connection: &Connection,
    id: ApprovalId,
    deadline: tokio::time::Instant,
    mut tick: impl FnMut(u32) -> bool,
) -> Option<Approval> {
    let mut next_tick = tokio::time::Instant::now() + KEEP_ALIVE_EVERY;
    let mut ticks = 0;
    // Decisions arrive as events (any process); polling the store covers a lost event.
    let mut decisions = state.inner.events.subscribe();
    loop {
        match state
            .inner
            .store
            .get_approval(connection.server.account_id, id)
            .await
        {
            Ok(Some(approval)) if approval.status != ApprovalStatus::Pending => return Some(approval),
            Ok(Some(approval)) if approval.expires_at <= OffsetDateTime::now_utc() => return Some(approval),
            Ok(_) => {}
            Err(error) => tracing::warn!(%error, "cannot read the approval; still waiting"),
        }
        let now = tokio::time::Instant::now();
        if now >= deadline {
            return None;
        }
        if now >= next_tick {
            ticks += 1;
            next_tick = now + KEEP_ALIVE_EVERY;
            if !tick(ticks) {
                return None;
            }
        }
        let pause = POLL_EVERY
            .min(deadline - now)
            .min(next_tick.saturating_duration_since(now));
        let _ = tokio::time::timeout(pause, async {
            loop {
                match decisions.recv().await {
                    Ok(ChangeEvent::ApprovalDecided { approval, .. }) if approval == id => return,
                    Ok(_) => {}
                    Err(tokio::sync::broadcast::error::RecvError::Lagged(_)) => return,
                    Err(tokio::sync::broadcast::error::RecvError::Closed) => {
                        std::future::pending::<()>().await
                    }
                }
            }
        })
        .await;
    }
}

/// The end of a hold: forwarded (approved), or a refusal.
enum Concluded {
    /// Forwarded after approval: the rule that asked for it and the approval that allowed it.
    Forwarded(UpstreamResponse, Option<(String, ApprovalId)>),
    Refused(Refusal),
}

impl Concluded {
    fn approved_by(self, rule: &str, approval: ApprovalId) -> Self {
        match self {
            Concluded::Forwarded(response, _) => {
                Concluded::Forwarded(response, Some((rule.to_owned(), approval)))
            }
            refused => refused,
        }
    }

    fn into_response(self, id: &RawValue) -> (Response, Outcome) {
        match self {
            Concluded::Forwarded(response, approved) => {
                let outcome = approved_outcome(response.status().as_u16(), approved);
                (crate::upstream::relay(response, None), outcome)
            }
            Concluded::Refused(refused) => {
                let outcome = Outcome::refused(&refused);
                (refused.into_response(id), outcome)
            }
        }
    }
}

async fn forward_approved(
    state: &GatewayState,
    connection: &Connection,
    call: &Call<'_>,
    limits: &[LimitCharge],
) -> Concluded {
    match call::forward(state, connection, call, limits).await {
        Ok(response) => Concluded::Forwarded(response, None),
        Err(refused) => Concluded::Refused(refused),
    }
}

// The held call's whole context; a struct for it would only rename these parameters.
#[allow(clippy::too_many_arguments)]
async fn conclude(
    state: &GatewayState,
    connection: &Connection,
    call: &Call<'_>,
    rule: &str,
    limits: &[LimitCharge],
    approval: &Approval,
    decided: Option<Approval>,
    expired_before: Option<ApprovalId>,
) -> Concluded {
    let now = OffsetDateTime::now_utc();
    let refused = |kind, text: String| Concluded::Refused(approval_refusal(kind, rule, text, approval.id));
    match decided {
        None => match expired_before {
            Some(old) => refused(
                DecisionKind::ApprovalExpired,
                refusal::approval_renewed_text(&old.to_string(), &approval.id.to_string()),
            ),
            None => refused(
                DecisionKind::ApprovalRequested,
                refusal::approval_pending_text(&approval.id.to_string()),
            ),
        },
        Some(decided) if decided.status == ApprovalStatus::Approved => {
            match state
                .inner
                .store
                .consume_approval(connection.server.account_id, decided.id, now)
                .await
            {
                Ok(true) => forward_approved(state, connection, call, limits)
                    .await
                    .approved_by(rule, decided.id),
                // Not consumed: it ran out, or an identical call used it first (single use).
                Ok(false) if decided.expires_at <= now => refused(
                    DecisionKind::ApprovalExpired,
                    refusal::approval_expired_text(&decided.id.to_string()),
                ),
                Ok(false) => refused(
                    DecisionKind::ApprovalExpired,
                    refusal::approval_used_text(&decided.id.to_string()),
                ),
                Err(error) => {
                    tracing::error!(%error, "cannot use the approval");
                    refused(
                        DecisionKind::ApprovalRequested,
                        refusal::approval_pending_text(&decided.id.to_string()),
                    )
                }
            }
        }
        Some(decided) if decided.status == ApprovalStatus::Denied => refused(
            DecisionKind::ApprovalDenied,
            refusal::approval_denied_text(decided.note.as_deref()),
        ),
        Some(decided) => refused(
            DecisionKind::ApprovalExpired,
            refusal::approval_expired_text(&decided.id.to_string()),
        ),
    }
}

fn approved_outcome(status: u16, approved: Option<(String, ApprovalId)>) -> Outcome {
    let mut outcome = Outcome::allowed("approved", status);
    if let Some((rule, approval)) = approved {
        outcome.rule = Some(rule);
        outcome.reason = Some(format!("approved by a person (approval {approval})"));
    }
    outcome
}

fn approval_refusal(kind: DecisionKind, rule: &str, text: String, id: ApprovalId) -> Refusal {
    let mut refused = Refusal::new(kind, rule, text);
    refused.approval_id = Some(id.to_string());
    refused
}

fn accepts_event_stream(call: &Call<'_>) -> bool {
    call.headers
        .get(header::ACCEPT)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("text/event-stream"))
}

/// Answers with an event stream at once and holds the call in a task: keep-alives while waiting, then
/// the upstream's answer (or a refusal) as the stream's message.
#[allow(clippy::too_many_arguments)]
fn hold_streaming(
    state: &GatewayState,
    connection: &Connection,
    call: &Call<'_>,
    rule: &str,
    limits: Vec<LimitCharge>,
    approval: Approval,
    deadline: tokio::time::Instant,
    expired_before: Option<ApprovalId>,
) -> Response {
    let (sender, receiver) = mpsc::channel::<Result<Bytes, Infallible>>(16);
    let task = HeldCall {
        state: state.clone(),
        connection: connection.clone(),
        id: call.id.to_owned(),
        tool: call.tool.to_owned(),
        arguments: call.arguments.clone(),
        progress_token: call.progress_token.map(ToOwned::to_owned),
        body: call.body.clone(),
        headers: call.headers.clone(),
        rule: rule.to_owned(),
        limits,
        approval,
        deadline,
        expired_before,
    };
    tokio::spawn(task.run(sender));
    let stream = futures_util::stream::unfold(receiver, |mut receiver| async move {
        receiver.recv().await.map(|item| (item, receiver))
    });
    Response::builder()
        .header(header::CONTENT_TYPE, "text/event-stream")
        .header(header::CACHE_CONTROL, "no-cache")
        .body(Body::from_stream(stream))
        .unwrap_or_else(|_| Response::new(Body::empty()))
}

struct HeldCall {
    state: GatewayState,
    connection: Connection,
    id: Box<RawValue>,
    tool: String,
    arguments: Value,
    progress_token: Option<Box<RawValue>>,
    body: Bytes,
    headers: http::HeaderMap,
    rule: String,
    limits: Vec<LimitCharge>,
    approval: Approval,
    deadline: tokio::time::Instant,
    expired_before: Option<ApprovalId>,
}

impl HeldCall {
    async fn run(self, sender: mpsc::Sender<Result<Bytes, Infallible>>) {
        let started = std::time::Instant::now();
        let approval_id = self.approval.id.to_string();
        let progress_token = self.progress_token.as_ref().map(|token| token.get().to_owned());
        let tick = |count: u32| {
            let frame = match &progress_token {
                Some(token) => {
                    sse::encode_message(progress_message(token, count, &approval_id).as_bytes(), None)
                }
                None => sse::keep_alive(),
            };
            sender.try_send(Ok(frame)).is_ok() || !sender.is_closed()
        };
        let decided = wait(
            &self.state,
            &self.connection,
            self.approval.id,
            self.deadline,
            tick,
        )
        .await;
        if sender.is_closed() {
            tracing::info!(approval = %self.approval.id, "client left while waiting; the approval stays pending");
            return;
        }
        let call = Call {
            id: &self.id,
            tool: &self.tool,
            arguments: self.arguments.clone(),
            progress_token: self.progress_token.as_deref(),
            body: &self.body,
            headers: &self.headers,
        };
        let decided_something = decided.is_some();
        let concluded = conclude(
            &self.state,
            &self.connection,
            &call,
            &self.rule,
            &self.limits,
            &self.approval,
            decided,
            self.expired_before,
        )
        .await;
        match concluded {
            Concluded::Forwarded(response, approved) => {
                let status = response.status().as_u16();
                relay_into(response, &sender).await;
                call::record(
                    &self.state,
                    &self.connection,
                    &call,
                    approved_outcome(status, approved),
                    started,
                );
            }
            Concluded::Refused(refused) => {
                let outcome = Outcome::refused(&refused);
                let body = refused.into_body(&self.id);
                let _ = sender.send(Ok(sse::encode_message(&body, None))).await;
                // The hold itself was recorded as approval_requested; record what became of it.
                if decided_something {
                    call::record(&self.state, &self.connection, &call, outcome, started);
                }
            }
        }
    }
}

fn progress_message(token: &str, count: u32, approval_id: &str) -> String {
    format!(
        r#"{{"jsonrpc":"2.0","method":"notifications/progress","params":{{"progressToken":{token},"progress":{count},"message":"waiting for a person to approve this call (approval {approval_id})"}}}}"#
    )
}

/// Copies an upstream answer into the held call's event stream: SSE as it comes, JSON as one message.
async fn relay_into(response: UpstreamResponse, sender: &mpsc::Sender<Result<Bytes, Infallible>>) {
    let event_stream = crate::upstream::is_event_stream(response.headers());
    let mut stream = response.into_body().into_data_stream();
    let mut json = Vec::new();
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else { break };
        if event_stream {
            if sender.send(Ok(chunk)).await.is_err() {
                return;
            }
        } else if json.len() + chunk.len() <= MAX_RESULT_BYTES {
            json.extend_from_slice(&chunk);
        }
    }
    if !event_stream && !json.is_empty() {
        let _ = sender.send(Ok(sse::encode_message(&json, None))).await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn canonical_hash_ignores_key_order_but_not_values() {
        let a = arguments_hash(&json!({"b": 1, "a": {"y": [1, 2], "x": "s"}}));
        let b = arguments_hash(&json!({"a": {"x": "s", "y": [1, 2]}, "b": 1}));
        assert_eq!(a, b);
        assert_ne!(a, arguments_hash(&json!({"a": {"x": "s", "y": [2, 1]}, "b": 1})));
        assert_ne!(
            arguments_hash(&json!({"n": 1})),
            arguments_hash(&json!({"n": "1"}))
        );
    }
}
