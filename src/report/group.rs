//! Findings of one cause, said once.
//!
//! One bad setting or one unreachable host can produce the same finding in every file and at
//! every `uses:`; printing it 300 times hides everything else. Findings with the same rule,
//! severity, message and help are one cause: the text and markdown formats print the first
//! occurrence with the number and places of the others. A rule that wants its findings grouped therefore words
//! the message by cause (`cannot reach github.com: ...`) and leaves the place to the location.
//! The github format (one annotation per place) and the machine formats (JSON, SARIF) keep every
//! occurrence.

use std::collections::BTreeMap;

use super::FileReport;
use crate::finding::{Finding, Severity};

/// One cause: where it was first found, and every other place.
#[derive(Debug)]
pub struct Group<'a> {
    pub path: &'a str,
    pub finding: &'a Finding,
    /// The other occurrences, in report order.
    pub others: Vec<(&'a str, &'a Finding)>,
}

impl Group<'_> {
    /// How many times the cause was found.
    pub fn count(&self) -> usize {
        1 + self.others.len()
    }

    /// `path:line:col` of the other occurrences, at most `limit`, and how many were left out.
    pub fn other_places(&self, limit: usize) -> (Vec<String>, usize) {
        let places = self
            .others
            .iter()
            .take(limit)
            .map(|(path, f)| place(path, f))
            .collect();
        (places, self.others.len().saturating_sub(limit))
    }

    /// `the same in N more places: a, b and M more` (at most `limit` places, each written by
    /// `show`), or `None` when the cause was found nowhere else.
    pub fn same_elsewhere(&self, limit: usize, show: impl Fn(&str) -> String) -> Option<String> {
        if self.others.is_empty() {
            return None;
        }
        let (places, left) = self.other_places(limit);
        let places: Vec<String> = places.iter().map(|p| show(p)).collect();
        let noun = if self.others.len() == 1 {
            "place"
        } else {
            "places"
        };
        let mut text = format!(
            "the same in {} more {noun}: {}",
            self.others.len(),
            places.join(", ")
        );
        if left > 0 {
            text.push_str(&format!(" and {left} more"));
        }
        Some(text)
    }
}

/// `path:line:col`, or the path alone for a finding without a position.
pub fn place(path: &str, finding: &Finding) -> String {
    if finding.line == 0 {
        path.to_string()
    } else {
        format!("{path}:{}:{}", finding.line, finding.column)
    }
}

/// The findings of `reports` (file-level errors first in each file, then by position) grouped
/// by cause, in the order of each cause's first occurrence. `keep` filters the findings (e.g.
/// errors only for `--quiet`).
pub fn group_findings<'a>(
    reports: &'a [FileReport],
    keep: impl Fn(&Finding) -> bool,
) -> Vec<Group<'a>> {
    let mut groups: Vec<Group<'a>> = Vec::new();
    let mut index: BTreeMap<(&str, Severity, &str, Option<&str>), usize> = BTreeMap::new();
    for report in reports {
        for finding in report.all_findings() {
            if !keep(finding) {
                continue;
            }
            // A file-level error is about its own file, and a finding that suggests an edit
            // about its own place: never merged.
            let file_level = report
                .error
                .as_deref()
                .is_some_and(|e| std::ptr::eq(e, finding));
            if file_level || finding.suggestion.is_some() {
                groups.push(Group {
                    path: &report.path,
                    finding,
                    others: Vec::new(),
                });
                continue;
            }
            let key = (
                finding.rule.as_str(),
                finding.severity,
                finding.message.as_str(),
                finding.help.as_deref(),
            );
            match index.get(&key) {
                Some(&i) => groups[i].others.push((&report.path, finding)),
                None => {
                    index.insert(key, groups.len());
                    groups.push(Group {
                        path: &report.path,
                        finding,
                        others: Vec::new(),
                    });
                }
            }
        }
    }
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    fn report(path: &str, findings: Vec<Finding>) -> FileReport {
        FileReport {
            path: path.into(),
            findings,
            ..FileReport::default()
        }
    }

    #[test]
    fn same_cause_is_one_group_in_first_occurrence_order() {
        let host = |line| {
            Finding::new("pin", Severity::Error, line, 9, "cannot reach example.com")
                .with_help("check the network")
        };
        let other = Finding::new("layout", Severity::Warning, 2, 1, "tab");
        let reports = [
            report("a.yml", vec![host(7), other.clone(), host(3)]),
            report("b.yml", vec![host(4)]),
        ];
        let groups = group_findings(&reports, |_| true);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].finding.rule, "layout");
        assert_eq!((groups[1].path, groups[1].finding.line), ("a.yml", 3));
        assert_eq!(groups[1].count(), 3);
        assert_eq!(
            groups[1].other_places(1),
            (vec!["a.yml:7:9".to_string()], 1)
        );
    }

    #[test]
    fn file_level_errors_stay_with_their_file() {
        let error = Finding::new("io", Severity::Error, 1, 1, "a character device; skipped");
        let reports = [
            FileReport {
                error: Some(Box::new(error.clone())),
                ..report("a.yml", vec![])
            },
            FileReport {
                error: Some(Box::new(error)),
                ..report("b.yml", vec![])
            },
        ];
        let groups = group_findings(&reports, |_| true);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[1].path, "b.yml");
    }

    #[test]
    fn different_help_or_severity_is_another_cause_and_filters_apply() {
        let a = Finding::new("pin", Severity::Error, 1, 1, "x");
        let b = a.clone().with_help("other");
        let c = Finding::new("pin", Severity::Warning, 1, 1, "x");
        let reports = [report("a.yml", vec![a, b, c])];
        assert_eq!(group_findings(&reports, |_| true).len(), 3);
        let errors = group_findings(&reports, |f| f.severity == Severity::Error);
        assert_eq!(errors.len(), 2);
    }
}
