//! The markdown format: a summary for a pull-request body (bulk migrations open one pull request
//! per repository with it).
//!
//! - a title with what changed, and a table of files and changes per rule with what the rule
//!   does (its row of the README's rules table);
//! - what each rule did: its fix titles, identical ones counted;
//! - what needs a human: errors, unsafe fixes left unapplied, warnings (TODOs, unresolved refs),
//!   each cause said once with the number and places of its other occurrences;
//! - the files changed, folded.
//!
//! Everything that comes from a workflow or a file name is escaped: it is shown as written, and
//! can neither format the page nor mention a user or a team (`@` is followed by a zero-width
//! space). Long lists are cut with a count, so the body stays far below GitHub's 65,536
//! characters.

use std::collections::BTreeMap;

use super::group::{group_findings, place, Group};
use super::{stats, terminal_safe, Counts, FileReport, Mode, RunFacts};
use crate::finding::{Finding, Severity};

/// Which findings a section of "Needs a human" lists.
type Belongs = fn(&Finding) -> bool;

/// Longest list printed in full.
const LIST_LIMIT: usize = 50;
/// Other places of a repeated finding named before `and N more`.
const PLACES_SHOWN: usize = 5;

pub(super) fn render(reports: &[FileReport], mode: Mode, run: &RunFacts) -> String {
    render_with_version(reports, mode, run, env!("CARGO_PKG_VERSION"))
}

pub(super) fn render_with_version(
    reports: &[FileReport],
    mode: Mode,
    run: &RunFacts,
    version: &str,
) -> String {
    let counts = Counts::of_run(reports, run);
    let mut out = String::new();
    out.push_str(&title(&counts, mode));
    out.push_str("\n\n");

    let per_rule = fixes_per_rule(reports);
    if !per_rule.is_empty() {
        out.push_str(&rules_table(&per_rule));
        out.push('\n');
        out.push_str("### What each rule did\n\n");
        for (rule, changes) in &per_rule {
            out.push_str(&format!(
                "<details><summary><code>{rule}</code>: {} in {}</summary>\n\n",
                plural(changes.count, "change"),
                plural(changes.files, "file")
            ));
            push_limited(&mut out, &changes.titles, |(title, n)| {
                if *n == 1 {
                    format!("- {}\n", escape(title))
                } else {
                    format!("- {} (×{n})\n", escape(title))
                }
            });
            out.push_str("\n</details>\n\n");
        }
    }

    let needs_human = group_findings(reports, |f| f.severity != Severity::Info);
    if needs_human.is_empty() {
        out.push_str("Nothing needs a human.\n\n");
    } else {
        out.push_str(&format!("### Needs a human ({})\n\n", needs_human.len()));
        let sections: [(&str, Belongs); 3] = [
            ("Errors", |f| {
                f.severity == Severity::Error && f.suggestion.is_none()
            }),
            (
                "Unsafe fixes not applied (review each, then run `wffmt --fix --unsafe-fixes`)",
                |f| f.suggestion.is_some(),
            ),
            ("Warnings", |f| {
                f.severity == Severity::Warning && f.suggestion.is_none()
            }),
        ];
        for (heading, belongs) in sections {
            let groups: Vec<&Group> = needs_human.iter().filter(|g| belongs(g.finding)).collect();
            if groups.is_empty() {
                continue;
            }
            out.push_str(&format!("**{heading}**\n\n"));
            push_limited(&mut out, &groups, |g| needs_human_item(g));
            out.push('\n');
        }
    }

    let changed: Vec<&FileReport> = reports.iter().filter(|r| r.changed).collect();
    if !changed.is_empty() {
        out.push_str(&format!(
            "<details><summary>{} {}</summary>\n\n",
            plural(changed.len(), "file"),
            changed_word(mode)
        ));
        push_limited(&mut out, &changed, |r| {
            format!("- {} ({})\n", code(&r.path), r.fix_rules().join(", "))
        });
        out.push_str("\n</details>\n\n");
    }
    let mut footer = format!(
        "wffmt {} · {} checked",
        escape(version),
        plural(counts.files, "file")
    );
    if counts.skipped > 0 {
        footer.push_str(&format!(
            " · {} skipped (invalid configuration)",
            plural(counts.skipped, "file")
        ));
    }
    if counts.excluded > 0 {
        footer.push_str(&format!(" · {} excluded", counts.excluded));
    }
    out.push_str(&format!("<sub>{footer}</sub>\n"));
    out
}

fn title(counts: &Counts, mode: Mode) -> String {
    let mut title = if counts.files == 0 {
        "## wffmt: no workflow or action files checked".to_string()
    } else if counts.changed == 0 {
        format!(
            "## wffmt: nothing to change in {}",
            plural(counts.files, "file")
        )
    } else {
        format!(
            "## wffmt: {} {}",
            plural(counts.changed, "file"),
            changed_word(mode)
        )
    };
    let mut extra = Vec::new();
    if counts.errors > 0 {
        extra.push(plural(counts.errors, "error"));
    }
    if counts.warnings > 0 {
        extra.push(plural(counts.warnings, "warning"));
    }
    if !extra.is_empty() {
        title.push_str(&format!(" ({})", extra.join(", ")));
    }
    title
}

