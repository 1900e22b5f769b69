//! Argument paths: `args`, `args.a.b`, `args.items[0].name`, `args["key.with.dots"]`.
//! Parsed once at compile time into segments; resolving one is a walk without allocation.

use serde_json::{Map, Value};

/// Up to this many members, finding one by comparing names beats hashing the name (call
/// arguments are usually a handful of members).
const SCAN_MEMBERS_UP_TO: usize = 8;

#[derive(Debug, Clone)]
enum Segment {
    /// `.name` or `["name"]`: an object member.
    Key(Box<str>),
    /// `.0`: an object member named "0", or element 0 of an array.
    KeyOrIndex(Box<str>, usize),
    /// `[0]`: an array element.
    Index(usize),
}

#[derive(Debug, Clone)]
pub(crate) struct ArgPath {
    segments: Vec<Segment>,
}

impl ArgPath {
    pub(crate) fn parse(text: &str) -> Result<Self, String> {
        let Some(mut rest) = text.strip_prefix("args") else {
            return Err(format!(
                "path must start with \"args\", e.g. \"args.command\" (got {text:?})"
            ));
        };
        let mut segments = Vec::new();
        while !rest.is_empty() {
            let (segment, after) = if let Some(after_dot) = rest.strip_prefix('.') {
                dot_segment(after_dot)?
            } else if let Some(after_bracket) = rest.strip_prefix('[') {
                bracket_segment(after_bracket)?
            } else {
                return Err(format!("expected \".\" or \"[\" in path {text:?}"));
            };
            segments.push(segment);
            rest = after;
        }
        Ok(Self { segments })
    }

    /// True for `args` itself, which names the whole arguments object.
    pub(crate) fn is_root(&self) -> bool {
        self.segments.is_empty()
    }

    /// The value at this path, or `None` if any step is missing or of the wrong kind.
    pub(crate) fn resolve<'v>(&self, arguments: &'v Value) -> Option<&'v Value> {
        let mut current = arguments;
        for segment in &self.segments {
            current = match (segment, current) {
                (Segment::Key(key) | Segment::KeyOrIndex(key, _), Value::Object(members)) => {
                    member(members, key)?
                }
                (Segment::Index(index) | Segment::KeyOrIndex(_, index), Value::Array(items)) => {
                    items.get(*index)?
                }
                _ => return None,
            };
        }
        Some(current)
    }
}

/// The member named `key`. Object keys are unique, so scanning finds what a lookup would.
fn member<'v>(members: &'v Map<String, Value>, key: &str) -> Option<&'v Value> {
    if members.len() > SCAN_MEMBERS_UP_TO {
        return members.get(key);
    }
    members
        .iter()
        .find(|(name, _)| name.as_str() == key)
        .map(|(_, value)| value)
}

fn dot_segment(text: &str) -> Result<(Segment, &str), String> {
    let end = text.find(['.', '[']).unwrap_or(text.len());
    let (name, rest) = text.split_at(end);
    if name.is_empty() {
        return Err("empty name after \".\" in path".to_owned());
    }
    if name.contains(|c: char| c.is_whitespace() || c == ']' || c == '"') {
        return Err(format!(
            "invalid name {name:?} in path (write args[\"...\"] for such names)"
        ));
    }
    let segment = match name.parse::<usize>() {
        Ok(index) if name.bytes().all(|byte| byte.is_ascii_digit()) => {
            Segment::KeyOrIndex(Box::from(name), index)
        }
        _ => Segment::Key(Box::from(name)),
    };
    Ok((segment, rest))
}

fn bracket_segment(text: &str) -> Result<(Segment, &str), String> {
    if let Some(quoted) = text.strip_prefix('"') {
        let Some(end) = quoted.find("\"]") else {
            return Err("unterminated [\"...\"] in path".to_owned());
        };
        let name = &quoted[..end];
        if name.contains('"') {
            return Err("a quoted path name cannot contain '\"'".to_owned());
        }
        return Ok((Segment::Key(Box::from(name)), &quoted[end + 2..]));
    }
    let Some(end) = text.find(']') else {
        return Err("unterminated \"[\" in path".to_owned());
    };
    let digits = &text[..end];
    let index = match digits.parse::<usize>() {
        Ok(index) if !digits.is_empty() && digits.bytes().all(|byte| byte.is_ascii_digit()) => index,
        _ => {
            return Err(format!(
                "array index must be a non-negative integer (got {digits:?})"
            ));
        }
    };
    Ok((Segment::Index(index), &text[end + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn resolve(path: &str, arguments: &Value) -> Option<Value> {
        ArgPath::parse(path)
            .expect("valid path")
            .resolve(arguments)
            .cloned()
    }

    #[test]
    fn resolves_both_path_forms() {
        let arguments = json!({
            "command": "ls",
            "a": {"b": 1},
            "items": [{"name": "first"}, {"name": "second"}],
            "key.with.dots": true,
            "0": "zero"
        });
        assert_eq!(resolve("args", &arguments), Some(arguments.clone()));
        assert_eq!(resolve("args.command", &arguments), Some(json!("ls")));
        assert_eq!(resolve("args.a.b", &arguments), Some(json!(1)));
        assert_eq!(resolve("args.items[1].name", &arguments), Some(json!("second")));
        assert_eq!(resolve("args.items.0.name", &arguments), Some(json!("first")));
        assert_eq!(resolve("args[\"key.with.dots\"]", &arguments), Some(json!(true)));
        assert_eq!(resolve("args.0", &arguments), Some(json!("zero")));
        assert_eq!(resolve("args.items[2].name", &arguments), None);
        assert_eq!(resolve("args.command.x", &arguments), None);
        assert_eq!(resolve("args.a[0]", &arguments), None);
        assert_eq!(resolve("args.missing", &arguments), None);
        assert_eq!(resolve("args.x", &Value::Null), None);
    }

    #[test]
    fn finds_members_in_small_and_large_objects() {
        for size in [1, SCAN_MEMBERS_UP_TO, SCAN_MEMBERS_UP_TO + 1, 40] {
            let members: Map<String, Value> = (0..size).map(|n| (format!("k{n}"), json!(n))).collect();
            let arguments = Value::Object(members);
            for n in [0, size / 2, size - 1] {
                assert_eq!(
                    resolve(&format!("args.k{n}"), &arguments),
                    Some(json!(n)),
                    "{size}"
                );
            }
            assert_eq!(resolve("args.k", &arguments), None, "{size}");
            assert_eq!(resolve(&format!("args.k{size}"), &arguments), None, "{size}");
        }
    }

    #[test]
    fn rejects_malformed_paths() {
        for path in [
            "",
            "arg.x",
            "arguments.x",
            "argsx",
            "args.",
            "args..a",
            "args[",
            "args[]",
            "args[-1]",
            "args[+1]",
            "args[a]",
            "args[\"x]",
            "args.a b",
            "args.a]",
            "args x",
            "args[99999999999999999999999]",
        ] {
            assert!(ArgPath::parse(path).is_err(), "{path:?} should be rejected");
        }
        assert!(ArgPath::parse("args").expect("root").is_root());
        assert!(ArgPath::parse("args.file-path").is_ok());
    }
}
