//! The data of `outdated-actions`: deprecated runtimes and well-known actions, from
//! `rules/migrations/outdated-actions.toml` and `[[outdated-actions.action]]` in `wffmt.toml`.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::sync::OnceLock;

use serde::de::{self, Deserializer};
use serde::Deserialize;

use crate::migrations::{self, Date};

const BUILTIN: &str = include_str!("../../../rules/migrations/outdated-actions.toml");
const BUILTIN_NAME: &str = "rules/migrations/outdated-actions.toml";

/// A release version: `v4.2.0`, `4.2`, `v4`. Missing parts of a ref (`v4`) stand for the newest
/// release of that line, which is what the ref resolves to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Version {
    pub major: u64,
    pub minor: u64,
    pub patch: u64,
}

impl Version {
    /// Parses a ref; `None` for anything that is not a version (`main`, a SHA).
    pub fn parse_ref(s: &str) -> Option<Version> {
        let s = s.strip_prefix(['v', 'V']).unwrap_or(s);
        let mut parts = s.splitn(3, '.');
        let num = |p: Option<&str>| -> Option<Option<u64>> {
            match p {
                None => Some(None),
                Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
                    p.parse().ok().map(Some)
                }
                Some(_) => None,
            }
        };
        let major = num(parts.next())??;
        let minor = num(parts.next())?;
        let patch = num(parts.next())?;
        Some(Version {
            major,
            minor: minor.unwrap_or(u64::MAX),
            patch: patch.unwrap_or(u64::MAX),
        })
    }

    /// Whether the ref named the whole release line (`v4`), not one release.
    pub fn is_line(&self) -> bool {
        self.minor == u64::MAX
    }

    fn first_of_line(major: u64) -> Version {
        Version {
            major,
            minor: 0,
            patch: 0,
        }
    }
}

impl<'de> Deserialize<'de> for Version {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Version, D::Error> {
        let s = String::deserialize(d)?;
        Version::parse_ref(&s).ok_or_else(|| {
            de::Error::custom(format!("expected a version such as v4.2.0, not {s:?}"))
        })
    }
}

/// A runtime GitHub deprecated.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Runtime {
    pub name: String,
    pub deprecated: Date,
    pub removed: Option<Date>,
    pub source: String,
}

/// A change on the way to the target that may matter.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct Change {
    pub at: Version,
    pub what: String,
    pub unless: Option<Check>,
}

/// A check of the workflow under which a change cannot matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    UniqueArtifactNames,
    NoHiddenFiles,
    UploadsUnchanged,
}

/// One action of the table.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
pub struct ActionRow {
    pub uses: String,
    /// `"<first version> <runtime>"`, in version order.
    #[serde(deserialize_with = "runtime_steps")]
    pub runtimes: Vec<(Version, String)>,
    /// `"<from> <below> <day>"`.
    #[serde(default, deserialize_with = "broken_ranges")]
    pub broken: Vec<(Version, Version, Date)>,
    #[serde(default)]
    pub broken_why: String,
    pub target: Version,
    #[serde(default)]
    pub changes: Vec<Change>,
    pub source: Option<String>,
}

fn runtime_steps<'de, D: Deserializer<'de>>(d: D) -> Result<Vec<(Version, String)>, D::Error> {
    let items = Vec::<String>::deserialize(d)?;
    let mut out = Vec::new();
    for item in items {
        let bad = || de::Error::custom(format!("expected \"<version> <runtime>\", not {item:?}"));
        let (v, r) = item.split_once(' ').ok_or_else(bad)?;
        let v = Version::parse_ref(v)
            .filter(|v| !v.is_line())
            .ok_or_else(bad)?;
        out.push((v, r.trim().to_string()));
    }
    if out.windows(2).any(|w| w[0].0 >= w[1].0) {
        return Err(de::Error::custom("`runtimes` must be in version order"));
    }
    Ok(out)
}

fn broken_ranges<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<(Version, Version, Date)>, D::Error> {
    let items = Vec::<String>::deserialize(d)?;
    items
        .iter()
        .map(|item| {
            let parts: Vec<&str> = item.split_whitespace().collect();
            let parsed = match parts.as_slice() {
                [from, below, day] => Version::parse_ref(from)
                    .zip(Version::parse_ref(below))
                    .zip(Date::parse(day))
                    .map(|((f, b), d)| (f, b, d)),
                _ => None,
            };
            parsed.ok_or_else(|| {
                de::Error::custom(format!(
                    "expected \"<from version> <below version> <day>\", not {item:?}"
                ))
            })
        })
        .collect()
}

impl ActionRow {
    /// The runtime of `version`.
    pub fn runtime(&self, version: Version) -> Option<&str> {
        self.runtimes
            .iter()
            .rev()
            .find(|(first, _)| *first <= version)
            .map(|(_, r)| r.as_str())
    }