fn changed_word(mode: Mode) -> &'static str {
    match mode {
        Mode::Fix => "changed",
        Mode::Diff | Mode::Check => "would change",
    }
}

/// Fixes of one rule over the run.
#[derive(Default)]
struct RuleChanges {
    count: usize,
    files: usize,
    /// Distinct fix titles with their counts, in first-seen order.
    titles: Vec<(String, usize)>,
}

/// Per rule, in the order of the statistics (most changes first).
fn fixes_per_rule(reports: &[FileReport]) -> Vec<(String, RuleChanges)> {
    let mut per_rule: BTreeMap<String, RuleChanges> = BTreeMap::new();
    for report in reports {
        for rule in report.fix_rules() {
            per_rule.entry(rule.to_string()).or_default().files += 1;
        }
        for fix in &report.fixes {
            let changes = per_rule.entry(fix.rule.clone()).or_default();
            changes.count += 1;
            match changes.titles.iter_mut().find(|(t, _)| *t == fix.title) {
                Some((_, n)) => *n += 1,
                None => changes.titles.push((fix.title.clone(), 1)),
            }
        }
    }
    let order: Vec<String> = stats::statistics(reports)
        .into_iter()
        .filter(|s| s.kind == "fix")
        .map(|s| s.rule)
        .collect();
    order
        .into_iter()
        .filter_map(|rule| per_rule.remove_entry(&rule))
        .collect()
}

fn rules_table(per_rule: &[(String, RuleChanges)]) -> String {
    let docs = crate::docs::rule_docs();
    let mut out = String::from("| rule | files | changes | what it does |\n|---|--:|--:|---|\n");
    for (rule, changes) in per_rule {
        let what = docs
            .iter()
            .find(|d| d.name == rule)
            .and_then(|d| d.summary)
            .unwrap_or("");
        out.push_str(&format!(
            "| `{rule}` | {} | {} | {what} |\n",
            changes.files, changes.count
        ));
    }
    out
}

/// `- `path:line:col` rule: message — help (and the same in N more places: ...)`.
fn needs_human_item(group: &Group) -> String {
    let finding = group.finding;
    let mut item = format!(
        "- {} `{}`: {}",
        code(&place(group.path, finding)),
        finding.rule,
        escape(&finding.message)
    );
    if let Some(help) = &finding.help {
        item.push_str(&format!(" — {}", escape(help)));
    }
    if let Some(elsewhere) = group.same_elsewhere(PLACES_SHOWN, code) {
        item.push_str(&format!(" ({elsewhere})"));
    }
    item.push('\n');
    if let Some(suggestion) = &finding.suggestion {
        item.push_str(&fenced("diff", &suggestion.diff, "  "));
    }
    item
}

/// A fenced code block (indented by `indent`, inside a list item) that holds `text` whatever
/// backtick runs it contains.
fn fenced(info: &str, text: &str, indent: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest.max(2) + 1);
    let mut out = format!("{indent}{fence}{info}\n");
    for line in text.lines() {
        out.push_str(&format!("{indent}{}\n", terminal_safe(line, false)));
    }
    out.push_str(&format!("{indent}{fence}\n"));
    out
}

/// The first [`LIST_LIMIT`] items, then `- … and N more`.
fn push_limited<T>(out: &mut String, items: &[T], line: impl Fn(&T) -> String) {
    for item in items.iter().take(LIST_LIMIT) {
        out.push_str(&line(item));
    }
    if items.len() > LIST_LIMIT {
        out.push_str(&format!("- … and {} more\n", items.len() - LIST_LIMIT));
    }
}

/// Text shown as written: markdown punctuation backslash-escaped, `@` kept from mentioning,
/// newlines and control characters made visible on one line.
fn escape(text: &str) -> String {
    let text = terminal_safe(&text.trim_end().replace("\r\n", "\n"), true).replace('\n', " ");
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '|' | '#' | '!' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '@' => out.push_str("@\u{200b}"),
            c => out.push(c),
        }
    }
    out
}

/// A code span that holds `text` whatever backticks it contains (CommonMark: a fence longer
/// than any run inside, padded with spaces when the text starts or ends with a backtick).
fn code(text: &str) -> String {
    let text = terminal_safe(text, false);
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{text}{pad}{fence}")
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping_keeps_text_as_written() {
        assert_eq!(
            escape("<img src=x> *b* @org/team `x` a|b\nc"),
            "\\<img src=x\\> \\*b\\* @\u{200b}org/team \\`x\\` a\\|b c"
        );
        assert_eq!(code("a.yml:1:2"), "`a.yml:1:2`");
        assert_eq!(
            fenced("diff", "-a\n+``` b", ""),
            "````diff\n-a\n+``` b\n````\n"
        );
        assert_eq!(code("we`ird"), "``we`ird``");
        assert_eq!(code("`x"), "`` `x ``");
    }
}
