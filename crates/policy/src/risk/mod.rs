//! Risk of a tool from its definition: a category, a level and the evidence that led there.
//!
//! Pure and deterministic; no regexes, only word lookups in `match` tables and substring
//! searches: the 130 tools of the allcanuse catalog (80 KB of descriptions) classify in a few
//! milliseconds in a release build, cheap enough for a page render. Annotations are hints from
//! the upstream (MCP-NOTES "Tool annotations"): they can move a level, never decide alone
//! against the name or arguments, and never make a tool that takes a command or SQL look
//! harmless.
//!
//! # Signals
//! | source | examples | effect |
//! |---|---|---|
//! | name, leading verb (first known word) | `get` `list` `read` `search` `show` `status` `wait` · `create` `write` `update` `set` `add` `append` `move` `copy` · `run` `exec` `execute` `eval` `spawn` `invoke`, and only as the leading verb `compile` `build` `install` `deploy` `launch` `restart` · `delete` `remove` `kill` `drop` `destroy` `purge` `wipe` `cancel` `terminate` `reset` · `pay` `transfer` `charge` `refund` `withdraw` | strong, its category |
//! | name, later words | `delete`/`kill`/… and `pay`/`refund`/… | strong anywhere |
//! | | `run` `exec` `execute` `eval` `spawn`; nouns `shell` `cmd` `command` `script` `sql` | strong, weak after a reading verb (`which_command`) |
//! | | other verbs | weak (2) |
//! | name, pairs | `start` + `process`/`service`/… → Execute (else Write); `stop`/`end` + `process`/`pid`/… → Destructive; `format` + `disk`/`drive`/… → Destructive (else Write); `transfer` → Financial only with money words; `create_invoice`, `cancel_payment` → Financial (`get_invoice` stays Read) | strong |
//! | name, Chinese terms (non-ASCII names) | as in descriptions | strong |
//! | arguments | `command` `cmd` `script` `shell` `sql` `code` `*_command` | Execute, strong even after a reading verb |
//! | | `query` / `statement` with a database word (`sql`, `dsn`, `sqlite`, `mysql`, …) | Execute, strong |
//! | | `overwrite`, `destination`, `output_path`, `output_dir`, `save_to`, `in_place` | Write, strong |
//! | | `content`/`data`/`new_text` beside `path`/`file`; `run_*` | weak (1) |
//! | | `iban` `account_number` `card_number`; `amount` + `currency` or money words | Financial, strong (weak after a reading verb) |
//! | description (code in backticks ignored; negated words skipped: "not", "without", 不/无/未) | English stems (`deletes`, `executes`, `returns`) and Chinese terms (执行 运行 命令 脚本 · 删除 移除 终止 杀死 清空 · 创建 写入 修改 更新 添加 设置 · 查询 获取 列出 读取 查看 · 支付 转账 金额) | weak (1 per distinct term, 2 in the first sentence; at most 3 terms per category) |
//! | annotations | `readOnlyHint=true` | weak Read (3); level notes |
//! | | `destructiveHint=true` | weak Destructive (1); raises Write and Read one level |
//!
//! # Category
//! The most dangerous category with strong evidence wins (Financial > Destructive > Execute >
//! Write > Read). Without strong evidence, the highest weak score wins (ties go to the more
//! dangerous). With no signal at all the tool is treated as Write ("assumed to change state"),
//! since an unknown effect must not be allowed by a read-only policy.
//!
//! # Level
//! | category | base | raised by | lowered by |
//! |---|---|---|---|
//! | Read | Low | secret-bearing name (`env`, `secret`, `password`, `token`, …); `destructiveHint=true` → Medium | — |
//! | Write | Medium | `overwrite` (argument or description), `url` argument, `destructiveHint=true`, `openWorldHint=true` → High | `destructiveHint=false` with `idempotentHint=true` and nothing raising → Low |
//! | Execute | High | `remote_*`/`ssh` arguments (runs on another machine) → Critical | never |
//! | Destructive | High | also executes, or wipes broadly (`recursive`, `all`, `purge`, `wipe`, `drop`, `destroy`, 清空) → Critical | never |
//! | Financial | Critical | — | never |

mod annotations;
mod arguments;
mod combine;
mod description;
mod signals;
mod tokens;
mod words;

use serde::Serialize;
use serde_json::Value;

/// What the classifier reads of one tool from a `tools/list` answer.
#[derive(Debug, Clone, Copy)]
pub struct ToolDefinition<'a> {
    pub name: &'a str,
    pub description: Option<&'a str>,
    pub input_schema: Option<&'a Value>,
    pub annotations: Option<&'a Value>,
}

impl<'a> ToolDefinition<'a> {
    /// Reads `name`, `description`, `inputSchema` and `annotations` from one tool object of a
    /// `tools/list` result; `None` if it has no string `name`.
    pub fn from_json(tool: &'a Value) -> Option<Self> {
        Some(ToolDefinition {
            name: tool.get("name")?.as_str()?,
            description: tool.get("description").and_then(Value::as_str),
            input_schema: tool.get("inputSchema"),
            annotations: tool.get("annotations"),
        })
    }
}

/// What a call to the tool can do, from least to most dangerous in [`RiskCategory::rank`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskCategory {
    Read,
    Write,
    Execute,
    Destructive,
    Financial,
}

impl RiskCategory {
    /// Danger order used to pick a category: Read 0, Write 1, Execute 2, Destructive 3,
    /// Financial 4.
    pub fn rank(self) -> u8 {
        match self {
            RiskCategory::Read => 0,
            RiskCategory::Write => 1,
            RiskCategory::Execute => 2,
            RiskCategory::Destructive => 3,
            RiskCategory::Financial => 4,
        }
    }

    pub(crate) const ALL: [RiskCategory; 5] = [
        RiskCategory::Read,
        RiskCategory::Write,
        RiskCategory::Execute,
        RiskCategory::Destructive,
        RiskCategory::Financial,
    ];
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RiskLevel {
    Low,
    Medium,
    High,
    Critical,
}

/// The classification shown beside a tool, with short human-readable reasons.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Risk {
    pub category: RiskCategory,
    pub level: RiskLevel,
    pub evidence: Vec<String>,
}

/// Classifies one tool. See the module documentation for the signals and how they combine.
pub fn classify(tool: &ToolDefinition) -> Risk {
    let findings = signals::collect(tool);
    let hints = annotations::Hints::read(tool.annotations);
    combine::decide(&findings, &hints)
}
