//! Reporting a run: what is printed on each stream for each output format, and the summary.
//!
//! The pipeline produces one [`FileReport`] per file; this module only renders. Rendering is a
//! pure function of the reports and the options (no I/O, no environment except in
//! [`use_color`]), which keeps every format snapshot-testable.
//!
//! Formats:
//! - **text** ([`text`]): standard output carries only the product of the mode (the unified
//!   diffs, so that `wffmt > fix.patch` is a clean patch; `fixed PATH (rules)` lines with
//!   `--fix`; or the `--statistics` table); the findings go to standard error as
//!   `path:line:col: severity[rule]: message`, the form editors and terminals recognise as a
//!   location, followed by the summary line.
//! - **json** ([`json`]): one versioned document with every file, a summary and statistics.
//! - **github** ([`github`]): workflow commands that become annotations on a pull request.
//! - **sarif** ([`sarif`]): SARIF 2.1.0 for code-scanning dashboards.
//! - **markdown** ([`markdown`]): a summary for a pull-request body.
//!
//! The formats read by people (text, markdown) say a repeated finding once ([`group`]); github
//! annotates every place (an annotation is attached to its line), and the machine formats keep
//! every occurrence. Without a mode flag and with `--check`, the output is
//! the same (the contract says so); only the exit code differs, and that is the caller's
//! business.

mod diff;
mod github;
pub mod group;
pub mod json;
mod line_diff;
mod markdown;
mod myers;
mod safe_json;
mod sarif;
pub mod stats;
mod text;

/// Random numbers below a bound (0 for a bound of 0), from a xorshift generator: reproducible
/// inputs for the diff tests.
#[cfg(test)]
fn random_below(seed: u64) -> impl FnMut(u64) -> u32 {
    let mut state = seed;
    move |bound| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % bound.max(1)) as u32
    }
}

pub use diff::{colorize_diff, printable_diff, unified_diff};
pub use text::{finding_lines, terminal_safe};

use crate::edit::Applicability;
use crate::finding::{Finding, Severity};

/// `--format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Text,
    Json,
    Github,
    Sarif,
    Markdown,
}

/// What the run does with the changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// No mode flag: show the diff, write nothing.
    Diff,
    /// `--check`: show the diff, write nothing, exit 1 on changes.
    Check,
    /// `--fix`: write the files.
    Fix,
}

impl Mode {
    fn as_str(self) -> &'static str {
        match self {
            Mode::Diff => "diff",
            Mode::Check => "check",
            Mode::Fix => "fix",
        }
    }
}

/// `--color`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    Auto,
    Always,
    Never,
}

/// One fix applied (or that would be applied) to a file.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, schemars::JsonSchema)]
pub struct FixSummary {
    pub rule: String,
    /// One line on what the fix does, e.g. `pin actions/checkout@v4 to a commit SHA`.
    pub title: String,
    /// `safe`, or `unsafe` when `--unsafe-fixes` let it through.
    pub applicability: Applicability,
}

/// The rule of the error that stands for an invalid configuration file.
pub const CONFIG_RULE: &str = "config";

/// Everything the run has to say about one file.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct FileReport {
    /// Display path (relative to the current directory, `/`-separated).
    pub path: String,
    /// The file would change (check / diff) or was changed (fix).
    pub changed: bool,
    /// The uncoloured unified diff, when the file changes.
    pub diff: Option<String>,
    pub fixes: Vec<FixSummary>,
    pub findings: Vec<Finding>,
    /// Why the file could not be processed (unreadable, not UTF-8, verification failure, ...).
    /// Boxed: few files have one, and a report is kept for every file until the end of the run.
    pub error: Option<Box<Finding>>,
}

impl FileReport {
    /// The distinct rules of the fixes, in the order they first appear.
    fn fix_rules(&self) -> Vec<&str> {
        let mut rules: Vec<&str> = Vec::new();
        for fix in &self.fixes {
            if !rules.contains(&fix.rule.as_str()) {
                rules.push(&fix.rule);
            }
        }
        rules
    }

    /// The findings, ordered by position (stable: equal positions keep their order).
    fn sorted_findings(&self) -> Vec<&Finding> {
        let mut findings: Vec<&Finding> = self.findings.iter().collect();
        findings.sort_by_key(|f| (f.line, f.column));
        findings
    }

