//! Splitting names and descriptions into words, by hand (no regex per call).

/// Lower-case words of a tool or argument name. Splits at anything that is not a letter or
/// digit (`snake_case`, `kebab-case`, `dot.case`), at a lower-to-upper change (`camelCase`), at
/// the end of an acronym (`HTTPRequest` → `http`, `request`) and between letters and digits.
pub(crate) fn split_name(name: &str) -> Vec<String> {
    let chars: Vec<char> = name.chars().collect();
    let mut words = Vec::new();
    let mut current = String::new();
    for (index, &ch) in chars.iter().enumerate() {
        if !ch.is_alphanumeric() {
            flush(&mut current, &mut words);
            continue;
        }
        let previous = index.checked_sub(1).and_then(|before| chars.get(before)).copied();
        let next = chars.get(index + 1).copied();
        if previous.is_some_and(|previous| is_boundary(previous, ch, next)) {
            flush(&mut current, &mut words);
        }
        current.extend(ch.to_lowercase());
    }
    flush(&mut current, &mut words);
    words
}

fn is_boundary(previous: char, current: char, next: Option<char>) -> bool {
    if !previous.is_alphanumeric() {
        return false;
    }
    let lower_to_upper = (previous.is_lowercase() || previous.is_ascii_digit()) && current.is_uppercase();
    let acronym_end =
        previous.is_uppercase() && current.is_uppercase() && next.is_some_and(char::is_lowercase);
    let digit_change = previous.is_ascii_digit() != current.is_ascii_digit();
    lower_to_upper || acronym_end || digit_change
}

fn flush(current: &mut String, words: &mut Vec<String>) {
    if !current.is_empty() {
        words.push(std::mem::take(current));
    }
}

/// The text outside backtick code spans: examples such as `` `kill_process(pid=1)` `` in a
/// description name other tools and must not count as words of this one. An unclosed backtick
/// hides the rest of the text.
pub(crate) fn without_code(text: &str) -> String {
    let mut prose = String::with_capacity(text.len());
    for part in text.split('`').step_by(2) {
        prose.push_str(part);
        prose.push(' ');
    }
    prose
}

/// One English word of a description, lower-cased, and whether a negation precedes it.
pub(crate) struct EnglishWord {
    pub text: String,
    pub negated: bool,
}

const NEGATIONS: &[&str] = &["not", "never", "no", "without", "cannot", "t", "nor"];

/// ASCII words of a description. "doesn't" splits into "doesn" and "t", so `t` is a negation.
pub(crate) fn english_words(text: &str) -> Vec<EnglishWord> {
    let mut words: Vec<EnglishWord> = Vec::new();
    for raw in text.split(|ch: char| !ch.is_ascii_alphanumeric()) {
        if raw.is_empty() {
            continue;
        }
        let negated = words
            .last()
            .is_some_and(|last| NEGATIONS.contains(&last.text.as_str()));
        words.push(EnglishWord {
            text: raw.to_ascii_lowercase(),
            negated,
        });
    }
    words
}

/// Endings stripped from an English word, and what replaces them: `copies` → `copy`,
/// `deletes` → `delete`, `created` → `create`, `creating` → `create`.
const ENDINGS: &[(&str, &str)] = &[
    ("ies", "y"),
    ("ied", "y"),
    ("es", ""),
    ("s", ""),
    ("ed", ""),
    ("d", ""),
    ("ing", ""),
    ("ing", "e"),
];

/// The first form of `word` that `lookup` knows: the word itself, then its base forms. Allocates
/// only for a base form that adds letters back.
pub(crate) fn find_stem<T>(word: &str, lookup: impl Fn(&str) -> Option<T>) -> Option<(String, T)> {
    if let Some(found) = lookup(word) {
        return Some((word.to_owned(), found));
    }
    ENDINGS.iter().find_map(|(ending, replacement)| {
        let stem = word.strip_suffix(ending).filter(|stem| stem.len() >= 2)?;
        if replacement.is_empty() {
            return lookup(stem).map(|found| (stem.to_owned(), found));
        }
        let candidate = format!("{stem}{replacement}");
        lookup(&candidate).map(|found| (candidate, found))
    })
}

/// Whether `term` occurs in `text` at least once without a negation (不, 无, 未, 没, 非, 勿, 别)
/// right before it.
pub(crate) fn contains_affirmed(text: &str, term: &str) -> bool {
    // `contains` has a vectorised fast path; most terms are absent from most descriptions.
    text.contains(term)
        && text.match_indices(term).any(|(start, _)| {
            let before = text.get(..start).and_then(|head| head.chars().next_back());
            !matches!(before, Some('不' | '无' | '未' | '没' | '非' | '勿' | '别'))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_at_every_convention() {
        assert_eq!(split_name("get_file-info.v2"), ["get", "file", "info", "v", "2"]);
        assert_eq!(
            split_name("deleteUserHTTPRequest"),
            ["delete", "user", "http", "request"]
        );
        assert_eq!(split_name("__run__"), ["run"]);
        assert!(split_name("").is_empty());
    }

    #[test]
    fn code_spans_are_dropped() {
        assert_eq!(
            without_code("stop it, not `kill_process` here").trim(),
            "stop it, not   here"
        );
    }

    #[test]
    fn negated_chinese_terms_do_not_count() {
        assert!(!contains_affirmed("只读扫描，不删除、不执行", "删除"));
        assert!(contains_affirmed("不下载，删除文件", "删除"));
    }

    #[test]
    fn stems_cover_common_inflections() {
        let known = |word: &str| ["copy", "delete", "create"].contains(&word).then_some(());
        for (word, stem) in [
            ("copies", "copy"),
            ("deletes", "delete"),
            ("creating", "create"),
            ("copy", "copy"),
        ] {
            assert_eq!(
                find_stem(word, known).map(|(found, ())| found).as_deref(),
                Some(stem)
            );
        }
        assert!(find_stem("running", known).is_none());
    }
}
