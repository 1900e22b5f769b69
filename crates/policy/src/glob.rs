//! Tool-name patterns: exact names or `*` globs, for `tools` keys and `hide` entries.

use std::collections::HashSet;

/// A pattern where `*` matches any run of characters (including none) and every other
/// character is literal.
#[derive(Debug, Clone)]
pub(crate) struct Glob {
    /// The literal pieces between stars; a pattern without `*` has exactly one.
    parts: Vec<Box<str>>,
    /// Characters before the first `*`: the first precedence key among globs.
    literal_prefix: usize,
    /// All non-`*` characters: the second precedence key.
    literal_len: usize,
}

impl Glob {
    pub(crate) fn new(pattern: &str) -> Self {
        let parts: Vec<Box<str>> = pattern.split('*').map(Box::from).collect();
        let literal_prefix = parts.first().map_or(0, |first| first.chars().count());
        let literal_len = parts.iter().map(|part| part.chars().count()).sum();
        Self {
            parts,
            literal_prefix,
            literal_len,
        }
    }

    pub(crate) fn is_glob(pattern: &str) -> bool {
        pattern.contains('*')
    }

    pub(crate) fn literal_prefix(&self) -> usize {
        self.literal_prefix
    }

    pub(crate) fn literal_len(&self) -> usize {
        self.literal_len
    }

    pub(crate) fn matches(&self, name: &str) -> bool {
        let (first, rest) = match self.parts.split_first() {
            Some(split) => split,
            None => return name.is_empty(),
        };
        let Some((last, middle)) = rest.split_last() else {
            return name == &**first;
        };
        if name.len() < first.len() + last.len() || !name.starts_with(&**first) || !name.ends_with(&**last) {
            return false;
        }
        // The length check above keeps prefix and suffix from overlapping, so this slice is
        // the text the middle pieces must be found in, in order; leftmost matches are optimal
        // for `*`-only patterns.
        let mut between = &name[first.len()..name.len() - last.len()];
        for part in middle {
            match between.find(&**part) {
                Some(at) => between = &between[at + part.len()..],
                None => return false,
            }
        }
        true
    }
}

/// A set of names and globs, e.g. `hide`: exact names are hashed, globs are tried in turn.
#[derive(Debug, Default)]
pub(crate) struct NameSet {
    exact: HashSet<Box<str>>,
    globs: Vec<Glob>,
}

impl NameSet {
    pub(crate) fn insert(&mut self, pattern: &str) {
        if Glob::is_glob(pattern) {
            self.globs.push(Glob::new(pattern));
        } else {
            self.exact.insert(Box::from(pattern));
        }
    }

    pub(crate) fn contains(&self, name: &str) -> bool {
        self.exact.contains(name) || self.matches_glob(name)
    }

    /// Whether one of the globs matches (the exact names are not consulted).
    pub(crate) fn matches_glob(&self, name: &str) -> bool {
        self.globs.iter().any(|glob| glob.matches(name))
    }

    pub(crate) fn exact_names(&self) -> impl Iterator<Item = &str> {
        self.exact.iter().map(|name| &**name)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn matches_like_a_star_only_glob() {
        let cases = [
            ("debug_*", "debug_", true),
            ("debug_*", "debug_dump", true),
            ("debug_*", "xdebug_dump", false),
            ("*_task", "create_task", true),
            ("*_task", "_task", true),
            ("*_task", "task", false),
            ("a*b*c", "abc", true),
            ("a*b*c", "axxbyyc", true),
            ("a*b*c", "acb", false),
            ("a*a", "a", false),
            ("a*a", "aa", true),
            ("*", "", true),
            ("*", "anything", true),
            ("**", "x", true),
            ("exact", "exact", true),
            ("exact", "exactly", false),
            ("", "", true),
            ("", "x", false),
            ("run.*", "run.x", true),
            ("run.*", "runx", false),
            ("é*", "été", true),
        ];
        for (pattern, name, expected) in cases {
            assert_eq!(Glob::new(pattern).matches(name), expected, "{pattern} vs {name}");
        }
    }

    #[test]
    fn precedence_keys_count_characters() {
        let glob = Glob::new("ab*cd*");
        assert_eq!(glob.literal_prefix(), 2);
        assert_eq!(glob.literal_len(), 4);
        assert_eq!(Glob::new("*").literal_len(), 0);
        assert_eq!(Glob::new("éé*").literal_prefix(), 2);
    }

    #[test]
    fn name_set_mixes_exact_and_globs() {
        let mut set = NameSet::default();
        set.insert("delete_account");
        set.insert("debug_*");
        assert!(set.contains("delete_account"));
        assert!(set.contains("debug_x"));
        assert!(!set.contains("delete_accounts"));
    }
}
