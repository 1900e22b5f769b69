//! The metrics recorded on every call, as handles registered once per process.
//!
//! `metrics::counter!("…", "decision" => kind)` builds its key (a label vector) and looks it up in the
//! recorder's registry each time it runs; a handle taken once goes straight to its atomic. A handle is
//! taken at the first call, after the process installed its recorder (`/metrics` is set up before it
//! serves); one taken with no recorder installed counts nowhere, as the macro would.

use std::sync::{LazyLock, OnceLock};

use metrics::{Counter, Histogram};

/// Every decision a `tools/call` can end in (`toolgate_gateway_calls_total{decision}`).
const DECISIONS: [&str; 8] = [
    "allowed",
    "hidden",
    "denied",
    "rate_limited",
    "approval_requested",
    "approval_denied",
    "approval_expired",
    "upstream_error",
];

static DECISION_COUNTERS: [OnceLock<Counter>; DECISIONS.len()] = [const { OnceLock::new() }; DECISIONS.len()];

static UPSTREAM_SECONDS: LazyLock<Histogram> =
    LazyLock::new(|| metrics::histogram!("toolgate_gateway_upstream_seconds"));

static AUDIT_EVENTS: LazyLock<Counter> = LazyLock::new(|| metrics::counter!("toolgate_audit_events_total"));

/// Counts one gateway decision on a `tools/call` (Prometheus `toolgate_gateway_calls_total`).
pub(crate) fn record_decision(decision: &'static str) {
    match DECISIONS.iter().position(|known| *known == decision) {
        Some(index) => DECISION_COUNTERS[index]
            .get_or_init(|| metrics::counter!("toolgate_gateway_calls_total", "decision" => decision))
            .increment(1),
        None => metrics::counter!("toolgate_gateway_calls_total", "decision" => decision).increment(1),
    }
}

/// How long a forwarded call's upstream took to answer (its head).
pub(crate) fn record_upstream_seconds(seconds: f64) {
    UPSTREAM_SECONDS.record(seconds);
}

/// One audit event recorded (queued or not).
pub(crate) fn record_audit_event() {
    AUDIT_EVENTS.increment(1);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::refusal::DecisionKind;

    #[test]
    fn every_decision_kind_has_a_handle() {
        for kind in [
            DecisionKind::Denied,
            DecisionKind::RateLimited,
            DecisionKind::ApprovalRequested,
            DecisionKind::ApprovalDenied,
            DecisionKind::ApprovalExpired,
            DecisionKind::UpstreamError,
        ] {
            assert!(DECISIONS.contains(&kind.as_str()), "{}", kind.as_str());
        }
    }
}
