//! Cooldown for `--update` / `--upgrade`: how old a release must be before pins move to it.
//!
//! Sources, first one wins: `--min-age DAYS`, `[pin] min-age` in `wffmt.toml`, and the
//! `cooldown` of the `github-actions` entry in the repository's `.github/dependabot.yml`, so
//! that wffmt and Dependabot agree on what is old enough. Dependabot's form is read whole:
//! `default-days`, `semver-major-days` / `semver-minor-days` / `semver-patch-days` (by the
//! size of the bump), and `include` / `exclude` lists of dependency names (`owner/repo`, `*`
//! wildcards), exclude winning.

use std::path::{Path, PathBuf};

use crate::resolve::{compare_versions, wildcard_match, Version};
use crate::syntax::{parse, NodeId, SyntaxTree};

/// What a bump changes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Bump {
    Major,
    Minor,
    Patch,
}

impl Bump {
    /// The bump from `from` to `to` (two versions of one prefix).
    pub fn between(from: &Version, to: &Version) -> Bump {
        let n = |v: &Version, i: usize| v.nums.get(i).copied().unwrap_or(0);
        if n(from, 0) != n(to, 0) {
            Bump::Major
        } else if n(from, 1) != n(to, 1) {
            Bump::Minor
        } else {
            debug_assert!(compare_versions(from, to).is_le());
            Bump::Patch
        }
    }
}

/// A cooldown and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cooldown {
    pub default_days: Option<u32>,
    pub major_days: Option<u32>,
    pub minor_days: Option<u32>,
    pub patch_days: Option<u32>,
    pub include: Vec<String>,
    pub exclude: Vec<String>,
    /// `--min-age`, `wffmt.toml [pin] min-age`, or the dependabot.yml path, for messages.
    pub source: String,
}

impl Cooldown {
    /// The same number of days for every release.
    pub fn days(days: u32, source: impl Into<String>) -> Cooldown {
        Cooldown {
            default_days: Some(days),
            major_days: None,
            minor_days: None,
            patch_days: None,
            include: Vec::new(),
            exclude: Vec::new(),
            source: source.into(),
        }
    }

    /// Days a release of `repo` (`owner/repo`) must have aged for this bump; 0 when none.
    pub fn days_for(&self, repo: &str, bump: Bump) -> u32 {
        let repo = repo.to_ascii_lowercase();
        let matches = |patterns: &[String]| {
            patterns
                .iter()
                .any(|p| wildcard_match(&p.to_ascii_lowercase(), &repo))
        };
        if matches(&self.exclude) || (!self.include.is_empty() && !matches(&self.include)) {
            return 0;
        }
        let specific = match bump {
            Bump::Major => self.major_days,
            Bump::Minor => self.minor_days,
            Bump::Patch => self.patch_days,
        };
        specific.or(self.default_days).unwrap_or(0)
    }

    /// A one-line description for `-v`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(d) = self.default_days {
            parts.push(days_text(i64::from(d)));
        }
        for (label, days) in [
            ("major", self.major_days),
            ("minor", self.minor_days),
            ("patch", self.patch_days),
        ] {
            if let Some(d) = days {
                parts.push(format!("{label} {}", days_text(i64::from(d))));
            }
        }
        if parts.is_empty() {
            parts.push("0 days".to_string());
        }
        format!("{} (from {})", parts.join(", "), self.source)
    }
}

/// `.github/dependabot.yml` (or `.yaml`) of the repository holding `file`: searched upward
/// from the file's directory, stopping at the directory that holds `.git`.
pub fn dependabot_file(file: &Path) -> Option<PathBuf> {
    for dir in file.ancestors().skip(1) {
        for name in ["dependabot.yml", "dependabot.yaml"] {
            let candidate = dir.join(".github").join(name);
            if candidate.is_file() {
                return Some(candidate);
            }
        }
        if dir.join(".git").exists() {
            break;
        }
    }
    None
}

