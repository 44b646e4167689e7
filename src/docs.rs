//! Self-documentation: `--explain RULE`, `--list-rules`, `--completions SHELL` and `--man`.
//!
//! The text is the README's, embedded at build time, so the command line and the README can
//! never disagree: a rule's documentation is its `` ### `rule` `` section, and its one-line
//! summary is its row in the table of the `## Rules` section. A rule without both fails the
//! tests (see `every_rule_is_documented`), so no rule ships undocumented.

use std::io::Write;

use clap::CommandFactory;
use clap_mangen::roff::{bold, roman, Roff};

use crate::cli::{Cli, AFTER_HELP};
use crate::passes::{all_rules, Setup};

const README: &str = include_str!("../README.md");

/// One rule as the README documents it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RuleDoc {
    pub name: &'static str,
    pub default_on: bool,
    /// The rule's row in the README's rules table (the "what it does" cell).
    pub summary: Option<&'static str>,
    /// The rule's README section, without its heading.
    pub section: Option<&'static str>,
}

/// Every rule, in pipeline order, with its documentation.
pub fn rule_docs() -> Vec<RuleDoc> {
    all_rules(&Setup::default())
        .iter()
        .map(|rule| RuleDoc {
            name: rule.name(),
            default_on: rule.default_on(),
            summary: table_summary(README, rule.name()),
            section: rule_section(README, rule.name()),
        })
        .collect()
}

/// Handles the documentation flags (each is used alone; clap enforces it): prints and returns
/// the exit code, or `None` when the command line asks for something else.
pub fn run(cli: &Cli) -> Option<i32> {
    let text = if let Some(rule) = &cli.explain {
        match explain(rule) {
            Ok(text) => text.into_bytes(),
            Err(message) => {
                eprintln!("wffmt: {message}");
                return Some(2);
            }
        }
    } else if cli.list_rules {
        list_rules().into_bytes()
    } else if let Some(shell) = cli.completions {
        let mut out = Vec::new();
        clap_complete::generate(shell, &mut Cli::command(), "wffmt", &mut out);
        out
    } else if cli.man {
        man_page()
    } else {
        return None;
    };
    let mut stdout = std::io::stdout().lock();
    // A closed pipe (`wffmt --man | head`) is not an error worth a message.
    let _ = stdout.write_all(&text).and_then(|()| stdout.flush());
    Some(0)
}

/// The man page, in roff: clap_mangen's sections from the clap definitions, then one section
/// per block of [`AFTER_HELP`] (EXIT STATUS, ENVIRONMENT, SEE ALSO).
pub fn man_page() -> Vec<u8> {
    let man = clap_mangen::Man::new(Cli::command());
    let mut out = Vec::new();
    // Rendering into memory cannot fail.
    let _ = man.render_title(&mut out);
    let _ = man.render_name_section(&mut out);
    let _ = man.render_synopsis_section(&mut out);
    let _ = man.render_description_section(&mut out);
    let _ = man.render_options_section(&mut out);
    let mut roff = Roff::new();
    for (title, entries) in help_blocks(AFTER_HELP) {
        let title = match title {
            "Exit codes" => "EXIT STATUS".to_string(),
            other => other.to_uppercase(),
        };
        roff.control("SH", [title.as_str()]);
        for (name, meaning) in entries {
            roff.control("TP", [] as [&str; 0]);
            roff.text([bold(name)]);
            roff.text([roman(meaning)]);
        }
    }
    let _ = roff.to_writer(&mut out);
    let _ = man.render_version_section(&mut out);
    out
}

/// The blocks of a help epilogue: `Title:` followed by `  name  meaning` lines (two or more
/// spaces between name and meaning).
fn help_blocks(text: &str) -> Vec<(&str, Vec<(&str, &str)>)> {
    text.split("\n\n")
        .filter_map(|block| {
            let mut lines = block.lines();
            let title = lines.next()?.strip_suffix(':')?;
            let entries = lines
                .filter_map(|line| {
                    let line = line.trim();
                    let split = line.find("  ")?;
                    Some((line[..split].trim(), line[split..].trim()))
                })
                .collect();
            Some((title, entries))
        })
        .collect()
}

/// A hint for a missing path that is the name of an option (`wffmt explain pin`, `wffmt diff`):
/// wffmt has options, not subcommands.
pub fn flag_hint(missing: &str, paths: &[std::path::PathBuf]) -> Option<String> {
    let command = Cli::command();
    let arg = command
        .get_arguments()
        .find(|a| a.get_long() == Some(missing))?;
    let mut suggestion = format!("wffmt --{missing}");
    let takes_value = arg.get_action().takes_values();
    if takes_value {
        let position = paths.iter().position(|p| p.as_os_str() == missing)?;
        if let Some(value) = paths.get(position + 1) {
            suggestion.push(' ');
            suggestion.push_str(&value.to_string_lossy());
        }
    }
    Some(format!(
        "did you mean `{suggestion}`? wffmt has options, not subcommands (`wffmt --help`)"
    ))
}

