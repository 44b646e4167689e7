//! `permissions` fixtures: workflows in `corpus/fixtures/permissions/repo` (a small repository
//! with a local composite action and a reusable workflow), expected outputs in `expected/`, and
//! for each a `.perms` file with the effective permissions every job must end up with. The
//! output is loaded with yaml-rust2 and the effective permissions computed from its data, so the
//! check is on meaning, not only on text; the outputs must also read the same for YAML 1.1
//! readers (see `common::readers`: the `hostile-text` fixture quotes values whose escapes decode
//! to YAML 1.1 line breaks), and PyYAML, when it can be run, must see the same permissions.
//! `UPDATE_FIXTURES=1` rewrites the expected outputs (never the `.perms` files: those are
//! written by hand; a job id is written as the comments write it, escapes visible).

mod common;

use std::collections::BTreeMap;

use serde_json::Value;
use wffmt::app::select_rules;
use wffmt::config::Config;
use wffmt::discover::FileKind;
use wffmt::passes::Rule;
use wffmt::pipeline::process;
use wffmt::syntax::comment_text;

/// [`effective_doc`] of a workflow's text, read strictly.
fn effective(text: &str) -> BTreeMap<String, String> {
    let docs = common::readers::strict_read(text).unwrap_or_else(|e| panic!("{e}\n{text}"));
    effective_doc(&docs[0])
}

/// `job: scope=level, ...` per job; `default` when neither the job nor the workflow declares
/// permissions, `none` for `{}`. `doc`: the workflow as JSON (see `common::readers`).
fn effective_doc(doc: &Value) -> BTreeMap<String, String> {
    let render = |p: &Value| match p {
        Value::Object(h) if h.is_empty() => "none".to_string(),
        Value::Object(h) => h
            .iter()
            .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or("?")))
            .collect::<Vec<_>>()
            .join(", "),
        Value::String(s) => s.clone(),
        other => format!("{other}"),
    };
    let top = doc.get("permissions");
    let mut out = BTreeMap::new();
    if let Some(Value::Object(jobs)) = doc.get("jobs") {
        for (id, job) in jobs {
            let eff = match job.get("permissions").or(top) {
                Some(p) => render(p),
                None => "default".to_string(),
            };
            out.insert(comment_text(id).into_owned(), eff);
        }
    }
    out
}

