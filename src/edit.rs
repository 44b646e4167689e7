//! Text edits and fixes.
//!
//! Rules never re-serialize a document: they return [`Fix`]es made of byte-range [`Edit`]s on the
//! original text. [`apply_fixes`] sorts them, refuses overlapping fixes (reporting them rather than
//! merging them silently) and splices the survivors in one pass.

use std::collections::BTreeMap;
use std::ops::Range;

/// Replace `range` (byte offsets into the original text) with `replacement`.
/// An empty range is an insertion.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Edit {
    pub range: Range<usize>,
    pub replacement: String,
}

impl Edit {
    pub fn replace(range: Range<usize>, replacement: impl Into<String>) -> Self {
        Edit {
            range,
            replacement: replacement.into(),
        }
    }

    pub fn insert(at: usize, text: impl Into<String>) -> Self {
        Edit::replace(at..at, text)
    }

    pub fn delete(range: Range<usize>) -> Self {
        Edit::replace(range, "")
    }
}

/// Whether a fix may be applied without asking (ruff's terms).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    PartialOrd,
    Ord,
    serde::Serialize,
    schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Applicability {
    /// Keeps what the workflow does (or the workflow cannot run at all as it is): `--fix`
    /// applies it.
    #[default]
    Safe,
    /// May change behaviour: applied only with `--unsafe-fixes`, otherwise reported with the
    /// suggested change.
    Unsafe,
}

impl Applicability {
    pub fn as_str(self) -> &'static str {
        match self {
            Applicability::Safe => "safe",
            Applicability::Unsafe => "unsafe",
        }
    }
}

/// A group of edits that belong together, made by one rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fix {
    pub rule: &'static str,
    pub title: String,
    pub edits: Vec<Edit>,
    pub applicability: Applicability,
    /// Why the fix is unsafe: what it may change. Set with [`Fix::unsafe_because`].
    pub unsafe_reason: Option<String>,
    /// Where the fix is reported and suppressed (a byte offset); the first edit when unset.
    pub anchor: Option<usize>,
}

impl Fix {
    /// A safe fix.
    pub fn new(rule: &'static str, title: impl Into<String>, edits: Vec<Edit>) -> Self {
        let mut edits = edits;
        edits.sort_by_key(|e| (e.range.start, e.range.end));
        Fix {
            rule,
            title: title.into(),
            edits,
            applicability: Applicability::Safe,
            unsafe_reason: None,
            anchor: None,
        }
    }

    /// Marks the fix unsafe; `why` says what it may change, for the user deciding whether to
    /// apply it (`artifact names must be unique in v4`).
    pub fn unsafe_because(mut self, why: impl Into<String>) -> Self {
        self.applicability = Applicability::Unsafe;
        self.unsafe_reason = Some(why.into());
        self
    }

    /// Reports (and suppresses) the fix at `offset` instead of its first edit: the `uses:` value
    /// it concerns, the job it adds a block to.
    pub fn at(mut self, offset: usize) -> Self {
        self.anchor = Some(offset);
        self
    }

    /// The offset the fix is reported and suppressed at.
    pub fn anchor_offset(&self) -> usize {
        self.anchor
            .or_else(|| self.span().map(|r| r.start))
            .unwrap_or(0)
    }

    /// Whether `--fix` may apply the fix given whether unsafe fixes were asked for.
    pub fn allowed(&self, unsafe_fixes: bool) -> bool {
        unsafe_fixes || self.applicability == Applicability::Safe
    }

    pub fn span(&self) -> Option<Range<usize>> {
        let start = self.edits.iter().map(|e| e.range.start).min()?;
        let end = self.edits.iter().map(|e| e.range.end).max()?;
        Some(start..end)
    }
}

/// Two fixes that touch the same bytes; the later one was not applied.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict {
    pub kept: &'static str,
    pub skipped: &'static str,
    pub at: usize,
    pub kind: ConflictKind,
}

/// Why a fix was not applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ConflictKind {
    /// It overlaps a fix already taken; it may apply cleanly on the new text.
    Overlap,
    /// Its own edits overlap, or fall outside the text: a bug in the rule, retrying won't help.
    Malformed,
}

/// The result of applying fixes to a text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub text: String,
    pub applied: Vec<Fix>,
    pub conflicts: Vec<Conflict>,
}

fn overlaps(a: &Range<usize>, b: &Range<usize>) -> bool {
    // Two insertions at the same point conflict too: their order would be arbitrary.
    if a.start == b.start {
        return true;
    }
    a.start < b.end && b.start < a.end
}