/// The cooldown of the `github-actions` entry of a dependabot.yml text, if it has one.
/// `Err` when the cooldown is there but unreadable (says why).
pub fn from_dependabot(text: &str, source: &str) -> Result<Option<Cooldown>, String> {
    let tree = parse(text);
    let Some(root) = tree.first_root() else {
        return Ok(None);
    };
    let Some(updates) = tree.map_get(root, "updates") else {
        return Ok(None);
    };
    for update in tree.seq_items(updates) {
        let ecosystem = tree
            .map_get(update, "package-ecosystem")
            .and_then(|n| tree.scalar_value(n));
        if ecosystem.as_deref() != Some("github-actions") {
            continue;
        }
        let Some(cooldown) = tree.map_get(update, "cooldown") else {
            continue;
        };
        let days =
            |key: &str| -> Result<Option<u32>, String> {
                let Some(node) = tree.map_get(cooldown, key) else {
                    return Ok(None);
                };
                let value = tree.scalar_value(node).unwrap_or_default();
                value.trim().parse::<u32>().map(Some).map_err(|_| {
                    format!("`cooldown.{key}` should be a number of days, not {value:?}")
                })
            };
        return Ok(Some(Cooldown {
            default_days: days("default-days")?,
            major_days: days("semver-major-days")?,
            minor_days: days("semver-minor-days")?,
            patch_days: days("semver-patch-days")?,
            include: names(&tree, tree.map_get(cooldown, "include")),
            exclude: names(&tree, tree.map_get(cooldown, "exclude")),
            source: source.to_string(),
        }));
    }
    Ok(None)
}

fn names(tree: &SyntaxTree, list: Option<NodeId>) -> Vec<String> {
    list.map(|l| {
        tree.seq_items(l)
            .filter_map(|n| tree.scalar_value(n).map(|v| v.trim().to_string()))
            .filter(|v| !v.is_empty())
            .collect()
    })
    .unwrap_or_default()
}

/// `1 day`, `7 days`.
pub fn days_text(days: i64) -> String {
    if days == 1 {
        "1 day".to_string()
    } else {
        format!("{days} days")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPENDABOT: &str = "\
version: 2
updates:
  - package-ecosystem: npm
    directory: /
    cooldown:
      default-days: 99
  - package-ecosystem: \"github-actions\"
    directory: /
    schedule:
      interval: weekly
    cooldown:
      default-days: 5
      semver-major-days: 30
      semver-patch-days: 2
      include: [\"actions/*\", \"acme/tool\"]
      exclude:
        - actions/checkout
";

    #[test]
    fn reads_the_github_actions_cooldown() {
        let c = from_dependabot(DEPENDABOT, ".github/dependabot.yml")
            .unwrap()
            .unwrap();
        assert_eq!(c.default_days, Some(5));
        assert_eq!(c.days_for("actions/setup-node", Bump::Major), 30);
        assert_eq!(c.days_for("Actions/Setup-Node", Bump::Minor), 5);
        assert_eq!(c.days_for("actions/setup-node", Bump::Patch), 2);
        assert_eq!(c.days_for("acme/tool", Bump::Minor), 5);
        // Excluded, or not included.
        assert_eq!(c.days_for("actions/checkout", Bump::Major), 0);
        assert_eq!(c.days_for("other/thing", Bump::Major), 0);
        assert!(c.describe().contains("dependabot.yml"), "{}", c.describe());
    }

    #[test]
    fn absent_or_broken_cooldowns() {
        assert_eq!(from_dependabot("version: 2\n", "d"), Ok(None));
        assert_eq!(
            from_dependabot(
                "updates:\n  - package-ecosystem: npm\n    cooldown: {default-days: 3}\n",
                "d"
            ),
            Ok(None)
        );
        assert!(from_dependabot(
            "updates:\n  - package-ecosystem: github-actions\n    cooldown:\n      default-days: soon\n",
            "d"
        )
        .unwrap_err()
        .contains("default-days"));
        assert_eq!(from_dependabot("[[[", "d"), Ok(None));
    }

    #[test]
    fn bumps() {
        let v = |s| Version::parse(s).unwrap();
        assert_eq!(Bump::between(&v("v4.1.0"), &v("v5.0.0")), Bump::Major);
        assert_eq!(Bump::between(&v("v4.1.0"), &v("v4.2.0")), Bump::Minor);
        assert_eq!(Bump::between(&v("v4.1.0"), &v("v4.1.3")), Bump::Patch);
        assert_eq!(Bump::between(&v("v4"), &v("v4.0.1")), Bump::Patch);
        assert_eq!(
            Cooldown::days(7, "--min-age").days_for("x/y", Bump::Patch),
            7
        );
    }

    #[test]
    fn one_day_is_singular() {
        assert_eq!(days_text(1), "1 day");
        assert_eq!(days_text(0), "0 days");
        assert_eq!(days_text(30), "30 days");
        let one = Cooldown::days(1, "--min-age").describe();
        assert!(one.contains("1 day") && !one.contains("1 days"), "{one}");
    }
}
