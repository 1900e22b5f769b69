//! The description as weak evidence: English word stems and Chinese terms, outside code spans,
//! skipping negated words ("does not delete", 不删除). Terms in the first sentence, which says
//! what the tool does, weigh 2; later ones (scenarios, caveats, notes) weigh 1.

use super::RiskCategory;
use super::signals::{Context, Findings, Modifier, Strength};
use super::tokens;
use super::words;

/// At most this many distinct description terms count for one category.
const PER_CATEGORY: usize = 3;

/// Distinct terms per category, capped, as weak signals.
struct Counter(Vec<(RiskCategory, String)>);

impl Counter {
    fn count(
        &mut self,
        findings: &mut Findings,
        category: RiskCategory,
        term: &str,
        weight: u32,
        evidence: String,
    ) {
        let seen = |(seen, seen_term): &&(RiskCategory, String)| *seen == category && seen_term == term;
        let full = self.0.iter().filter(|(seen, _)| *seen == category).count() >= PER_CATEGORY;
        if full || self.0.iter().any(|entry| seen(&entry)) {
            return;
        }
        self.0.push((category, term.to_owned()));
        let subject = format!("description \"{term}\"");
        findings.push(category, Strength::Weak(weight), subject, evidence);
    }
}

/// The first sentence: up to the first `。`, line break or `. `.
fn first_sentence(prose: &str) -> &str {
    let trimmed = prose.trim_start();
    let end = ["。", "\n", ". "]
        .iter()
        .filter_map(|stop| trimmed.find(stop))
        .min()
        .unwrap_or(trimmed.len());
    trimmed.get(..end).unwrap_or(trimmed)
}

pub(crate) fn read(context: &Context, findings: &mut Findings) {
    let mut counter = Counter(Vec::new());
    let prose = &context.prose;
    let summary = first_sentence(prose);
    let summary_words = tokens::english_words(summary).len();
    let weight = |in_summary: bool| if in_summary { 2 } else { 1 };

    let words = context.description_words.iter().enumerate();
    for (index, word) in words.filter(|(_, word)| !word.negated) {
        let Some((stem, category)) = tokens::find_stem(&word.text, words::description_word) else {
            continue;
        };
        let evidence = format!("description mentions \"{}\"", word.text);
        if stem == "overwrite" {
            findings.note(Modifier::Overwrite, evidence.clone());
        }
        counter.count(findings, category, &stem, weight(index < summary_words), evidence);
    }

    if !prose.is_ascii() {
        for &(term, category, gloss) in words::CHINESE_TERMS {
            if tokens::contains_affirmed(prose, term) {
                let in_summary = tokens::contains_affirmed(summary, term);
                let evidence = format!("description mentions \"{term}\" ({gloss})");
                counter.count(findings, category, term, weight(in_summary), evidence);
            }
        }
        for &term in words::CHINESE_BROAD {
            if tokens::contains_affirmed(prose, term) {
                let evidence = format!("description mentions \"{term}\" (wipes broadly)");
                findings.note(Modifier::BroadWipe, evidence);
            }
        }
        if tokens::contains_affirmed(prose, "覆盖") {
            let evidence = "description mentions \"覆盖\" (overwrite)".to_owned();
            findings.note(Modifier::Overwrite, evidence);
        }
    }

    if let Some(claim) = read_only_claim(prose) {
        counter.count(findings, RiskCategory::Read, "read-only", 1, claim.to_owned());
        findings.read_only_claim = Some(claim.to_owned());
    }
}

/// Whether the description calls the tool read-only. 只读 is "read-only", but 只读取 is "only
/// reads" and claims nothing.
fn read_only_claim(prose: &str) -> Option<&'static str> {
    let chinese = prose
        .match_indices(words::CHINESE_READ_ONLY)
        .any(|(start, term)| {
            let before = prose.get(..start).and_then(|head| head.chars().next_back());
            let after = prose
                .get(start + term.len()..)
                .and_then(|tail| tail.chars().next());
            !matches!(before, Some('不' | '非')) && after != Some('取')
        });
    if chinese {
        return Some("description says \"只读\" (read-only)");
    }
    let lower = prose.to_ascii_lowercase();
    (lower.contains("read-only") || lower.contains("readonly")).then_some("description says \"read-only\"")
}
