//! A repository's branches and tags, and what a ref means against them.
//!
//! One ref listing per repository answers every question `pin` and `--verify-pins` ask, with no
//! further network traffic: which commit a tag or branch names (annotated tags already peeled to
//! their commit), which other tags name the same commit (so `v4` can be written as
//! `# v4.2.2`), and whether a SHA is the tip of anything.
//!
//! Choices made here, and why:
//! - **Tag before branch.** When a tag and a branch share a name the Actions runner checks out
//!   the tag, so that is what gets pinned; the clash is reported as a warning because the author
//!   may have meant the branch (and tools disagree on the precedence).
//! - **"Most specific" tag.** Among the tags on the same commit, the comment uses the one with
//!   the most version components (`v4.2.2` over `v4.2` over `v4`). For a version-like ref only
//!   tags that refine it count (same prefix, same leading numbers, no pre-release suffix), so
//!   `@v4` never gets a `# v5.0.0` comment because both happen to be on one commit. A ref that is
//!   not version-like (`stable`) takes the most specific version tag on its commit, if any. Ties
//!   go to the higher version, then to the name that sorts first, so the result never depends on
//!   map order.
//! - The comment is only ever a ref name that exists in the listing (or the ref as written), so
//!   `# vX.Y.Z` stays readable by Renovate, Dependabot and zizmor alike.

use std::cmp::Ordering;
use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

use super::uses::is_full_sha;

/// Branches and tags of one repository, each mapped to the commit it names. Tag values are
/// peeled: an annotated tag maps to its commit, not to the tag object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RefListing {
    pub tags: BTreeMap<String, String>,
    pub branches: BTreeMap<String, String>,
    /// Annotated tags only: the tag object's id (its tagger date is the release date).
    #[serde(default)]
    pub tag_objects: BTreeMap<String, String>,
}

/// What a ref resolves to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resolution {
    /// The full commit SHA, lowercase as git prints it (a SHA ref is returned as written).
    pub sha: String,
    /// The version comment without `# `: the most specific tag on the commit, the branch name
    /// for a branch, the ref itself when nothing more specific exists. Empty only for a SHA ref
    /// that no branch or tag points at.
    pub comment: String,
    /// Something the user should know, e.g. a tag and a branch share the name.
    pub warning: Option<String>,
}

/// Why a ref could not be resolved against a listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RefError {
    /// No tag or branch has this name.
    UnknownRef,
}

impl fmt::Display for RefError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RefError::UnknownRef => f.write_str("no tag or branch of the repository has this name"),
        }
    }
}

impl std::error::Error for RefError {}

/// Outcome of checking a pinned SHA and its version comment (`--verify-pins`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PinCheck {
    /// The SHA is the tip of a ref, and the comment (if any) names that same commit.
    Ok,
    /// The comment names a ref that points at another commit today.
    Mismatch {
        comment_ref: String,
        comment_sha: String,
        /// Whether the pinned SHA is at least the tip of some other ref.
        sha_is_tip: bool,
    },
    /// The comment names a ref the repository does not have.
    UnknownCommentRef {
        comment_ref: String,
        sha_is_tip: bool,
    },
    /// No branch or tag points at the pinned SHA: an old commit, a commit from a fork (an
    /// "impostor" commit), or a typo. Not necessarily wrong, but worth a look.
    NotATip,
}

impl RefListing {
    /// Parses `git ls-remote` output (`<sha>\t<refname>` per line). Lines for refs other than
    /// `refs/heads/*` and `refs/tags/*` are ignored, and so is anything malformed; a peeled line
    /// (`refs/tags/x^{}`) replaces the tag object's SHA with the commit's.
    pub fn from_ls_remote(output: &str) -> RefListing {
        let mut listing = RefListing::default();
        let mut peeled: BTreeMap<String, String> = BTreeMap::new();
        for line in output.lines() {
            let Some((sha, name)) = line.split_once('\t') else {
                continue;
            };
            let sha = sha.trim();
            if !is_object_id(sha) {
                continue;
            }
            let sha = sha.to_ascii_lowercase();
            if let Some(tag) = name.strip_prefix("refs/tags/") {
                if let Some(tag) = tag.strip_suffix("^{}") {
                    if !tag.is_empty() {
                        peeled.insert(tag.to_string(), sha);
                    }
                } else if !tag.is_empty() {
                    listing.tags.insert(tag.to_string(), sha);
                }
            } else if let Some(branch) = name.strip_prefix("refs/heads/") {
                if !branch.is_empty() {
                    listing.branches.insert(branch.to_string(), sha);
                }
            }
        }
        for (tag, sha) in peeled {
            if let Some(slot) = listing.tags.get_mut(&tag) {
                let object = std::mem::replace(slot, sha);
                listing.tag_objects.insert(tag, object);
            }
        }
        listing
    }

