//! The GitHub Action (`action.yml` and `action/run.sh`): its definition is checked here; its
//! script runs under a fake runner environment in `.ci/dist` (it installs the built wheel).

mod common;

use common::run::{printed, Wffmt};
use yaml_rust2::{Yaml, YamlLoader};

fn action() -> Yaml {
    let text = std::fs::read_to_string(common::project_dir().join("action.yml")).unwrap();
    YamlLoader::load_from_str(&text).unwrap().remove(0)
}

#[test]
fn inputs_are_paths_args_and_version_and_the_version_is_this_release() {
    let action = action();
    let inputs = action["inputs"].as_hash().unwrap();
    let names: Vec<&str> = inputs.keys().map(|k| k.as_str().unwrap()).collect();
    assert_eq!(names, ["paths", "args", "version"]);
    assert_eq!(
        action["inputs"]["version"]["default"].as_str(),
        Some(env!("CARGO_PKG_VERSION")),
        "action.yml installs another release than this one"
    );
    assert!(action["outputs"]["exit-code"]["value"].as_str().is_some());
}

/// Every `uses:` of the action is pinned to a full commit SHA with a version comment, as wffmt
/// itself would write it.
#[test]
fn its_own_uses_are_pinned() {
    let text = std::fs::read_to_string(common::project_dir().join("action.yml")).unwrap();
    let uses: Vec<&str> = text
        .lines()
        .filter_map(|l| l.trim_start().strip_prefix("uses: "))
        .collect();
    assert!(!uses.is_empty());
    for line in uses {
        let (reference, comment) = line.split_once(" # ").expect("a version comment");
        let sha = reference.rsplit('@').next().unwrap();
        assert!(
            sha.len() == 40 && sha.bytes().all(|b| b.is_ascii_hexdigit()),
            "{line}"
        );
        assert!(comment.starts_with('v'), "{line}");
    }
}

/// Inputs reach the script through the environment only: an expression inside `run:` would be
/// pasted into the shell (script injection).
#[test]
fn inputs_never_appear_in_the_script() {
    let action = action();
    for step in action["runs"]["steps"].as_vec().unwrap() {
        if let Some(run) = step["run"].as_str() {
            assert!(!run.contains("${{"), "expression in run: {run}");
        }
    }
}

/// wffmt finds nothing to change in its own action (pin is checked above, offline).
#[test]
fn wffmt_leaves_the_action_as_it_is() {
    let out = Wffmt::in_dir(&common::project_dir())
        .args(["--check", "--skip", "pin", "action.yml"])
        .output();
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
}

/// The first YAML block of a README section.
fn readme_yaml(section: &str) -> String {
    let readme = std::fs::read_to_string(common::project_dir().join("README.md")).unwrap();
    let start = readme
        .find(&format!("\n## {section}\n"))
        .unwrap_or_else(|| panic!("README section {section}"));
    let block = readme[start..].split("```yaml\n").nth(1).unwrap();
    block.split("\n```").next().unwrap().to_string() + "\n"
}

/// The workflow the README offers for copy-paste is one wffmt leaves as it is.
#[test]
fn the_readme_workflow_is_clean() {
    let workflow = readme_yaml("Use in CI");
    assert!(workflow.contains("uses: OWNER/wffmt@"));
    let out = Wffmt::new()
        .args([
            "--check",
            "--skip",
            "pin",
            "--stdin-filename",
            ".github/workflows/wffmt.yml",
            "-",
        ])
        .output_with_input(workflow.as_bytes());
    assert_eq!(out.status.code(), Some(0), "{}", printed(&out));
}
