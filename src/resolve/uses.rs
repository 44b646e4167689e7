//! Parsing and validating the text of a `uses:` value.
//!
//! `uses:` text comes from workflow files, which may come from anyone (a pull request, a cloned
//! repository). Everything that later reaches git — owner, repository, ref — is checked here
//! against GitHub's naming rules and git's ref-name rules, so that nothing from a workflow can
//! become a git option (`--upload-pack=…`), a transport (`ext::…`), a path outside the server
//! base (`../..`) or a shell word. The checks are deliberately stricter than "whatever git
//! accepts": a value that fails them is reported as [`UsesRef::Invalid`] and left alone, which is
//! always safe for a formatter.
//!
//! The split follows the Actions runner: exactly one `@`, the part before it split on `/` into
//! owner, repository and an optional path inside the repository (a sub-directory action or a
//! reusable workflow file).

use std::cmp::Ordering;
use std::fmt;
use std::hash::{Hash, Hasher};

/// What a `uses:` value refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UsesRef {
    /// `./path/to/action` (or a local reusable workflow): nothing to resolve.
    Local(String),
    /// `docker://image:tag`: a container image, not a git ref.
    Docker(String),
    /// The value contains `${{`: only known at run time.
    Expression,
    /// `owner/repo[/path]@ref` with every part validated.
    Remote(RemoteUses),
    /// Looks like a remote action but breaks a naming rule; the string says which.
    Invalid(String),
}

/// A validated `owner/repo[/path]@ref`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct RemoteUses {
    pub owner: String,
    pub repo: String,
    /// `sub/dir` for an action in a sub-directory, `.github/workflows/x.yml` for a reusable
    /// workflow; `None` for an action at the repository root.
    pub path: Option<String>,
    pub git_ref: String,
}

impl RemoteUses {
    /// The repository whose refs have to be listed to resolve this `uses:`.
    pub fn repo_id(&self) -> RepoId {
        RepoId {
            owner: self.owner.clone(),
            repo: self.repo.clone(),
        }
    }

    /// True when the ref is already a full 40-hex-digit commit SHA.
    pub fn is_pinned(&self) -> bool {
        is_full_sha(&self.git_ref)
    }

    /// The same `uses:` with another ref: `owner/repo[/path]@r`, case and path kept as written.
    pub fn with_ref(&self, r: &str) -> String {
        match &self.path {
            Some(path) => format!("{}/{}/{}@{}", self.owner, self.repo, path, r),
            None => format!("{}/{}@{}", self.owner, self.repo, r),
        }
    }
}

impl fmt::Display for RemoteUses {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.with_ref(&self.git_ref))
    }
}

/// A repository on the server, `owner/repo`.
///
/// GitHub treats owner and repository names case-insensitively, so `Actions/Checkout` and
/// `actions/checkout` are the same repository and are listed once: equality, hashing and
/// ordering ignore ASCII case, while the fields keep the case they were written with for display.
#[derive(Debug, Clone)]
pub struct RepoId {
    pub owner: String,
    pub repo: String,
}

impl RepoId {
    pub fn new(owner: impl Into<String>, repo: impl Into<String>) -> RepoId {
        RepoId {
            owner: owner.into(),
            repo: repo.into(),
        }
    }

    /// Checks both names against GitHub's rules; the error says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        validate_owner(&self.owner)?;
        validate_repo(&self.repo)
    }
}

/// The bytes of `name` in ASCII lower case, as equality, hashing and ordering see them.
fn lower(name: &str) -> impl Iterator<Item = u8> + '_ {
    name.bytes().map(|b| b.to_ascii_lowercase())
}

/// Hashes `name` as its lower-case copy would hash, without making the copy (a lookup per
/// `uses:` in every file).
fn hash_lower<H: Hasher>(name: &str, state: &mut H) {
    let mut buf = [0u8; 64];
    for chunk in name.as_bytes().chunks(buf.len()) {
        let lower = &mut buf[..chunk.len()];
        lower.copy_from_slice(chunk);
        lower.make_ascii_lowercase();
        state.write(lower);
    }
    state.write_u8(0xff);
}

