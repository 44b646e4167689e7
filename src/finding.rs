//! Findings: what a rule (or the pipeline) reports about a file, with a precise location.

use serde::Serialize;

/// How serious a finding is. `Error` findings make `--check` fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// One message about one place in one file. Lines and columns are 1-based; columns count
/// characters (not bytes) so that editors and GitHub annotations point at the right spot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule that produced the finding (`quote-patterns`, `pin`, …) or `syntax` / `io` / `verify`.
    pub rule: String,
    pub severity: Severity,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// What the user can do about it, when there is something to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
}

impl Finding {
    pub fn new(
        rule: impl Into<String>,
        severity: Severity,
        line: usize,
        column: usize,
        message: impl Into<String>,
    ) -> Self {
        Finding {
            rule: rule.into(),
            severity,
            line,
            column,
            message: message.into(),
            help: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
