//! GitHub Actions workflow commands: each line becomes an annotation on the run and the pull
//! request.
//!
//! - a finding or file error: `::error file=PATH,line=L,col=C,title=wffmt (rule)::message`
//!   (`::warning` / `::notice` by severity; no `line`/`col` when there is no position);
//! - a file that would change (diff / check mode): one `::warning` on the file;
//! - a file changed by `--fix`: one `::notice`.
//!
//! A finding repeated for one cause is one annotation, at its first place, that names the
//! others (GitHub shows only the first few annotations of each kind per step).
//!
//! Paths and messages quote workflow content and file names: their control characters are made
//! visible first ([`terminal_safe`], as in the text format), since the runner's log viewer and a
//! local terminal both interpret ANSI sequences. Then the workflow-command escaping of
//! `@actions/core` applies: in the message `%`, `\r` and `\n` are percent-encoded (the message's
//! own line breaks survive as `%0A`); in property values `:` and `,` are as well, since they
//! delimit properties.

use super::group::{group_findings, Group};
use super::{terminal_safe, FileReport, Mode};
use crate::finding::Severity;

/// How many other places of a repeated finding are named before `and N more`.
const PLACES_SHOWN: usize = 10;

pub(super) fn render(reports: &[FileReport], mode: Mode) -> String {
    let mut out = String::new();
    for report in reports {
        if report.changed {
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
            out.push_str(&format!(
                "::{command} file={},title={}::{}\n",
                escape_property(&report.path),
                escape_property("wffmt"),
                escape_message(&message)
            ));
        }
    }
    for group in group_findings(reports, |_| true) {
        push_group(&mut out, &group);
    }
    out
}

fn push_group(out: &mut String, group: &Group) {
    let (path, finding) = (group.path, group.finding);
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
    if !group.others.is_empty() {
        let (places, left) = group.other_places(PLACES_SHOWN);
        message.push_str(&format!(
            "\nthe same in {} more {}: {}",
            group.others.len(),
            if group.others.len() == 1 {
                "place"
            } else {
                "places"
            },
            places.join(", ")
        ));
        if left > 0 {
            message.push_str(&format!(" and {left} more"));
        }
    }
    out.push_str(&format!(
        "::{command} {properties}::{}\n",
        escape_message(&message)
    ));
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
