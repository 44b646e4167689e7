//! SARIF 2.1.0, for code-scanning dashboards (GitHub code scanning accepts it as uploaded).
//!
//! One run, tool `wffmt`, one rule per rule name that has a result. Results:
//! - each finding and file-level error, at its position;
//! - in diff / check mode, one `warning` per file and rule whose fixes are pending, at line 1
//!   (a fix has no single position: the diff is the detail).
//!
//! Columns are counted in characters, so the run declares `columnKind: unicodeCodePoints`.
//! Locations are relative URIs (percent-encoded), or `file://` URIs for absolute paths.

use serde::Serialize;

use super::{FileReport, Mode};
use crate::finding::{Severity, Suggestion};

#[derive(Serialize)]
struct Log<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Run<'a> {
    tool: Tool<'a>,
    column_kind: &'static str,
    results: Vec<SarifResult<'a>>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
struct Driver<'a> {
    name: &'static str,
    version: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    name: &'a str,
    short_description: Text,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    locations: [Location; 1],
    /// Suggested fixes that were not applied (unsafe ones without `--unsafe-fixes`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fixes: Vec<SarifFix>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifFix {
    description: Text,
    artifact_changes: [ArtifactChange; 1],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ArtifactChange {
    artifact_location: ArtifactLocation,
    replacements: Vec<Replacement>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Replacement {
    deleted_region: FullRegion,
    inserted_content: Text,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct FullRegion {
    start_line: usize,
    start_column: usize,
    end_line: usize,
    end_column: usize,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: usize,
    start_column: usize,
}

pub(super) fn render(reports: &[FileReport], mode: Mode) -> String {
    render_with_version(reports, mode, env!("CARGO_PKG_VERSION"))
}

pub(super) fn render_with_version(
    reports: &[FileReport],
    mode: Mode,
    version: &'static str,
) -> String {
    // (rule, level, message, path, line, column, suggestion), in report order.
    let mut found: Vec<Found> = Vec::new();
    for report in reports {
        if report.changed && mode != Mode::Fix {
            for rule in report.fix_rules() {
                let titles: Vec<&str> = report
                    .fixes
                    .iter()
                    .filter(|f| f.rule == rule)
                    .map(|f| f.title.as_str())
                    .collect();
                found.push((
                    rule,
                    "warning",
                    format!("wffmt would change this file: {}", titles.join("; ")),
                    &report.path,
                    1,
                    1,
                    None,
                ));
            }
        }
        for finding in report.all_findings() {
            let level = match finding.severity {
                Severity::Error => "error",
                Severity::Warning => "warning",
                Severity::Info => "note",
            };
            let mut message = finding.message.clone();
            if let Some(help) = &finding.help {
                message.push_str("\nhelp: ");
                message.push_str(help);
            }
            found.push((
                &finding.rule,
                level,
                message,
                &report.path,
                // SARIF positions are 1-based; a file-level error points at the start.
                finding.line.max(1),
                finding.column.max(1),
                finding.suggestion.as_deref(),
            ));
        }
    }

    let mut rule_ids: Vec<&str> = found.iter().map(|r| r.0).collect();
    rule_ids.sort_unstable();
    rule_ids.dedup();
    let rules = rule_ids
        .iter()
        .map(|id| Rule {
            id,
            name: id,
            short_description: Text { text: describe(id) },
        })
        .collect();
    let results = found
        .into_iter()
        .map(
            |(rule, level, message, path, line, column, suggestion)| SarifResult {
                rule_id: rule,
                rule_index: rule_ids.binary_search(&rule).unwrap_or(0),
                level,
                message: Text { text: message },
                locations: [Location {
                    physical_location: PhysicalLocation {
                        artifact_location: ArtifactLocation { uri: uri(path) },
                        region: Region {
                            start_line: line,
                            start_column: column,
                        },
                    },
                }],
                fixes: suggestion.map(|s| sarif_fix(path, s)).into_iter().collect(),
            },
        )
        .collect();

    let log = Log {
        schema: "https://json.schemastore.org/sarif-2.1.0.json",
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "wffmt",
                    version,
                    rules,
                },
            },
            column_kind: "unicodeCodePoints",
            results,
        }],
    };
    let mut text = super::safe_json::to_string_pretty(&log).unwrap_or_default();
    text.push('\n');
    text
}

type Found<'a> = (
    &'a str,
    &'static str,
    String,
    &'a str,
    usize,
    usize,
    Option<&'a Suggestion>,
);

fn sarif_fix(path: &str, suggestion: &Suggestion) -> SarifFix {
    let description = match &suggestion.reason {
        Some(why) => format!("{} fix: {why}", suggestion.applicability.as_str()),
        None => format!("{} fix", suggestion.applicability.as_str()),
    };
    SarifFix {
        description: Text { text: description },
        artifact_changes: [ArtifactChange {
            artifact_location: ArtifactLocation { uri: uri(path) },
            replacements: suggestion
                .edits
                .iter()
                .map(|e| Replacement {
                    deleted_region: FullRegion {
                        start_line: e.start_line,
                        start_column: e.start_column,
                        end_line: e.end_line,
                        end_column: e.end_column,
                    },
                    inserted_content: Text {
                        text: e.content.clone(),
                    },
                })
                .collect(),
        }],
    }
}

fn describe(rule: &str) -> String {
    match rule {
        "quote-patterns" => "Quote glob patterns that YAML would otherwise misread".to_string(),
        "layout" => "Consistent indentation and blank lines; values never change".to_string(),
        "pin" => "Pin actions and reusable workflows to a full commit SHA".to_string(),
        "permissions" => "Least-privilege permissions for the GITHUB_TOKEN".to_string(),
        "syntax" => "The file is not valid YAML".to_string(),
        "io" => "The file could not be read".to_string(),
        "config" => "The configuration file is not valid".to_string(),
        "verify" => "A fix did not pass verification and was not applied".to_string(),
        "network" => {
            "A lookup in another repository or a registry failed (network or authentication)"
                .to_string()
        }
        other => format!("wffmt rule {other}"),
    }
}

/// A relative path as a URI reference; an absolute path as a `file://` URI.
fn uri(path: &str) -> String {
    let bytes = path.as_bytes();
    if path.starts_with('/') {
        format!("file://{}", percent_encode(path))
    } else if bytes.len() > 2
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && matches!(bytes[2], b'/' | b'\\')
    {
        // A Windows drive letter: `C:/x` -> `file:///C:/x`.
        format!("file:///{}:{}", &path[..1], percent_encode(&path[2..]))
    } else {
        percent_encode(path)
    }
}

fn percent_encode(path: &str) -> String {
    let mut out = String::with_capacity(path.len());
    for byte in path.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~/".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris() {
        assert_eq!(uri(".github/workflows/ci.yml"), ".github/workflows/ci.yml");
        assert_eq!(uri("a b/é.yml"), "a%20b/%C3%A9.yml");
        assert_eq!(uri("/abs/x.yml"), "file:///abs/x.yml");
        assert_eq!(uri("C:/x/y.yml"), "file:///C:/x/y.yml");
        assert_eq!(uri("a:b.yml"), "a%3Ab.yml");
    }
}
