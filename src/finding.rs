//! Findings: what a rule (or the pipeline) reports about a file, with a precise location.

use schemars::JsonSchema;
use serde::Serialize;

use crate::edit::Applicability;

/// How serious a finding is. `Error` findings make `--check` fail.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

/// One message about one place in one file. Lines and columns are 1-based; columns count
/// characters (not bytes) so that editors and GitHub annotations point at the right spot.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Finding {
    /// The rule that produced the finding (`quote-patterns`, `pin`, …) or `syntax` / `io` / `verify`,
    /// or `network` when a rule's lookup failed because of the network or authentication.
    pub rule: String,
    pub severity: Severity,
    pub line: usize,
    pub column: usize,
    pub message: String,
    /// What the user can do about it, when there is something to say.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub help: Option<String>,
    /// A fix that was not applied (an unsafe fix without `--unsafe-fixes`), for the user to
    /// review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub suggestion: Option<Box<Suggestion>>,
}

/// A fix offered by a finding and not applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Suggestion {
    pub applicability: Applicability,
    /// What the fix may change (why it is unsafe).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The edits, positioned in the text the rule saw.
    pub edits: Vec<SuggestedEdit>,
    /// The changed lines as `-` / `+` lines, for people.
    pub diff: String,
}

/// One replacement: the text from `start` (inclusive) to `end` (exclusive) becomes `content`.
/// Lines and columns are 1-based, columns in characters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct SuggestedEdit {
    pub start_line: usize,
    pub start_column: usize,
    pub end_line: usize,
    pub end_column: usize,
    pub content: String,
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
            suggestion: None,
        }
    }

    pub fn with_help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
