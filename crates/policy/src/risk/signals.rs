//! Evidence found in one tool definition, before any decision: signals for categories and
//! notes that move the level. The name is read here; arguments and description in their modules.

use super::RiskCategory::{self, Destructive, Execute, Financial, Read, Write};
use super::ToolDefinition;
use super::words::{self, NameWord};
use super::{arguments, description, tokens};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Strength {
    /// Enough on its own: the most dangerous category with strong evidence wins.
    Strong,
    /// Counts only when nothing is strong; the highest total wins.
    Weak(u32),
}

#[derive(Debug, Clone)]
pub(crate) struct Signal {
    pub category: RiskCategory,
    pub strength: Strength,
    /// What the signal is, for contradiction texts: `name "delete"`, `argument "sql"`.
    pub subject: String,
    pub evidence: String,
}

/// Facts that move the level within a category.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Modifier {
    /// Can replace existing data (raises Write).
    Overwrite,
    /// Talks to the network (raises Write).
    OpenWorld,
    /// Runs on another machine (raises Execute).
    Remote,
    /// Deletes broadly (raises Destructive).
    BroadWipe,
    /// Reads secrets (raises Read).
    Sensitive,
}

#[derive(Debug, Default)]
pub(crate) struct Findings {
    pub signals: Vec<Signal>,
    pub notes: Vec<(Modifier, String)>,
    /// The description calls the tool read-only (`description says "只读" (read-only)`).
    pub read_only_claim: Option<String>,
}

impl Findings {
    pub(crate) fn push(
        &mut self,
        category: RiskCategory,
        strength: Strength,
        subject: String,
        evidence: String,
    ) {
        self.signals.push(Signal {
            category,
            strength,
            subject,
            evidence,
        });
    }

    pub(crate) fn note(&mut self, modifier: Modifier, evidence: String) {
        self.notes.push((modifier, evidence));
    }

    pub(crate) fn has_strong(&self, category: RiskCategory) -> bool {
        self.signals
            .iter()
            .any(|signal| signal.category == category && signal.strength == Strength::Strong)
    }
}

/// What the surrounding text says, shared by the name, argument and description readers.
pub(crate) struct Context {
    pub name_words: Vec<String>,
    pub argument_names: Vec<String>,
    pub prose: String,
    pub description_words: Vec<tokens::EnglishWord>,
}

impl Context {
    fn mentions(&self, test: fn(&str) -> bool) -> bool {
        self.name_words.iter().any(|word| test(word))
            || self.description_words.iter().any(|word| test(&word.text))
    }

    /// Money words in the name or description (arguments are judged on their own).
    pub(crate) fn mentions_money(&self) -> bool {
        self.mentions(words::is_money_word)
    }

    /// Database words anywhere: a `query` argument is then SQL.
    pub(crate) fn mentions_database(&self) -> bool {
        self.mentions(words::is_database_word)
            || self
                .argument_names
                .iter()
                .flat_map(|name| tokens::split_name(name))
                .any(|word| words::is_database_word(&word))
            || self.prose.contains("数据库")
    }
}

pub(crate) fn collect(tool: &ToolDefinition) -> Findings {
    let prose = tool.description.map(tokens::without_code).unwrap_or_default();
    let context = Context {
        name_words: tokens::split_name(tool.name),
        argument_names: arguments::names(tool.input_schema),
        description_words: tokens::english_words(&prose),
        prose,
    };
    let mut findings = Findings::default();
    let lead = read_name(tool.name, &context, &mut findings);
    arguments::read(&context, lead, &mut findings);
    description::read(&context, &mut findings);
    findings
}

/// A name word after its pairing rules, with the text that shows it.
struct Resolved {
    category: RiskCategory,
    /// Counts as the leading verb (nouns never do).
    verb: bool,
    /// Strong even when not leading (Destructive/Financial verbs, resolved pairs).
    anywhere: bool,
    /// Execute word that a reading lead verb weakens (`which_command`).
    execute_like: bool,
    money_noun: bool,
    shown: String,
}

