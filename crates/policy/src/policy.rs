//! The compiled policy: everything evaluation needs, resolved and allocated once.

use std::cmp::Reverse;
use std::collections::HashMap;
use std::sync::Arc;

use crate::decision::DefaultAction;
use crate::glob::{Glob, NameSet};
use crate::limit::ChargeTemplate;
use crate::tool::ToolRule;

/// A validated policy ready to evaluate calls. Immutable, `Send + Sync`: the gateway shares it
/// through an `Arc`.
#[derive(Debug)]
pub struct CompiledPolicy {
    pub(crate) default_action: DefaultAction,
    pub(crate) pin_tools: bool,
    pub(crate) hide: NameSet,
    pub(crate) tools: ToolTable,
    /// Charges for a tool without a rule under `default: allow`.
    pub(crate) all_tools_charges: Vec<ChargeTemplate>,
    pub(crate) default_deny_rule: Arc<str>,
}

impl CompiledPolicy {
    /// Whether `tools/list` shows the tool: not when hidden, nor when `default: deny` has no
    /// rule for it. A tool with `action: deny` stays listed so the agent learns the reason.
    pub fn lists_tool(&self, name: &str) -> bool {
        if self.hide.contains(name) {
            return false;
        }
        match self.default_action {
            DefaultAction::Allow => true,
            DefaultAction::Deny => self.tools.lookup(name).is_some(),
        }
    }

    /// `pin_tools`: refuse a tool whose definition changed since it was accepted.
    pub fn pin_tools(&self) -> bool {
        self.pin_tools
    }

    pub fn default_action(&self) -> DefaultAction {
        self.default_action
    }
}

/// Tool rules by key: exact names hashed, globs kept in precedence order.
#[derive(Debug, Default)]
pub(crate) struct ToolTable {
    rules: Vec<ToolRule>,
    exact: HashMap<Box<str>, usize>,
    globs: Vec<(Glob, usize)>,
}

impl ToolTable {
    /// Adds a rule; call in document order, since that order breaks precedence ties.
    pub(crate) fn insert(&mut self, key: &str, rule: ToolRule) {
        let index = self.rules.len();
        self.rules.push(rule);
        if Glob::is_glob(key) {
            self.globs.push((Glob::new(key), index));
        } else {
            self.exact.insert(Box::from(key), index);
        }
    }

    /// Sorts globs by precedence: longer literal prefix, then more literal characters, then
    /// document order.
    pub(crate) fn finish(&mut self) {
        self.globs.sort_by_key(|(glob, index)| {
            (
                Reverse(glob.literal_prefix()),
                Reverse(glob.literal_len()),
                *index,
            )
        });
    }

    /// The rule for a tool: its exact key if there is one, else the first matching glob.
    pub(crate) fn lookup(&self, name: &str) -> Option<&ToolRule> {
        let index = self.exact.get(name).copied().or_else(|| {
            self.globs
                .iter()
                .find(|(glob, _)| glob.matches(name))
                .map(|(_, index)| *index)
        })?;
        self.rules.get(index)
    }
}
