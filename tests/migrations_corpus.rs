//! The migration rules over the shared corpus of real workflows: every occurrence that an
//! independent scan finds (yaml-rust2 data and the rule's data file read here, not the rule's
//! code) is either fixed or reported; no file fails verification (so nothing changed outside the
//! rule's declared routes); a second run changes nothing. Prints the counts.

mod common;

use std::path::Path;

use wffmt::app::select_rules;
use wffmt::config::Config;
use wffmt::discover::FileKind;
use wffmt::finding::Finding;
use wffmt::passes::Rule;
use wffmt::pipeline::process;
use yaml_rust2::{Yaml, YamlLoader};

/// The day the tables are evaluated on (as in the fixtures), so the counts do not drift.
const DAY: &str = "2026-11-30";

/// One occurrence: what it is (shown in failures) and a text a finding about it contains.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Occurrence {
    what: String,
    needle: String,
}

#[derive(Default)]
struct Counts {
    files: usize,
    changed: usize,
    occurrences: usize,
    fixed: usize,
    reported: usize,
    findings: usize,
}

/// Runs `rule` over the shared corpus; `scan` finds occurrences in a text.
fn check_corpus(rule: &str, scan: &dyn Fn(&str) -> Vec<Occurrence>) -> Option<Counts> {
    let files = common::shared_workflows();
    if files.is_empty() {
        return None;
    }
    std::env::set_var("WFFMT_TODAY", DAY);
    let rules = select_rules(&[rule.to_string()], &[]).unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let config = Config::default();
    let mut counts = Counts::default();
    let mut failures = Vec::new();
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        counts.files += 1;
        let name = path.to_string_lossy().to_string();
        // Stored names flatten the path (`dir__action.yml`): an action's metadata ends so.
        let kind = if name.ends_with("action.yml") || name.ends_with("action.yaml") {
            FileKind::Action
        } else {
            FileKind::Workflow
        };
        let out = process(&text, kind, &name, None, &config, &refs);
        if let Some(e) = &out.error {
            failures.push(format!("{name}: {}", e.message));
            continue;
        }
        if out.output != text {
            counts.changed += 1;
            let again = process(&out.output, kind, &name, None, &config, &refs);
            if again.output != out.output {
                failures.push(format!("{name}: a second run changes the output"));
            }
        }
        let ours: Vec<&Finding> = out.findings.iter().filter(|f| f.rule == rule).collect();
        counts.findings += ours.len();
        let before = scan(&text);
        let mut after = scan(&out.output);
        counts.occurrences += before.len();
        counts.fixed += before.len().saturating_sub(after.len());
        counts.reported += after.len();
        after.sort();
        after.dedup();
        for occ in after {
            let needle = occ.needle.to_ascii_lowercase();
            if !ours
                .iter()
                .any(|f| f.message.to_ascii_lowercase().contains(&needle))
            {
                failures.push(format!(
                    "{}: {} is neither fixed nor reported",
                    short(path),
                    occ.what
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!(
        "{rule}: {} files, {} changed; {} occurrences: {} fixed, {} reported; {} findings",
        counts.files,
        counts.changed,
        counts.occurrences,
        counts.fixed,
        counts.reported,
        counts.findings
    );
    Some(counts)
}

fn short(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default()
}

fn load(text: &str) -> Vec<Yaml> {
    YamlLoader::load_from_str(text).unwrap_or_default()
}

// ---- runner-labels --------------------------------------------------------------------------

/// Labels of `rules/migrations/runner-labels.toml` that are deprecated or retired on [`DAY`].
fn outdated_labels() -> Vec<String> {
    let text =
        std::fs::read_to_string(common::project_dir().join("rules/migrations/runner-labels.toml"))
            .unwrap();
    let table: toml::Value = toml::from_str(&text).unwrap();
    let mut out = Vec::new();
    for row in table["label"].as_array().unwrap() {
        let date = |key: &str| {
            row.get(key)
                .and_then(toml::Value::as_datetime)
                .map(|d| d.to_string())
        };
        let started = [date("deprecated"), date("retired")]
            .into_iter()
            .flatten()
            .any(|d| d.as_str() <= DAY);
        if started {
            out.push(row["label"].as_str().unwrap().to_ascii_lowercase());
        }
    }
    out
}

/// Strings of `runs-on` (and of the matrix values it reads) that name an outdated label.
fn scan_runner_labels(text: &str, labels: &[String]) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for doc in load(text) {
        let Yaml::Hash(jobs) = &doc["jobs"] else {
            continue;
        };
        for (id, job) in jobs {
            let id = id.as_str().unwrap_or("?");
            let mut strings: Vec<String> = Vec::new();
            match &job["runs-on"] {
                Yaml::String(s) => strings.push(s.clone()),
                Yaml::Array(items) => {
                    strings.extend(items.iter().filter_map(|i| i.as_str().map(str::to_string)))
                }
                Yaml::Hash(_) => match &job["runs-on"]["labels"] {
                    Yaml::String(s) => strings.push(s.clone()),
                    Yaml::Array(items) => {
                        strings.extend(items.iter().filter_map(|i| i.as_str().map(str::to_string)))
                    }
                    _ => {}
                },
                _ => {}
            }
            let mut values = Vec::new();
            for s in &strings {
                if let Some(path) = s
                    .trim()
                    .strip_prefix("${{")
                    .and_then(|r| r.strip_suffix("}}"))
                    .map(str::trim)
                    .and_then(|r| r.strip_prefix("matrix."))
                {
                    values.extend(matrix_values(&job["strategy"]["matrix"], path));
                } else if s.contains("${{") {
                    // Literal labels quoted inside an expression.
                    for part in s.split('\'').skip(1).step_by(2) {
                        values.push(part.to_string());
                    }
                } else {
                    values.push(s.clone());
                }
            }
            for v in values {
                let lower = v.to_ascii_lowercase();
                if labels.contains(&lower) {
                    out.push(Occurrence {
                        what: format!("job `{id}`: runner label `{v}`"),
                        needle: format!("`{lower}`"),
                    });
                }
            }
        }
    }
    out
}

/// Scalar values of `matrix.<path>`: the list under the key and `include`/`exclude` entries.
fn matrix_values(matrix: &Yaml, path: &str) -> Vec<String> {
    let keys: Vec<&str> = path.split('.').collect();
    let follow = |mut y: &Yaml, rest: &[&str]| -> Option<String> {
        for k in rest {
            y = &y[*k];
        }
        y.as_str().map(str::to_string)
    };
    let mut out = Vec::new();
    if let Yaml::Array(items) = &matrix[keys[0]] {
        out.extend(items.iter().filter_map(|i| follow(i, &keys[1..])));
    }
    for extra in ["include", "exclude"] {
        if let Yaml::Array(entries) = &matrix[extra] {
            out.extend(
                entries
                    .iter()
                    .filter_map(|e| follow(&e[keys[0]], &keys[1..])),
            );
        }
    }
    out
}

#[test]
fn runner_labels_on_the_shared_corpus() {
    let labels = outdated_labels();
    assert!(labels.contains(&"ubuntu-20.04".to_string()), "{labels:?}");
    let Some(counts) = check_corpus("runner-labels", &|t| scan_runner_labels(t, &labels)) else {
        return;
    };
    // The corpus uses retired macOS labels and deprecated Ubuntu ones.
    assert!(counts.occurrences > 0);
}

// ---- archived-actions -----------------------------------------------------------------------

/// Every `uses:` string of a workflow or an action: jobs, steps, composite steps.
fn uses_values(doc: &Yaml) -> Vec<String> {
    let mut out = Vec::new();
    let mut steps = |list: &Yaml| {
        if let Yaml::Array(items) = list {
            out.extend(
                items
                    .iter()
                    .filter_map(|s| s["uses"].as_str().map(str::to_string)),
            );
        }
    };
    if let Yaml::Hash(jobs) = &doc["jobs"] {
        for job in jobs.values() {
            steps(&job["steps"]);
        }
    }
    steps(&doc["runs"]["steps"]);
    if let Yaml::Hash(jobs) = &doc["jobs"] {
        out.extend(
            jobs.values()
                .filter_map(|j| j["uses"].as_str().map(str::to_string)),
        );
    }
    out
}

/// `owner/repo` (lower case) of every row of `rules/migrations/archived-actions.toml`.
fn archived_repos() -> Vec<String> {
    let text = std::fs::read_to_string(
        common::project_dir().join("rules/migrations/archived-actions.toml"),
    )
    .unwrap();
    let table: toml::Value = toml::from_str(&text).unwrap();
    table["action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["uses"].as_str().unwrap().to_ascii_lowercase())
        .collect()
}

fn scan_archived(text: &str, archived: &[String]) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for doc in load(text) {
        for uses in uses_values(&doc) {
            let name = uses.split('@').next().unwrap_or("").to_ascii_lowercase();
            let repo: String = name.splitn(3, '/').take(2).collect::<Vec<_>>().join("/");
            if archived.contains(&name) || archived.contains(&repo) {
                out.push(Occurrence {
                    what: format!("archived `{uses}`"),
                    needle: format!("`{name}`"),
                });
            }
        }
    }
    out
}

#[test]
fn archived_actions_on_the_shared_corpus() {
    let archived = archived_repos();
    assert!(archived.contains(&"actions/create-release".to_string()));
    check_corpus("archived-actions", &|t| scan_archived(t, &archived));
}
