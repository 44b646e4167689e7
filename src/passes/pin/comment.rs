//! Version comments on a `uses:` line: every form people write is read, and a new version is
//! written in the form the user chose.
//!
//! A line's comment is one token (`# v4.2.2 # zizmor: ignore[artipacked]`). Its first
//! `#`-segment is the version comment when it is exactly a form and a ref name:
//! `# v4.2.2`, `# tag=v4.2.2`, `# tag: v4.2.2`, `# @v4.2.2`, `# pin @v4.2.2`, `# pin@v4`,
//! `# renovate: pin @v4`, `# renovate: tag=v4`, `# version: 4.2.2`, `# ver: 4`,
//! `# ratchet:owner/repo@v4`. Everything after it (other tools' directives, notes) is kept
//! verbatim, on the line, after the version comment: that is where zizmor, Renovate and
//! Dependabot look for their own comments, and where they expect the version (right after the
//! value).

/// A `uses:` line's comment, split.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineComment<'a> {
    pub version: Option<VersionComment<'a>>,
    /// What follows the version comment, from its `#` (the whole comment when there is no
    /// version comment); empty when nothing follows.
    pub rest: &'a str,
}

/// The version comment of a line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct VersionComment<'a> {
    /// The text before the name, `#` included: `# `, `# tag=`, `# ratchet:acme/x@` ….
    pub form: &'a str,
    /// The ref the comment names.
    pub name: &'a str,
    /// The form says it is a version (`tag=`, `pin @`, `ratchet:`, `version:`, `@` …), so it is
    /// one even when the repository has no such ref. A bare `# word` only counts when the word
    /// looks like a version or names a ref.
    pub explicit: bool,
}

impl VersionComment<'_> {
    /// The same comment naming `name` instead.
    pub fn with_name(&self, name: &str) -> String {
        format!("{}{name}", self.form)
    }
}

const EXPLICIT_FORMS: &[&str] = &[
    "renovate: pin @",
    "renovate: tag=",
    "renovate: ",
    "pin @",
    "pin@",
    "tag=",
    "tag: ",
    "tag:",
    "version: ",
    "version:",
    "ver: ",
    "ver:",
    "@",
];

/// Splits a comment token (`#…`, no line break). `is_ref` says whether the repository has a
/// ref of that name (so `# main` is a version comment and `# keep` is a note).
pub fn split<'a>(comment: &'a str, is_ref: impl Fn(&str) -> bool) -> LineComment<'a> {
    let comment = comment.trim_end();
    // The first segment ends where another `#` starts after whitespace.
    let bytes = comment.as_bytes();
    let seg_end = (1..bytes.len())
        .find(|&i| bytes[i] == b'#' && matches!(bytes[i - 1], b' ' | b'\t'))
        .unwrap_or(bytes.len());
    let first = comment[..seg_end].trim_end();
    let rest = &comment[seg_end..];
    match parse_version(first, &is_ref) {
        Some(version) => LineComment {
            version: Some(version),
            rest,
        },
        None => LineComment {
            version: None,
            rest: comment,
        },
    }
}

fn parse_version<'a>(
    segment: &'a str,
    is_ref: &dyn Fn(&str) -> bool,
) -> Option<VersionComment<'a>> {
    let after_hash = segment.strip_prefix('#')?;
    let body = after_hash.trim_start();
    let mut form_len = segment.len() - body.len();
    let mut text = body;
    let mut explicit = false;
    if let Some(rest) = text.strip_prefix("ratchet:") {
        // `ratchet:owner/repo@ref`; `ratchet:exclude` names nothing.
        let (target, _) = rest.split_once('@')?;
        if target.is_empty() || target.contains(char::is_whitespace) {
            return None;
        }
        let skip = "ratchet:".len() + target.len() + 1;
        form_len += skip;
        text = &text[skip..];
        explicit = true;
    } else {
        for prefix in EXPLICIT_FORMS {
            if let Some(rest) = text.strip_prefix(prefix) {
                form_len += prefix.len();
                text = rest;
                explicit = true;
                break;
            }
        }
    }
    let name = text;
    if !crate::resolve::is_safe_ref_name(name) {
        return None;
    }
    let version_like = name.bytes().any(|b| b.is_ascii_digit());
    if !(explicit || version_like || is_ref(name)) {
        return None;
    }
    Some(VersionComment {
        form: &segment[..form_len],
        name,
        explicit,
    })
}

/// A `uses:` comment with an opt-out for pinning tools: `# ratchet:exclude`,
/// `# actions-up-ignore`.
pub fn opts_out(comment: &str) -> bool {
    comment.contains("ratchet:exclude") || comment.contains("actions-up-ignore")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_refs(_: &str) -> bool {
        false
    }

    fn version(comment: &str) -> Option<(String, String)> {
        split(comment, |n| n == "main")
            .version
            .map(|v| (v.form.to_string(), v.name.to_string()))
    }

    #[test]
    fn every_form_is_read_and_its_prefix_kept() {
        for (comment, form, name) in [
            ("# v4.2.2", "# ", "v4.2.2"),
            ("#v4", "#", "v4"),
            ("# tag=v4.2.2", "# tag=", "v4.2.2"),
            ("# tag: v4.1.1", "# tag: ", "v4.1.1"),
            ("# @v4.1.1", "# @", "v4.1.1"),
            ("# pin @v4.2.2", "# pin @", "v4.2.2"),
            ("# pin@v4", "# pin@", "v4"),
            ("# renovate: pin @v4", "# renovate: pin @", "v4"),
            ("# renovate: tag=v1.2.3", "# renovate: tag=", "v1.2.3"),
            ("# version: 2.8.0", "# version: ", "2.8.0"),
            ("# ver: 4", "# ver: ", "4"),
            (
                "# ratchet:actions/checkout@v4",
                "# ratchet:actions/checkout@",
                "v4",
            ),
            ("# main", "# ", "main"),
            ("#  v1.0.0   ", "#  ", "v1.0.0"),
        ] {
            assert_eq!(
                version(comment),
                Some((form.to_string(), name.to_string())),
                "{comment}"
            );
        }
    }

    #[test]
    fn notes_and_directives_are_not_versions() {
        for comment in [
            "# keep me",
            "# TODO",
            "# ratchet:exclude",
            "# zizmor: ignore[artipacked]",
            "# actions-up-ignore",
            "# v4 is broken",
            "#",
            "# v1..v2",
        ] {
            assert_eq!(split(comment, no_refs).version, None, "{comment}");
            assert_eq!(split(comment, no_refs).rest, comment.trim_end());
        }
    }

    #[test]
    fn directives_after_the_version_are_the_rest() {
        let c = split("# v4.2.2 # zizmor: ignore[artipacked]  ", no_refs);
        assert_eq!(c.version.as_ref().unwrap().name, "v4.2.2");
        assert_eq!(c.rest, "# zizmor: ignore[artipacked]");
        let c = split("# tag=v1#x # y", no_refs);
        assert_eq!(c.version, None, "`v1#x` is no ref name");
        let c = split("# zizmor: ignore[a] # v4", no_refs);
        assert_eq!(c.version, None);
        assert_eq!(c.rest, "# zizmor: ignore[a] # v4");
        assert_eq!(
            split("# tag=v4.1.0", no_refs)
                .version
                .unwrap()
                .with_name("v4.2.2"),
            "# tag=v4.2.2"
        );
    }

    #[test]
    fn opt_outs() {
        assert!(opts_out("# ratchet:exclude"));
        assert!(opts_out("# v4 # actions-up-ignore"));
        assert!(!opts_out("# v4.2.2"));
    }
}
