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

use std::process::Command;

/// The layout configurations every corpus file is checked under.
const CONFIGS: [&str; 6] = [
    "",
    "[layout]\nindent = 4\n",
    "[layout]\nindent = \"auto\"\nsequence-indent = \"auto\"\n",
    "[layout]\nindent = 8\nmax-blank-lines = 2\n",
    "[layout]\nindent = 1\nsequence-indent = \"indentless\"\n",
    "[layout]\nline-ending = \"crlf\"\nmax-blank-lines = 0\n",
];

#[test]
fn layout_is_verified_idempotent_and_equivalent_on_every_corpus_file() {
    let mut files = common::own_corpus();
    files.extend(common::shared_workflows());
    let rules = select_rules(&["layout".into(), "quote-patterns".into()], &[]).unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let texts: Vec<(String, String)> = files
        .iter()
        .filter_map(|f| Some((f.display().to_string(), std::fs::read_to_string(f).ok()?)))
        .collect();
    let mut failures = Vec::new();
    for toml in CONFIGS {
        let config = Config::from_toml_str(toml, std::path::Path::new("wffmt.toml")).unwrap();
        let (mut changed, mut semantic) = (0, 0);
        for (name, text) in &texts {
            let kind = if name.ends_with("action.yml") || name.ends_with("action.yaml") {
                FileKind::Action
            } else {
                FileKind::Workflow
            };
            let out = process(text, kind, name, None, &config, &refs);
            if let Some(e) = &out.error {
                failures.push(format!("{name} ({toml:?}): {}", e.message));
                continue;
            }
            if out.output != *text {
                changed += 1;
            }
            let again = process(&out.output, kind, name, None, &config, &refs);
            if again.output != out.output {
                failures.push(format!(
                    "{name} ({toml:?}): a second run changes the output"
                ));
            }
            if guard::comments(&parse(text)) != guard::comments(&parse(&out.output)) {
                failures.push(format!("{name} ({toml:?}): comments differ"));
            }
            match compare(text, &out.output, &[]) {
                Ok(Outcome::Equivalent) => semantic += 1,
                Ok(Outcome::OriginalRejected(_)) => {}
                Err(m)
                    if text.contains("paths")
                        || text.contains("branches")
                        || text.contains("tags") =>
                {
                    // quote-patterns may change filter lists; anything else is a failure.
                    if !m.route.starts_with("on.") {
                        failures.push(format!(
                            "{name} ({toml:?}): data changed at {}: {}",
                            m.route, m.detail
                        ));
                    }
                }
                Err(m) => failures.push(format!(
                    "{name} ({toml:?}): data changed at {}: {}",
                    m.route, m.detail
                )),
            }
        }
        eprintln!(
            "layout corpus ({toml:?}): {} files, {changed} reformatted, {semantic} proven equivalent by yaml-rust2",
            texts.len()
        );
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

/// The yaml-test-suite holds the odd corners of YAML (valid and invalid): layout must never be
/// refused by its own verification on any of them.
#[test]
fn layout_is_never_refused_on_the_yaml_test_suite() {
    let rules = select_rules(&["layout".into(), "quote-patterns".into()], &[]).unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let mut failures = Vec::new();
    let files = common::yaml_test_suite();
    for toml in CONFIGS {
        let config = Config::from_toml_str(toml, std::path::Path::new("wffmt.toml")).unwrap();
        for f in &files {
            let Ok(text) = std::fs::read_to_string(f) else {
                continue;
            };
            let out = process(&text, FileKind::Workflow, "t.yml", None, &config, &refs);
            if let Some(e) = out.error {
                failures.push(format!("{} ({toml:?}): {}", f.display(), e.message));
                continue;
            }
            let again = process(
                &out.output,
                FileKind::Workflow,
                "t.yml",
                None,
                &config,
                &refs,
            );
            if again.output != out.output {
                failures.push(format!(
                    "{} ({toml:?}): a second run changes the output",
                    f.display()
                ));
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

/// Prettier 3, installed from the npm registry into `target/peers` (once; later runs reuse it).
/// `None`, with the reason printed, when npm is missing or the install fails.
fn prettier() -> Option<std::path::PathBuf> {
    let dir = common::project_dir().join("target/peers");
    let bin = dir.join("node_modules/.bin/prettier");
    let version = |bin: &std::path::Path| {
        Command::new(bin)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
    };
    if version(&bin).is_some_and(|v| v.starts_with("3.")) {
        return Some(bin);
    }
    std::fs::create_dir_all(&dir).ok()?;
    let install = Command::new("npm")
        .args(["install", "--no-audit", "--no-fund", "--silent", "--prefix"])
        .arg(&dir)
        .arg("prettier@3")
        .output();
    match install {
        Err(e) => {
            eprintln!("skipping: npm cannot run ({e}); prettier 3 is needed for this comparison");
            return None;
        }
        Ok(o) if !o.status.success() => {
            eprintln!(
                "skipping: `npm install prettier@3` failed: {}",
                String::from_utf8_lossy(&o.stderr).trim()
            );
            return None;
        }
        Ok(_) => {}
    }
    match version(&bin) {
        Some(v) if v.starts_with("3.") => Some(bin),
        other => {
            eprintln!("skipping: npm installed no prettier 3 ({other:?})");
            None
        }
    }
}

/// Whatever prettier 3 writes (with its defaults), `wffmt --check --select layout` accepts as
/// it is: teams that run both tools never see them undo each other.
#[test]
fn prettier_output_is_a_fixed_point_of_layout() {
    let files = common::shared_workflows();
    if files.is_empty() {
        return; // skipped with a printed reason by common::shared_dir
    }
    let Some(prettier) = prettier() else {
        return;
    };
    let work = tempfile::tempdir().unwrap();
    let mut copies = Vec::new();
    for (i, f) in files.iter().enumerate() {
        let dest = work.path().join(format!(
            "{i:04}-{}",
            f.file_name().unwrap().to_string_lossy()
        ));
        std::fs::copy(f, &dest).unwrap();
        copies.push(dest);
    }
    // Prettier stops at nothing: files it cannot parse are reported and left as they are.
    let formatted = Command::new(&prettier)
        .args([
            "--write",
            "--no-config",
            "--no-editorconfig",
            "--log-level",
            "error",
        ])
        .args(&copies)
        .current_dir(work.path())
        .output()
        .expect("prettier runs");
    let refused = String::from_utf8_lossy(&formatted.stderr)
        .lines()
        .filter(|l| l.contains("[error]") && l.contains(".y"))
        .filter_map(|l| copies.iter().find(|c| l.contains(&*c.to_string_lossy())))
        .cloned()
        .collect::<std::collections::BTreeSet<_>>();
    let checked: Vec<_> = copies.iter().filter(|c| !refused.contains(*c)).collect();
    assert!(
        checked.len() > files.len() / 2,
        "prettier formatted too few files"
    );
    let out = common::run::Wffmt::in_dir(work.path())
        .args(["--check", "--select", "layout", "--color", "never"])
        .args(&checked)
        .output();
    let diff = String::from_utf8_lossy(&out.stdout);
    let changed = diff.lines().filter(|l| l.starts_with("+++ ")).count();
    eprintln!(
        "prettier fixed point: {} of {} prettier-formatted files unchanged by layout ({} files prettier could not format)",
        checked.len() - changed,
        checked.len(),
        refused.len()
    );
    assert!(
        out.status.success() && changed == 0,
        "layout changes prettier's output:\n{diff}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
}