    /// Resolves a ref as written after `@`: a full SHA (kept as is), `refs/tags/x`,
    /// `refs/heads/x`, or a short name (tag first, as the runner does).
    pub fn resolve(&self, git_ref: &str) -> Result<Resolution, RefError> {
        if is_full_sha(git_ref) {
            let comment = self
                .names_for(git_ref)
                .into_iter()
                .next()
                .unwrap_or_default();
            return Ok(Resolution {
                sha: git_ref.to_string(),
                comment,
                warning: None,
            });
        }
        if let Some(tag) = git_ref.strip_prefix("refs/tags/") {
            return self.resolve_tag(tag, None).ok_or(RefError::UnknownRef);
        }
        if let Some(branch) = git_ref.strip_prefix("refs/heads/") {
            return self
                .branches
                .get(branch)
                .map(|sha| Resolution {
                    sha: sha.clone(),
                    comment: branch.to_string(),
                    warning: None,
                })
                .ok_or(RefError::UnknownRef);
        }
        let branch = self.branches.get(git_ref);
        if let Some(resolution) = self.resolve_tag(git_ref, branch) {
            return Ok(resolution);
        }
        branch
            .map(|sha| Resolution {
                sha: sha.clone(),
                comment: git_ref.to_string(),
                warning: None,
            })
            .ok_or(RefError::UnknownRef)
    }

    fn resolve_tag(&self, tag: &str, clashing_branch: Option<&String>) -> Option<Resolution> {
        let sha = self.tags.get(tag)?;
        let warning = clashing_branch.map(|branch_sha| {
            if branch_sha == sha {
                format!(
                    "`{tag}` is both a tag and a branch; pinned the tag, which is what the \
                     runner uses (both point at the same commit today, but they can diverge)"
                )
            } else {
                format!(
                    "`{tag}` is both a tag and a branch; pinned the tag ({}), which is what the \
                     runner uses, not the branch ({}); use `refs/heads/{tag}` if the branch \
                     was meant",
                    short(sha),
                    short(branch_sha)
                )
            }
        });
        Some(Resolution {
            sha: sha.clone(),
            comment: self.most_specific_tag(tag, sha),
            warning,
        })
    }

    /// The comment for a tag: the most specific tag on the same commit that refines it.
    fn most_specific_tag(&self, tag: &str, sha: &str) -> String {
        let original = Version::parse(tag);
        let refines = |candidate: &Version| match &original {
            Some(orig) if orig.suffix.is_empty() => {
                candidate.prefix == orig.prefix
                    && candidate.suffix.is_empty()
                    && candidate.nums.starts_with(&orig.nums)
            }
            // A pre-release ref (`v4.0.0-rc.1`) is already as specific as it gets.
            Some(_) => false,
            // A ref that is not a version (`latest`, `stable`) is its own best name: another
            // tag that happens to be on the same commit today says nothing about it.
            None => false,
        };
        self.tags
            .iter()
            .filter(|(name, tag_sha)| tag_sha.as_str() == sha && name.as_str() != tag)
            .filter(|(name, _)| is_safe_ref_name(name))
            .filter_map(|(name, _)| Version::parse(name).map(|v| (name, v)))
            .filter(|(_, v)| refines(v))
            .filter(|(_, v)| {
                original
                    .as_ref()
                    .is_none_or(|orig| v.nums.len() > orig.nums.len())
            })
            .max_by(|(a_name, a), (b_name, b)| specificity(a, a_name, b, b_name))
            .map(|(name, _)| name.clone())
            .unwrap_or_else(|| tag.to_string())
    }

    /// Every tag and branch whose tip is `sha` (compared case-insensitively): tags first, most
    /// specific first, then branches by name.
    pub fn names_for(&self, sha: &str) -> Vec<String> {
        let mut tags: Vec<(&String, Option<Version>)> = self
            .tags
            .iter()
            .filter(|(name, s)| s.eq_ignore_ascii_case(sha) && is_safe_ref_name(name))
            .map(|(name, _)| (name, Version::parse(name)))
            .collect();
        tags.sort_by(|(a_name, a), (b_name, b)| match (a, b) {
            (Some(a), Some(b)) => specificity(b, b_name, a, a_name),
            (Some(_), None) => Ordering::Less,
            (None, Some(_)) => Ordering::Greater,
            (None, None) => a_name.cmp(b_name),
        });
        let branches = self
            .branches
            .iter()
            .filter(|(name, s)| s.eq_ignore_ascii_case(sha) && is_safe_ref_name(name))
            .map(|(name, _)| name.clone());
        tags.into_iter()
            .map(|(name, _)| name.clone())
            .chain(branches)
            .collect()
    }