    /// Whether the report is an invalid configuration file's (not a workflow or action file).
    fn is_config_error(&self) -> bool {
        self.error.as_ref().is_some_and(|e| e.rule == CONFIG_RULE)
    }

    /// The file-level error (first) and the findings, ordered by position.
    fn all_findings(&self) -> Vec<&Finding> {
        self.error
            .as_deref()
            .into_iter()
            .chain(self.sorted_findings())
            .collect()
    }
}

/// How to render.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RenderOptions {
    pub format: Format,
    pub mode: Mode,
    /// ANSI colours on standard output (text format only; the machine formats never colour).
    pub color: bool,
    /// ANSI colours in the messages on standard error (text format).
    pub color_messages: bool,
    /// Text format: list each fix's title under its file.
    pub verbose: bool,
    /// `--quiet`: only error-level findings, no diff, no summary (text format).
    pub quiet: bool,
    /// `--statistics`: counts per rule and kind instead of diffs and findings (text format).
    pub statistics: bool,
    /// What the run left out, for the summaries.
    pub run: RunFacts,
}

/// What a run left out, beyond the reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct RunFacts {
    /// Workflow and action files, and directories, left out by `exclude` globs.
    pub excluded: usize,
    /// Files not processed because the configuration that applies to them is invalid.
    pub skipped_by_config: usize,
}

impl RenderOptions {
    /// Plain options for a format and mode: no colour, not verbose, not quiet.
    pub fn new(format: Format, mode: Mode) -> RenderOptions {
        RenderOptions {
            format,
            mode,
            color: false,
            color_messages: false,
            verbose: false,
            quiet: false,
            statistics: false,
            run: RunFacts::default(),
        }
    }
}

/// What a run prints: `stdout` is the product (diffs, fixed lines, a document), `stderr` the
/// messages and the summary.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Rendered {
    pub stdout: String,
    pub stderr: String,
}

/// Everything a run prints, on both streams. `reports` should already be sorted by path.
pub fn render_run(reports: &[FileReport], opts: &RenderOptions) -> Rendered {
    let stdout = render(reports, opts);
    let stderr = match opts.format {
        Format::Text if opts.quiet => text::render_messages(reports, opts),
        Format::Text => {
            // Appended, not formatted into a copy: the messages of a large run are long.
            let mut messages = text::render_messages(reports, opts);
            messages.push_str(&summary_with(reports, opts.mode, &opts.run));
            messages.push('\n');
            messages
        }
        Format::Json | Format::Github | Format::Sarif | Format::Markdown => String::new(),
    };
    Rendered { stdout, stderr }
}

/// What a run prints on standard output (see [`render_run`] for both streams).
pub fn render(reports: &[FileReport], opts: &RenderOptions) -> String {
    match opts.format {
        Format::Text => text::render(reports, opts),
        Format::Json => json::render(reports, opts.mode, &opts.run),
        Format::Github => github::render(reports, opts.mode),
        Format::Sarif => sarif::render(reports, opts.mode),
        Format::Markdown => markdown::render(reports, opts.mode, &opts.run),
    }
}

/// Totals over a run: the same numbers in every format (the text summary line, the markdown
/// title and footer, the JSON `summary`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Serialize, schemars::JsonSchema)]
pub struct Counts {
    /// Workflow and action files checked, including those that could not be processed (not
    /// the invalid configuration files, nor the files they made wffmt skip).
    pub files: usize,
    /// Files that would change (diff / check) or were changed (fix).
    pub changed: usize,
    /// Files of `files` that could not be processed (they carry a file-level error: unreadable,
    /// not UTF-8, failed verification, ...).
    pub failed: usize,
    /// Invalid configuration files (each is one entry of the document's `files`, with its
    /// error).
    pub config_errors: usize,
    /// Every error: error-level findings, plus one per failed file and per invalid
    /// configuration file.
    pub errors: usize,
    /// Warning-level findings.
    pub warnings: usize,
    /// Info-level findings.
    pub infos: usize,
    /// Unsafe fixes reported and not applied (no `--unsafe-fixes`).
    pub unsafe_fixes_pending: usize,
    /// Workflow and action files, and directories, left out by `exclude` globs.
    pub excluded: usize,
    /// Files not processed because the configuration that applies to them is invalid (the
    /// configuration error itself is one of `files`, with `failed`).
    pub skipped: usize,
}