impl fmt::Display for RepoId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}/{}", self.owner, self.repo)
    }
}

impl PartialEq for RepoId {
    fn eq(&self, other: &Self) -> bool {
        self.owner.eq_ignore_ascii_case(&other.owner) && self.repo.eq_ignore_ascii_case(&other.repo)
    }
}

impl Eq for RepoId {}

impl Hash for RepoId {
    fn hash<H: Hasher>(&self, state: &mut H) {
        hash_lower(&self.owner, state);
        hash_lower(&self.repo, state);
    }
}

impl PartialOrd for RepoId {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for RepoId {
    fn cmp(&self, other: &Self) -> Ordering {
        lower(&self.owner)
            .cmp(lower(&other.owner))
            .then_with(|| lower(&self.repo).cmp(lower(&other.repo)))
    }
}

/// Classifies and validates one `uses:` value. Never panics, whatever the input.
pub fn parse_uses(text: &str) -> UsesRef {
    // `$/path` is GitHub's self-repository reference: like `./path`, nothing to resolve.
    if text.starts_with("./") || text.starts_with("$/") {
        return UsesRef::Local(text.to_string());
    }
    if text.starts_with("docker://") {
        return UsesRef::Docker(text.to_string());
    }
    let plain = is_plain(text);
    if !plain && has_run(text, b"${{") {
        return UsesRef::Expression;
    }
    match parse_remote(text, plain) {
        Ok(remote) => UsesRef::Remote(remote),
        Err(why) => UsesRef::Invalid(why),
    }
}

/// `plain`: [`is_plain`] holds for `text`.
fn parse_remote(text: &str, plain: bool) -> Result<RemoteUses, String> {
    if text.is_empty() {
        return Err("empty `uses:` value".to_string());
    }
    if !plain && text.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("`uses:` must not contain whitespace or control characters".to_string());
    }
    let mut parts = text.split('@');
    let (target, git_ref) = match (parts.next(), parts.next(), parts.next()) {
        (Some(target), Some(git_ref), None) => (target, git_ref),
        (_, None, _) => {
            return Err("missing `@ref` (expected `owner/repo@ref`)".to_string());
        }
        _ => return Err("more than one `@` (expected `owner/repo@ref`)".to_string()),
    };
    if !plain && target.contains('\\') {
        return Err("backslash in the action path".to_string());
    }
    let (owner, repo_and_path) = target
        .split_once('/')
        .ok_or_else(|| "missing repository (expected `owner/repo@ref`)".to_string())?;
    let (repo, path) = match repo_and_path.split_once('/') {
        Some((repo, path)) => (repo, Some(path)),
        None => (repo_and_path, None),
    };
    validate_owner(owner)?;
    validate_repo(repo)?;
    if let Some(path) = path {
        for segment in path.split('/') {
            validate_path_segment(segment)?;
        }
    }
    check_ref(git_ref, plain)?;
    if is_full_sha(git_ref) && git_ref.bytes().all(|b| b == b'0') {
        return Err("the all-zero SHA names no commit (git uses it for \"no object\")".to_string());
    }
    Ok(RemoteUses {
        owner: owner.to_string(),
        repo: repo.to_string(),
        path: path.map(str::to_string),
        git_ref: git_ref.to_string(),
    })
}

/// GitHub user and organisation names: ASCII letters, digits and `-`, 1 to 39 characters, not
/// starting with `-`.
pub fn validate_owner(owner: &str) -> Result<(), String> {
    if owner.is_empty() {
        return Err("empty owner name".to_string());
    }
    if owner.len() > 39 {
        return Err(format!(
            "owner name `{}…` is longer than 39 characters",
            truncate(owner)
        ));
    }
    if owner.starts_with('-') {
        return Err(format!(
            "owner name `{}` must not start with `-`",
            truncate(owner)
        ));
    }
    if !owner
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'-')
    {
        return Err(format!(
            "owner name `{}` may only contain ASCII letters, digits and `-`",
            truncate(owner)
        ));
    }
    Ok(())
}

