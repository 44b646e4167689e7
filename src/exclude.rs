//! What is excluded from a run: the `--exclude` globs (relative to the current directory) and,
//! for each path, the `exclude` / `extend-exclude` globs of the configuration that applies to it
//! (relative to that configuration file's directory; the default list when there is none).
//!
//! Globs have gitignore's syntax and meaning (the `ignore` crate's matcher, the one the walk
//! already uses for `.gitignore`): `name` matches a file or directory of that name at any depth,
//! `dir/` only a directory, `a/b/*.yml` is anchored to the base directory, `**` spans
//! directories, `!pattern` takes a path back. An excluded directory is not entered.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use ignore::gitignore::{Gitignore, GitignoreBuilder};

use crate::config::{Config, ConfigFinder};
use crate::discover::normalize_lexically;
use crate::memo::Memo;

/// Decides exclusion for a run. Thread-safe; matchers are built once per configuration file.
pub struct Excluder {
    cwd: PathBuf,
    /// `--exclude`.
    command_line: Gitignore,
    /// `--config FILE`: this configuration for every path.
    explicit: Option<Arc<Config>>,
    finder: Arc<ConfigFinder>,
    /// Configuration file (`None`: the defaults) -> its matcher.
    matchers: Memo<Option<PathBuf>, Arc<Gitignore>>,
}

impl Excluder {
    /// `globs` are the `--exclude` values; an invalid one is an error naming it.
    pub fn new(
        globs: &[String],
        cwd: &Path,
        explicit: Option<Arc<Config>>,
        finder: Arc<ConfigFinder>,
    ) -> Result<Excluder, String> {
        let cwd = normalize_lexically(cwd);
        let command_line = matcher(&cwd, globs.iter().map(String::as_str)).map_err(|glob| {
            format!(
                "--exclude takes gitignore-style globs such as `generated/**` or `vendor/`, not `{glob}`"
            )
        })?;
        Ok(Excluder {
            cwd,
            command_line,
            explicit,
            finder,
            matchers: Memo::new(),
        })
    }

    /// Whether `path` (absolute, normalised) is excluded; `is_dir` for a directory.
    pub fn is_excluded(&self, path: &Path, is_dir: bool) -> bool {
        if matches(&self.command_line, path, is_dir) {
            return true;
        }
        let config = match &self.explicit {
            Some(config) => Arc::clone(config),
            // A broken configuration excludes nothing here; its error is reported with the files.
            None => match self.finder.for_file(path) {
                Ok(config) => config,
                Err(_) => return false,
            },
        };
        let matcher = self.matcher_for(&config);
        matches(&matcher, path, is_dir)
    }

    fn matcher_for(&self, config: &Config) -> Arc<Gitignore> {
        if let Some(matcher) = self.matchers.get(&config.source) {
            return matcher;
        }
        let root = match &config.source {
            Some(file) => {
                let file = normalize_lexically(&self.cwd.join(file));
                file.parent()
                    .map_or_else(|| self.cwd.clone(), Path::to_path_buf)
            }
            None => self.cwd.clone(),
        };
        // The globs were checked when the configuration was read.
        let built = matcher(&root, config.exclude_globs().into_iter())
            .unwrap_or_else(|_| Gitignore::empty());
        self.matchers.insert(config.source.clone(), Arc::new(built))
    }
}

/// A gitignore matcher of `globs` rooted at `root`, or the first glob that does not parse.
fn matcher<'a>(root: &Path, globs: impl Iterator<Item = &'a str>) -> Result<Gitignore, String> {
    let mut builder = GitignoreBuilder::new(root);
    for glob in globs {
        if glob.trim().is_empty() || builder.add_line(None, glob).is_err() {
            return Err(glob.to_string());
        }
    }
    builder.build().map_err(|e| e.to_string())
}

/// `path` or one of its parents up to the matcher's root is excluded (a path outside the root
/// is matched by its name only).
fn matches(matcher: &Gitignore, path: &Path, is_dir: bool) -> bool {
    if matcher.is_empty() {
        return false;
    }
    if path.starts_with(matcher.path()) {
        matcher
            .matched_path_or_any_parents(path, is_dir)
            .is_ignore()
    } else {
        matcher.matched(path, is_dir).is_ignore()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::fs;

    fn excluder(root: &Path, cli: &[&str]) -> Excluder {
        let globs: Vec<String> = cli.iter().map(|s| s.to_string()).collect();
        Excluder::new(&globs, root, None, Arc::new(ConfigFinder::with_cwd(root))).unwrap()
    }

    #[test]
    fn defaults_command_line_and_configuration() {
        let dir = tempfile::tempdir().unwrap();
        let root = normalize_lexically(dir.path());
        fs::create_dir_all(root.join("sub/gen")).unwrap();
        fs::write(
            root.join("sub/wffmt.toml"),
            "extend-exclude = [\"gen/\", \"*.generated.yml\", \"!keep.generated.yml\"]\n",
        )
        .unwrap();
        let ex = excluder(&root, &["legacy/**"]);
        // The defaults, at any depth, with or without a configuration file.
        assert!(ex.is_excluded(&root.join("node_modules"), true));
        assert!(ex.is_excluded(&root.join("sub/x/node_modules"), true));
        assert!(!ex.is_excluded(&root.join("modules"), true));
        // --exclude, relative to the current directory.
        assert!(ex.is_excluded(&root.join("legacy/a/action.yml"), false));
        assert!(!ex.is_excluded(&root.join("sub/legacy/action.yml"), false));
        // The configuration's globs, relative to its directory, negation included.
        assert!(ex.is_excluded(&root.join("sub/gen"), true));
        assert!(!ex.is_excluded(&root.join("gen"), true));
        assert!(ex.is_excluded(&root.join("sub/a/x.generated.yml"), false));
        assert!(!ex.is_excluded(&root.join("sub/keep.generated.yml"), false));
        // A file under an excluded directory (as --force-exclude asks of named files).
        assert!(ex.is_excluded(&root.join("sub/gen/action.yml"), false));
    }

    #[test]
    fn exclude_replaces_the_defaults() {
        let dir = tempfile::tempdir().unwrap();
        let root = normalize_lexically(dir.path());
        fs::write(root.join(".wffmt.toml"), "exclude = [\"other\"]\n").unwrap();
        let ex = excluder(&root, &[]);
        assert!(!ex.is_excluded(&root.join("node_modules"), true));
        assert!(ex.is_excluded(&root.join("other"), true));
    }

    #[test]
    fn bad_globs_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let finder = Arc::new(ConfigFinder::with_cwd(dir.path()));
        let err = Excluder::new(&["src/{a,b".into()], dir.path(), None, finder)
            .err()
            .unwrap();
        assert!(err.contains("not `src/{a,b`"), "{err}");
    }
}
