//! The four MCP tool annotations, read as hints. Only values the upstream actually sent count:
//! an absent hint is "unknown", not its protocol default.

use serde_json::Value;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Hints {
    pub read_only: Option<bool>,
    pub destructive: Option<bool>,
    pub idempotent: Option<bool>,
    pub open_world: Option<bool>,
}

impl Hints {
    pub(crate) fn read(annotations: Option<&Value>) -> Hints {
        let flag = |key: &str| {
            annotations
                .and_then(|value| value.get(key))
                .and_then(Value::as_bool)
        };
        Hints {
            read_only: flag("readOnlyHint"),
            destructive: flag("destructiveHint"),
            idempotent: flag("idempotentHint"),
            open_world: flag("openWorldHint"),
        }
    }

    /// `destructiveHint` only means something for a tool that does not claim to be read-only.
    pub(crate) fn claims_destructive(&self) -> bool {
        self.destructive == Some(true) && self.read_only != Some(true)
    }

    pub(crate) fn claims_read_only(&self) -> bool {
        self.read_only == Some(true)
    }
}
