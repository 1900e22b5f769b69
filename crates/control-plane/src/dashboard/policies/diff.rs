//! A line diff of two pretty-printed policy versions for the history page: longest common
//! subsequence of lines, shown as hunks with a few lines of context.

use serde_json::Value;

/// Lines of context around each change.
const CONTEXT: usize = 2;
/// Above this many lines on both sides (a product of the two), the LCS table would be large: the
/// diff falls back to "everything removed, everything added", still correct, just less precise.
const LARGEST_TABLE: usize = 4_000_000;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    Same,
    Added,
    Removed,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DiffLine {
    pub change: Change,
    pub text: String,
}

impl DiffLine {
    /// `"+"`, `"-"` or `" "`: the marker shown before the line.
    pub fn marker(&self) -> &'static str {
        match self.change {
            Change::Same => " ",
            Change::Added => "+",
            Change::Removed => "-",
        }
    }

    /// The CSS class of the line.
    pub fn class(&self) -> &'static str {
        match self.change {
            Change::Same => "diff-line",
            Change::Added => "diff-line diff-add",
            Change::Removed => "diff-line diff-del",
        }
    }
}

/// Consecutive changed lines with their context; `gap_before` says lines were skipped before it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hunk {
    pub gap_before: bool,
    pub lines: Vec<DiffLine>,
}

/// The document as shown in the editor and compared in the history.
pub fn pretty(document: &Value) -> String {
    serde_json::to_string_pretty(document).unwrap_or_else(|_| document.to_string())
}

/// Hunks turning `old` into `new` (both pretty-printed); empty when they are equal.
pub fn diff_documents(old: &Value, new: &Value) -> Vec<Hunk> {
    let old_text = pretty(old);
    let new_text = pretty(new);
    let old_lines: Vec<&str> = old_text.lines().collect();
    let new_lines: Vec<&str> = new_text.lines().collect();
    hunks(&line_diff(&old_lines, &new_lines))
}

/// Every line of both sides, in order, marked same / removed / added.
pub fn line_diff(old: &[&str], new: &[&str]) -> Vec<DiffLine> {
    // Common head and tail are cheap to take off first; most saves change a few lines.
    let head = old.iter().zip(new).take_while(|(a, b)| a == b).count();
    let tail = old[head..]
        .iter()
        .rev()
        .zip(new[head..].iter().rev())
        .take_while(|(a, b)| a == b)
        .count();
    let same = |text: &&str| DiffLine {
        change: Change::Same,
        text: (*text).to_owned(),
    };
    let mut lines: Vec<DiffLine> = old[..head].iter().map(same).collect();
    lines.extend(middle(&old[head..old.len() - tail], &new[head..new.len() - tail]));
    lines.extend(old[old.len() - tail..].iter().map(same));
    lines
}

fn middle(old: &[&str], new: &[&str]) -> Vec<DiffLine> {
    let line = |change: Change, text: &str| DiffLine {
        change,
        text: text.to_owned(),
    };
    if old.len().saturating_mul(new.len()) > LARGEST_TABLE {
        let removed = old.iter().map(|text| line(Change::Removed, text));
        return removed
            .chain(new.iter().map(|text| line(Change::Added, text)))
            .collect();
    }
    // lcs[i][j]: length of the longest common subsequence of old[i..] and new[j..].
    let width = new.len() + 1;
    let mut lcs = vec![0usize; (old.len() + 1) * width];
    for i in (0..old.len()).rev() {
        for j in (0..new.len()).rev() {
            lcs[i * width + j] = if old[i] == new[j] {
                lcs[(i + 1) * width + j + 1] + 1
            } else {
                lcs[(i + 1) * width + j].max(lcs[i * width + j + 1])
            };
        }
    }
    let (mut i, mut j) = (0, 0);
    let mut lines = Vec::with_capacity(old.len() + new.len());
    while i < old.len() && j < new.len() {
        if old[i] == new[j] {
            lines.push(line(Change::Same, old[i]));
            i += 1;
            j += 1;
        } else if lcs[(i + 1) * width + j] >= lcs[i * width + j + 1] {
            lines.push(line(Change::Removed, old[i]));
            i += 1;
        } else {
            lines.push(line(Change::Added, new[j]));
            j += 1;
        }
    }
    lines.extend(old[i..].iter().map(|text| line(Change::Removed, text)));
    lines.extend(new[j..].iter().map(|text| line(Change::Added, text)));
    lines
}

