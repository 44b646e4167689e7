//! Counts per rule and kind (`--statistics`, and the `statistics` of the JSON format).
//!
//! A kind is `fix` (fixes applied, or that would be applied) or a severity (`error`, `warning`,
//! `info`; file-level errors count under their rule, e.g. `io` or `config`). Counts add up
//! across runs, so statistics of many repositories can be summed.

use std::collections::BTreeMap;

use serde::Serialize;

use super::FileReport;
use crate::finding::Severity;

/// How many fixes or findings of one kind one rule produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, schemars::JsonSchema)]
pub struct Stat {
    pub rule: String,
    /// `fix`, `error`, `warning` or `info`.
    pub kind: &'static str,
    pub count: usize,
    /// Files with at least one of them.
    pub files: usize,
}

/// The statistics of a run: the largest counts first, then by rule and kind.
pub fn statistics(reports: &[FileReport]) -> Vec<Stat> {
    let mut counts: BTreeMap<(String, &'static str), (usize, usize)> = BTreeMap::new();
    for report in reports {
        let mut seen: BTreeMap<(String, &'static str), usize> = BTreeMap::new();
        for fix in &report.fixes {
            *seen.entry((fix.rule.clone(), "fix")).or_default() += 1;
        }
        for finding in report.error.as_deref().into_iter().chain(&report.findings) {
            *seen
                .entry((finding.rule.clone(), severity_kind(finding.severity)))
                .or_default() += 1;
        }
        for (key, n) in seen {
            let entry = counts.entry(key).or_default();
            entry.0 += n;
            entry.1 += 1;
        }
    }
    let mut stats: Vec<Stat> = counts
        .into_iter()
        .map(|((rule, kind), (count, files))| Stat {
            rule,
            kind,
            count,
            files,
        })
        .collect();
    stats.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.rule.cmp(&b.rule))
            .then_with(|| kind_order(a.kind).cmp(&kind_order(b.kind)))
    });
    stats
}

pub fn severity_kind(severity: Severity) -> &'static str {
    match severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "info",
    }
}

fn kind_order(kind: &str) -> usize {
    ["fix", "error", "warning", "info"]
        .iter()
        .position(|k| *k == kind)
        .unwrap_or(4)
}

/// The `--statistics` table: count, files, rule and kind per line, under a header.
pub fn table(stats: &[Stat]) -> String {
    if stats.is_empty() {
        return String::new();
    }
    let count_width = stats
        .iter()
        .map(|s| s.count.to_string().len())
        .max()
        .unwrap_or(1)
        .max("count".len());
    let files_width = stats
        .iter()
        .map(|s| s.files.to_string().len())
        .max()
        .unwrap_or(1)
        .max("files".len());
    let rule_width = stats
        .iter()
        .map(|s| s.rule.len())
        .max()
        .unwrap_or(0)
        .max("rule".len());
    let mut out = format!(
        "{:>count_width$}  {:>files_width$}  {:rule_width$}  kind\n",
        "count", "files", "rule"
    );
    for stat in stats {
        out.push_str(&format!(
            "{:>count_width$}  {:>files_width$}  {:rule_width$}  {}\n",
            stat.count, stat.files, stat.rule, stat.kind
        ));
    }
    out
}
