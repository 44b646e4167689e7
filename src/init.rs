//! `wffmt --init`: write a `wffmt.toml` with the indentation style a repository already uses,
//! so that adopting wffmt starts with a small diff instead of a rewrite of every file.
//!
//! Each workflow and action file found under the paths (as a normal run finds them) votes with
//! the width most of its nested mappings use and the place most of its sequences stand (under
//! their key, or indented); files that show neither do not vote. The most common answer wins;
//! on a tie, or without votes, the default (2 and indented, also prettier's) is kept.
//!
//! The file goes to the directory named as the only path, else to the current directory. An
//! existing `wffmt.toml` or `.wffmt.toml` there is never overwritten.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::config::{SequenceIndent, CONFIG_FILE_NAMES};
use crate::discover::{discover, display_path, normalize_lexically};
use crate::passes::layout::style::StyleVotes;
use crate::read::read_regular;

/// What the files voted for.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Survey {
    pub files: usize,
    /// Files by the width they use most.
    pub widths: BTreeMap<usize, usize>,
    pub indented: usize,
    pub indentless: usize,
}

impl Survey {
    pub fn add(&mut self, votes: &StyleVotes) {
        self.files += 1;
        if let Some(w) = votes.width() {
            *self.widths.entry(w).or_default() += 1;
        }
        match votes.sequences() {
            Some(SequenceIndent::Indentless) => self.indentless += 1,
            Some(_) => self.indented += 1,
            None => {}
        }
    }

    /// The width most files use; 2 on a tie with 2 or without votes, else the smaller.
    pub fn width(&self) -> usize {
        let most = self.widths.values().copied().max().unwrap_or(0);
        if most == 0 || self.widths.get(&2) == Some(&most) {
            return 2;
        }
        self.widths
            .iter()
            .find(|(_, &n)| n == most)
            .map(|(&w, _)| w)
            .unwrap_or(2)
    }

    pub fn sequences(&self) -> SequenceIndent {
        if self.indentless > self.indented {
            SequenceIndent::Indentless
        } else {
            SequenceIndent::Indented
        }
    }

    /// The configuration file's text, with the evidence in comments.
    pub fn config_text(&self) -> String {
        let width = self.width();
        let sequences = self.sequences();
        let with_width: usize = self.widths.values().sum();
        let mut out = format!(
            "# Written by `wffmt --init` from the indentation of {} workflow and action file{}.\n",
            self.files,
            plural(self.files)
        );
        let spread: Vec<String> = self
            .widths
            .iter()
            .rev()
            .map(|(w, n)| format!("{n} by {w}"))
            .collect();
        let _ = if with_width == 0 {
            writeln!(
                out,
                "# No file nests a mapping on its own lines: the default width."
            )
        } else {
            writeln!(
                out,
                "# Files indenting by each width: {}.",
                spread.join(", ")
            )
        };
        let _ = if self.indented + self.indentless == 0 {
            writeln!(
                out,
                "# No file puts a sequence under a key: the default place."
            )
        } else {
            writeln!(
                out,
                "# Files with sequences indented under their key: {}; at the key's column: {}.",
                self.indented, self.indentless
            )
        };
        let seq = match sequences {
            SequenceIndent::Indentless => "indentless",
            _ => "indented",
        };
        let _ = write!(
            out,
            "# Other settings: `wffmt --explain layout`.\n[layout]\nindent = {width}\nsequence-indent = \"{seq}\"\n"
        );
        out
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// Runs `--init` over `paths` (relative to `cwd`); returns the exit code.
pub fn run(paths: &[PathBuf], cwd: &Path, limit: u64) -> i32 {
    let target = match paths {
        [only] if cwd.join(only).is_dir() => cwd.join(only),
        _ => cwd.to_path_buf(),
    };
    let shown = display_path(&target, &normalize_lexically(cwd));
    let shown = if shown.is_empty() { ".".into() } else { shown };
    if let Some(existing) = CONFIG_FILE_NAMES
        .iter()
        .map(|name| target.join(name))
        .find(|p| p.exists())
    {
        eprintln!(
            "wffmt: {} already exists; --init never overwrites a configuration",
            display_path(&existing, &normalize_lexically(cwd))
        );
        eprintln!("  help: edit it, or remove it and run `wffmt --init` again");
        return crate::app::exit::ERROR;
    }
    let walk: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let (files, errors) = discover(&walk, cwd);
    for e in &errors {
        eprintln!("wffmt: {e}");
    }
    let mut survey = Survey::default();
    for f in &files {
        let Ok(bytes) = read_regular(&f.path, limit) else {
            continue;
        };
        let Ok(text) = String::from_utf8(bytes) else {
            continue;
        };
        survey.add(&StyleVotes::of(&crate::syntax::parse(&text)));
    }
    if survey.files == 0 {
        eprintln!(
            "wffmt: no workflow or action files under {}: nothing to learn the style from",
            walk.iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        );
        eprintln!("  help: run it in the repository (workflows are found in .github/workflows)");
        return crate::app::exit::ERROR;
    }
    let path = target.join("wffmt.toml");
    if let Err(e) = std::fs::write(&path, survey.config_text()) {
        eprintln!("wffmt: cannot write {}: {e}", path.display());
        return crate::app::exit::ERROR;
    }
    let seq = match survey.sequences() {
        SequenceIndent::Indentless => "indentless",
        _ => "indented",
    };
    println!(
        "wrote {}: indent = {}, sequence-indent = \"{seq}\" (from {} file{})",
        if shown == "." {
            "wffmt.toml".to_string()
        } else {
            format!("{shown}/wffmt.toml")
        },
        survey.width(),
        survey.files,
        plural(survey.files)
    );
    if errors.is_empty() {
        crate::app::exit::OK
    } else {
        crate::app::exit::ERROR
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::syntax::parse;

    fn survey(texts: &[&str]) -> Survey {
        let mut s = Survey::default();
        for t in texts {
            s.add(&StyleVotes::of(&parse(t)));
        }
        s
    }

    #[test]
    fn the_most_common_style_wins_and_ties_keep_the_default() {
        let four = "jobs:\n    a:\n        steps:\n        - run: x\n";
        let two = "jobs:\n  a:\n    steps:\n      - run: x\n";
        let s = survey(&[four, four, two]);
        assert_eq!((s.width(), s.sequences()), (4, SequenceIndent::Indentless));
        let s = survey(&[four, two]);
        assert_eq!((s.width(), s.sequences()), (2, SequenceIndent::Indented));
        let s = survey(&["on: push\n"]);
        assert_eq!((s.width(), s.sequences()), (2, SequenceIndent::Indented));
    }

    #[test]
    fn the_written_file_is_a_valid_configuration() {
        let s = survey(&["jobs:\n    a:\n        steps:\n        - run: x\n"]);
        let text = s.config_text();
        let config = Config::from_toml_str(&text, Path::new("wffmt.toml")).unwrap();
        assert_eq!(config.layout.indent, 4);
        assert_eq!(config.layout.sequence_indent, SequenceIndent::Indentless);
        assert!(text.contains("1 workflow and action file."), "{text}");
    }
}
