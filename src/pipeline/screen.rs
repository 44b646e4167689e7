//! Screening a rule's output before anything is applied: suppression comments silence fixes
//! and findings, and unsafe fixes wait for `--unsafe-fixes` (each is reported as a finding with
//! the suggested change instead). The final stability pass screens the same way, so a fix that
//! is suppressed or withheld is not mistaken for instability.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::Options;
use crate::edit::{Edit, Fix};
use crate::finding::{Finding, Severity, SuggestedEdit, Suggestion};
use crate::passes::{rule_names, Output, Rule};
use crate::suppress::{self, Suppressions};
use crate::syntax::SyntaxTree;

/// Every rule name a suppression comment may list.
fn known_rules() -> &'static [&'static str] {
    static NAMES: OnceLock<Vec<&'static str>> = OnceLock::new();
    NAMES.get_or_init(rule_names)
}

pub(super) struct Screen {
    pub suppressions: Suppressions,
    options: Options,
    /// Where the directives of the original text are (line, column): unused ones are reported
    /// there, in the file as the user has it, however the fixes moved them.
    original: Vec<(usize, usize)>,
    /// Whether directive indices still match the original text's (false once a rule added or
    /// removed a directive; unused directives are then not reported).
    tracking: bool,
}

impl Screen {
    pub fn new(tree: &SyntaxTree, options: &Options) -> Screen {
        let suppressions = Suppressions::read(tree, known_rules());
        Screen {
            original: suppressions
                .directives
                .iter()
                .map(|d| (d.line, d.column))
                .collect(),
            suppressions,
            options: *options,
            tracking: true,
        }
    }

    /// Reads the directives again after a rule changed the text (their lines may have moved).
    pub fn reread(&mut self, tree: &SyntaxTree) {
        if self.suppressions.is_empty() && !tree.text().contains("wffmt:") {
            return;
        }
        let mut again = Suppressions::read(tree, known_rules());
        again.problems.clear();
        if again.directives.len() != self.original.len() {
            self.tracking = false;
        }
        again.inherit_usage(&self.suppressions);
        self.suppressions = again;
    }

    /// The fixes to apply and the findings to report of one run of `rule`. With `record`, the
    /// directives that silenced something are remembered (first round of each rule only).
    pub fn apply(
        &self,
        rule: &dyn Rule,
        tree: &SyntaxTree,
        output: Output,
        record: bool,
    ) -> (Vec<Fix>, Vec<Finding>) {
        self.suppressions.record(record);
        let mut findings = Vec::with_capacity(output.findings.len());
        for finding in without_repeats(output.findings) {
            if !self.suppressions.silences(rule.name(), finding.line) {
                findings.push(finding);
            }
        }
        let mut fixes = Vec::with_capacity(output.fixes.len());
        for fix in output.fixes {
            let (line, column) = tree.line_col(fix.anchor_offset());
            if self.suppressions.silences(fix.rule, line) {
                continue;
            }
            if fix.allowed(self.options.unsafe_fixes) {
                fixes.push(fix);
            } else {
                findings.push(withheld(tree, &fix, line, column));
            }
        }
        self.suppressions.record(false);
        (fixes, findings)
    }

    /// Lets the rule about to run record the directives it honours itself (through
    /// [`crate::passes::Context::suppressed`]).
    pub fn recording(&self, on: bool) {
        self.suppressions.record(on);
    }

    /// The fixes of a run that the pipeline would apply (for the stability pass).
    pub fn applicable(&self, tree: &SyntaxTree, fixes: Vec<Fix>) -> Vec<Fix> {
        fixes
            .into_iter()
            .filter(|f| {
                f.allowed(self.options.unsafe_fixes)
                    && !self
                        .suppressions
                        .silences(f.rule, tree.line_col(f.anchor_offset()).0)
            })
            .collect()
    }