/// GitHub repository names: ASCII letters, digits, `.`, `_` and `-`, 1 to 100 characters, and
/// neither `.` nor `..`. A leading `-` is allowed (GitHub allows it): the name only ever reaches
/// git inside a URL that follows `--`, never as an argument of its own.
pub fn validate_repo(repo: &str) -> Result<(), String> {
    if repo.is_empty() {
        return Err("empty repository name".to_string());
    }
    if repo.len() > 100 {
        return Err(format!(
            "repository name `{}…` is longer than 100 characters",
            truncate(repo)
        ));
    }
    if repo == "." || repo == ".." {
        return Err(format!("`{repo}` is not a repository name"));
    }
    if !repo
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
    {
        return Err(format!(
            "repository name `{}` may only contain ASCII letters, digits, `.`, `_` and `-`",
            truncate(repo)
        ));
    }
    Ok(())
}

fn validate_path_segment(segment: &str) -> Result<(), String> {
    if segment.is_empty() {
        return Err("empty segment (`//` or a trailing `/`) in the action path".to_string());
    }
    if segment == "." || segment == ".." {
        return Err(format!("`{segment}` segment in the action path"));
    }
    Ok(())
}

/// The rules of `git check-ref-format` (for a name that may have a single component), plus: no
/// whitespace at all, no leading `-` (it would read as an option), at most 255 bytes.
pub fn validate_ref(git_ref: &str) -> Result<(), String> {
    check_ref(git_ref, is_plain(git_ref))
}

/// [`validate_ref`]; `plain`: [`is_plain`] holds for `git_ref`.
fn check_ref(git_ref: &str, plain: bool) -> Result<(), String> {
    let bad = |why: &str| Err(format!("ref `{}` {}", truncate(git_ref), why));
    if git_ref.is_empty() {
        return Err("empty ref after `@`".to_string());
    }
    if git_ref.len() > 255 {
        return bad("is longer than 255 bytes");
    }
    if git_ref.starts_with('-') {
        return bad("must not start with `-`");
    }
    if git_ref == "@" {
        return bad("is not a valid ref name");
    }
    let forbidden = |c: &char| {
        c.is_control()
            || c.is_whitespace()
            || matches!(c, '~' | '^' | ':' | '?' | '*' | '[' | '\\' | '\u{7f}')
    };
    if let Some(c) = (!plain).then(|| git_ref.chars().find(forbidden)).flatten() {
        return bad(&format!("contains the forbidden character {c:?}"));
    }
    if has_run(git_ref, b"..") {
        return bad("contains `..`");
    }
    if !plain && has_run(git_ref, b"@{") {
        return bad("contains `@{`");
    }
    if git_ref.starts_with('/') || git_ref.ends_with('/') || has_run(git_ref, b"//") {
        return bad("has an empty `/`-separated component");
    }
    if git_ref.ends_with('.') {
        return bad("must not end with `.`");
    }
    for component in git_ref.split('/') {
        if component.starts_with('.') {
            return bad("has a component starting with `.`");
        }
        if component.ends_with(".lock") {
            return bad("has a component ending with `.lock`");
        }
    }
    Ok(())
}

/// Whether `text` holds only ASCII letters, digits and `-_./@`, as almost every `uses:` value
/// does: no check by character rejects these (whitespace, control characters, backslashes, the
/// characters git forbids in refs, `${{`, `@{`), so such a value skips those checks.
fn is_plain(text: &str) -> bool {
    text.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'/' | b'@'))
}

/// Whether `text` contains `run`: for the few bytes of a `uses:` value a plain loop is much
/// cheaper than a substring search, which pays for its set-up on every call.
fn has_run(text: &str, run: &[u8]) -> bool {
    text.as_bytes()
        .windows(run.len())
        .any(|w| w.iter().zip(run).all(|(a, b)| a == b))
}

