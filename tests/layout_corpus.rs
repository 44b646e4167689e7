//! `layout` + `quote-patterns` over every real workflow file: verified, idempotent, and with the
//! same data and comments as the input.

mod common;

use wffmt::app::select_rules;
use wffmt::config::Config;
use wffmt::discover::FileKind;
use wffmt::passes::Rule;
use wffmt::pipeline::{guard, process};
use wffmt::syntax::parse;
use wffmt::verify::{compare, Outcome};

#[test]
fn layout_is_verified_idempotent_and_equivalent_on_every_corpus_file() {
    let mut files = common::own_corpus();
    files.extend(common::shared_workflows());
    let rules = select_rules(&["layout".into(), "quote-patterns".into()], &[]).unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let config = Config::default();
    let (mut changed, mut semantic, mut total) = (0, 0, 0);
    let mut failures = Vec::new();
    for f in &files {
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        total += 1;
        let name = f.display().to_string();
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
            changed += 1;
        }
        let again = process(&out.output, kind, &name, None, &config, &refs);
        if again.output != out.output {
            failures.push(format!("{name}: a second run changes the output"));
        }
        if guard::comments(&parse(&text)) != guard::comments(&parse(&out.output)) {
            failures.push(format!("{name}: comments differ"));
        }
        match compare(&text, &out.output, &[]) {
            Ok(Outcome::Equivalent) => semantic += 1,
            Ok(Outcome::OriginalRejected(_)) => {}
            Err(m)
                if text.contains("paths") || text.contains("branches") || text.contains("tags") =>
            {
                // quote-patterns may change filter lists; anything else is a failure.
                if !m.route.starts_with("on.") {
                    failures.push(format!("{name}: data changed at {}: {}", m.route, m.detail));
                }
            }
            Err(m) => failures.push(format!("{name}: data changed at {}: {}", m.route, m.detail)),
        }
    }
    eprintln!(
        "layout corpus: {total} files, {changed} reformatted, {semantic} proven equivalent by yaml-rust2"
    );
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The yaml-test-suite holds the odd corners of YAML (valid and invalid): layout must never be
/// refused by its own verification on any of them.
#[test]
fn layout_is_never_refused_on_the_yaml_test_suite() {
    let rules = select_rules(&["layout".into(), "quote-patterns".into()], &[]).unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let configs = [
        "",
        "[layout]\nindent = 4\n",
        "[layout]\nindent = 1\nsequence-indent = \"indentless\"\n",
        "[layout]\nline-ending = \"crlf\"\nmax-blank-lines = 0\n",
    ];
    let mut failures = Vec::new();
    let files = common::yaml_test_suite();
    for toml in configs {
        let config = Config::from_toml_str(toml, std::path::Path::new("wffmt.toml")).unwrap();
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            let out = process(&text, FileKind::Workflow, "t.yml", None, &config, &refs);
            if let Some(e) = out.error {
                failures.push(format!("{} ({toml:?}): {}", f.display(), e.message));
            }
        }
    }
    eprintln!("layout on the yaml-test-suite: {} inputs", files.len());
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// Indentation YAML forbids (tabs, continuation lines left of their block) is a syntax error,
/// so layout keeps it verbatim instead of silently making it valid; and no valid case of the
/// yaml-test-suite gets a diagnostic.
#[test]
fn invalid_indentation_is_diagnosed_and_valid_yaml_is_not() {
    let files = common::yaml_test_suite();
    let mut failures = Vec::new();
    // Cases about tabs and under-indented lines that the parser must reject.
    let must_reject = [
        "4EJS", "DK95-01", "DK95-06", "Y79Y-003", "Y79Y-004", "Y79Y-005", "Y79Y-006", "Y79Y-007",
        "Y79Y-008", "Y79Y-009", "9C9N", "QB6E",
    ];
    let mut seen = 0;
    for f in &files {
        let case = f.parent().unwrap();
        let name = case.file_name().unwrap().to_string_lossy().to_string();
        let Ok(text) = std::fs::read_to_string(f) else {
            continue;
        };
        let tree = parse(&text);
        let invalid = case.join("error").exists();
        if !invalid && !tree.diagnostics().is_empty() {
            failures.push(format!(
                "{name} is valid YAML but got: {}",
                tree.diagnostics()[0].message
            ));
        }
        if must_reject.contains(&name.as_str()) {
            seen += 1;
            assert!(invalid, "{name} is not an error case");
            if tree.diagnostics().is_empty() {
                failures.push(format!("{name} is invalid YAML but got no diagnostic"));
            }
        }
    }
    if files.is_empty() {
        return; // skipped with a printed reason by common::shared_dir
    }
    assert_eq!(seen, must_reject.len(), "some listed cases are missing");
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
