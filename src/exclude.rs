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
use ignore::Match;

use crate::config::{Config, ConfigError, ConfigFinder};
use crate::discover::normalize_lexically;
use crate::memo::{path_key, Memo, PathKey};

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
    /// Directory -> how the paths in it are matched, worked out for its first path.
    dirs: Memo<PathKey, Arc<DirMatchers>>,
}

/// The matchers that apply to the paths in one directory, with what each says of the
/// directory itself and its parents, so that a path in it costs one match per matcher.
struct DirMatchers {
    command_line: Parents,
    /// The configuration's matcher; `None` when the configuration is broken (it excludes
    /// nothing here; its error is reported with the files).
    config: Option<(Arc<Gitignore>, Parents)>,
}

/// What a matcher says of a directory and its parents.
#[derive(Clone, Copy)]
enum Parents {
    /// The directory is the matcher's root or below it: whether the matcher excludes it or
    /// one of its parents up to the root.
    Below { excluded: bool },
    /// The directory is outside the root: its paths take the general way.
    Outside,
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
            dirs: Memo::new(),
        })
    }

    /// Whether `path` (absolute, normalised) is excluded; `is_dir` for a directory.
    pub fn is_excluded(&self, path: &Path, is_dir: bool) -> bool {
        let Some(dir) = path.parent().filter(|dir| dir.is_absolute()) else {
            return self.is_excluded_by_path(path, is_dir);
        };
        let dir = self.dir_matchers(dir);
        in_directory(&self.command_line, dir.command_line, path, is_dir)
            || dir
                .config
                .as_ref()
                .is_some_and(|(matcher, parents)| in_directory(matcher, *parents, path, is_dir))
    }

    /// [`Excluder::is_excluded`] worked out from the path alone, for any path.
    fn is_excluded_by_path(&self, path: &Path, is_dir: bool) -> bool {
        if matches(&self.command_line, path, is_dir) {
            return true;
        }
        match self.config_for(|finder| finder.for_file(path)) {
            Some(config) => matches(&self.matcher_for(&config), path, is_dir),
            None => false,
        }
    }

    fn dir_matchers(&self, dir: &Path) -> Arc<DirMatchers> {
        if let Some(known) = self.dirs.get(path_key(dir)) {
            return known;
        }
        let config = self
            .config_for(|finder| finder.for_directory(dir))
            .map(|config| {
                let matcher = self.matcher_for(&config);
                let parents = parents(&matcher, dir);
                (matcher, parents)
            });
        let matchers = DirMatchers {
            command_line: parents(&self.command_line, dir),
            config,
        };
        self.dirs.insert(path_key(dir).into(), Arc::new(matchers))
    }

    /// `--config`, else what `lookup` finds; `None` for a broken configuration.
    fn config_for(
        &self,
        lookup: impl FnOnce(&ConfigFinder) -> Result<Arc<Config>, ConfigError>,
    ) -> Option<Arc<Config>> {
        match &self.explicit {
            Some(config) => Some(Arc::clone(config)),
            None => lookup(&self.finder).ok(),
        }
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

/// What `matcher` says of `dir` and its parents.
fn parents(matcher: &Gitignore, dir: &Path) -> Parents {
    if matcher.path().is_absolute() && dir.starts_with(matcher.path()) {
        Parents::Below {
            excluded: matches(matcher, dir, true),
        }
    } else {
        Parents::Outside
    }
}

/// [`matches`] for a path (absolute, normalised) in a directory of which `parents` says what
/// the matcher decides. Below the root, `matches` tries the path, then its parents up to the
/// root, and the first pattern that decides wins; for a path that no pattern decides, that is
/// what the parents got, which the directory already knows.
fn in_directory(matcher: &Gitignore, parents: Parents, path: &Path, is_dir: bool) -> bool {
    match parents {
        Parents::Below { excluded } => match matcher.matched(path, is_dir) {
            Match::None => excluded,
            decided => decided.is_ignore(),
        },
        Parents::Outside => matches(matcher, path, is_dir),
    }
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

    /// Globs that decide at different depths, take paths back, match directories only or
    /// everything.
    const GLOBS: [&str; 12] = [
        "gen/",
        "*.yml",
        "!keep.yml",
        "a/**",
        "/b",
        "**/x.yml",
        "a/gen",
        "!a",
        "b/*/",
        "**",
        "!gen",
        "node_modules",
    ];

    fn globs(picks: &[usize]) -> Vec<String> {
        picks
            .iter()
            .map(|&i| GLOBS[i % GLOBS.len()].to_string())
            .collect()
    }

    fn toml_list(globs: &[String]) -> String {
        let quoted: Vec<String> = globs.iter().map(|g| format!("{g:?}")).collect();
        format!("[{}]", quoted.join(", "))
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(48))]
        /// Deciding from what the directory already knows agrees with matching the path and
        /// each of its parents, for paths below and outside the roots of the matchers, with
        /// or without `--config`.
        #[test]
        fn by_directory_agrees_with_by_path(
            cli in proptest::collection::vec(0usize..12, 0..3),
            top in proptest::collection::vec(0usize..12, 0..3),
            nested in proptest::collection::vec(0usize..12, 0..3),
            explicit in proptest::prelude::any::<bool>(),
            paths in proptest::collection::vec(
                (proptest::collection::vec(0usize..8, 1..6), proptest::prelude::any::<bool>()),
                1..24,
            ),
        ) {
            let dir = tempfile::tempdir().unwrap();
            let base = normalize_lexically(dir.path());
            let root = base.join("root");
            fs::create_dir_all(root.join("a/sub")).unwrap();
            fs::write(root.join("wffmt.toml"), format!("extend-exclude = {}\n", toml_list(&globs(&top)))).unwrap();
            fs::write(root.join("a/sub/wffmt.toml"), format!("exclude = {}\n", toml_list(&globs(&nested)))).unwrap();
            let finder = Arc::new(ConfigFinder::with_cwd(&root));
            let config = explicit.then(|| Arc::new(Config::load(&root.join("a/sub/wffmt.toml")).unwrap()));
            let ex = Excluder::new(&globs(&cli), &root, config, finder).unwrap();
            const NAMES: [&str; 8] = ["a", "b", "gen", "sub", "x.yml", "keep.yml", "..", "node_modules"];
            for (names, is_dir) in paths {
                let rel: Vec<&str> = names.iter().map(|&i| NAMES[i]).collect();
                let path = normalize_lexically(&root.join(rel.join("/")));
                proptest::prop_assert_eq!(
                    ex.is_excluded(&path, is_dir),
                    ex.is_excluded_by_path(&path, is_dir),
                    "{:?} (directory: {})", path, is_dir
                );
            }
        }
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
