//! GITHUB_TOKEN permission scopes: names, allowed levels, and the checks every knowledge-base
//! entry goes through.
//!
//! The list follows GitHub's `permissions:` reference. Two scopes exist on github.com but are
//! rejected by widely used linters today (`vulnerability-alerts`, `code-quality`): they are
//! *known* (a repository may name them in its own entries) but [`LINTER_GATED`] marks them so the
//! `permissions` rule emits them only when configured to, and the built-in data never uses them.
//! `metadata` is always granted read and cannot be named; `read-all` / `write-all` are whole-block
//! shorthands, never scopes.

use std::collections::BTreeMap;
use std::fmt;

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize};

/// Access level of one scope. `Read < Write`; a write grant includes read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Level {
    /// `read`
    Read,
    /// `write`
    Write,
}

impl Level {
    /// The YAML/TOML spelling: `read` or `write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Read => "read",
            Level::Write => "write",
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Scope name -> level, in canonical (alphabetical) order.
pub type Scopes = BTreeMap<String, Level>;

/// What one scope accepts.
#[derive(Debug, Clone, Copy)]
pub struct ScopeInfo {
    /// Scope name as written in `permissions:`.
    pub name: &'static str,
    /// `read` is a valid value.
    pub read: bool,
    /// `write` is a valid value.
    pub write: bool,
}

const fn rw(name: &'static str) -> ScopeInfo {
    ScopeInfo {
        name,
        read: true,
        write: true,
    }
}

/// Every scope the knowledge base accepts (alphabetical).
pub const SCOPES: &[ScopeInfo] = &[
    rw("actions"),
    rw("artifact-metadata"),
    rw("attestations"),
    rw("checks"),
    rw("code-quality"),
    rw("contents"),
    rw("deployments"),
    rw("discussions"),
    ScopeInfo {
        name: "id-token",
        read: false,
        write: true,
    },
    rw("issues"),
    ScopeInfo {
        name: "models",
        read: true,
        write: false,
    },
    rw("packages"),
    rw("pages"),
    rw("pull-requests"),
    rw("repository-projects"),
    rw("security-events"),
    rw("statuses"),
    ScopeInfo {
        name: "vulnerability-alerts",
        read: true,
        write: false,
    },
];

/// Scopes that common linters (actionlint, and super-linter through it) reject today. The
/// `permissions` rule emits them only when configured to; built-in entries never use them.
pub const LINTER_GATED: &[&str] = &["code-quality", "vulnerability-alerts"];

/// The [`ScopeInfo`] of a known scope.
pub fn scope_info(name: &str) -> Option<&'static ScopeInfo> {
    SCOPES.iter().find(|s| s.name == name)
}

/// True for the scopes in [`LINTER_GATED`].
pub fn is_linter_gated(name: &str) -> bool {
    LINTER_GATED.contains(&name)
}

/// Checks that `name: level` is something a `permissions:` block may say.
pub fn check_scope(name: &str, level: Level) -> Result<(), String> {
    match name {
        "read-all" | "write-all" => {
            return Err(format!(
                "`{name}` is a shorthand for a whole block, not a scope; name each scope instead"
            ))
        }
        "metadata" => {
            return Err(
                "`metadata` is always granted read and cannot be named in `permissions:`".into(),
            )
        }
        _ => {}
    }
    let Some(info) = scope_info(name) else {
        let known: Vec<&str> = SCOPES.iter().map(|s| s.name).collect();
        return Err(format!(
            "unknown permission scope `{name}` (known: {})",
            known.join(", ")
        ));
    };
    let ok = match level {
        Level::Read => info.read,
        Level::Write => info.write,
    };
    if ok {
        Ok(())
    } else {
        let only = if info.write { "write" } else { "read" };
        Err(format!(
            "`{name}` cannot be `{level}`; it only takes `{only}` (or `none`)"
        ))
    }
}

/// `needs = { scope = "read" | "write" | "none", ... }`, validated while it is read so that a
/// mistake is reported with the line and column of the table. `none` entries are dropped.
#[derive(Debug, Clone, Default)]
pub(crate) struct ScopesDe(pub Scopes);

impl<'de> Deserialize<'de> for ScopesDe {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let raw = BTreeMap::<String, String>::deserialize(deserializer)?;
        let mut out = Scopes::new();
        for (name, value) in raw {
            let level = match value.as_str() {
                "read" => Level::Read,
                "write" => Level::Write,
                "none" => {
                    // Still reject misspelled scope names.
                    check_scope(&name, Level::Read)
                        .or_else(|_| check_scope(&name, Level::Write))
                        .map_err(de::Error::custom)?;
                    continue;
                }
                other => {
                    return Err(de::Error::custom(format!(
                        "`{name} = \"{other}\"`: the level must be \"read\", \"write\" or \"none\""
                    )))
                }
            };
            check_scope(&name, level).map_err(de::Error::custom)?;
            out.insert(name, level);
        }
        Ok(ScopesDe(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_are_ordered() {
        assert!(Level::Read < Level::Write);
        assert_eq!(Level::Write.to_string(), "write");
    }

    #[test]
    fn scope_checks() {
        assert!(check_scope("contents", Level::Write).is_ok());
        assert!(check_scope("id-token", Level::Write).is_ok());
        assert!(check_scope("id-token", Level::Read).is_err());
        assert!(check_scope("models", Level::Write).is_err());
        assert!(check_scope("read-all", Level::Read)
            .unwrap_err()
            .contains("shorthand"));
        assert!(check_scope("metadata", Level::Read).is_err());
        assert!(check_scope("content", Level::Read)
            .unwrap_err()
            .contains("unknown"));
        assert!(is_linter_gated("vulnerability-alerts"));
        assert!(!is_linter_gated("contents"));
    }

    #[test]
    fn scopes_list_is_sorted_and_unique() {
        let names: Vec<&str> = SCOPES.iter().map(|s| s.name).collect();
        let mut sorted = names.clone();
        sorted.sort_unstable();
        sorted.dedup();
        assert_eq!(names, sorted);
    }
}
