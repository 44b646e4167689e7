//! The human format. Standard output carries the product of the mode and nothing else: the
//! unified diffs without a mode flag and with `--check` (so `wffmt > fix.patch` is a clean
//! patch), the `fixed PATH (rules)` lines with `--fix`, or the `--statistics` table. Findings,
//! grouped by cause ([`super::group`]), go to standard error with the summary line.
//!
//! Paths, messages and fix titles quote workflow content and file names, which nobody vetted:
//! a control character among them could clear the terminal, move the cursor or forge a
//! `fixed ...` line. They are printed through [`terminal_safe`]. Diff bodies are left as they
//! are: they are the file's own bytes, and a patch must reproduce them exactly.

use std::borrow::Cow;

use owo_colors::OwoColorize;

use super::group::{group_findings, Group};
use super::{printable_diff, stats, FileReport, Mode, RenderOptions};
use crate::escape::visible_escapes;
use crate::finding::{Finding, Severity};

/// How many other places of a repeated finding are named before `and N more`.
const PLACES_SHOWN: usize = 5;

/// Standard output (see the module documentation).
pub(super) fn render(reports: &[FileReport], opts: &RenderOptions) -> String {
    let mut out = String::new();
    if opts.statistics {
        return stats::table(&stats::statistics(reports));
    }
    if opts.quiet {
        return out;
    }
    match opts.mode {
        Mode::Diff | Mode::Check => {
            for report in reports {
                if let Some(diff) = report.diff.as_deref() {
                    out.push_str(&printable_diff(diff, opts.color));
                }
            }
        }
        Mode::Fix => push_changed_files(&mut out, reports, opts, opts.color),
    }
    out
}

/// Standard error before the summary line: `would fix` lines with `--verbose` in preview mode,
/// then the findings grouped by cause (errors only with `--quiet`; none with `--statistics`).
pub(super) fn render_messages(reports: &[FileReport], opts: &RenderOptions) -> String {
    let mut out = String::new();
    if opts.statistics {
        return out;
    }
    if opts.mode != Mode::Fix && opts.verbose && !opts.quiet {
        push_changed_files(&mut out, reports, opts, opts.color_messages);
    }
    let groups = group_findings(reports, |f| !opts.quiet || f.severity == Severity::Error);
    // `--verbose` names every other place; otherwise the first few and a count.
    let shown = if opts.verbose {
        usize::MAX
    } else {
        PLACES_SHOWN
    };
    for group in &groups {
        push_group(&mut out, group, shown, opts.color_messages);
    }
    out
}

/// `fixed PATH (rules)` (or `would fix`) per changed file, with each fix's title under it when
/// verbose.
fn push_changed_files(out: &mut String, reports: &[FileReport], opts: &RenderOptions, color: bool) {
    let verb = match opts.mode {
        Mode::Fix => "fixed",
        Mode::Diff | Mode::Check => "would fix",
    };
    for report in reports.iter().filter(|r| r.changed) {
        let rules = report.fix_rules();
        let path = paint(&terminal_safe(&report.path, false), color, Paint::Bold);
        if rules.is_empty() {
            out.push_str(&format!("{verb} {path}\n"));
        } else {
            out.push_str(&format!("{verb} {path} ({})\n", rules.join(", ")));
        }
        if opts.verbose {
            for fix in &report.fixes {
                out.push_str(&format!(
                    "  {}: {}\n",
                    fix.rule,
                    terminal_safe(&fix.title, false)
                ));
            }
        }
    }
}

/// A finding, and when its cause was found elsewhere too, a `note:` with the count and places.
fn push_group(out: &mut String, group: &Group, shown: usize, color: bool) {
    push_finding(out, group.path, group.finding, color);
    let Some(note) = group.same_elsewhere(shown, |p| terminal_safe(p, false).into_owned()) else {
        return;
    };
    out.push_str(&format!(
        "  {}: {note}\n",
        paint("note", color, Paint::Cyan)
    ));
}

/// One finding as `path:line:col: severity[rule]: message` and its `help:` line, each ending
/// in a newline, safe for a terminal.
pub fn finding_lines(path: &str, finding: &Finding, color: bool) -> String {
    let mut out = String::new();
    push_finding(&mut out, path, finding, color);
    out
}

