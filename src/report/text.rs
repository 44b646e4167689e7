//! The human format: diffs, then `fixed` lines, then findings (see the parent module for why
//! in this order).

use owo_colors::OwoColorize;

use super::{colorize_diff, FileReport, Mode, RenderOptions};
use crate::finding::{Finding, Severity};

pub(super) fn render(reports: &[FileReport], opts: &RenderOptions) -> String {
    let mut out = String::new();

    if opts.mode != Mode::Fix {
        for report in reports {
            if let Some(diff) = report.diff.as_deref().filter(|d| !d.is_empty()) {
                if opts.color {
                    out.push_str(&colorize_diff(diff));
                } else {
                    out.push_str(diff);
                }
                if !diff.ends_with('\n') {
                    out.push('\n');
                }
            }
        }
    }

    for report in reports.iter().filter(|r| r.changed) {
        let verb = match opts.mode {
            Mode::Fix => "fixed",
            Mode::Diff | Mode::Check => "would fix",
        };
        // Without --verbose the diff already says it all in diff / check mode.
        if opts.mode != Mode::Fix && !opts.verbose {
            continue;
        }
        let rules = report.fix_rules();
        let path = paint(&report.path, opts.color, Paint::Bold);
        if rules.is_empty() {
            out.push_str(&format!("{verb} {path}\n"));
        } else {
            out.push_str(&format!("{verb} {path} ({})\n", rules.join(", ")));
        }
        if opts.verbose {
            for fix in &report.fixes {
                out.push_str(&format!("  {}: {}\n", fix.rule, fix.title));
            }
        }
    }

    for report in reports {
        for finding in report.all_findings() {
            push_finding(&mut out, &report.path, finding, opts.color);
        }
    }
    out
}

fn push_finding(out: &mut String, path: &str, finding: &Finding, color: bool) {
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
}

/// Continuation lines of a multi-line message are indented, so that every line a tool parses as
/// `path:line:col: ...` is the start of a finding.
fn indent_continuation(text: &str) -> String {
    text.trim_end()
        .replace("\r\n", "\n")
        .replace('\n', "\n    ")
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