/// `--explain RULE`: the rule's README section under a line saying whether it runs by default.
pub fn explain(name: &str) -> Result<String, String> {
    let docs = rule_docs();
    let Some(doc) = docs.iter().find(|d| d.name == name) else {
        let names: Vec<&str> = docs.iter().map(|d| d.name).collect();
        return Err(format!(
            "unknown rule `{name}`; the rules are: {}",
            names.join(", ")
        ));
    };
    let Some(section) = doc.section else {
        return Err(format!("rule `{name}` has no documentation"));
    };
    let mut out = format!(
        "{name} ({})\n\n{}\n",
        if doc.default_on {
            "on by default"
        } else {
            "off by default; run it with `--select`"
        },
        section.trim()
    );
    out.push_str(
        "\nRun only this rule with `--select {name}`, skip it with `--skip {name}`; \
         `wffmt --list-rules` lists every rule.\n"
            .replace("{name}", name)
            .as_str(),
    );
    Ok(out)
}

/// `--list-rules`: one line per rule, in the order they run.
pub fn list_rules() -> String {
    let docs = rule_docs();
    let width = docs.iter().map(|d| d.name.len()).max().unwrap_or(0);
    let mut out = format!("{:width$}  default  what it does\n", "rule");
    for doc in &docs {
        out.push_str(&format!(
            "{:width$}  {:7}  {}\n",
            doc.name,
            if doc.default_on { "on" } else { "off" },
            doc.summary.unwrap_or("(undocumented)")
        ));
    }
    out.push_str("\n`wffmt --explain RULE` prints a rule's documentation.\n");
    out
}

/// The body of the `` ### `name` `` section: up to the next heading of level 2 or 3.
fn rule_section(readme: &'static str, name: &str) -> Option<&'static str> {
    let heading = format!("### `{name}`");
    let mut offset = 0;
    let mut start = None;
    for line in readme.split_inclusive('\n') {
        let text = line.trim_end();
        match start {
            None if text == heading => start = Some(offset + line.len()),
            Some(s) if text.starts_with("## ") || text.starts_with("### ") => {
                return Some(&readme[s..offset]);
            }
            _ => {}
        }
        offset += line.len();
    }
    start.map(|s| &readme[s..])
}

/// The last cell of the rule's row (`` | `name` | on | what it does | ``) in the `## Rules`
/// section's table.
fn table_summary(readme: &'static str, name: &str) -> Option<&'static str> {
    let prefix = format!("| `{name}` |");
    readme
        .split("\n## ")
        .find(|section| section.starts_with("Rules\n"))?
        .lines()
        .find(|line| line.starts_with(&prefix))
        .and_then(|line| line.trim_end().strip_suffix('|'))
        .and_then(|line| line.rsplit(" | ").next())
        .map(str::trim)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Fails for any rule (now or added later) that lacks a README section or a row in the
    /// rules table, or whose row says another default than the code.
    #[test]
    fn every_rule_is_documented() {
        for doc in rule_docs() {
            let section = doc.section.unwrap_or_else(|| {
                panic!(
                    "rule `{}` has no \"### `{}`\" section in README.md",
                    doc.name, doc.name
                )
            });
            assert!(
                section.trim().len() > 80,
                "rule `{}`: its README section is too short to explain it",
                doc.name
            );
            assert!(
                doc.summary.is_some_and(|s| !s.is_empty()),
                "rule `{}` has no row in the README's rules table",
                doc.name
            );
            let row = README
                .lines()
                .find(|l| l.starts_with(&format!("| `{}` |", doc.name)))
                .unwrap();
            let default = row.split('|').nth(2).unwrap().trim();
            assert_eq!(
                default,
                if doc.default_on { "on" } else { "off" },
                "rule `{}`: the README's default column disagrees with the code",
                doc.name
            );
        }
    }

    #[test]
    fn sections_end_at_the_next_heading() {
        let readme = "# t\n### `a`\nbody a\n\n### `b`\nbody b\n## Next\nx\n### `c`\nlast\n";
        assert_eq!(rule_section(readme, "a"), Some("body a\n\n"));
        assert_eq!(rule_section(readme, "b"), Some("body b\n"));
        assert_eq!(rule_section(readme, "c"), Some("last\n"));
        assert_eq!(rule_section(readme, "d"), None);
        // A heading must match the whole line.
        assert_eq!(rule_section("### `a` and more\nx\n", "a"), None);
    }

    #[test]
    fn summaries_come_from_the_rules_table_only() {
        let readme = "# t\n| `a` | on | elsewhere |\n## Rules\n\n| rule | default | what |\n|---|---|---|\n| `a` | on | does `x \\| y` |\n| `b` | off | other |\n## More\n";
        assert_eq!(table_summary(readme, "a"), Some("does `x \\| y`"));
        assert_eq!(table_summary(readme, "b"), Some("other"));
        assert_eq!(table_summary(readme, "c"), None);
    }

    #[test]
    fn explain_prints_the_readme_section() {
        let text = explain("layout").unwrap();
        assert!(text.starts_with("layout (on by default)\n\n"));
        assert!(text.contains(rule_section(README, "layout").unwrap().trim()));
        assert_eq!(
            explain("nope").unwrap_err(),
            format!(
                "unknown rule `nope`; the rules are: {}",
                crate::passes::rule_names().join(", ")
            )
        );
    }

    #[test]
    fn list_rules_has_every_rule_in_order() {
        let text = list_rules();
        let names: Vec<&str> = text
            .lines()
            .skip(1)
            .take_while(|l| !l.is_empty())
            .map(|l| l.split_whitespace().next().unwrap())
            .collect();
        assert_eq!(names, crate::passes::rule_names());
        assert!(!text.contains("(undocumented)"));
    }
}
