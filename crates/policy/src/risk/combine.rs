//! From findings and hints to a category, a level and the evidence shown for them.

use super::RiskCategory::{self, Destructive, Execute, Financial, Read, Write};
use super::annotations::Hints;
use super::signals::{Findings, Modifier, Signal, Strength};
use super::{Risk, RiskLevel};

/// Weak signals shown for the chosen category, after all strong ones.
const WEAK_SHOWN: usize = 3;
const FALLBACK: &str = "no recognisable signal in name, arguments or description: assumed to change state";

/// Evidence texts in order, without repeats.
#[derive(Default)]
struct Evidence(Vec<String>);

impl Evidence {
    fn push(&mut self, text: impl Into<String>) {
        let text = text.into();
        if !self.0.contains(&text) {
            self.0.push(text);
        }
    }
}

pub(crate) fn decide(findings: &Findings, hints: &Hints) -> Risk {
    let category = choose(findings, hints);
    let mut evidence = Evidence::default();
    let of_category = |strong: bool| {
        findings.signals.iter().filter(move |signal| {
            signal.category == category && (signal.strength == Strength::Strong) == strong
        })
    };
    of_category(true).for_each(|signal| evidence.push(signal.evidence.as_str()));
    of_category(false)
        .take(WEAK_SHOWN)
        .for_each(|signal| evidence.push(signal.evidence.as_str()));
    let no_signal = evidence.0.is_empty();
    if no_signal && !hints.claims_read_only() && !hints.claims_destructive() {
        evidence.push(FALLBACK);
    }
    let level = level(category, findings, hints, &mut evidence);
    annotate(category, findings, hints, &mut evidence);
    Risk {
        category,
        level,
        evidence: evidence.0,
    }
}

/// The most dangerous category with strong evidence; else the best weak score (ties to the
/// more dangerous); else Write.
fn choose(findings: &Findings, hints: &Hints) -> RiskCategory {
    if let Some(&category) = RiskCategory::ALL
        .iter()
        .rev()
        .find(|&&category| findings.has_strong(category))
    {
        return category;
    }
    let score = |category: RiskCategory| -> u32 {
        let weak: u32 = findings
            .signals
            .iter()
            .filter(|signal| signal.category == category)
            .map(|signal| match signal.strength {
                Strength::Weak(weight) => weight,
                Strength::Strong => 0,
            })
            .sum();
        let hinted = match category {
            Read if hints.claims_read_only() => 3,
            Destructive if hints.claims_destructive() => 1,
            _ => 0,
        };
        weak + hinted
    };
    let mut best = (0, Write);
    for category in RiskCategory::ALL {
        let points = score(category);
        if points > 0 && points >= best.0 {
            best = (points, category);
        }
    }
    best.1
}

fn first_note(findings: &Findings, modifier: Modifier) -> Option<&str> {
    findings
        .notes
        .iter()
        .find(|(kind, _)| *kind == modifier)
        .map(|(_, text)| text.as_str())
}

fn level(category: RiskCategory, findings: &Findings, hints: &Hints, evidence: &mut Evidence) -> RiskLevel {
    const DESTRUCTIVE_HINT: &str = "annotation destructiveHint=true (hint only)";
    match category {
        Read => {
            let mut level = RiskLevel::Low;
            if let Some(text) = first_note(findings, Modifier::Sensitive) {
                evidence.push(text);
                level = RiskLevel::Medium;
            }
            if hints.claims_destructive() {
                evidence.push(DESTRUCTIVE_HINT);
                level = RiskLevel::Medium;
            }
            level
        }
        Write => {
            let mut raisers: Vec<&str> = [Modifier::Overwrite, Modifier::OpenWorld]
                .into_iter()
                .filter_map(|modifier| first_note(findings, modifier))
                .collect();
            if hints.claims_destructive() {
                raisers.push(DESTRUCTIVE_HINT);
            }
            if hints.open_world == Some(true) {
                raisers.push("annotation openWorldHint=true (hint only)");
            }
            if !raisers.is_empty() {
                raisers.into_iter().for_each(|text| evidence.push(text));
                RiskLevel::High
            } else if hints.destructive == Some(false) && hints.idempotent == Some(true) {
                evidence.push("annotations destructiveHint=false, idempotentHint=true (hint only)");
                RiskLevel::Low
            } else {
                RiskLevel::Medium
            }
        }
        Execute => match first_note(findings, Modifier::Remote) {
            Some(text) => {
                evidence.push(text);
                RiskLevel::Critical
            }
            None => RiskLevel::High,
        },
        Destructive => {
            let also_executes =
                strongest(findings, Execute).map(|signal| format!("{} (also executes)", signal.evidence));
            match first_note(findings, Modifier::BroadWipe)
                .map(str::to_owned)
                .or(also_executes)
            {
                Some(text) => {
                    evidence.push(text);
                    RiskLevel::Critical
                }
                None => RiskLevel::High,
            }
        }
        Financial => RiskLevel::Critical,
    }
}

/// The first strong signal of a category.
fn strongest(findings: &Findings, category: RiskCategory) -> Option<&Signal> {
    findings
        .signals
        .iter()
        .find(|signal| signal.category == category && signal.strength == Strength::Strong)
}

/// Annotation notes and contradictions, after the category's own evidence.
fn annotate(category: RiskCategory, findings: &Findings, hints: &Hints, evidence: &mut Evidence) {
    let subject = strongest(findings, category)
        .or_else(|| findings.signals.iter().find(|signal| signal.category == category))
        .map(|signal| signal.subject.as_str());
    let contradicted = |what: &str| match subject {
        Some(subject) => format!("{what} contradicted by {subject}"),
        None => format!("{what} (hint only)"),
    };
    if hints.claims_read_only() {
        evidence.push(match category {
            Read => "annotation readOnlyHint=true".to_owned(),
            _ => contradicted("annotation readOnlyHint=true"),
        });
    }
    if hints.read_only != Some(true) {
        match (hints.destructive, category) {
            (Some(true), Destructive) => evidence.push("annotation destructiveHint=true"),
            (Some(true), Execute | Financial) => evidence.push("annotation destructiveHint=true (hint only)"),
            (Some(false), Destructive) => evidence.push(contradicted("annotation destructiveHint=false")),
            _ => {}
        }
    }
    if category != Read
        && let Some(claim) = &findings.read_only_claim
    {
        evidence.push(contradicted(claim));
    }
}