/// 40 hexadecimal digits: a full SHA-1 commit id.
pub fn is_full_sha(s: &str) -> bool {
    s.len() == 40 && s.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Keeps error messages short when the input is huge; cuts on a character boundary.
fn truncate(s: &str) -> String {
    const MAX: usize = 60;
    if s.len() <= MAX {
        return s.to_string();
    }
    let mut end = MAX;
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &s[..end])
}

/// Whether `text` matches `pattern`, where `*` matches any run of characters: the patterns of
/// configuration that name repositories (`actions/*`) or versions (`v3.*`).
pub fn wildcard_match(pattern: &str, text: &str) -> bool {
    match pattern.split_once('*') {
        None => pattern == text,
        Some((head, tail)) => {
            let Some(rest) = text.strip_prefix(head) else {
                return false;
            };
            (0..=rest.len())
                .filter(|&i| rest.is_char_boundary(i))
                .any(|i| wildcard_match(tail, &rest[i..]))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn remote(text: &str) -> RemoteUses {
        match parse_uses(text) {
            UsesRef::Remote(r) => r,
            other => panic!("{text}: {other:?}"),
        }
    }

    fn invalid(text: &str) -> String {
        match parse_uses(text) {
            UsesRef::Invalid(why) => why,
            other => panic!("{text} should be invalid: {other:?}"),
        }
    }

    #[test]
    fn classifies_kinds() {
        assert_eq!(
            parse_uses("./.github/actions/x"),
            UsesRef::Local("./.github/actions/x".into())
        );
        assert_eq!(
            parse_uses("docker://alpine:3.19"),
            UsesRef::Docker("docker://alpine:3.19".into())
        );
        assert_eq!(
            parse_uses("actions/checkout@${{ inputs.ref }}"),
            UsesRef::Expression
        );
        assert_eq!(parse_uses("${{ matrix.action }}"), UsesRef::Expression);
    }

    #[test]
    fn parses_remote_forms() {
        let r = remote("actions/checkout@v4");
        assert_eq!((r.owner.as_str(), r.repo.as_str()), ("actions", "checkout"));
        assert_eq!(r.path, None);
        assert_eq!(r.git_ref, "v4");
        assert!(!r.is_pinned());

        let r = remote("github/codeql-action/init@v3");
        assert_eq!(r.path.as_deref(), Some("init"));
        assert_eq!(r.with_ref("abc"), "github/codeql-action/init@abc");

        let r = remote("Octo-Org/.github/.github/workflows/ci.yml@refs/heads/main");
        assert_eq!(r.repo, ".github");
        assert_eq!(r.path.as_deref(), Some(".github/workflows/ci.yml"));
        assert_eq!(r.git_ref, "refs/heads/main");
        assert_eq!(
            r.to_string(),
            "Octo-Org/.github/.github/workflows/ci.yml@refs/heads/main"
        );

        let r = remote("actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683");
        assert!(r.is_pinned());
        assert_eq!(r.repo_id(), RepoId::new("actions", "checkout"));
        assert!(remote("a/b@release/v1.2").git_ref == "release/v1.2");
        assert!(remote("a/b@feature/é-unicode").git_ref.contains('é'));
    }

    #[test]
    fn rejects_hostile_and_malformed_inputs() {
        for text in [
            "",
            "actions/checkout",
            "actions@v4",
            "a/b@c@d",
            "--upload-pack=touch x@v1",
            "--upload-pack=touch%20x/repo@v1",
            "actions/checkout@--upload-pack=touch x",
            "actions/checkout@--upload-pack=x",
            "ext::sh -c touch% /tmp/x",
            "ext::sh/x@v1",
            "../../etc@v1",
            "../../etc/passwd@v1",
            "owner/..@v1",
            "owner/.@v1",
            "owner/repo/../../x@v1",
            "owner/repo//x@v1",
            "owner/repo/@v1",
            "/owner/repo@v1",
            "owner\\repo@v1",
            "owner/repo@v1..v2",
            "owner/repo@v1 v2",
            "owner/repo@v1\tx",
            "owner/repo@v1\n",
            " owner/repo@v1",
            "owner/repo@@{1}",
            "owner/repo@main@{1}",
            "owner/repo@",
            "owner/repo@-x",
            "owner/repo@x.lock",
            "owner/repo@.hidden",
            "owner/repo@a/.b",
            "owner/repo@x.",
            "owner/repo@/x",
            "owner/repo@x/",
            "owner/repo@a//b",
            "owner/repo@a~1",
            "owner/repo@a^{}",
            "owner/repo@a:b",
            "owner/repo@a?",
            "owner/repo@a*",
            "owner/repo@a[b",
            "owner/repo@\u{7f}",
            "owner/repo@a\u{a0}b",
            "own_er/repo@v1",
            "owner/re:po@v1",
            "owner/re po@v1",
            "-owner/repo@v1",
            "file:///etc/x@v1",
            "https://evil/x@v1",
        ] {
            let why = invalid(text);
            assert!(!why.is_empty());
        }
        assert!(invalid(&format!("a/b@{}", "0".repeat(40))).contains("all-zero"));
        let long_owner = format!("{}/r@v1", "a".repeat(40));
        invalid(&long_owner);
        let long_repo = format!("o/{}@v1", "r".repeat(101));
        invalid(&long_repo);
        let long_ref = format!("o/r@{}", "x".repeat(256));
        invalid(&long_ref);
        remote(&format!("{}/{}@v1", "a".repeat(39), "r".repeat(100)));
    }

    #[test]
    fn never_panics_on_odd_bytes() {
        for text in [
            "é/ü@ß",
            "@",
            "/@/",
            "a/b@\u{0}",
            "🦀/🦀@🦀",
            "a/b@🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀🦀 x",
        ] {
            let _ = parse_uses(text);
        }
    }

    #[test]
    fn repo_id_ignores_case_but_keeps_it() {
        let a = RepoId::new("Actions", "Checkout");
        let b = RepoId::new("actions", "checkout");
        assert_eq!(a, b);
        assert_eq!(a.cmp(&b), Ordering::Equal);
        let set: std::collections::HashSet<RepoId> = [a.clone(), b].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert_eq!(a.to_string(), "Actions/Checkout");
        // Owner first, then repository, as the lower-case pair orders.
        assert!(RepoId::new("a", "zz") < RepoId::new("AB", "c"));
        assert!(RepoId::new("x", "B") < RepoId::new("X", "c"));
        // Names longer than one hashing chunk.
        let long = |c: &str| RepoId::new(c.repeat(39), c.repeat(100));
        let set: std::collections::HashSet<RepoId> = [long("Ab"), long("aB")].into_iter().collect();
        assert_eq!(set.len(), 1);
        assert!(RepoId::new("a", "..").validate().is_err());
        assert!(RepoId::new("--upload-pack=x", "r").validate().is_err());
    }

    #[test]
    fn wildcards() {
        assert!(wildcard_match("v3", "v3"));
        assert!(wildcard_match("v3.*", "v3.1.0"));
        assert!(!wildcard_match("v3.*", "v3"));
        assert!(!wildcard_match("v3.*", "v30.1"));
        assert!(wildcard_match("*", ""));
        assert!(wildcard_match("a*/b*", "actions/bx"));
        assert!(!wildcard_match("a*/c", "actions/b"));
    }

    proptest::proptest! {
        /// A plain value gets the same answer with the checks by character as without them.
        #[test]
        fn plain_values_need_no_character_checks(text in "[a-zA-Z0-9._/@-]{0,60}") {
            proptest::prop_assert!(is_plain(&text));
            proptest::prop_assert_eq!(parse_remote(&text, true), parse_remote(&text, false));
            proptest::prop_assert_eq!(check_ref(&text, true), check_ref(&text, false));
        }
    }
}