fn push_finding(out: &mut String, path: &str, finding: &Finding, color: bool) {
    let path = terminal_safe(path, false);
    let location = if finding.line == 0 {
        path.to_string()
    } else {
        format!("{path}:{}:{}", finding.line, finding.column)
    };
    let (label, style) = match finding.severity {
        Severity::Error => ("error", Paint::Red),
        Severity::Warning => ("warning", Paint::Yellow),
        Severity::Info => ("info", Paint::Blue),
    };
    out.push_str(&format!(
        "{}: {}: {}\n",
        paint(&location, color, Paint::Bold),
        paint(&format!("{label}[{}]", finding.rule), color, style),
        indent_continuation(&finding.message)
    ));
    if let Some(help) = &finding.help {
        out.push_str(&format!(
            "  {}: {}\n",
            paint("help", color, Paint::Cyan),
            indent_continuation(help)
        ));
    }
    if let Some(suggestion) = &finding.suggestion {
        out.push_str(&format!(
            "  {} ({}):\n",
            paint("suggestion", color, Paint::Cyan),
            suggestion.applicability.as_str()
        ));
        for line in suggestion.diff.lines() {
            let line = terminal_safe(line, false);
            let painted = match line.as_bytes().first() {
                Some(b'-') if color => line.red().to_string(),
                Some(b'+') if color => line.green().to_string(),
                _ => line.into_owned(),
            };
            out.push_str(&format!("    {painted}\n"));
        }
    }
}

/// Continuation lines of a multi-line message are indented, so that every line a tool parses as
/// `path:line:col: ...` is the start of a finding.
fn indent_continuation(text: &str) -> String {
    terminal_safe(&text.trim_end().replace("\r\n", "\n"), true).replace('\n', "\n    ")
}

/// `text` with every character that could drive a terminal made visible: C0 controls but tab
/// (`\e`, `\r`, `\x07`, ...), DEL, the C1 controls (U+0080..U+009F; U+009B acts as ESC `[`
/// on some terminals), the bidirectional overrides and isolates that reorder what is shown
/// (U+202A..U+202E, U+2066..U+2069, U+200E, U+200F, U+061C), and the Unicode line and paragraph
/// separators. A newline is kept when `keep_newlines` is set (multi-line messages indent their
/// continuation lines), else shown as `\n`.
pub fn terminal_safe(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    visible_escapes(text, |c| needs_escape(c) && !(keep_newlines && c == '\n'))
}

pub(super) fn needs_escape(c: char) -> bool {
    (c.is_control() && c != '\t')
        || matches!(
            c,
            '\u{202a}'..='\u{202e}'
                | '\u{2066}'..='\u{2069}'
                | '\u{200e}'
                | '\u{200f}'
                | '\u{061c}'
                | '\u{2028}'
                | '\u{2029}'
        )
}

#[derive(Clone, Copy)]
enum Paint {
    Bold,
    Red,
    Yellow,
    Blue,
    Cyan,
}

fn paint(text: &str, color: bool, style: Paint) -> String {
    if !color {
        return text.to_string();
    }
    match style {
        Paint::Bold => text.bold().to_string(),
        Paint::Red => text.red().bold().to_string(),
        Paint::Yellow => text.yellow().bold().to_string(),
        Paint::Blue => text.blue().bold().to_string(),
        Paint::Cyan => text.cyan().bold().to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_become_visible() {
        assert_eq!(
            terminal_safe("plain `text`\twith tab", false),
            "plain `text`\twith tab"
        );
        assert!(matches!(terminal_safe("é ü 日本", false), Cow::Borrowed(_)));
        assert_eq!(
            terminal_safe("a\u{1b}[2J\u{7}b\rc\nd\u{7f}", false),
            "a\\e[2J\\x07b\\rc\\nd\\x7f"
        );
        assert_eq!(terminal_safe("a\nb\r", true), "a\nb\\r");
        assert_eq!(
            terminal_safe("x\u{9b}31m\u{202e}cba\u{2066}\u{2028}", false),
            "x\\u{009b}31m\\u{202e}cba\\u{2066}\\u{2028}"
        );
    }

    #[test]
    fn findings_cannot_forge_lines() {
        let finding = Finding::new(
            "pin",
            Severity::Warning,
            3,
            7,
            "bad `\u{1b}]0;x\u{7}`\rfixed y",
        )
        .with_help("see\n`\u{1b}[2J`");
        let text = finding_lines("dir\nfixed z.yml", &finding, false);
        assert_eq!(
            text,
            "dir\\nfixed z.yml:3:7: warning[pin]: bad `\\e]0;x\\x07`\\rfixed y\n  help: see\n    `\\e[2J`\n"
        );
    }
}
