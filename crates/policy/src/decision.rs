//! What evaluation answers, and the limit charges the gateway reserves afterwards.

use std::sync::Arc;

/// The outcome of evaluating one `tools/call` (ARCHITECTURE §4, steps 1–5).
#[derive(Debug, Clone, PartialEq)]
pub enum Decision {
    /// The tool is in `hide`: answer as if it did not exist.
    Hidden,
    /// The call is refused. `rule` is a JSON pointer into the policy or `(default deny)`;
    /// `reason` is the policy's own text (the gateway adds "Refused by policy: ").
    Refused {
        rule: Arc<str>,
        reason: Arc<str>,
        kind: RefusalKind,
    },
    /// A human must approve the call; `limits` are reserved once it is approved.
    RequireApproval {
        rule: Arc<str>,
        timeout_ms: u64,
        wait_ms: u64,
        limits: Vec<LimitCharge>,
    },
    /// The call may go ahead once `limits` are reserved (all or nothing).
    Allow { limits: Vec<LimitCharge> },
}

impl Decision {
    /// The rule that decided: a JSON pointer, `(default deny)` or `(hidden)`; `""` for
    /// [`Decision::Allow`], which names no single rule.
    pub fn rule(&self) -> &str {
        match self {
            Decision::Hidden => "(hidden)",
            Decision::Refused { rule, .. } | Decision::RequireApproval { rule, .. } => rule,
            Decision::Allow { .. } => "",
        }
    }
}

/// Why a call was refused, so the gateway can word its answer and count it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefusalKind {
    /// No rule for the tool under `default: deny`.
    DefaultDeny,
    /// The tool's rule has `action: deny`.
    Denied,
    /// A `deny_if` rule matched or a `require` rule failed.
    Condition,
    /// The argument named by a limit's `increment_from` is not a non-negative number.
    BadArgument,
}

/// One limit to reserve for a call: `amount` units of `counter` (at most `max` per `window_ms`).
#[derive(Debug, Clone, PartialEq)]
pub struct LimitCharge {
    /// Pointer to the limit, e.g. `/all_tools/limits/0` or `/tools/x/limits/1`.
    pub rule: Arc<str>,
    pub counter: Arc<str>,
    pub window_ms: u64,
    pub max: u64,
    pub scope: Scope,
    pub amount: u64,
    pub on_counter_error: OnCounterError,
}

/// Whose calls share one count.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scope {
    Grant,
    Server,
    Account,
}

/// What the gateway does when the shared counter store cannot be reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OnCounterError {
    /// Refuse the call.
    Closed,
    /// Let the call through uncounted.
    Open,
    /// Count in process instead.
    Local,
}

/// What happens to a tool without a rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DefaultAction {
    Allow,
    Deny,
}