#[test]
fn permissions_fixtures() {
    let dir = common::project_dir().join("corpus/fixtures/permissions");
    let rules = select_rules(&["permissions".into()], &[]).unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let config = Config::default();
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    let mut failures = Vec::new();
    let inputs = common::files_under(&dir.join("repo/.github/workflows"), &[".yml"]);
    assert!(inputs.len() >= 12);
    let mut outputs = Vec::new();
    for input in inputs {
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&input).unwrap();
        let out = process(
            &text,
            FileKind::Workflow,
            &name,
            Some(&input),
            &config,
            &refs,
        );
        if let Some(e) = &out.error {
            failures.push(format!("{name}: {}", e.message));
            continue;
        }
        let expected_path = dir.join("expected").join(&name);
        if update {
            std::fs::write(&expected_path, &out.output).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path).unwrap_or_default();
        if out.output != expected {
            failures.push(format!(
                "{name}: output differs:\n{}",
                similar::TextDiff::from_lines(&expected, &out.output)
                    .unified_diff()
                    .header("expected", "actual")
            ));
        }
        let perms_path = dir.join("expected").join(name.replace(".yml", ".perms"));
        let want: BTreeMap<String, String> = std::fs::read_to_string(&perms_path)
            .unwrap_or_else(|_| panic!("missing {}", perms_path.display()))
            .lines()
            .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
            .filter_map(|l| l.rsplit_once(':'))
            .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
            .collect();
        match common::readers::strict_read(&out.output) {
            Ok(docs) => {
                let got = effective_doc(&docs[0]);
                if got != want {
                    failures.push(format!(
                        "{name}: effective permissions {got:?}, expected {want:?}"
                    ));
                }
            }
            Err(e) => failures.push(format!("{name}: output read strictly: {e}")),
        }
        outputs.push((name.clone(), want, out.output.clone()));
        // Running again adds nothing.
        let again = process(
            &out.output,
            FileKind::Workflow,
            &name,
            Some(&input),
            &config,
            &refs,
        );
        if again.output != out.output {
            failures.push(format!("{name}: a second run changes the output"));
        }
    }
    // A YAML 1.1 reader sees the same permissions.
    if let Some(python) = common::readers::pyyaml() {
        let texts: Vec<&str> = outputs.iter().map(|(_, _, t)| t.as_str()).collect();
        let read = common::readers::pyyaml_read(&python, &texts);
        for ((name, want, _), docs) in outputs.iter().zip(read) {
            match docs {
                Ok(docs) if effective_doc(&docs[0]) == *want => {}
                Ok(docs) => failures.push(format!(
                    "{name}: PyYAML reads the permissions {:?}, expected {want:?}",
                    effective_doc(&docs[0])
                )),
                Err(e) => failures.push(format!("{name}: PyYAML rejects the output: {e}")),
            }
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn contents_read_at_the_top_level_when_configured() {
    let dir = common::project_dir().join("corpus/fixtures/permissions/repo/.github/workflows");
    let input = dir.join("release.yml");
    let text = std::fs::read_to_string(&input).unwrap();
    let config = Config::from_toml_str(
        "[permissions]\ntop-level = \"contents-read\"\n",
        std::path::Path::new("wffmt.toml"),
    )
    .unwrap();
    let rules = select_rules(&["permissions".into()], &[]).unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let out = process(
        &text,
        FileKind::Workflow,
        "release.yml",
        Some(&input),
        &config,
        &refs,
    );
    let eff = effective(&out.output);
    assert_eq!(eff["build"], "contents=read");
    assert_eq!(eff["release"], "contents=write");
    // The build job inherits the top-level block: no block of its own.
    assert_eq!(
        out.output.matches("permissions:").count(),
        2,
        "{}",
        out.output
    );
}

#[test]
fn json_output_explains_each_need() {
    let dir = common::project_dir().join("corpus/fixtures/permissions/repo");
    let out = common::run::Wffmt::in_dir(&dir)
        .args([
            "--select",
            "permissions",
            "--format",
            "json",
            ".github/workflows/ghcr.yml",
        ])
        .output();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).expect("JSON");
    let findings = v["files"][0]["findings"].as_array().unwrap();
    let text: Vec<String> = findings
        .iter()
        .map(|f| f["message"].as_str().unwrap_or("").to_string())
        .collect();
    assert!(
        text.iter()
            .any(|m| m.contains("packages: write") && m.contains("source")),
        "{text:?}"
    );
    assert!(
        text.iter().any(|m| m.contains("contents: read")),
        "{text:?}"
    );
}

/// After a first run leaves a TODO for an unknown action, describing the action in the
/// configuration lets a second run finish the job: its block, the top-level block, no TODO.
#[test]
fn describing_an_unknown_action_later_completes_the_workflow() {
    let dir = common::project_dir().join("corpus/fixtures/permissions/repo/.github/workflows");
    let input = dir.join("unknown-action.yml");
    let text = std::fs::read_to_string(&input).unwrap();
    let rules = select_rules(&["permissions".into()], &[]).unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let first = process(
        &text,
        FileKind::Workflow,
        "u.yml",
        Some(&input),
        &Config::default(),
        &refs,
    );
    assert!(first.output.contains("TODO(wffmt)"));
    // Without more knowledge the job is still reported on later runs.
    let again = process(
        &first.output,
        FileKind::Workflow,
        "u.yml",
        Some(&input),
        &Config::default(),
        &refs,
    );
    assert_eq!(again.output, first.output);
    assert!(
        again.findings.iter().any(|f| f.message.contains("mystery")),
        "{:?}",
        again.findings
    );
    let config = Config::from_toml_str(
        "[[permissions.action]]\nuses = \"acme/does-something\"\nneeds = { deployments = \"write\" }\nreason = \"deploys\"\nsource = \"acme/does-something: README.md\"\n",
        std::path::Path::new("wffmt.toml"),
    )
    .unwrap();
    let second = process(
        &first.output,
        FileKind::Workflow,
        "u.yml",
        Some(&input),
        &config,
        &refs,
    );
    assert!(second.error.is_none(), "{:?}", second.error);
    assert!(!second.output.contains("TODO(wffmt)"), "{}", second.output);
    let eff = effective(&second.output);
    assert_eq!(eff["mystery"], "deployments=write");
    assert_eq!(eff["known"], "contents=read");
    assert!(
        second.output.contains("\npermissions: {}\n"),
        "{}",
        second.output
    );
}

/// A git checkout with these files, whose `origin` remote is `origin` (none when `None`).
fn checkout_with(origin: Option<&str>, files: &[(&str, &str)]) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    if let Some(url) = origin {
        common::git::git(tmp.path(), &["init", "-q"]);
        common::git::git(tmp.path(), &["remote", "add", "origin", url]);
    }
    for (path, text) in files {
        common::tree::write_file(tmp.path(), path, text);
    }
    tmp
}

fn run_permissions(file: &std::path::Path) -> String {
    let rules = select_rules(&["permissions".into()], &[]).unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let text = std::fs::read_to_string(file).unwrap();
    let out = process(
        &text,
        FileKind::Workflow,
        "ci.yml",
        Some(file),
        &Config::default(),
        &refs,
    );
    assert!(out.error.is_none(), "{:?}", out.error);
    out.output
}

/// With the repository's name from its `origin` remote, a checkout of another repository is
/// known not to leave GITHUB_TOKEN for this one, and the checkout of this one by name is.
#[test]
fn the_origin_remote_names_this_repository() {
    let workflow = "on: push
jobs:
  other:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          repository: acme/website
      - run: git push
  own-by-name:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with:
          repository: Acme/App
      - run: git push
";
    let repo = checkout_with(
        Some("https://github.com/acme/app.git"),
        &[(".github/workflows/ci.yml", workflow)],
    );
    let out = run_permissions(&repo.path().join(".github/workflows/ci.yml"));
    let eff = effective(&out);
    assert_eq!(eff["other"], "contents=read", "{out}");
    assert_eq!(eff["own-by-name"], "contents=write", "{out}");
}

/// An action's own repository runs it as `uses: ./`: its knowledge-base entry applies.
#[test]
fn an_action_tested_in_its_own_repository_is_described() {
    let action = "name: Release
inputs:
  token:
    default: ${{ github.token }}
runs:
  using: node20
  main: dist/index.js
";
    let workflow = "on: push
jobs:
  test:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
      - uses: ./
        with:
          tag_name: v1
";
    let files = [
        ("action.yml", action),
        (".github/workflows/ci.yml", workflow),
    ];
    let repo = checkout_with(
        Some("git@github.com:softprops/action-gh-release.git"),
        &files,
    );
    let out = run_permissions(&repo.path().join(".github/workflows/ci.yml"));
    assert_eq!(effective(&out)["test"], "contents=write", "{out}");
    // Without a remote it is an unknown action that receives the token.
    let repo = checkout_with(None, &files);
    let out = run_permissions(&repo.path().join(".github/workflows/ci.yml"));
    assert!(out.contains("TODO(wffmt)"), "{out}");
}