    /// [`names_for`](Self::names_for) with the version tags of one release line first, for a
    /// commit named by a SHA: a repository can tag one commit in several lines (`v1.1.0` and
    /// `1.1.0`, or a monorepo's `v1.1.0` and `comp/v1.5.0`), and those are different releases.
    /// Preferred, in this order: tags with the prefix of `style` (a version the user wrote,
    /// e.g. a stale version comment, so `# v3` is corrected to a `v…` tag); tags of the
    /// action's own component (`cli/v1.2.0` for `owner/repo/cli`); tags with no component
    /// (`v1.2.0`); other component tags. Within each group the order of `names_for` holds.
    pub fn names_in_line(
        &self,
        sha: &str,
        style: Option<&str>,
        component: Option<&str>,
    ) -> Vec<String> {
        let style_prefix = style.and_then(Version::parse).map(|v| v.prefix);
        let rank = |name: &str| -> u8 {
            let Some(version) = Version::parse(name) else {
                return 4;
            };
            if !self.tags.contains_key(name) {
                return 4;
            }
            let directory = version.prefix.rsplit_once('/').map(|(dir, _)| dir);
            if style_prefix == Some(version.prefix) {
                0
            } else if directory.is_some() && directory == component {
                1
            } else if directory.is_none() {
                2
            } else {
                3
            }
        };
        let mut names = self.names_for(sha);
        // Stable: the order of `names_for` within a group (and branches after tags) is kept.
        names.sort_by_key(|name| rank(name));
        names
    }

    /// Release tags newer than `current` (a version tag name: `v4.1.0`, `v4`, `pkg/v1.2.3`),
    /// newest first. A release has the same prefix as `current` (so `pkg/v…` tags are ordered
    /// within their component and `v` style is kept), at least two numbers, no suffix other
    /// than a pre-release (`-rc.1`, only when `current` is itself a pre-release) or build
    /// metadata (`+x`), and a name safe to write ([`is_safe_ref_name`]). `any_major: false`
    /// keeps the major version. Empty when `current` is not a version.
    pub fn newer_releases(&self, current: &str, any_major: bool) -> Vec<Release> {
        let Some(base) = Version::parse(current) else {
            return Vec::new();
        };
        let allow_pre = base.suffix.starts_with('-');
        let mut found: Vec<(Version, Release)> = self
            .tags
            .iter()
            .filter(|(name, _)| is_safe_ref_name(name))
            .filter_map(|(name, commit)| Version::parse(name).map(|v| (name, commit, v)))
            .filter(|(_, _, v)| {
                v.prefix == base.prefix
                    && v.nums.len() >= 2
                    && (v.suffix.is_empty()
                        || v.suffix.starts_with('+')
                        || (allow_pre && v.suffix.starts_with('-')))
                    && (any_major || v.nums.first() == base.nums.first())
                    && compare_versions(v, &base) == Ordering::Greater
            })
            .map(|(name, commit, v)| {
                let release = Release {
                    tag: name.clone(),
                    commit: commit.clone(),
                    dated_object: self.tag_objects.get(name).unwrap_or(commit).clone(),
                };
                (v, release)
            })
            .collect();
        found.sort_by(|(a, ra), (b, rb)| {
            compare_versions(b, a)
                .then_with(|| b.nums.len().cmp(&a.nums.len()))
                .then_with(|| ra.tag.cmp(&rb.tag))
        });
        found.into_iter().map(|(_, r)| r).collect()
    }

    /// True when some branch or tag points at `sha`.
    pub fn is_tip(&self, sha: &str) -> bool {
        self.tags
            .values()
            .chain(self.branches.values())
            .any(|s| s.eq_ignore_ascii_case(sha))
    }