    /// When `version` stopped working, if it did.
    pub fn broken_since(&self, version: Version) -> Option<Date> {
        self.broken
            .iter()
            .find(|(from, below, _)| *from <= version && version < *below)
            .map(|(_, _, day)| *day)
    }

    /// The changes met going from `version` to the target line.
    pub fn changes_between(&self, version: Version) -> impl Iterator<Item = &Change> {
        let target = Version {
            major: self.target.major,
            minor: u64::MAX,
            patch: u64::MAX,
        };
        self.changes
            .iter()
            .filter(move |c| version.cmp(&c.at) == Ordering::Less && c.at <= target)
    }

    /// The target line as a ref (`v5`).
    pub fn target_ref(&self) -> String {
        format!("v{}", self.target.major)
    }

    /// The first release of the target line.
    pub fn target_start(&self) -> Version {
        Version::first_of_line(self.target.major)
    }
}

/// `[outdated-actions]` in `wffmt.toml`: actions of your own; an entry for the same `uses`
/// replaces the built-in one.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutdatedActionsConfig {
    pub action: Vec<ActionRow>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TableFile {
    runtime: Vec<Runtime>,
    action: Vec<ActionRow>,
}

pub struct Builtin {
    pub runtimes: Vec<Runtime>,
    pub actions: HashMap<String, ActionRow>,
}

pub fn builtin() -> &'static Result<Builtin, String> {
    static TABLE: OnceLock<Result<Builtin, String>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let file: TableFile = migrations::parse_table(BUILTIN_NAME, BUILTIN)?;
        Ok(Builtin {
            runtimes: file.runtime,
            actions: file
                .action
                .into_iter()
                .map(|a| (a.uses.to_ascii_lowercase(), a))
                .collect(),
        })
    })
}

/// The row for `owner/repo[/path]` (lower case), configured rows first.
pub fn lookup<'a>(config: &'a OutdatedActionsConfig, name: &str) -> Option<&'a ActionRow> {
    config
        .action
        .iter()
        .rev()
        .find(|r| r.uses.eq_ignore_ascii_case(name))
        .or_else(|| builtin().as_ref().ok()?.actions.get(name))
}

/// The deprecated runtime `name`, if it is one.
pub fn deprecated_runtime(name: &str) -> Option<&'static Runtime> {
    builtin()
        .as_ref()
        .ok()?
        .runtimes
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(name))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse_ref(s).unwrap()
    }

    #[test]
    fn versions() {
        assert!(v("v4") > v("v4.2.0"));
        assert!(v("v4.1") < v("v4.2.0"));
        assert!(v("4.2.0") == v("v4.2.0"));
        assert!(v("v4").is_line());
        assert_eq!(Version::parse_ref("main"), None);
        assert_eq!(Version::parse_ref("v4.x"), None);
        assert_eq!(Version::parse_ref("v"), None);
    }

    #[test]
    fn builtin_table_is_consistent() {
        let table = builtin().as_ref().expect("the table loads");
        assert!(table.actions.len() >= 10);
        for row in table.actions.values() {
            assert!(
                row.source
                    .as_deref()
                    .is_some_and(|s| s.contains("https://")),
                "{row:?}"
            );
            // The target line runs on a runtime GitHub still provides.
            let target_runtime = row.runtime(row.target).unwrap();
            assert!(
                deprecated_runtime(target_runtime).is_none(),
                "{}: target {} runs on {target_runtime}",
                row.uses,
                row.target_ref()
            );
            // The line before the target does not.
            let before = Version {
                major: row.target.major - 1,
                minor: u64::MAX,
                patch: u64::MAX,
            };
            let old = row.runtime(before).unwrap_or("?");
            assert!(
                deprecated_runtime(old).is_some() || row.broken_since(before).is_some(),
                "{}: the line before the target runs on {old}",
                row.uses
            );
        }
    }

    #[test]
    fn runtimes_and_broken_ranges_of_a_row() {
        let table = builtin().as_ref().unwrap();
        let cache = &table.actions["actions/cache"];
        assert_eq!(cache.runtime(v("v4.1.0")), Some("node20"));
        assert!(cache.broken_since(v("v4.1.0")).is_some());
        assert!(cache.broken_since(v("v4")).is_none());
        assert!(cache.broken_since(v("v3")).is_none());
        assert!(cache.broken_since(v("v2")).is_some());
        let go = &table.actions["actions/setup-go"];
        assert_eq!(go.runtime(v("v6.1.0")), Some("node20"));
        assert_eq!(go.runtime(v("v6")), Some("node24"));
        let upload = &table.actions["actions/upload-artifact"];
        assert_eq!(upload.changes_between(v("v3")).count(), 2);
        assert_eq!(upload.changes_between(v("v4")).count(), 0);
        assert_eq!(upload.changes_between(v("v4.3.1")).count(), 1);
    }
}
