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
use wffmt::pipeline::{process, process_with, Options};
use yaml_rust2::{Yaml, YamlLoader};

/// The day the tables are evaluated on (as in the fixtures), so the counts do not drift.
const DAY: &str = "2026-11-30";

/// One occurrence: what it is (shown in failures) and texts a finding about it contains.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
struct Occurrence {
    what: String,
    needles: Vec<String>,
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
            let reported = ours.iter().any(|f| {
                let m = f.message.to_ascii_lowercase();
                occ.needles
                    .iter()
                    .all(|n| m.contains(&n.to_ascii_lowercase()))
            });
            if !reported {
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
                        needles: vec![format!("`{lower}`")],
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

/// Lists of values a job's runner is chosen from: `runs-on` lists and every list in its matrix
/// (the axes, `include`, `exclude`), each as `job: where`.
fn runner_lists(text: &str) -> Vec<(String, Vec<Yaml>)> {
    let mut out = Vec::new();
    for doc in load(text) {
        let Yaml::Hash(jobs) = &doc["jobs"] else {
            continue;
        };
        for (id, job) in jobs {
            let id = id.as_str().unwrap_or("?");
            if let Yaml::Array(items) = &job["runs-on"] {
                out.push((format!("{id}: runs-on"), items.clone()));
            }
            if let Yaml::Hash(matrix) = &job["strategy"]["matrix"] {
                for (key, value) in matrix {
                    if let Yaml::Array(items) = value {
                        let key = key.as_str().unwrap_or("?");
                        out.push((format!("{id}: matrix.{key}"), items.clone()));
                    }
                }
            }
        }
    }
    out
}

/// How many entries of `items` repeat an earlier one.
fn repeats(items: &[Yaml]) -> usize {
    items
        .iter()
        .enumerate()
        .filter(|(i, item)| items[..*i].contains(item))
        .count()
}

/// Replacing a retired label with one the list already has would repeat it (the same matrix
/// jobs twice): with unsafe fixes applied too, no list on the corpus gains a repeated entry.
#[test]
fn runner_label_fixes_repeat_no_matrix_entry_on_the_shared_corpus() {
    let files = common::shared_workflows();
    if files.is_empty() {
        return;
    }
    std::env::set_var("WFFMT_TODAY", DAY);
    let rules = select_rules(&["runner-labels".to_string()], &[]).unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let options = Options { unsafe_fixes: true };
    let mut failures = Vec::new();
    let mut lists_changed = 0;
    for path in &files {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        let name = path.to_string_lossy().to_string();
        let out = process_with(
            &text,
            FileKind::Workflow,
            &name,
            None,
            &Config::default(),
            &refs,
            &options,
        );
        if out.output == text {
            continue;
        }
        let before = runner_lists(&text);
        for (place, items) in runner_lists(&out.output) {
            let old = before.iter().find(|(p, _)| *p == place).map(|(_, i)| i);
            if old != Some(&items) {
                lists_changed += 1;
            }
            let had = old.map_or(0, |i| repeats(i));
            if repeats(&items) > had {
                failures.push(format!(
                    "{}: {place} now repeats an entry: {items:?}",
                    short(path)
                ));
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    println!("runner-labels: {lists_changed} lists changed, none gained a repeated entry");
    assert!(lists_changed > 0);
}

// ---- archived-actions -----------------------------------------------------------------------

/// The `key` string of every step of a workflow or an action: job steps, then composite steps.
fn step_values(doc: &Yaml, key: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut steps = |list: &Yaml| {
        if let Yaml::Array(items) = list {
            out.extend(
                items
                    .iter()
                    .filter_map(|s| s[key].as_str().map(str::to_string)),
            );
        }
    };
    if let Yaml::Hash(jobs) = &doc["jobs"] {
        for job in jobs.values() {
            steps(&job["steps"]);
        }
    }
    steps(&doc["runs"]["steps"]);
    out
}

/// Every `uses:` string of a workflow or an action: jobs, steps, composite steps.
fn uses_values(doc: &Yaml) -> Vec<String> {
    let mut out = step_values(doc, "uses");
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
                    needles: vec![format!("`{name}`")],
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

// ---- outdated-actions -----------------------------------------------------------------------

/// A version as numbers; a line (`v4`) stands for its newest release.
fn version(s: &str) -> Option<(u64, u64, u64)> {
    let s = s.strip_prefix('v').unwrap_or(s);
    let mut it = s.split('.');
    let major = it.next()?.parse().ok()?;
    let minor = match it.next() {
        Some(m) => m.parse().ok()?,
        None => u64::MAX,
    };
    let patch = match it.next() {
        Some(p) => p.parse().ok()?,
        None => u64::MAX,
    };
    Some((major, minor, patch))
}

/// What the table says is outdated: per action, (first version, runtime) steps, broken
/// ranges, and the deprecated runtimes, all as of [`DAY`].
type Triple = (u64, u64, u64);

/// One action of the table: name, (first version, runtime) steps, broken ranges.
type OutdatedRow = (String, Vec<(Triple, String)>, Vec<(Triple, Triple)>);

struct Outdated {
    deprecated: Vec<String>,
    actions: Vec<OutdatedRow>,
}

fn outdated_table() -> Outdated {
    let text = std::fs::read_to_string(
        common::project_dir().join("rules/migrations/outdated-actions.toml"),
    )
    .unwrap();
    let table: toml::Value = toml::from_str(&text).unwrap();
    let deprecated = table["runtime"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["deprecated"].as_datetime().unwrap().to_string().as_str() <= DAY)
        .map(|r| r["name"].as_str().unwrap().to_string())
        .collect();
    let actions = table["action"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let steps = a["runtimes"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| {
                    let (v, r) = s.as_str().unwrap().split_once(' ').unwrap();
                    (version(v).unwrap(), r.to_string())
                })
                .collect();
            let broken = a
                .get("broken")
                .and_then(|b| b.as_array())
                .map(|b| {
                    b.iter()
                        .filter_map(|r| {
                            let parts: Vec<&str> = r.as_str()?.split(' ').collect();
                            if parts[2] > DAY {
                                return None;
                            }
                            Some((version(parts[0])?, version(parts[1])?))
                        })
                        .collect()
                })
                .unwrap_or_default();
            (
                a["uses"].as_str().unwrap().to_ascii_lowercase(),
                steps,
                broken,
            )
        })
        .collect();
    Outdated {
        deprecated,
        actions,
    }
}

/// `uses:` lines of the raw text (comments are not data, so the scan reads lines) whose
/// release is broken or runs on a deprecated runtime.
fn scan_outdated(text: &str, table: &Outdated) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for line in text.lines() {
        if line.trim_start().starts_with('#') {
            continue;
        }
        let Some(at) = line.find("uses:") else {
            continue;
        };
        let rest = line[at + 5..].trim_start().trim_start_matches(['\'', '"']);
        let value: String = rest
            .chars()
            .take_while(|c| !c.is_whitespace() && !matches!(c, '\'' | '"' | ',' | '}'))
            .collect();
        let Some((name, git_ref)) = value.split_once('@') else {
            continue;
        };
        let name = name.to_ascii_lowercase();
        let Some((_, steps, broken)) = table.actions.iter().find(|(n, _, _)| *n == name) else {
            continue;
        };
        let comment = line.split_once('#').map(|(_, c)| c.trim()).unwrap_or("");
        let version_text = if git_ref.len() == 40 && git_ref.bytes().all(|b| b.is_ascii_hexdigit())
        {
            let word = comment.split_whitespace().next().unwrap_or("");
            word.trim_start_matches("tag=").to_string()
        } else {
            git_ref.to_string()
        };
        let Some(v) = version(&version_text) else {
            continue;
        };
        let runtime = steps
            .iter()
            .rev()
            .find(|(first, _)| *first <= v)
            .map(|(_, r)| r.as_str());
        let is_broken = broken.iter().any(|(from, below)| *from <= v && v < *below);
        let is_deprecated = runtime.is_some_and(|r| table.deprecated.iter().any(|d| d == r));
        if is_broken || is_deprecated {
            out.push(Occurrence {
                what: format!("`{value}` ({version_text})"),
                needles: vec![name.clone(), version_text.clone()],
            });
        }
    }
    out
}

#[test]
fn outdated_actions_on_the_shared_corpus() {
    let table = outdated_table();
    assert!(table.deprecated.contains(&"node20".to_string()));
    let Some(counts) = check_corpus("outdated-actions", &|t| scan_outdated(t, &table)) else {
        return;
    };
    assert!(counts.occurrences > 0);
}

// ---- deprecated-commands --------------------------------------------------------------------

/// Every `::set-output`, `::save-state`, `::set-env`, `::add-path` in the `run:` scripts.
fn scan_commands(text: &str) -> Vec<Occurrence> {
    let mut out = Vec::new();
    for doc in load(text) {
        for script in step_values(&doc, "run") {
            let lower = script.to_ascii_lowercase();
            for name in ["set-output", "save-state", "set-env", "add-path"] {
                let needle = format!("::{name}");
                let mut from = 0;
                while let Some(i) = lower[from..].find(&needle) {
                    let at = from + i + needle.len();
                    // The command's name ends at a blank, `::`, or a quote that splits the word.
                    let after = lower.as_bytes().get(at);
                    if matches!(after, Some(b' ' | b'\t' | b':' | b'"' | b'\'')) {
                        out.push(Occurrence {
                            what: format!("`::{name}` in a script"),
                            needles: vec![format!("`::{name}`")],
                        });
                    }
                    from = at;
                }
            }
        }
    }
    out
}

#[test]
fn deprecated_commands_on_the_shared_corpus() {
    check_corpus("deprecated-commands", &scan_commands);
}

#[test]
fn the_command_scan_finds_what_it_looks_for() {
    let text = "jobs:\n  a:\n    steps:\n      - run: |\n          echo \"::set-output name=a::1\"\n          echo ::ADD-PATH::/x\n          echo ::set-output-x\n          echo \"::set-env\" \"name=a::1\"\n";
    assert_eq!(scan_commands(text).len(), 3);
}