fn resolve(word: &str, context: &Context) -> Option<Resolved> {
    let others = &context.name_words;
    let with_object = |test: fn(&str) -> bool| others.iter().find(|other| test(other)).cloned();
    let plain = |category, anywhere| Resolved {
        category,
        verb: true,
        anywhere,
        execute_like: false,
        money_noun: false,
        shown: format!("\"{word}\""),
    };
    let paired = |category, object: String| Resolved {
        anywhere: true,
        shown: format!("\"{word}\" + \"{object}\""),
        ..plain(category, true)
    };
    Some(match words::name_word(word)? {
        NameWord::Verb(category) => plain(category, matches!(category, Destructive | Financial)),
        NameWord::ExecuteVerb => Resolved {
            execute_like: true,
            ..plain(Execute, false)
        },
        NameWord::LeadExecute => plain(Execute, false),
        NameWord::ExecuteNoun => Resolved {
            verb: false,
            execute_like: true,
            ..plain(Execute, false)
        },
        NameWord::Start => match with_object(words::is_process_object) {
            Some(object) => paired(Execute, object),
            None => plain(Write, false),
        },
        NameWord::Stop => match with_object(words::is_process_object) {
            Some(object) => paired(Destructive, object),
            None => plain(Write, false),
        },
        NameWord::Format => match with_object(words::is_device_object) {
            Some(object) => paired(Destructive, object),
            None => plain(Write, false),
        },
        NameWord::Transfer if context.mentions_money() || arguments::any_money(context) => {
            plain(Financial, true)
        }
        NameWord::Transfer => plain(Write, false),
        NameWord::MoneyNoun => Resolved {
            verb: false,
            money_noun: true,
            ..plain(Financial, false)
        },
    })
}

/// Reads the name; returns the category of its leading verb, if any.
fn read_name(name: &str, context: &Context, findings: &mut Findings) -> Option<RiskCategory> {
    let resolved: Vec<(&String, Resolved)> = context
        .name_words
        .iter()
        .filter_map(|word| resolve(word, context).map(|found| (word, found)))
        .collect();
    let lead_index = resolved.iter().position(|(_, found)| found.verb);
    let lead = lead_index
        .and_then(|index| resolved.get(index))
        .map(|(_, found)| found.category);
    let changing_lead = matches!(lead, Some(Write | Execute | Destructive));
    for (index, (word, found)) in resolved.iter().enumerate() {
        if word.as_str() == "format" && found.category == Destructive {
            let evidence = format!("name contains {} (wipes broadly)", found.shown);
            findings.note(Modifier::BroadWipe, evidence);
        }
        let strength = if Some(index) == lead_index || found.anywhere {
            Strength::Strong
        } else if found.execute_like {
            if lead == Some(Read) {
                Strength::Weak(1)
            } else {
                Strength::Strong
            }
        } else if found.money_noun {
            if changing_lead {
                Strength::Strong
            } else {
                Strength::Weak(1)
            }
        } else if found.category == Execute {
            Strength::Weak(1)
        } else {
            Strength::Weak(2)
        };
        let subject = format!("name {}", found.shown);
        findings.push(
            found.category,
            strength,
            subject,
            format!("name contains {}", found.shown),
        );
    }
    if !name.is_ascii() {
        for &(term, category, gloss) in words::CHINESE_TERMS {
            if tokens::contains_affirmed(name, term) {
                let subject = format!("name \"{term}\"");
                findings.push(
                    category,
                    Strength::Strong,
                    subject,
                    format!("name contains \"{term}\" ({gloss})"),
                );
            }
        }
    }
    for word in &context.name_words {
        if words::is_sensitive_word(word) {
            findings.note(
                Modifier::Sensitive,
                format!("name contains \"{word}\" (may expose secrets)"),
            );
        }
        if words::is_broad_word(word) {
            findings.note(
                Modifier::BroadWipe,
                format!("name contains \"{word}\" (wipes broadly)"),
            );
        }
    }
    lead
}