/// Groups changed lines with [`CONTEXT`] lines around them; unchanged stretches are skipped.
pub fn hunks(lines: &[DiffLine]) -> Vec<Hunk> {
    let changed: Vec<usize> = (0..lines.len())
        .filter(|&index| lines[index].change != Change::Same)
        .collect();
    let mut result: Vec<Hunk> = Vec::new();
    let mut end_of_last = 0;
    let mut index = 0;
    while index < changed.len() {
        let start = changed[index].saturating_sub(CONTEXT);
        let mut last = changed[index];
        // Extend while the next change is close enough that the contexts would touch.
        while index + 1 < changed.len() && changed[index + 1] <= last + 2 * CONTEXT + 1 {
            index += 1;
            last = changed[index];
        }
        let end = (last + CONTEXT + 1).min(lines.len());
        result.push(Hunk {
            gap_before: start > end_of_last,
            lines: lines[start..end].to_vec(),
        });
        end_of_last = end;
        index += 1;
    }
    result
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    fn render(lines: &[DiffLine]) -> Vec<String> {
        lines
            .iter()
            .map(|line| format!("{}{}", line.marker(), line.text))
            .collect()
    }

    #[test]
    fn marks_added_and_removed_lines() {
        let diff = line_diff(&["a", "b", "c", "d"], &["a", "c", "x", "d"]);
        assert_eq!(render(&diff), [" a", "-b", " c", "+x", " d"]);
    }

    #[test]
    fn equal_documents_have_no_hunks() {
        let document = json!({"version": "1", "default": "deny"});
        assert!(diff_documents(&document, &document).is_empty());
    }

    #[test]
    fn one_change_in_a_long_document_is_one_small_hunk() {
        let old: Vec<String> = (0..50).map(|n| format!("line {n}")).collect();
        let mut new = old.clone();
        new[25] = "changed".into();
        let old: Vec<&str> = old.iter().map(String::as_str).collect();
        let new: Vec<&str> = new.iter().map(String::as_str).collect();
        let found = hunks(&line_diff(&old, &new));
        assert_eq!(found.len(), 1);
        assert!(found[0].gap_before);
        assert_eq!(
            render(&found[0].lines),
            [
                " line 23", " line 24", "-line 25", "+changed", " line 26", " line 27"
            ]
        );
    }

    #[test]
    fn distant_changes_are_separate_hunks() {
        let old: Vec<String> = (0..30).map(|n| n.to_string()).collect();
        let mut new = old.clone();
        new[2] = "x".into();
        new[20] = "y".into();
        let old: Vec<&str> = old.iter().map(String::as_str).collect();
        let new: Vec<&str> = new.iter().map(String::as_str).collect();
        let found = hunks(&line_diff(&old, &new));
        assert_eq!(found.len(), 2);
        assert!(!found[0].gap_before, "the first hunk starts at line 0");
    }

    #[test]
    fn a_policy_edit_reads_naturally() {
        let old = json!({"version": "1", "default": "deny", "tools": {"ls": {}}});
        let new = json!({"version": "1", "default": "deny", "tools": {"ls": {}, "rm": {"action": "deny"}}});
        let found = diff_documents(&old, &new);
        let text = render(&found[0].lines).join("\n");
        assert!(text.contains("-    \"ls\": {}\n+    \"ls\": {},"), "{text}");
        assert!(text.contains("+      \"action\": \"deny\""), "{text}");
    }

    #[test]
    fn huge_inputs_fall_back_without_a_table() {
        let old: Vec<String> = (0..2_100).map(|n| format!("a{n}")).collect();
        let new: Vec<String> = (0..2_100).map(|n| format!("b{n}")).collect();
        let old: Vec<&str> = old.iter().map(String::as_str).collect();
        let new: Vec<&str> = new.iter().map(String::as_str).collect();
        assert_eq!(line_diff(&old, &new).len(), 4_200);
    }
}
