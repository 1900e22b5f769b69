//! The policy document v1: parse, validate (JSON-pointer errors), compile once, evaluate a call.
//!
//! Pure: no IO, no async. The gateway compiles a document once per saved version, shares the
//! [`CompiledPolicy`] through an `Arc`, and calls [`CompiledPolicy::evaluate`] on every `tools/call`.
//! ARCHITECTURE.md §4 and §5 are the contract; the points below are where it is silent.
//!
//! # Document
//! - `version` ("1") and `default` ("allow" | "deny") are both required, as in PolicyLayer's
//!   published format: a missing `default` is an error rather than a silent allow-everything.
//! - Unknown fields are errors everywhere. Duplicate object keys in policy text are syntax
//!   errors (a second `"run_shell"` would otherwise silently replace the first).
//! - `reason` is only accepted with `action: "deny"` and `approval` only with
//!   `action: "require_approval"`: without the action they would silently do nothing, and a
//!   policy author who wrote them meant to restrict the tool. `require`, `deny_if` and `limits`
//!   are accepted (and validated) under every action.
//! - A deny without `reason` (or a blank one) and a rule without `on_deny` get a default text.
//! - Durations (`approval.timeout`, `approval.wait`): a number of seconds, or a string of one or
//!   more `<number><unit>` parts with units `ms`, `s`, `m`, `h`, `d` (`"10m"`, `"1h30m"`).
//!   `timeout` must be above zero and at most 24h (default 10m); `wait` is 0..=10m (default 25s)
//!   and is clamped to `timeout`, since holding a call past its expiry serves no one.
//! - `window`: "second" | "minute" | "hour" | "day", a whole number of seconds, or a duration
//!   string of whole seconds ("5m"); between 1 second and 31 days.
//! - `max`: a positive whole number up to 2^53 - 1, because the Redis counter script counts in
//!   Lua doubles.
//! - `increment_from` is not accepted in `all_tools.limits`: most tools lack any given argument,
//!   so every call to them would be refused.
//! - A counter name used again with a different window or scope is an error at the later
//!   occurrence's `window` / `scope` field (document order: `all_tools`, then `tools`). A
//!   different `max` or `on_counter_error` is fine: each limit checks its own `max` against the
//!   shared count. The same counter twice for one call is charged twice.
//! - `conditions` must hold at least one condition: an empty AND would always hold, which makes
//!   a `deny_if` refuse everything and a `require` check nothing.
//!
//! # Tool names
//! - Keys of `tools` and entries of `hide` are exact names or `*` globs (`*` matches any run of
//!   characters, including none; every other character is literal). An exact key wins over any
//!   glob; among globs the longer literal prefix (characters before the first `*`) wins, then
//!   the one with more literal characters, then the one written first.
//!
//! # Paths
//! - `args` alone names the whole `arguments` object; `args.a.b`, `args.items[0].name` and
//!   `args["key.with.dots"]` descend. A dot segment made of digits also indexes an array
//!   (`args.items.0`). Whitespace is not allowed in dot segments (use the bracket form).
//!
//! # Conditions
//! - An argument that is absent satisfies nothing: every op is false for a missing path except
//!   `exists: false`. This includes `neq` and `not_in`, so a `require` can never be met by leaving
//!   an argument out; a `deny_if` only matches values that are present (add a
//!   `require ... exists` to refuse calls that omit the argument). This is the safer choice for
//!   the allowlist form (`require`), which is how restrictions are usually written.
//! - A JSON `null` is a value for `eq`/`neq`/`in`/`not_in`, but does not count for `exists`
//!   (upstreams usually treat `null` as omitted).
//! - `eq`, `neq`, `in`, `not_in` and array `contains` compare JSON values structurally, with
//!   numbers compared by value (`1` equals `1.0`).
//! - `lt`, `lte`, `gt`, `gte` need a number in the policy. The argument may be a number or a
//!   string holding a JSON number (`"15000"`): many upstreams coerce such strings, and a
//!   `deny_if amount gt 10000` must not be bypassed by quoting. Anything else does not hold.
//! - `regex` searches (unanchored) string arguments only; `contains` is substring search on
//!   strings and element equality on arrays; other argument types do not hold.
//! - `exists` takes a boolean (`true` if absent).
//!
//! # Evaluation
//! - Order: hide, default deny, `action: deny`, `deny_if` (first match), `require` (first that
//!   fails), then limit amounts, then `require_approval`. A bad `increment_from` argument is
//!   refused before asking for approval: a human should not approve a call that cannot run.
//! - `increment_from` must resolve to a non-negative number (or numeric string); fractions are
//!   rounded up so that a budget is never under-counted.
//! - [`Decision::Allow`] names no rule: [`Decision::rule`] returns `""` for it.

mod condition;
mod decision;
mod document;
mod duration;
mod error;
mod evaluate;
mod fields;
mod glob;
mod limit;
mod path;
mod pointer;
mod policy;
pub mod recommend;
mod regexes;
pub mod risk;
mod rules;
mod strict_json;
mod tool;
mod value_ops;
mod window;

pub use decision::{Decision, DefaultAction, LimitCharge, OnCounterError, RefusalKind, Scope};
pub use error::PolicyError;
pub use policy::CompiledPolicy;

/// Validates and compiles a policy document, reporting every error found (not just the first).
pub fn compile(document: &serde_json::Value) -> Result<CompiledPolicy, Vec<PolicyError>> {
    document::compile(document)
}

/// Parses policy text, then compiles it. A JSON syntax error (including a duplicate key) is one
/// [`PolicyError`] with pointer `""` and its line and column set.
pub fn compile_str(text: &str) -> Result<CompiledPolicy, Vec<PolicyError>> {
    let document = strict_json::parse(text).map_err(|error| vec![error])?;
    compile(&document)
}