    /// Checks a pinned SHA against its version comment (`--verify-pins`). `comment` is the
    /// comment text after the `uses:` value, with or without the leading `#`; see
    /// [`comment_ref`] for the forms understood. A comment that names no ref is ignored.
    pub fn verify_pin(&self, sha: &str, comment: Option<&str>) -> PinCheck {
        let sha_is_tip = self.is_tip(sha);
        if let Some(comment_ref) = comment.and_then(comment_ref) {
            match self.resolve(comment_ref) {
                Ok(res) if !res.sha.eq_ignore_ascii_case(sha) => {
                    return PinCheck::Mismatch {
                        comment_ref: comment_ref.to_string(),
                        comment_sha: res.sha,
                        sha_is_tip,
                    };
                }
                Ok(_) => {}
                // A word without a digit that names nothing is prose (`# TODO`), not a
                // version; a branch name such as `# main` is still checked above.
                Err(RefError::UnknownRef) if !comment_ref.bytes().any(|b| b.is_ascii_digit()) => {}
                Err(RefError::UnknownRef) => {
                    return PinCheck::UnknownCommentRef {
                        comment_ref: comment_ref.to_string(),
                        sha_is_tip,
                    };
                }
            }
        }
        if sha_is_tip {
            PinCheck::Ok
        } else {
            PinCheck::NotATip
        }
    }
}

/// The ref named by a version comment, in the forms found in the wild: `# v4.2.2`,
/// `# tag=v4.2.2`, `# version: 4.2.2`, `# ver: 4`, `# pin @v4`, `# renovate: pin @v4`,
/// `# pin@v4`, `# tag: v4.2.2`, `# @v4.2.2`, `# ratchet:actions/checkout@v4`. Text after the first word is ignored. `None`
/// when the comment names nothing that could be a ref (`# ratchet:exclude`, prose).
pub fn comment_ref(comment: &str) -> Option<&str> {
    let mut text = comment.trim_start();
    text = text.strip_prefix('#').unwrap_or(text).trim_start();
    text = text.strip_prefix("renovate:").unwrap_or(text).trim_start();
    for prefix in ["tag=", "tag:", "version:", "ver:", "pin @", "pin@", "@"] {
        if let Some(rest) = text.strip_prefix(prefix) {
            text = rest.trim_start();
            break;
        }
    }
    if let Some(rest) = text.strip_prefix("ratchet:") {
        text = rest.split_once('@')?.1;
    }
    let word = text.split_whitespace().next()?;
    let word = word.trim_end_matches([',', ';', ')']);
    if word.is_empty() || super::uses::validate_ref(word).is_err() {
        return None;
    }
    Some(word)
}

/// Whether a ref name may be written into a file as a version comment (or shown in a message):
/// ASCII letters, digits and `.`, `_`, `+`, `-`, `/`, starting with a letter or digit, at most
/// 128 bytes, and a valid git ref name. Tag and branch names come from servers nobody here
/// controls; git allows nearly any byte in them, including line separators, bidirectional
/// overrides and escape sequences that would end a YAML comment or fool a reader.
pub fn is_safe_ref_name(name: &str) -> bool {
    name.len() <= 128
        && name.starts_with(|c: char| c.is_ascii_alphanumeric())
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'+' | b'-' | b'/'))
        && super::uses::validate_ref(name).is_ok()
}

/// `v4.2.2` → prefix `v`, numbers `[4, 2, 2]`, suffix ``; `release/v1-rc.1` → prefix
/// `release/v`, `[1]`, `-rc.1`. The prefix is everything before the first digit of the last
/// `/` component.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version<'a> {
    pub prefix: &'a str,
    pub nums: Vec<u64>,
    pub suffix: &'a str,
}

impl<'a> Version<'a> {
    pub fn parse(name: &'a str) -> Option<Version<'a>> {
        let segment_start = name.rfind('/').map_or(0, |i| i + 1);
        let digits_start =
            segment_start + name[segment_start..].find(|c: char| c.is_ascii_digit())?;
        let prefix = &name[..digits_start];
        let bytes = name.as_bytes();
        let mut nums = Vec::new();
        let mut i = digits_start;
        loop {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            nums.push(name[start..i].parse::<u64>().ok()?);
            if i + 1 < bytes.len() && bytes[i] == b'.' && bytes[i + 1].is_ascii_digit() {
                i += 1;
            } else {
                break;
            }
        }
        Some(Version {
            prefix,
            nums,
            suffix: &name[i..],
        })
    }
}

/// A release tag found by [`RefListing::newer_releases`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Release {
    pub tag: String,
    /// The commit the tag names (peeled).
    pub commit: String,
    /// The object whose date is the release date: the tag object of an annotated tag,
    /// otherwise the commit.
    pub dated_object: String,
}