/// Apply `fixes` to `text` in one pass. A fix whose edits overlap an edit of a fix already
/// taken (or each other) is skipped and reported as a [`Conflict`]; callers may retry it on the
/// new text. Runs in O(n log n) in the number of edits.
pub fn apply_fixes(text: &str, mut fixes: Vec<Fix>) -> Applied {
    fixes.sort_by_key(|f| {
        f.span()
            .map(|r| (r.start, r.end))
            .unwrap_or((usize::MAX, 0))
    });
    // Taken edits by start offset: start -> (end, rule).
    let mut taken: BTreeMap<usize, (usize, &'static str)> = BTreeMap::new();
    let mut applied = Vec::new();
    let mut conflicts = Vec::new();
    for fix in fixes {
        if fix.edits.is_empty() {
            continue;
        }
        let in_bounds = fix.edits.iter().all(|e| {
            e.range.start <= e.range.end
                && e.range.end <= text.len()
                && text.is_char_boundary(e.range.start)
                && text.is_char_boundary(e.range.end)
        });
        if !in_bounds {
            conflicts.push(Conflict {
                kept: fix.rule,
                skipped: fix.rule,
                at: fix.span().map(|r| r.start).unwrap_or(0),
                kind: ConflictKind::Malformed,
            });
            continue;
        }
        // Edits are sorted by `Fix::new`; overlaps inside the fix are between neighbours.
        if let Some(w) = fix
            .edits
            .windows(2)
            .find(|w| overlaps(&w[0].range, &w[1].range))
        {
            conflicts.push(Conflict {
                kept: fix.rule,
                skipped: fix.rule,
                at: w[1].range.start,
                kind: ConflictKind::Malformed,
            });
            continue;
        }
        let clash = {
            fix.edits.iter().find_map(|e| {
                let before = taken.range(..=e.range.start).next_back();
                let after = taken.range(e.range.start..).next();
                [before, after]
                    .into_iter()
                    .flatten()
                    .find(|(&s, &(end, _))| overlaps(&(s..end), &e.range))
                    .map(|(_, &(_, rule))| (rule, e.range.start))
            })
        };
        match clash {
            Some((kept, at)) => conflicts.push(Conflict {
                kept,
                skipped: fix.rule,
                at,
                kind: ConflictKind::Overlap,
            }),
            None => {
                for e in &fix.edits {
                    taken.insert(e.range.start, (e.range.end, fix.rule));
                }
                applied.push(fix);
            }
        }
    }
    let mut all: Vec<&Edit> = applied.iter().flat_map(|f| f.edits.iter()).collect();
    all.sort_by_key(|e| (e.range.start, e.range.end));
    let mut out = String::with_capacity(text.len() + 64);
    let mut pos = 0;
    for e in all {
        out.push_str(&text[pos..e.range.start]);
        out.push_str(&e.replacement);
        pos = e.range.end;
    }
    out.push_str(&text[pos..]);
    Applied {
        text: out,
        applied,
        conflicts,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn applies_non_overlapping_edits_in_one_pass() {
        let fixes = vec![
            Fix::new("b", "", vec![Edit::replace(4..5, "X")]),
            Fix::new("a", "", vec![Edit::insert(0, ">"), Edit::delete(1..2)]),
        ];
        let out = apply_fixes("abcdef", fixes);
        assert_eq!(out.text, ">acdXf");
        assert!(out.conflicts.is_empty());
    }

    #[test]
    fn reports_overlapping_fixes_instead_of_merging() {
        let fixes = vec![
            Fix::new("first", "", vec![Edit::replace(1..4, "x")]),
            Fix::new("second", "", vec![Edit::replace(3..5, "y")]),
        ];
        let out = apply_fixes("abcdef", fixes);
        assert_eq!(out.text, "axef");
        assert_eq!(
            out.conflicts,
            vec![Conflict {
                kept: "first",
                skipped: "second",
                at: 3,
                kind: ConflictKind::Overlap,
            }]
        );
    }

    #[test]
    fn same_point_insertions_conflict() {
        let fixes = vec![
            Fix::new("a", "", vec![Edit::insert(2, "1")]),
            Fix::new("b", "", vec![Edit::insert(2, "2")]),
        ];
        let out = apply_fixes("abcd", fixes);
        assert_eq!(out.text, "ab1cd");
        assert_eq!(out.conflicts.len(), 1);
    }

    #[test]
    fn a_fix_whose_own_edits_overlap_is_malformed() {
        let fixes = vec![Fix::new(
            "a",
            "",
            vec![Edit::insert(1, "x"), Edit::replace(1..2, "y")],
        )];
        let out = apply_fixes("abcd", fixes);
        assert_eq!(out.text, "abcd");
        assert_eq!(out.conflicts[0].kind, ConflictKind::Malformed);
    }

    #[test]
    fn out_of_bounds_fix_is_refused() {
        let fixes = vec![Fix::new("a", "", vec![Edit::replace(2..99, "")])];
        let out = apply_fixes("abcd", fixes);
        assert_eq!(out.text, "abcd");
        assert_eq!(out.conflicts.len(), 1);
    }
}
