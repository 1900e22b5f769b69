//! The line of a JSON pointer in policy text as the user wrote it, so that the no-JS editor can show
//! "line 12" beside a validation error (the JS editor does the same in `static/js/policy-json-lines.js`).
//! The text has already been parsed, so this scanner only has to find its way, not to judge.

/// The 1-based line where the value (or object key) named by `pointer` starts; for a pointer into
/// something absent, the line of its nearest present ancestor.
pub fn line_of(text: &str, pointer: &str) -> usize {
    let target: Vec<String> = if pointer.is_empty() {
        Vec::new()
    } else {
        pointer
            .split('/')
            .skip(1)
            .map(|segment| segment.replace("~1", "/").replace("~0", "~"))
            .collect()
    };
    let mut scanner = Scanner {
        bytes: text.as_bytes(),
        at: 0,
    };
    scanner.skip_space();
    let mut line_start = scanner.at;
    for segment in &target {
        match scanner.enter(segment) {
            Some(found_at) => line_start = found_at,
            None => break,
        }
    }
    text.as_bytes()[..line_start.min(text.len())]
        .iter()
        .filter(|&&byte| byte == b'\n')
        .count()
        + 1
}

struct Scanner<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl Scanner<'_> {
    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    /// From the start of an object or array, moves to the start of its child `segment`;
    /// answers where the child's key (or element) starts.
    fn enter(&mut self, segment: &str) -> Option<usize> {
        match self.peek()? {
            b'{' => self.enter_object(segment),
            b'[' => self.enter_array(segment.parse().ok()?),
            _ => None,
        }
    }

    fn enter_object(&mut self, segment: &str) -> Option<usize> {
        self.at += 1;
        loop {
            self.skip_space();
            if self.peek()? != b'"' {
                return None;
            }
            let key_at = self.at;
            let key = self.string()?;
            self.skip_space();
            if self.peek()? != b':' {
                return None;
            }
            self.at += 1;
            self.skip_space();
            if key == segment {
                return Some(key_at);
            }
            self.skip_value()?;
            self.skip_space();
            if self.peek()? != b',' {
                return None;
            }
            self.at += 1;
        }
    }

    fn enter_array(&mut self, index: usize) -> Option<usize> {
        self.at += 1;
        for _ in 0..index {
            self.skip_space();
            self.skip_value()?;
            self.skip_space();
            if self.peek()? != b',' {
                return None;
            }
            self.at += 1;
        }
        self.skip_space();
        if self.peek()? == b']' {
            return None;
        }
        Some(self.at)
    }

    /// A string token, decoded by serde_json (escapes included).
    fn string(&mut self) -> Option<String> {
        let start = self.at;
        self.at += 1;
        while self.peek()? != b'"' {
            if self.peek()? == b'\\' {
                self.at += 1;
            }
            self.at += 1;
        }
        self.at += 1;
        let raw = std::str::from_utf8(&self.bytes[start..self.at]).ok()?;
        serde_json::from_str(raw).ok()
    }

    fn skip_value(&mut self) -> Option<()> {
        match self.peek()? {
            b'"' => self.string().map(|_| ()),
            b'{' | b'[' => {
                let mut depth = 0usize;
                loop {
                    match self.peek()? {
                        b'"' => {
                            self.string()?;
                            continue;
                        }
                        b'{' | b'[' => depth += 1,
                        b'}' | b']' => {
                            depth -= 1;
                            if depth == 0 {
                                self.at += 1;
                                return Some(());
                            }
                        }
                        _ => {}
                    }
                    self.at += 1;
                }
            }
            _ => {
                while !matches!(
                    self.peek(),
                    None | Some(b',' | b'}' | b']' | b' ' | b'\n' | b'\r' | b'\t')
                ) {
                    self.at += 1;
                }
                Some(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn finds_pointers_in_pretty_text() {
        let document = json!({
            "version": "1",
            "default": "deny",
            "hide": ["a", "b/c"],
            "tools": {"run_shell": {"require": [{"conditions": [{"path": "args.command", "op": "regex", "value": "["}]}]}}
        });
        let text = serde_json::to_string_pretty(&document).expect("json");
        let lines: Vec<&str> = text.lines().collect();
        let at = |pointer: &str| lines[line_of(&text, pointer) - 1];
        assert!(at("/default").contains("\"default\""));
        assert!(at("/hide/1").contains("\"b/c\""));
        assert!(at("/tools/run_shell/require/0/conditions/0/value").contains("\"value\": \"[\""));
        assert!(
            at("/tools/run_shell/require/0/on_deny")
                .trim_start()
                .starts_with('{'),
            "absent: its parent"
        );
        assert_eq!(line_of(&text, ""), 1);
    }

    #[test]
    fn hand_formatted_text_and_escaped_keys() {
        let text = "{\"a~b\": 1,\n \"x/y\": {\"k\": [1,\n 2, {\"z\": \"}\"}]}}";
        assert_eq!(line_of(text, "/a~0b"), 1);
        assert_eq!(line_of(text, "/x~1y"), 2);
        assert_eq!(line_of(text, "/x~1y/k/2/z"), 3);
        assert_eq!(line_of(text, "/missing"), 1);
        assert_eq!(line_of(text, "/x~1y/k/9"), 2, "past the end: the array's line");
    }

    #[test]
    fn never_panics_on_broken_text() {
        for text in ["", "{", "{\"a\"", "[1,", "{\"a\": \"\\", "\"x\"", "{\"a\": [}"] {
            let _ = line_of(text, "/a/0/b");
        }
    }
}