/// Semantic order of two versions of one prefix: numbers compared with missing ones as 0, then
/// a pre-release (`-…`) before the release; build metadata (`+…`) is ignored.
pub fn compare_versions(a: &Version, b: &Version) -> Ordering {
    let len = a.nums.len().max(b.nums.len());
    let num = |v: &Version, i: usize| v.nums.get(i).copied().unwrap_or(0);
    for i in 0..len {
        match num(a, i).cmp(&num(b, i)) {
            Ordering::Equal => continue,
            other => return other,
        }
    }
    fn pre<'a>(v: &Version<'a>) -> Option<&'a str> {
        let p = v.suffix.strip_prefix('-')?;
        Some(p.split('+').next().unwrap_or(p))
    }
    match (pre(a), pre(b)) {
        (None, None) => Ordering::Equal,
        (Some(_), None) => Ordering::Less,
        (None, Some(_)) => Ordering::Greater,
        (Some(x), Some(y)) => compare_prerelease(x, y),
    }
}

/// SemVer pre-release order: dot-separated identifiers, numeric ones numerically and below
/// alphanumeric ones, a shorter list first when all else is equal.
fn compare_prerelease(a: &str, b: &str) -> Ordering {
    let mut xs = a.split('.');
    let mut ys = b.split('.');
    loop {
        match (xs.next(), ys.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(x), Ok(y)) => x.cmp(&y),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

/// Orders two version-like tags: more components, then no suffix, then the higher version, then
/// (reversed) name, so that `max_by` prefers the name that sorts first.
fn specificity(a: &Version, a_name: &str, b: &Version, b_name: &str) -> Ordering {
    a.nums
        .len()
        .cmp(&b.nums.len())
        .then_with(|| a.suffix.is_empty().cmp(&b.suffix.is_empty()))
        .then_with(|| a.nums.cmp(&b.nums))
        .then_with(|| b_name.cmp(a_name))
}

/// A full object id, and not the all-zero one (git's "no object", which a broken ref can show).
fn is_object_id(s: &str) -> bool {
    (s.len() == 40 || s.len() == 64)
        && s.bytes().all(|b| b.is_ascii_hexdigit())
        && s.bytes().any(|b| b != b'0')
}

fn short(sha: &str) -> &str {
    sha.get(..12).unwrap_or(sha)
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const B: &str = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    const C: &str = "cccccccccccccccccccccccccccccccccccccccc";
    const T: &str = "1111111111111111111111111111111111111111";

    #[test]
    fn the_all_zero_sha_is_never_a_ref_target() {
        let zero = "0".repeat(40);
        let l = RefListing::from_ls_remote(&format!(
            "{zero}\trefs/heads/broken\n{zero}\trefs/tags/v1\n{A}\trefs/tags/v2\n{zero}\trefs/tags/v2^{{}}\n"
        ));
        assert!(l.branches.is_empty(), "{l:?}");
        assert!(!l.tags.contains_key("v1"));
        // A zero peeled line does not replace a real one.
        assert_eq!(l.tags["v2"], A);
        assert_eq!(l.resolve("broken"), Err(RefError::UnknownRef));
        assert!(!l.is_tip(&zero));
        assert_eq!(l.verify_pin(&zero, None), PinCheck::NotATip);
    }

    fn listing(tags: &[(&str, &str)], branches: &[(&str, &str)]) -> RefListing {
        RefListing {
            tags: tags
                .iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect(),
            branches: branches
                .iter()
                .map(|(n, s)| (n.to_string(), s.to_string()))
                .collect(),
            tag_objects: Default::default(),
        }
    }

    #[test]
    fn parses_ls_remote_and_peels() {
        let out = format!(
            "{A}\tHEAD\n{A}\trefs/heads/main\n{B}\trefs/heads/feature/x\n{T}\trefs/tags/v1.0.0\n\
             {A}\trefs/tags/v1.0.0^{{}}\n{C}\trefs/tags/light\n{A}\trefs/pull/1/head\n\
             garbage line\nzz\trefs/tags/bad\n{A}\trefs/tags/\n"
        );
        let l = RefListing::from_ls_remote(&out);
        assert_eq!(l.branches.len(), 2);
        assert_eq!(l.branches["feature/x"], B);
        assert_eq!(l.tags.len(), 2);
        assert_eq!(l.tags["v1.0.0"], A);
        assert_eq!(l.tags["light"], C);
        // Uppercase and SHA-256 object ids are accepted and normalised.
        let l = RefListing::from_ls_remote(&format!("{}\trefs/tags/x\n", A.to_uppercase()));
        assert_eq!(l.tags["x"], A);
        let sha256 = "a".repeat(64);
        let l = RefListing::from_ls_remote(&format!("{sha256}\trefs/heads/m\r\n"));
        assert_eq!(l.branches["m"], sha256);
    }

    #[test]
    fn major_tag_gets_most_specific_comment() {
        let l = listing(
            &[
                ("v4", A),
                ("v4.2", A),
                ("v4.2.2", A),
                ("v4.2.1", B),
                ("v5.0.0", A),
                ("4.2.2.1", A),
                ("v4.2.2-rc.1", A),
                ("latest", A),
            ],
            &[],
        );
        let r = l.resolve("v4").unwrap();
        assert_eq!(r.sha, A);
        assert_eq!(r.comment, "v4.2.2");
        assert_eq!(r.warning, None);
        assert_eq!(l.resolve("v4.2").unwrap().comment, "v4.2.2");
        assert_eq!(l.resolve("v4.2.2").unwrap().comment, "v4.2.2");
        assert_eq!(l.resolve("v4.2.1").unwrap().comment, "v4.2.1");
        assert_eq!(l.resolve("v5.0.0").unwrap().comment, "v5.0.0");
        assert_eq!(l.resolve("v4.2.2-rc.1").unwrap().comment, "v4.2.2-rc.1");
        // Not version-like: its own name, whatever else is on the commit today.
        assert_eq!(l.resolve("latest").unwrap().comment, "latest");
        assert_eq!(l.resolve("refs/tags/v4").unwrap().comment, "v4.2.2");
    }

    #[test]
    fn hostile_tag_names_never_become_comments() {
        // Names git accepts (or a hostile server sends) that must never reach a file or a
        // terminal raw: line and paragraph separators, bidirectional overrides, escapes,
        // NEL, zero-width characters, quotes and colons that would change YAML.
        let specials = [
            "\u{2028}",
            "\u{2029}",
            "\u{202e}",
            "\u{2066}",
            "\u{200b}",
            "\u{feff}",
            "\u{85}",
            "\u{1b}[2J",
            "\u{7}",
            "\r",
            "\n",
            "\t",
            " ",
            "#",
            ":",
            "'",
            "\"",
            "é",
            "\u{ff0f}",
        ];
        let mut names = Vec::new();
        for special in specials {
            for shape in ["v9.9.9{}", "{}v9.9.9", "v9{}.9.9", "x{}---{}v9.9.9.9.9"] {
                names.push(shape.replace("{}", special));
            }
        }
        for name in &names {
            assert!(!is_safe_ref_name(name), "{name:?}");
            let output =
                format!("{A}\trefs/tags/v1\n{A}\trefs/tags/{name}\n{A}\trefs/heads/stable\n");
            let l = RefListing::from_ls_remote(&output);
            for r in ["v1", "stable", A] {
                let res = l.resolve(r).unwrap();
                assert!(is_safe_ref_name(&res.comment), "{r} → {:?}", res.comment);
            }
            assert!(l.names_for(A).iter().all(|n| is_safe_ref_name(n)));
            // A line break ends the listing line itself (git never lists such names).
            if !name.contains(['\r', '\n']) {
                assert!(l.newer_releases("v1", true).is_empty(), "{name:?}");
            }
        }
        for good in [
            "v4.2.2",
            "release/v1.3.0",
            "pkg/v1.0.0-rc.1+build.5",
            "main",
            "feature_x",
        ] {
            assert!(is_safe_ref_name(good), "{good}");
        }
        assert!(!is_safe_ref_name(&"v".repeat(129)));
        assert!(!is_safe_ref_name("-v1"));
        assert!(!is_safe_ref_name("v1.lock"));
    }

    #[test]
    fn newer_releases_keep_style_and_major_and_skip_prereleases() {
        let l = listing(
            &[
                ("v1.0.0", A),
                ("v1.1.0", B),
                ("v1.2.0-rc.1", C),
                ("v1", B),
                ("v2.0.0", C),
                ("v2.0", C),
                ("1.5.0", A),
                ("pkg/v1.3.0", A),
                ("pkg/v1.4.0", B),
                ("other/v9.0.0", B),
                ("v1.10.0-beta", A),
                ("v1.0.9", A),
            ],
            &[],
        );
        let tags = |base: &str, any: bool| -> Vec<String> {
            l.newer_releases(base, any)
                .into_iter()
                .map(|r| r.tag)
                .collect()
        };
        assert_eq!(tags("v1.0.0", false), ["v1.1.0", "v1.0.9"]);
        assert_eq!(tags("v1.0.0", true), ["v2.0.0", "v2.0", "v1.1.0", "v1.0.9"]);
        assert_eq!(tags("v1.1.0", false), Vec::<String>::new());
        assert_eq!(tags("v1.0.9", false), ["v1.1.0"]);
        assert_eq!(tags("pkg/v1.3.0", true), ["pkg/v1.4.0"]);
        assert_eq!(tags("1.0.0", false), ["1.5.0"]);
        // From a pre-release, pre-releases count.
        assert_eq!(tags("v1.2.0-rc.0", false), ["v1.10.0-beta", "v1.2.0-rc.1"]);
        assert!(tags("main", true).is_empty());
        let v = |s| Version::parse(s).unwrap();
        assert!(compare_versions(&v("v1.2.0-rc.1"), &v("v1.2.0")).is_lt());
        assert!(compare_versions(&v("v1.2.0-rc.2"), &v("v1.2.0-rc.10")).is_lt());
        assert!(compare_versions(&v("v1.2"), &v("v1.2.0")).is_eq());
        assert!(compare_versions(&v("v1.2.0+b"), &v("v1.2.0")).is_eq());
    }

    #[test]
    fn names_in_line_prefer_the_style_then_the_component_then_plain_tags() {
        let l = listing(
            &[
                ("comp/v1.5.0", A),
                ("v1.1.0", A),
                ("v1", A),
                ("1.1.0", A),
                ("other/v9.0.0", A),
                ("nightly", A),
            ],
            &[("main", A)],
        );
        // Without a preference: plain tags (most specific, higher first), then components.
        assert_eq!(
            l.names_in_line(A, None, None),
            [
                "1.1.0",
                "v1.1.0",
                "v1",
                "other/v9.0.0",
                "comp/v1.5.0",
                "nightly",
                "main"
            ]
        );
        assert_eq!(l.names_in_line(A, Some("v3"), None)[0], "v1.1.0");
        assert_eq!(l.names_in_line(A, Some("2.0"), None)[0], "1.1.0");
        assert_eq!(
            l.names_in_line(A, Some("other/v1"), None)[0],
            "other/v9.0.0"
        );
        assert_eq!(l.names_in_line(A, None, Some("comp"))[0], "comp/v1.5.0");
        assert_eq!(l.names_in_line(A, Some("v3"), Some("comp"))[0], "v1.1.0");
        // A style no tag on the commit has falls back to the usual order.
        assert_eq!(
            l.names_in_line(A, Some("x/y2"), Some("sub/dir"))[0],
            "1.1.0"
        );
        assert_eq!(l.names_in_line(A, Some("main"), None)[0], "1.1.0");
    }

    #[test]
    fn ties_are_deterministic() {
        let l = listing(
            &[("v1", A), ("v1.0.0", A), ("v1.0.1", A), ("v1.1.0", A)],
            &[],
        );
        assert_eq!(l.resolve("v1").unwrap().comment, "v1.1.0");
        let l = listing(&[("stable", A), ("x1.0", A), ("y1.0", A)], &[]);
        assert_eq!(l.resolve("stable").unwrap().comment, "stable");
        let l = listing(&[("stable", A), ("other", A)], &[]);
        assert_eq!(l.resolve("stable").unwrap().comment, "stable");
        let l = listing(
            &[("release/v1", A), ("release/v1.3.0", A), ("v1.9.9", A)],
            &[],
        );
        assert_eq!(l.resolve("release/v1").unwrap().comment, "release/v1.3.0");
    }

    #[test]
    fn tag_wins_over_branch_with_warning() {
        let l = listing(&[("v1", A), ("v1.0.0", A)], &[("v1", B), ("main", C)]);
        let r = l.resolve("v1").unwrap();
        assert_eq!(r.sha, A);
        assert_eq!(r.comment, "v1.0.0");
        let w = r.warning.unwrap();
        assert!(w.contains("both a tag and a branch"), "{w}");
        assert!(w.contains("refs/heads/v1"), "{w}");
        let r = l.resolve("refs/heads/v1").unwrap();
        assert_eq!((r.sha.as_str(), r.comment.as_str()), (B, "v1"));
        assert_eq!(r.warning, None);
        let r = l.resolve("main").unwrap();
        assert_eq!((r.sha.as_str(), r.comment.as_str()), (C, "main"));
        let same = listing(&[("x1", A)], &[("x1", A)]);
        assert!(same.resolve("x1").unwrap().warning.is_some());
    }

    #[test]
    fn unknown_refs_and_shas() {
        let l = listing(&[("v1.0.0", A)], &[("main", B)]);
        assert_eq!(l.resolve("v2"), Err(RefError::UnknownRef));
        assert_eq!(l.resolve("refs/tags/main"), Err(RefError::UnknownRef));
        assert_eq!(l.resolve("refs/heads/v1.0.0"), Err(RefError::UnknownRef));
        let r = l.resolve(A).unwrap();
        assert_eq!((r.sha.as_str(), r.comment.as_str()), (A, "v1.0.0"));
        let r = l.resolve(C).unwrap();
        assert_eq!((r.sha.as_str(), r.comment.as_str()), (C, ""));
        let upper = B.to_uppercase();
        let r = l.resolve(&upper).unwrap();
        assert_eq!(
            (r.sha.as_str(), r.comment.as_str()),
            (upper.as_str(), "main")
        );
    }

    #[test]
    fn names_for_orders_tags_then_branches() {
        let l = listing(
            &[
                ("v4", A),
                ("v4.2.2", A),
                ("nightly", A),
                ("v4.2", A),
                ("v3", B),
            ],
            &[("main", A), ("dev", A)],
        );
        assert_eq!(
            l.names_for(A),
            ["v4.2.2", "v4.2", "v4", "nightly", "dev", "main"]
        );
        assert!(l.names_for(C).is_empty());
    }

    #[test]
    fn verifies_pins() {
        let l = listing(&[("v4", A), ("v4.2.2", A), ("v4.2.1", B)], &[("main", A)]);
        assert_eq!(l.verify_pin(A, Some("# v4.2.2")), PinCheck::Ok);
        assert_eq!(l.verify_pin(A, None), PinCheck::Ok);
        assert_eq!(l.verify_pin(A, Some("# keep me")), PinCheck::Ok);
        assert_eq!(l.verify_pin(A, Some("# main")), PinCheck::Ok);
        assert!(matches!(
            l.verify_pin(B, Some("# main")),
            PinCheck::Mismatch { .. }
        ));
        assert_eq!(
            l.verify_pin(B, Some("# v4.2.2")),
            PinCheck::Mismatch {
                comment_ref: "v4.2.2".into(),
                comment_sha: A.into(),
                sha_is_tip: true
            }
        );
        assert_eq!(
            l.verify_pin(A, Some("# v9.9.9")),
            PinCheck::UnknownCommentRef {
                comment_ref: "v9.9.9".into(),
                sha_is_tip: true
            }
        );
        assert_eq!(l.verify_pin(C, None), PinCheck::NotATip);
        assert!(matches!(
            l.verify_pin(C, Some("tag=v4")),
            PinCheck::Mismatch {
                sha_is_tip: false,
                ..
            }
        ));
    }

    #[test]
    fn comment_forms() {
        for (text, want) in [
            ("# v4.2.2", Some("v4.2.2")),
            ("#v4", Some("v4")),
            ("v4.2.2", Some("v4.2.2")),
            ("# tag=v4.2.2", Some("v4.2.2")),
            ("# version: 2.8.0", Some("2.8.0")),
            ("# ver: 4", Some("4")),
            ("# pin @v4", Some("v4")),
            ("# renovate: pin @v4", Some("v4")),
            ("# pin@v4", Some("v4")),
            ("# ratchet:actions/checkout@v4", Some("v4")),
            ("# ratchet:exclude", None),
            ("# v4.2.2 (latest)", Some("v4.2.2")),
            ("# TODO", Some("TODO")),
            ("#", None),
            ("", None),
            ("# v1..2", None),
        ] {
            assert_eq!(comment_ref(text), want, "{text}");
        }
    }

    #[test]
    fn version_parsing() {
        let v = Version::parse("v4.2.2").unwrap();
        assert_eq!(
            (v.prefix, v.nums.as_slice(), v.suffix),
            ("v", &[4, 2, 2][..], "")
        );
        let v = Version::parse("release/v1-rc.1").unwrap();
        assert_eq!(
            (v.prefix, v.nums.as_slice(), v.suffix),
            ("release/v", &[1][..], "-rc.1")
        );
        let v = Version::parse("v1.").unwrap();
        assert_eq!((v.nums.as_slice(), v.suffix), (&[1][..], "."));
        assert!(Version::parse("main").is_none());
        assert!(Version::parse("v1/next").is_none());
        assert!(Version::parse("v99999999999999999999999").is_none());
    }
}
