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
        match self.find(name) {
            Found::Hidden => false,
            Found::Rule(_) => true,
            Found::NoRule => self.default_action == DefaultAction::Allow,
        }
    }

    /// `pin_tools`: refuse a tool whose definition changed since it was accepted.
    pub fn pin_tools(&self) -> bool {
        self.pin_tools
    }

    pub fn default_action(&self) -> DefaultAction {
        self.default_action
    }

    /// Whether the tool is hidden, else its rule. An exact name (a `tools` key or a `hide`
    /// entry) costs one hash lookup, because whether `hide` covers a `tools` key was settled at
    /// compile time; any other name then goes through the `hide` globs and the `tools` globs.
    pub(crate) fn find(&self, name: &str) -> Found<'_> {
        if let Some(exact) = self.tools.exact(name) {
            return exact;
        }
        if self.hide.matches_glob(name) {
            return Found::Hidden;
        }
        match self.tools.glob_lookup(name) {
            Some(rule) => Found::Rule(rule),
            None => Found::NoRule,
        }
    }
}

/// What [`CompiledPolicy::find`] knows about a tool name.
pub(crate) enum Found<'a> {
    Hidden,
    Rule(&'a ToolRule),
    NoRule,
}

/// Tool rules by key: exact names hashed (together with the exact `hide` entries), globs kept
/// in precedence order.
#[derive(Debug, Default)]
pub(crate) struct ToolTable {
    rules: Vec<ToolRule>,
    exact: HashMap<Box<str>, ExactName>,
    globs: Vec<(Glob, usize)>,
}

/// An exact name: a `tools` key with its rule, or an exact `hide` entry (without one), and
/// whether `hide` covers the name (hide wins over any rule).
#[derive(Debug, Clone, Copy)]
struct ExactName {
    rule: Option<usize>,
    hidden: bool,
}

impl ToolTable {
    /// Adds a rule; call in document order, since that order breaks precedence ties.
    pub(crate) fn insert(&mut self, key: &str, rule: ToolRule) {
        let index = self.rules.len();
        self.rules.push(rule);
        if Glob::is_glob(key) {
            self.globs.push((Glob::new(key), index));
        } else {
            let name = ExactName {
                rule: Some(index),
                hidden: false,
            };
            self.exact.insert(Box::from(key), name);
        }
    }

    /// Merges `hide` into the exact names (so a lookup is one hash) and sorts globs by
    /// precedence: longer literal prefix, then more literal characters, then document order.
    pub(crate) fn finish(&mut self, hide: &NameSet) {
        for (name, entry) in &mut self.exact {
            entry.hidden = hide.contains(name);
        }
        for name in hide.exact_names() {
            let hidden = ExactName {
                rule: None,
                hidden: true,
            };
            self.exact.entry(Box::from(name)).or_insert(hidden);
        }
        self.globs.sort_by_key(|(glob, index)| {
            (
                Reverse(glob.literal_prefix()),
                Reverse(glob.literal_len()),
                *index,
            )
        });
    }

    /// What an exact name decides, or `None` when the name is not one.
    fn exact(&self, name: &str) -> Option<Found<'_>> {
        let entry = self.exact.get(name)?;
        if entry.hidden {
            return Some(Found::Hidden);
        }
        // Every entry that is not hidden came from a `tools` key, so it has a rule.
        entry
            .rule
            .and_then(|index| self.rules.get(index))
            .map(Found::Rule)
    }

    /// The rule of the first glob matching a name that has no exact key.
    fn glob_lookup(&self, name: &str) -> Option<&ToolRule> {
        let (_, index) = self.globs.iter().find(|(glob, _)| glob.matches(name))?;
        self.rules.get(*index)
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// `find` merges `hide` into the exact names; it must decide as "hide first, then the rule".
    #[test]
    fn find_agrees_with_hide_then_lookup() {
        let document = json!({
            "version": "1",
            "default": "deny",
            "hide": ["secret", "gone", "debug_*", "get_se*"],
            "tools": {"secret": {}, "debug_dump": {}, "read": {}, "get_*": {}, "get_secret*": {}, "x*": {}}
        });
        let compiled = crate::compile(&document).expect("valid");
        let names = [
            "secret",
            "gone",
            "debug_dump",
            "debug_",
            "read",
            "get_x",
            "get_secret",
            "get_sx",
            "xy",
            "x",
            "other",
            "",
        ];
        for name in names {
            let expected = if compiled.hide.contains(name) {
                "hidden".to_owned()
            } else {
                let rule = compiled.tools.exact.get(name).and_then(|entry| entry.rule);
                let rule = rule.or_else(|| {
                    let (_, index) = compiled.tools.globs.iter().find(|(glob, _)| glob.matches(name))?;
                    Some(*index)
                });
                rule.map_or("none".to_owned(), |index| {
                    compiled.tools.rules[index].pointer.to_string()
                })
            };
            let found = match compiled.find(name) {
                Found::Hidden => "hidden".to_owned(),
                Found::Rule(rule) => rule.pointer.to_string(),
                Found::NoRule => "none".to_owned(),
            };
            assert_eq!(found, expected, "{name}");
        }
        assert!(matches!(compiled.find("gone"), Found::Hidden));
        assert!(matches!(compiled.find("get_x"), Found::Rule(rule) if &*rule.pointer == "/tools/get_*"));
    }
}
