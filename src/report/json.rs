//! The JSON format: one document per run, stable field order, for scripts and editors.
//!
//! ```json
//! {"mode": "check",
//!  "files": [{"path": "...", "changed": true, "fixes": [{"rule": "...", "title": "..."}],
//!             "findings": [...], "error": null, "diff": "--- a/...\n"}],
//!  "summary": {"files": 1, "changed": 1, "failed": 0, "errors": 0, "warnings": 0, "infos": 0}}
//! ```
//! Findings keep the shape of [`crate::finding::Finding`], ordered by position; `error` is
//! `null` or a finding;
//! `diff` is `null` when the file does not change.

use serde::Serialize;

use super::{Counts, FileReport, FixSummary, Mode};
use crate::finding::Finding;

#[derive(Serialize)]
struct Document<'a> {
    mode: &'static str,
    files: Vec<FileView<'a>>,
    summary: Counts,
}

#[derive(Serialize)]
struct FileView<'a> {
    path: &'a str,
    changed: bool,
    fixes: &'a [FixSummary],
    findings: Vec<&'a Finding>,
    error: Option<&'a Finding>,
    diff: Option<&'a str>,
}

pub(super) fn render(reports: &[FileReport], mode: Mode) -> String {
    let document = Document {
        mode: mode.as_str(),
        files: reports
            .iter()
            .map(|r| FileView {
                path: &r.path,
                changed: r.changed,
                fixes: &r.fixes,
                findings: r.sorted_findings(),
                error: r.error.as_ref(),
                diff: r.diff.as_deref().filter(|d| !d.is_empty()),
            })
            .collect(),
        summary: Counts::of(reports),
    };
    // Serialising plain structs of strings and numbers cannot fail; should it ever, say so in
    // valid JSON rather than panic.
    let mut text = serde_json::to_string_pretty(&document).unwrap_or_else(|err| {
        serde_json::json!({ "error": format!("cannot serialise the report: {err}") }).to_string()
    });
    text.push('\n');
    text
}
