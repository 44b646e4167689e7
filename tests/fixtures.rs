//! Golden fixtures: `corpus/fixtures/<rule>/<case>.in.yml` run through the pipeline with only
//! `<rule>` selected must give `<case>.out.yml` byte for byte, and running again on the output
//! must change nothing. `UPDATE_FIXTURES=1 cargo test --test fixtures` rewrites the outputs
//! (review the diff before committing).

mod common;

use wffmt::app::select_rules;
use wffmt::config::Config;
use wffmt::discover::FileKind;
use wffmt::passes::Rule;
use wffmt::pipeline::process;

fn run_rule_dir(rule: &str) -> usize {
    let dir = common::project_dir().join("corpus/fixtures").join(rule);
    let rules = select_rules(&[rule.to_string()], &[]).unwrap();
    let refs: Vec<&dyn Rule> = rules.iter().map(|r| r.as_ref()).collect();
    let default_config = Config::default();
    let update = std::env::var_os("UPDATE_FIXTURES").is_some();
    let mut failures = Vec::new();
    let mut count = 0;
    for input in common::files_under(&dir, &[".in.yml"]) {
        count += 1;
        let name = input.file_name().unwrap().to_string_lossy().to_string();
        let expected_path = input.with_file_name(name.replace(".in.yml", ".out.yml"));
        let text = std::fs::read_to_string(&input).unwrap();
        let kind = if name.starts_with("action") {
            FileKind::Action
        } else {
            FileKind::Workflow
        };
        // `<case>.toml` beside the input configures the run.
        let config_path = input.with_file_name(name.replace(".in.yml", ".toml"));
        let config = if config_path.exists() {
            Config::load(&config_path).unwrap()
        } else {
            default_config.clone()
        };
        let out = process(&text, kind, &name, None, &config, &refs);
        if let Some(err) = &out.error {
            failures.push(format!("{name}: pipeline error: {}", err.message));
            continue;
        }
        if update {
            std::fs::write(&expected_path, &out.output).unwrap();
        }
        let expected = std::fs::read_to_string(&expected_path)
            .unwrap_or_else(|_| panic!("missing {}", expected_path.display()));
        if out.output != expected {
            failures.push(format!(
                "{name}: output differs from {}:\n{}",
                expected_path.file_name().unwrap().to_string_lossy(),
                similar::TextDiff::from_lines(&expected, &out.output)
                    .unified_diff()
                    .header("expected", "actual")
            ));
            continue;
        }
        let again = process(&out.output, kind, &name, None, &config, &refs);
        if again.output != out.output || again.error.is_some() {
            failures.push(format!("{name}: not idempotent"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    count
}

#[test]
fn layout_fixtures() {
    assert!(run_rule_dir("layout") > 10);
}

#[test]
fn quote_patterns_fixtures() {
    assert!(run_rule_dir("quote-patterns") > 3);
}

/// Every filter list the rule rewrote loads with yaml-rust2, and each item is the string the
/// author wrote.
#[test]
fn quote_patterns_outputs_load_with_the_intended_strings() {
    use yaml_rust2::{Yaml, YamlLoader};
    let dir = common::project_dir().join("corpus/fixtures/quote-patterns");
    for out in common::files_under(&dir, &[".out.yml"]) {
        let text = std::fs::read_to_string(&out).unwrap();
        let docs = YamlLoader::load_from_str(&text)
            .unwrap_or_else(|e| panic!("{}: yaml-rust2 rejects the output: {e}", out.display()));
        let on = &docs[0]["on"];
        let Yaml::Hash(events) = on else { continue };
        for (_, config) in events {
            for key in wffmt::syntax::views::FILTER_KEYS {
                let items = match &config[key] {
                    Yaml::Array(a) => a.clone(),
                    Yaml::BadValue => continue,
                    other => vec![other.clone()],
                };
                for item in items {
                    let Yaml::String(s) = item else {
                        panic!("{}: {key} has a non-string item {item:?}", out.display());
                    };
                    // The raw text of the pattern appears in the input, unquoted or quoted.
                    let input = std::fs::read_to_string(
                        out.with_file_name(
                            out.file_name()
                                .unwrap()
                                .to_string_lossy()
                                .replace(".out.yml", ".in.yml"),
                        ),
                    )
                    .unwrap();
                    assert!(
                        input.contains(&s),
                        "{}: {s:?} not in the input",
                        out.display()
                    );
                }
            }
        }
    }
}