impl Counts {
    pub fn of(reports: &[FileReport]) -> Counts {
        let mut counts = Counts::default();
        for report in reports {
            if report.is_config_error() {
                counts.config_errors += 1;
            } else {
                counts.files += 1;
                counts.failed += usize::from(report.error.is_some());
            }
            counts.errors += usize::from(report.error.is_some());
            counts.changed += usize::from(report.changed);
            for finding in &report.findings {
                counts.unsafe_fixes_pending += usize::from(finding.suggestion.is_some());
                match finding.severity {
                    Severity::Error => counts.errors += 1,
                    Severity::Warning => counts.warnings += 1,
                    Severity::Info => counts.infos += 1,
                }
            }
        }
        counts
    }
}

impl Counts {
    /// [`Counts::of`] with what the run left out.
    pub fn of_run(reports: &[FileReport], run: &RunFacts) -> Counts {
        Counts {
            excluded: run.excluded,
            skipped: run.skipped_by_config,
            ..Counts::of(reports)
        }
    }
}

/// The one-line summary for stderr, e.g. `3 files would be changed, 1 error` (no newline).
/// Errors count files that failed, invalid configurations and error-level findings.
pub fn summary(reports: &[FileReport], mode: Mode) -> String {
    summary_with(reports, mode, &RunFacts::default())
}

/// [`summary`] that also says what was skipped and excluded.
pub fn summary_with(reports: &[FileReport], mode: Mode, run: &RunFacts) -> String {
    let counts = Counts::of(reports);
    let checked = counts.files;
    if reports.is_empty() && run.excluded == 0 {
        return "no workflow or action files found".to_string();
    }
    let mut parts = Vec::new();
    if checked == 0 {
        // Nothing was processed: only what was skipped or excluded is worth saying.
    } else if counts.changed > 0 {
        let verb = match mode {
            Mode::Fix => "fixed",
            Mode::Diff | Mode::Check => "would be changed",
        };
        parts.push(format!("{} {verb}", plural(counts.changed, "file")));
    } else {
        let nothing = match mode {
            Mode::Fix => "nothing to fix",
            Mode::Diff | Mode::Check => "nothing to change",
        };
        parts.push(format!("{} checked, {nothing}", plural(checked, "file")));
    }
    if run.skipped_by_config > 0 {
        parts.push(format!(
            "{} skipped (invalid configuration)",
            plural(run.skipped_by_config, "file")
        ));
    }
    if run.excluded > 0 {
        parts.push(format!("{} excluded", run.excluded));
    }
    if counts.errors > 0 {
        parts.push(plural(counts.errors, "error"));
    }
    if counts.warnings > 0 {
        parts.push(plural(counts.warnings, "warning"));
    }
    let mut line = parts.join(", ");
    if counts.unsafe_fixes_pending > 0 {
        line.push_str(&format!(
            "; {} not applied (run with --unsafe-fixes to apply {})",
            plural(counts.unsafe_fixes_pending, "unsafe fix"),
            if counts.unsafe_fixes_pending == 1 {
                "it"
            } else {
                "them"
            }
        ));
    }
    line
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else if word.ends_with(['x', 's']) {
        format!("{n} {word}es")
    } else {
        format!("{n} {word}s")
    }
}

/// Whether to colour output written to a stream.
///
/// `Never` never colours and `Always` always does (an explicit request beats the environment).
/// `Auto` colours only a terminal, and only when `NO_COLOR` is unset or empty
/// (<https://no-color.org>: "when present and not an empty string").
pub fn use_color(choice: ColorChoice, stream_is_tty: bool) -> bool {
    let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    color_decision(choice, stream_is_tty, no_color)
}

fn color_decision(choice: ColorChoice, stream_is_tty: bool, no_color: bool) -> bool {
    match choice {
        ColorChoice::Never => false,
        ColorChoice::Always => true,
        ColorChoice::Auto => stream_is_tty && !no_color,
    }
}

#[cfg(test)]
mod tests;
