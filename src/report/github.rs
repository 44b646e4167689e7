//! GitHub Actions workflow commands: each line becomes an annotation on the run and the pull
//! request.
//!
//! - a finding or file error: `::error file=PATH,line=L,col=C,title=wffmt (rule)::message`
//!   (`::warning` / `::notice` by severity; no `line`/`col` when there is no position);
//! - a file that would change (diff / check mode): one `::warning` on the file;
//! - a file changed by `--fix`: one `::notice`.
//!
//! Every finding is an annotation at its own place, repeated causes included: grouping them
//! (as the text format does) would leave every place but the first without its inline
//! annotation on the pull request. GitHub shows at most [`SHOWN_PER_KIND`] annotations of each
//! kind (error, warning, notice) per step, and 50 per job; the workflow commands beyond that
//! still print in the step's log. When a kind goes over the limit, a first notice says so and
//! how many there are.
//!
//! Paths and messages quote workflow content and file names: their control characters are made
//! visible first ([`terminal_safe`], as in the text format), since the runner's log viewer and a
//! local terminal both interpret ANSI sequences. Then the workflow-command escaping of
//! `@actions/core` applies: in the message `%`, `\r` and `\n` are percent-encoded (the message's
//! own line breaks survive as `%0A`); in property values `:` and `,` are as well, since they
//! delimit properties.

use std::collections::BTreeMap;

use super::{terminal_safe, FileReport, Mode};
use crate::finding::{Finding, Severity};

/// Annotations of one kind GitHub shows per step (actions/toolkit, docs/problem-matchers.md:
/// "10 warning annotations, 10 error annotations, and 10 notice annotations per step").
const SHOWN_PER_KIND: usize = 10;

pub(super) fn render(reports: &[FileReport], mode: Mode) -> String {
    // (command, the whole line), in the order of the reports: each file's change, then its
    // file-level error and findings by position.
    let mut annotations: Vec<(&str, String)> = Vec::new();
    for report in reports {
        if report.changed {
            annotations.push(changed_file(report, mode));
        }
        for finding in report.all_findings() {
            annotations.push(finding_annotation(&report.path, finding));
        }
    }
    let mut per_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for (command, _) in &annotations {
        *per_kind.entry(command).or_default() += 1;
    }
    let mut out = String::new();
    let over: Vec<String> = ["error", "warning", "notice"]
        .iter()
        .filter_map(|kind| {
            let n = per_kind.get(kind).copied().unwrap_or(0);
            (n > SHOWN_PER_KIND).then(|| format!("{n} {kind}s"))
        })
        .collect();
    if !over.is_empty() {
        let message = format!(
            "wffmt reports {}; GitHub shows the first {SHOWN_PER_KIND} annotations of each kind per step, so some have no inline annotation. The step's log lists every one.",
            over.join(", ")
        );
        out.push_str(&format!(
            "::notice title={}::{}\n",
            escape_property("wffmt"),
            escape_message(&message)
        ));
    }
    for (_, line) in annotations {
        out.push_str(&line);
    }
    out
}

/// The annotation of a file that would change (a warning) or was fixed (a notice).
fn changed_file(report: &FileReport, mode: Mode) -> (&'static str, String) {
    let rules = report.fix_rules();
    let rules = if rules.is_empty() {
        String::new()
    } else {
        format!(" ({})", rules.join(", "))
    };
    let (command, message) = match mode {
        Mode::Fix => ("notice", format!("fixed{rules}")),
        Mode::Diff | Mode::Check => (
            "warning",
            format!("would be changed by wffmt{rules}; run `wffmt --fix` to apply"),
        ),
    };
    let line = format!(
        "::{command} file={},title={}::{}\n",
        escape_property(&report.path),
        escape_property("wffmt"),
        escape_message(&message)
    );
    (command, line)
}

fn finding_annotation(path: &str, finding: &Finding) -> (&'static str, String) {
    let command = match finding.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
        Severity::Info => "notice",
    };
    let mut properties = format!("file={}", escape_property(path));
    if finding.line > 0 {
        properties.push_str(&format!(",line={}", finding.line));
        if finding.column > 0 {
            properties.push_str(&format!(",col={}", finding.column));
        }
    }
    properties.push_str(&format!(
        ",title={}",
        escape_property(&format!("wffmt ({})", finding.rule))
    ));
    let mut message = finding.message.clone();
    if let Some(help) = &finding.help {
        message.push_str("\nhelp: ");
        message.push_str(help);
    }
    let line = format!("::{command} {properties}::{}\n", escape_message(&message));
    (command, line)
}

/// A message: control characters made visible but its line breaks kept, then escaped.
fn escape_message(text: &str) -> String {
    escape_data(&terminal_safe(&text.replace("\r\n", "\n"), true))
}

/// A property value: every control character made visible (a path has no line to break), then
/// escaped.
fn escape_property(text: &str) -> String {
    escape_data(&terminal_safe(text, false))
        .replace(':', "%3A")
        .replace(',', "%2C")
}

fn escape_data(text: &str) -> String {
    text.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escaping() {
        assert_eq!(escape_data("50%\r\nx: a, b"), "50%25%0D%0Ax: a, b");
        assert_eq!(escape_property("a:b,c%"), "a%3Ab%2Cc%25");
        // Control characters become visible: a path has no line breaks, a message keeps its own.
        assert_eq!(escape_property("a\nb\u{1b}"), "a\\nb\\e");
        assert_eq!(
            escape_message("x\u{1b}[31m\u{7}\r\ny\rz%"),
            "x\\e[31m\\x07%0Ay\\rz%25"
        );
    }
}