    /// A warning for each directive that named a rule which read the whole file and silenced
    /// nothing. `saw_whole` are the rules that ran on a text without syntax errors; a rule that
    /// met syntax errors skipped the file or read part of it, so nothing is known about its
    /// directives (and with `some_saw_part`, nothing about a directive naming no rule).
    pub fn unused(&self, saw_whole: &[&str], some_saw_part: bool) -> Vec<Finding> {
        if !self.tracking {
            return Vec::new();
        }
        let mut out = Vec::new();
        let used = self.suppressions.used();
        for ((directive, used), &(line, column)) in self
            .suppressions
            .directives
            .iter()
            .zip(&used)
            .zip(&self.original)
        {
            let idle: Vec<&str> = match &directive.rules {
                Some(named) => named
                    .iter()
                    .map(String::as_str)
                    .filter(|n| saw_whole.contains(n) && !used.iter().any(|u| u == n))
                    .collect(),
                None if used.is_empty() && !some_saw_part => vec!["any rule"],
                None => Vec::new(),
            };
            if idle.is_empty() {
                continue;
            }
            let what = idle
                .iter()
                .map(|n| {
                    if *n == "any rule" {
                        n.to_string()
                    } else {
                        format!("`{n}`")
                    }
                })
                .collect::<Vec<_>>()
                .join(", ");
            out.push(
                Finding::new(
                    suppress::RULE,
                    Severity::Warning,
                    line,
                    column,
                    format!("unused suppression: {what} found nothing to report or fix here"),
                )
                .with_help("remove the rule from the comment (or the whole comment) so that it cannot hide a future finding"),
            );
        }
        out
    }
}

/// `findings` without the ones that repeat an earlier one word for word at the same place (a
/// rule that meets one value twice, say a runner label made from a matrix value that two
/// combinations share, has nothing new to say the second time), in their order.
fn without_repeats(findings: Vec<Finding>) -> Vec<Finding> {
    if findings.len() < 2 {
        return findings;
    }
    let mut seen = HashSet::with_capacity(findings.len());
    findings
        .into_iter()
        .filter(|f| {
            let key = (
                f.line,
                f.column,
                f.severity as u8,
                f.message.clone(),
                f.help.clone(),
                f.suggestion.as_ref().map(|s| s.diff.clone()),
            );
            seen.insert(key)
        })
        .collect()
}

/// The finding that stands for an unsafe fix that was not applied.
fn withheld(tree: &SyntaxTree, fix: &Fix, line: usize, column: usize) -> Finding {
    let reason = fix.unsafe_reason.clone();
    let help = match &reason {
        Some(why) => format!(
            "{why}; review the suggested change, then run with `--unsafe-fixes` to apply it"
        ),
        None => "review the suggested change, then run with `--unsafe-fixes` to apply it".into(),
    };
    let mut finding = Finding::new(
        fix.rule,
        Severity::Warning,
        line,
        column,
        format!("{} (unsafe fix, not applied)", fix.title),
    )
    .with_help(help);
    finding.suggestion = Some(Box::new(Suggestion {
        applicability: fix.applicability,
        reason,
        edits: fix.edits.iter().map(|e| suggested_edit(tree, e)).collect(),
        diff: line_diff(tree.text(), &fix.edits),
    }));
    finding
}

fn suggested_edit(tree: &SyntaxTree, edit: &Edit) -> SuggestedEdit {
    let (start_line, start_column) = tree.line_col(edit.range.start);
    let (end_line, end_column) = tree.line_col(edit.range.end);
    SuggestedEdit {
        start_line,
        start_column,
        end_line,
        end_column,
        content: edit.replacement.clone(),
    }
}

/// The whole lines the edits touch, before (`-`) and after (`+`).
fn line_diff(text: &str, edits: &[Edit]) -> String {
    let (Some(first), Some(last)) = (edits.first(), edits.last()) else {
        return String::new();
    };
    let start = text[..first.range.start].rfind('\n').map_or(0, |i| i + 1);
    let end = text[last.range.end..]
        .find('\n')
        .map_or(text.len(), |i| last.range.end + i);
    let mut new = String::new();
    let mut pos = start;
    for e in edits {
        new.push_str(&text[pos..e.range.start]);
        new.push_str(&e.replacement);
        pos = e.range.end;
    }
    new.push_str(&text[pos..end]);
    let mut out = String::new();
    for l in text[start..end].split('\n') {
        out.push('-');
        out.push_str(l.trim_end_matches('\r'));
        out.push('\n');
    }
    for l in new.split('\n') {
        out.push('+');
        out.push_str(l.trim_end_matches('\r'));
        out.push('\n');
    }
    out
}
