//! The JSON format: one document per run, stable field order, for scripts and editors.
//!
//! ```json
//! {"schema_version": 2, "wffmt_version": "0.1.0", "mode": "check",
//!  "files": [{"path": "...", "changed": true,
//!             "fixes": [{"rule": "...", "title": "...", "applicability": "safe"}],
//!             "findings": [...], "error": null, "diff": "--- a/...\n"}],
//!  "summary": {"files": 1, "changed": 1, "failed": 0, "config_errors": 0, "errors": 0,
//!              "warnings": 0, "infos": 0, "unsafe_fixes_pending": 0, "excluded": 0,
//!              "skipped": 0},
//!  "statistics": [{"rule": "pin", "kind": "fix", "count": 3, "files": 1}]}
//! ```
//! Findings keep the shape of [`crate::finding::Finding`], ordered by position; `error` is
//! `null` or a finding; `diff` is `null` when the file does not change. Every finding is kept
//! (no grouping). Paths are relative to the directory wffmt ran in, and every count in
//! `summary` and `statistics` is a sum, so the documents of many runs (one per repository)
//! aggregate by concatenating `files` and adding the counts.
//!
//! `schema/report.schema.json` is the JSON Schema of this document, generated from these types
//! (a test keeps it current). [`SCHEMA_VERSION`] changes when a field is removed, renamed or
//! changes meaning; new fields may appear within a version. Version 2: `summary` counts what
//! the text summary line counts (`errors` includes failed files and invalid configurations,
//! `files` and `failed` leave the configuration files out, which `config_errors` counts).

use schemars::JsonSchema;
use serde::Serialize;

use super::stats::{statistics, Stat};
use super::{Counts, FileReport, FixSummary, Mode, RunFacts};
use crate::finding::Finding;

/// The version of the document's shape (`schema_version`).
pub const SCHEMA_VERSION: u32 = 2;

/// The `--format json` document.
#[derive(Serialize, JsonSchema)]
#[schemars(title = "wffmt --format json report")]
pub struct Document<'a> {
    /// The version of this document's shape; it changes when a field is removed, renamed or
    /// changes meaning.
    pub schema_version: u32,
    /// The wffmt release that wrote the document.
    pub wffmt_version: &'a str,
    /// `diff` (no mode flag), `check` or `fix`.
    pub mode: &'static str,
    /// Every file processed, and every path that could not be, sorted by path.
    pub files: Vec<FileView<'a>>,
    pub summary: Counts,
    /// Fixes and findings per rule and kind, the largest counts first.
    pub statistics: Vec<Stat>,
}

/// One file of the run.
#[derive(Serialize, JsonSchema)]
pub struct FileView<'a> {
    /// Relative to the directory wffmt ran in, `/`-separated.
    pub path: &'a str,
    /// The file would change (diff, check) or was changed (fix).
    pub changed: bool,
    /// The fixes applied (fix) or that would be applied (diff, check).
    pub fixes: &'a [FixSummary],
    /// Ordered by position.
    pub findings: Vec<&'a Finding>,
    /// Why the file could not be processed (`null` when it was).
    pub error: Option<&'a Finding>,
    /// The unified diff of the change; `null` when the file does not change.
    pub diff: Option<&'a str>,
}

/// The JSON Schema of the document (committed as `schema/report.schema.json`).
pub fn json_schema() -> String {
    let mut schema =
        serde_json::to_value(schemars::schema_for!(Document<'static>)).unwrap_or_default();
    if let Some(object) = schema.as_object_mut() {
        object.insert(
            "$id".into(),
            format!("wffmt-report-v{SCHEMA_VERSION}.schema.json").into(),
        );
    }
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

pub(super) fn render(reports: &[FileReport], mode: Mode, run: &RunFacts) -> String {
    render_with_version(reports, mode, run, env!("CARGO_PKG_VERSION"))
}

/// [`render`] with a given wffmt version (tests keep snapshots stable across releases).
pub(super) fn render_with_version(
    reports: &[FileReport],
    mode: Mode,
    run: &RunFacts,
    version: &str,
) -> String {
    let document = Document {
        schema_version: SCHEMA_VERSION,
        wffmt_version: version,
        mode: mode.as_str(),
        files: reports
            .iter()
            .map(|r| FileView {
                path: &r.path,
                changed: r.changed,
                fixes: &r.fixes,
                findings: r.sorted_findings(),
                error: r.error.as_deref(),
                diff: r.diff.as_deref().filter(|d| !d.is_empty()),
            })
            .collect(),
        summary: Counts::of_run(reports, run),
        statistics: statistics(reports),
    };
    // Serialising plain structs of strings and numbers cannot fail; should it ever, say so in
    // valid JSON rather than panic.
    let mut text = super::safe_json::to_string_pretty(&document).unwrap_or_else(|err| {
        serde_json::json!({ "error": format!("cannot serialise the report: {err}") }).to_string()
    });
    text.push('\n');
    text
}
