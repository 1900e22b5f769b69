//! Deciding one `tools/call` (ARCHITECTURE §4, steps 1–5; the gateway does limits and
//! forwarding). Runs on the gateway's hot path: everything it returns was built at compile time
//! except the `Vec` of charges and a default-deny reason.

use std::sync::Arc;

use serde_json::Value;

use crate::decision::{Decision, DefaultAction, LimitCharge, RefusalKind};
use crate::limit::ChargeTemplate;
use crate::policy::{CompiledPolicy, Found};
use crate::rules::ArgRule;
use crate::tool::Action;

impl CompiledPolicy {
    /// Decides a call to `tool` with `arguments` (`Value::Null` when the call has none).
    /// The first refusal wins, in this order: hide, default deny, `action: deny`, `deny_if`,
    /// `require`, a bad `increment_from` argument; then approval or allow, with the charges.
    pub fn evaluate(&self, tool: &str, arguments: &Value) -> Decision {
        let rule = match self.find(tool) {
            Found::Hidden => return Decision::Hidden,
            Found::Rule(rule) => rule,
            Found::NoRule => return self.without_rule(tool, arguments),
        };
        if let Action::Deny { reason } = &rule.action {
            return Decision::Refused {
                rule: rule.pointer.clone(),
                reason: reason.clone(),
                kind: RefusalKind::Denied,
            };
        }
        // deny_if first: its message is the more specific one.
        if let Some(matched) = rule.deny_if.iter().find(|deny_if| deny_if.all_hold(arguments)) {
            return refused_by(matched);
        }
        if let Some(failed) = rule.require.iter().find(|require| !require.all_hold(arguments)) {
            return refused_by(failed);
        }
        let limits = match charges(&rule.charges, arguments) {
            Ok(limits) => limits,
            Err(refusal) => return refusal,
        };
        match rule.action {
            Action::RequireApproval { timeout_ms, wait_ms } => Decision::RequireApproval {
                rule: rule.pointer.clone(),
                timeout_ms,
                wait_ms,
                limits,
            },
            Action::Allow | Action::Deny { .. } => Decision::Allow { limits },
        }
    }
}

impl CompiledPolicy {
    /// A tool no key of `tools` names: refused under `default: deny`, else charged the
    /// `all_tools` limits.
    fn without_rule(&self, tool: &str, arguments: &Value) -> Decision {
        match self.default_action {
            DefaultAction::Deny => Decision::Refused {
                rule: self.default_deny_rule.clone(),
                reason: Arc::from(format!("the tool {tool:?} is not allowed by this policy")),
                kind: RefusalKind::DefaultDeny,
            },
            DefaultAction::Allow => match charges(&self.all_tools_charges, arguments) {
                Ok(limits) => Decision::Allow { limits },
                Err(refusal) => refusal,
            },
        }
    }
}

fn refused_by(rule: &ArgRule) -> Decision {
    Decision::Refused {
        rule: rule.pointer.clone(),
        reason: rule.on_deny.clone(),
        kind: RefusalKind::Condition,
    }
}

fn charges(templates: &[ChargeTemplate], arguments: &Value) -> Result<Vec<LimitCharge>, Decision> {
    let mut limits = Vec::with_capacity(templates.len());
    for template in templates {
        limits.push(template.charge(arguments)?);
    }
    Ok(limits)
}
