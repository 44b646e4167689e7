//! Golden fixtures of the migration rules: `corpus/fixtures/<rule>/<case>.in.yml` run through
//! the pipeline with `<rule>` selected (or the rules listed in `<case>.rules`, one line) must
//! give `<case>.out.yml` byte for byte and the findings in `<case>.findings` (unsafe fixes are
//! findings there); with `--unsafe-fixes`, `<case>.unsafe.yml` when it differs. A second run on
//! each output must change nothing. `<case>.toml` beside the input configures the run; a case
//! whose name starts with `action` is an action's metadata. `UPDATE_FIXTURES=1` rewrites the
//! outputs and findings (review the diff before committing).
//!
//! The tables are dated: every case is evaluated as of the same day, so the fixtures do not
//! change as the calendar moves.

mod common;

use std::sync::Once;

use wffmt::app::select_rules;
use wffmt::config::Config;
use wffmt::discover::FileKind;
use wffmt::finding::{Finding, Severity};
use wffmt::passes::Rule;
use wffmt::pipeline::{process, process_with, Options};

/// The day the fixtures are evaluated on.
const FIXTURE_DAY: &str = "2026-11-30";

fn fix_the_day() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| std::env::set_var("WFFMT_TODAY", FIXTURE_DAY));
}

fn render(findings: &[Finding]) -> String {
    let mut out = String::new();
    for f in findings {
        let severity = match f.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        out.push_str(&format!(
            "{}:{}: {severity}[{}]: {}\n",
            f.line, f.column, f.rule, f.message
        ));
        if let Some(help) = &f.help {
            out.push_str(&format!("    help: {help}\n"));
        }
        if let Some(s) = &f.suggestion {
            out.push_str(&format!("    suggestion ({}):\n", s.applicability.as_str()));
            for line in s.diff.lines() {
                out.push_str(&format!("      {line}\n"));
            }
        }
    }
    out
}

/// Runs every case of one rule's directory; returns how many ran.
fn run_dir(rule: &str) -> usize {
    fix_the_day();
    let dir = common::project_dir().join("corpus/fixtures").join(rule);
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    let mut failures = Vec::new();
    let mut count = 0;
    for input in common::files_under(&dir, &[".in.yml"]) {
        count += 1;
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let case = name.trim_end_matches(".in.yml");
        let sibling = |ext: &str| input.with_file_name(format!("{case}{ext}"));
        let text = std::fs::read_to_string(&input).unwrap();
        let kind = if case.starts_with("action") {
            FileKind::Action
        } else {
            FileKind::Workflow
        };
        let config = match std::fs::read_to_string(sibling(".toml")) {
            Ok(_) => Config::load(&sibling(".toml")).unwrap(),
            Err(_) => Config::default(),
        };
        let selected: Vec<String> = match std::fs::read_to_string(sibling(".rules")) {
            Ok(list) => list
                .split([',', '\n'])
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty())
                .collect(),
            Err(_) => vec![rule.to_string()],
        };
        let rules = select_rules(&selected, &[]).unwrap();
        let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
        let out = process(&text, kind, &name, None, &config, &refs);
        if let Some(err) = &out.error {
            failures.push(format!("{name}: pipeline error: {}", err.message));
            continue;
        }
        let findings = render(&out.findings);
        if update {
            std::fs::write(sibling(".out.yml"), &out.output).unwrap();
            if findings.is_empty() {
                let _ = std::fs::remove_file(sibling(".findings"));
            } else {
                std::fs::write(sibling(".findings"), &findings).unwrap();
            }
        }
        let expected = std::fs::read_to_string(sibling(".out.yml"))
            .unwrap_or_else(|_| panic!("missing {case}.out.yml"));
        if out.output != expected {
            failures.push(format!(
                "{name}: output differs from {case}.out.yml:\n{}",
                similar::TextDiff::from_lines(&expected, &out.output)
                    .unified_diff()
                    .header("expected", "actual")
            ));
            continue;
        }
        let expected_findings = std::fs::read_to_string(sibling(".findings")).unwrap_or_default();
        if findings != expected_findings {
            failures.push(format!(
                "{name}: findings differ from {case}.findings:\n{}",
                similar::TextDiff::from_lines(&expected_findings, &findings)
                    .unified_diff()
                    .header("expected", "actual")
            ));
            continue;
        }
        let again = process(&out.output, kind, &name, None, &config, &refs);
        if again.output != out.output || again.error.is_some() {
            failures.push(format!("{name}: a second run changes the output"));
        }
        // With --unsafe-fixes.
        let unsafe_opts = Options { unsafe_fixes: true };
        let all = process_with(&text, kind, &name, None, &config, &refs, &unsafe_opts);
        if let Some(err) = &all.error {
            failures.push(format!(
                "{name}: pipeline error with --unsafe-fixes: {}",
                err.message
            ));
            continue;
        }
        let unsafe_path = sibling(".unsafe.yml");
        if update {
            if all.output != out.output {
                std::fs::write(&unsafe_path, &all.output).unwrap();
            } else {
                let _ = std::fs::remove_file(&unsafe_path);
            }
        }
        let expected_all = std::fs::read_to_string(&unsafe_path).unwrap_or(expected);
        if all.output != expected_all {
            failures.push(format!(
                "{name}: output with --unsafe-fixes differs:\n{}",
                similar::TextDiff::from_lines(&expected_all, &all.output)
                    .unified_diff()
                    .header("expected", "actual")
            ));
            continue;
        }
        let again = process_with(&all.output, kind, &name, None, &config, &refs, &unsafe_opts);
        if again.output != all.output || again.error.is_some() {
            failures.push(format!(
                "{name}: a second run with --unsafe-fixes changes the output"
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    count
}

#[test]
fn runner_labels_fixtures() {
    assert!(run_dir("runner-labels") >= 6);
}

#[test]
fn archived_actions_fixtures() {
    assert!(run_dir("archived-actions") >= 5);
}

#[test]
fn outdated_actions_fixtures() {
    assert!(run_dir("outdated-actions") >= 7);
}

#[test]
fn deprecated_commands_fixtures() {
    assert!(run_dir("deprecated-commands") >= 9);
}
