//! Self-documentation from the command line: `--list-rules`, `--explain`, shell completions,
//! the man page and the environment variables in `--help`.

mod common;

use std::path::Path;
use std::process::{Command, Output};

use common::run::{printed, stdout, Wffmt};

fn wffmt(args: &[&str]) -> Output {
    Wffmt::new().args(args).output()
}

fn rule_names() -> Vec<&'static str> {
    wffmt::passes::rule_names()
}

#[test]
fn list_rules_names_every_rule_with_its_default_and_summary() {
    let out = wffmt(&["--list-rules"]);
    assert_eq!(out.status.code(), Some(0));
    let text = stdout(&out);
    for name in rule_names() {
        let line = text
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("{name} missing from:\n{text}"));
        assert!(line.split_whitespace().count() > 3, "{line}");
    }
}

#[test]
fn explain_prints_the_readme_section_of_each_rule() {
    let readme = std::fs::read_to_string(common::project_dir().join("README.md")).unwrap();
    for name in rule_names() {
        let out = wffmt(&["--explain", name]);
        assert_eq!(out.status.code(), Some(0), "{name}");
        let text = stdout(&out);
        let heading = format!("### `{name}`\n");
        let start = readme.find(&heading).unwrap() + heading.len();
        let end = readme[start..]
            .find("\n## ")
            .into_iter()
            .chain(readme[start..].find("\n### "))
            .min()
            .map_or(readme.len(), |e| start + e);
        assert!(
            text.contains(readme[start..end].trim()),
            "--explain {name} is not the README section"
        );
    }
}

#[test]
fn explain_refuses_unknown_rules_and_other_flags() {
    let out = wffmt(&["--explain", "pinn"]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("possible values: quote-patterns, "), "{err}");
    assert!(err.contains("a similar value exists: 'pin'"), "{err}");
    let out = wffmt(&["--explain", "pin", "--check"]);
    assert_eq!(out.status.code(), Some(2));
    let out = wffmt(&["--list-rules", "."]);
    assert_eq!(out.status.code(), Some(2));
}

/// A path that looks like a subcommand gets a hint (the command line has flags, no subcommands).
#[test]
fn subcommand_like_paths_get_a_hint() {
    let dir = tempfile::tempdir().unwrap();
    let out = Wffmt::in_dir(dir.path()).args(["explain", "pin"]).output();
    assert_eq!(out.status.code(), Some(2));
    let text = printed(&out);
    assert!(
        text.contains("did you mean `wffmt --explain pin`?"),
        "{text}"
    );
}

#[test]
fn completion_scripts_for_every_shell() {
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let out = wffmt(&["--completions", shell]);
        assert_eq!(out.status.code(), Some(0), "{shell}");
        let text = stdout(&out);
        for flag in ["check", "fix", "explain", "list-rules", "completions"] {
            // fish spells a long option `-l name`, the others `--name`.
            let spelled = if shell == "fish" {
                format!("-l {flag}")
            } else {
                format!("--{flag}")
            };
            assert!(
                text.contains(&spelled),
                "{shell} completion lacks {spelled}"
            );
        }
    }
}

/// The bash completion really completes: options, and rule names after `--explain`.
#[test]
fn bash_completion_completes_options_and_rule_names() {
    if Command::new("bash").arg("--version").output().is_err() {
        eprintln!("skipping: bash is not installed");
        return;
    }
    let script = stdout(&wffmt(&["--completions", "bash"]));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wffmt.bash");
    std::fs::write(&path, script).unwrap();
    let complete = |words: &str| -> String {
        let cmd = format!(
            "source {}; COMP_WORDS=({words}); COMP_CWORD=$((${{#COMP_WORDS[@]}} - 1)); \
             COMP_LINE=\"{words}\"; COMP_POINT=${{#COMP_LINE}}; \
             _wffmt wffmt \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"; \
             printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display()
        );
        let out = Command::new("bash").args(["-c", &cmd]).output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let options = complete("wffmt --lis");
    assert_eq!(options.trim(), "--list-rules");
    let rules = complete("wffmt --explain p");
    let mut rules: Vec<&str> = rules.split_whitespace().collect();
    rules.sort();
    assert_eq!(rules, ["permissions", "pin"]);
}

#[test]
fn man_page_has_every_option_and_the_environment() {
    let out = wffmt(&["--man"]);
    assert_eq!(out.status.code(), Some(0));
    let man = stdout(&out);
    assert!(man.contains(".TH wffmt 1"), "{man}");
    for section in ["OPTIONS", "EXIT STATUS", "ENVIRONMENT", "SEE ALSO"] {
        let heading = if section.contains(' ') {
            format!(".SH \"{section}\"\n")
        } else {
            format!(".SH {section}\n")
        };
        assert!(man.contains(&heading), "{section}");
    }
    use clap::CommandFactory;
    for arg in wffmt::cli::Cli::command().get_arguments() {
        if let Some(long) = arg.get_long() {
            assert!(
                man.contains(&format!("\\-\\-{}", long.replace('-', "\\-"))),
                "--{long} missing from the man page"
            );
        }
    }
}

/// Every environment variable the code reads is listed in `--help` (so a new one cannot be
/// added undocumented): the `WFFMT_*` names found in the sources, and the standard ones.
#[test]
fn help_lists_every_environment_variable() {
    let help = stdout(&wffmt(&["--help"]));
    let env_block = help
        .split("Environment:\n")
        .nth(1)
        .expect("an Environment section in --help");
    let mut names = vec![
        "GITHUB_SERVER_URL".to_string(),
        "GITHUB_TOKEN".into(),
        "GH_TOKEN".into(),
        "NO_COLOR".into(),
    ];
    for file in common::files_under(&common::project_dir().join("src"), &[".rs"]) {
        let text = std::fs::read_to_string(&file).unwrap();
        names.extend(wffmt_variables(&text));
    }
    names.sort();
    names.dedup();
    for name in &names {
        assert!(
            env_block.contains(name.as_str()),
            "{name} is read by wffmt but not listed under Environment in --help (src/cli.rs AFTER_HELP)"
        );
    }
}

/// `"WFFMT_SOMETHING"` string literals in a source file.
fn wffmt_variables(text: &str) -> Vec<String> {
    text.match_indices("\"WFFMT_")
        .filter_map(|(i, _)| {
            let rest = &text[i + 1..];
            let end = rest.find(|c: char| !(c.is_ascii_uppercase() || c == '_'))?;
            (rest[end..].starts_with('"')).then(|| rest[..end].to_string())
        })
        .collect()
}

#[test]
fn finds_variable_literals() {
    assert_eq!(
        wffmt_variables(r#"get("WFFMT_A_B"); "WFFMT_x"; "WFFMT_C" "#),
        ["WFFMT_A_B", "WFFMT_C"]
    );
    assert!(Path::new(env!("CARGO_MANIFEST_DIR")).join("src").is_dir());
}
