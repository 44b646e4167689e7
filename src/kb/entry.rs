//! Knowledge-base entries: the TOML format, its validation, and the types the rest of the crate
//! reads.
//!
//! ```toml
//! [[action]]
//! uses = "softprops/action-gh-release"   # owner/repo[/path]; case-insensitive; any ref
//! needs = { contents = "write" }          # GITHUB_TOKEN scopes with default inputs
//! reason = "creates or updates a release" # short; becomes the comment next to the scope
//! token-input = "token"                   # input carrying the token (default GITHUB_TOKEN)
//! source = "softprops/action-gh-release: README.md"
//! note = "Longer explanation for people reading the data."
//! confidence = "medium"                   # optional; absent means high
//!
//! [[action.when]]                         # extra needs selected by literal `with:` values
//! input = "discussion_category_name"      # or `env = "NAME"` for the step's environment
//! needs = { discussions = "write" }
//! reason = "starts a discussion for the release"
//!
//! [[action.nothing-when]]                 # the action uses no scope at all when this holds
//! input = "install-only"
//! equals = ["true"]
//! ```
//!
//! Keys of an entry: `uses` (required), `needs`, `reason` (required when `needs` is not empty),
//! `when`, `nothing-when`, `token-input`, `checkout-credentials` (`true`: it pushes with the
//! credentials `actions/checkout` persisted, so after checkouts that left no GITHUB_TOKEN its
//! writes need none), `token-env`, `unknown`, `script-input` with `script-language`
//! (`github-script` or `shell`: a literal script in that input is analysed and replaces
//! `unknown`), `source` (required), `note`, `confidence`.
//! Keys of a `when` table: `input` or `env` (or neither: a condition on `events` only), then at
//! most one of `equals` (applies when the value is one of these) and `unless` (applies when it is
//! none of these); without either, the condition is "the input is set to something non-empty".
//! `default` is the value assumed when the step does not set the input; `events` limits the
//! condition to workflows triggered by one of those events; `via-token = false` says these needs
//! do not come through the action's token input (they stay when another token is passed);
//! `needs`, `reason` (required when `needs` is not empty) and `note` as above.
//! A `nothing-when` table is a condition of the same form without `needs`: when it holds for
//! literal values (an expression never counts), the step needs nothing at all (e.g. a release
//! tool that only installs itself).
//!
//! Scope levels are `read`, `write` or `none` (`none` documents that nothing is needed and is
//! dropped). Unknown keys, unknown scopes, `read-all`/`write-all`, `metadata` and levels a scope
//! does not take (`id-token = "read"`) are errors reported with their line and column.

use std::collections::HashMap;

use serde::Deserialize;
use toml::Spanned;

use super::scopes::{Scopes, ScopesDe};

/// What the knowledge base knows about one action or reusable workflow.
#[derive(Debug, Clone, PartialEq)]
pub struct ActionEntry {
    /// `owner/repo` or `owner/repo/path`, as written in the data (matched case-insensitively).
    pub uses: String,
    /// GITHUB_TOKEN scopes the action needs with its default inputs.
    pub needs: Scopes,
    /// Short reason for `needs` (the comment next to the scope).
    pub reason: String,
    /// Extra needs selected by inputs, the step's environment, or the workflow's events.
    pub when: Vec<Conditional>,
    /// Conditions under which the action needs nothing at all.
    pub nothing_when: Vec<Conditional>,
    /// Input that carries the token; set to another credential, the write scopes are not needed
    /// from GITHUB_TOKEN (read scopes and `id-token` stay).
    pub token_input: Option<String>,
    /// Environment variable the action reads its token from (same effect as `token_input`).
    pub token_env: Option<String>,
    /// It pushes with the credentials `actions/checkout` persisted: when those are not
    /// GITHUB_TOKEN, its write scopes are not needed (as with another token).
    pub checkout_credentials: bool,
    /// Set when the needs cannot be told from the step (e.g. a script input): the reason.
    pub unknown: Option<String>,
    /// Input holding code whose needs can be read when it is literal; replaces `unknown` then.
    pub script_input: Option<String>,
    /// Language of `script_input`: `github-script` (Octokit calls) or `shell` (a `run:` script).
    pub script_language: Option<String>,
    /// Public URL or `owner/repo: path` backing the entry.
    pub source: String,
    /// Longer explanation.
    pub note: String,
    /// `medium` or `low` when the fact is not stated by the action's own documentation.
    pub confidence: Option<String>,
}

/// Needs that apply only under a condition.
#[derive(Debug, Clone, PartialEq)]
pub struct Conditional {
    /// The `with:` input the condition reads (case-insensitive).
    pub input: Option<String>,
    /// The step `env:` variable the condition reads (case-sensitive).
    pub env: Option<String>,
    /// Applies when the value is one of these (case-insensitive).
    pub equals: Option<Vec<String>>,
    /// Applies when the value is none of these (case-insensitive).
    pub unless: Option<Vec<String>>,
    /// Value assumed when the step does not set the input.
    pub default: Option<String>,
    /// Applies only when the workflow runs on one of these events.
    pub events: Option<Vec<String>>,
    /// Scopes added when the condition applies.
    pub needs: Scopes,
    /// Short reason for `needs`.
    pub reason: String,
    /// Longer explanation.
    pub note: String,
    /// The needs come through the action's token input (default `true`).
    pub via_token: bool,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    action: Vec<RawEntry>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawEntry {
    uses: Spanned<String>,
    #[serde(default)]
    needs: ScopesDe,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    when: Vec<Spanned<RawCond>>,
    #[serde(default)]
    nothing_when: Vec<Spanned<RawCond>>,
    token_input: Option<String>,
    token_env: Option<String>,
    #[serde(default)]
    checkout_credentials: bool,
    unknown: Option<String>,
    script_input: Option<String>,
    script_language: Option<String>,
    source: Option<String>,
    #[serde(default)]
    note: String,
    confidence: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields, rename_all = "kebab-case")]
struct RawCond {
    input: Option<String>,
    env: Option<String>,
    equals: Option<Vec<String>>,
    unless: Option<Vec<String>>,
    default: Option<String>,
    events: Option<Vec<String>>,
    #[serde(default)]
    needs: ScopesDe,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    note: String,
    via_token: Option<bool>,
}

/// `wffmt.toml`: only `[[permissions.action]]` is read here; other keys belong to others.
#[derive(Deserialize)]
struct ConfigDoc {
    #[serde(default)]
    permissions: Option<ConfigPermissions>,
}

#[derive(Deserialize)]
struct ConfigPermissions {
    #[serde(default)]
    action: Vec<RawEntry>,
}

/// 1-based line and column of a byte offset.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let mut start = offset;
    while start > 0 && !text.is_char_boundary(start) {
        start -= 1;
    }
    let before = &text[..start];
    let line = before.matches('\n').count() + 1;
    let col = before
        .rfind('\n')
        .map_or(before.chars().count(), |i| before[i + 1..].chars().count())
        + 1;
    (line, col)
}

pub(crate) fn toml_error(origin: &str, text: &str, err: &toml::de::Error) -> String {
    match err.span() {
        Some(span) => {
            let (l, c) = line_col(text, span.start);
            format!("{origin}: line {l}, column {c}: {}", err.message().trim())
        }
        None => format!("{origin}: {}", err.message().trim()),
    }
}

/// Normalizes a `uses` key: trimmed, lower-case, no trailing `/`.
pub(crate) fn normalize_key(uses: &str) -> String {
    uses.trim().trim_end_matches('/').to_ascii_lowercase()
}

/// Parses a knowledge-base document (`[[action]]` tables).
pub(crate) fn parse_entries(origin: &str, text: &str) -> Result<Vec<ActionEntry>, String> {
    let raw: RawFile = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
    convert(origin, text, raw.action)
}

/// Parses the `[[permissions.action]]` tables of a `wffmt.toml`.
pub(crate) fn parse_config_entries(origin: &str, text: &str) -> Result<Vec<ActionEntry>, String> {
    let doc: ConfigDoc = toml::from_str(text).map_err(|e| toml_error(origin, text, &e))?;
    convert(
        origin,
        text,
        doc.permissions.map(|p| p.action).unwrap_or_default(),
    )
}

fn convert(origin: &str, text: &str, raw: Vec<RawEntry>) -> Result<Vec<ActionEntry>, String> {
    let mut out = Vec::with_capacity(raw.len());
    let mut seen: HashMap<String, usize> = HashMap::new();
    for entry in raw {
        let span = entry.uses.span();
        let at = |msg: String| {
            let (l, c) = line_col(text, span.start);
            format!("{origin}: line {l}, column {c}: {msg}")
        };
        let uses = entry.uses.into_inner();
        check_uses(&uses).map_err(at)?;
        let key = normalize_key(&uses);
        if let Some(prev) = seen.insert(key.clone(), span.start) {
            let (pl, _) = line_col(text, prev);
            return Err(at(format!(
                "`{uses}` is described twice (first at line {pl})"
            )));
        }
        let source = entry.source.unwrap_or_default();
        if source.trim().is_empty() {
            return Err(at(format!("`{uses}` needs a `source`")));
        }
        if !entry.needs.0.is_empty() && entry.reason.trim().is_empty() {
            return Err(at(format!("`{uses}` needs a `reason` for its `needs`")));
        }
        if let Some(c) = &entry.confidence {
            if !matches!(c.as_str(), "high" | "medium" | "low") {
                return Err(at(format!(
                    "`confidence` must be \"high\", \"medium\" or \"low\", not \"{c}\""
                )));
            }
        }
        match (&entry.script_input, entry.script_language.as_deref()) {
            (None, None) => {}
            (Some(_), Some("github-script" | "shell")) => {}
            _ => {
                return Err(at(
                    "`script-input` needs `script-language = \"github-script\"` or \"shell\""
                        .into(),
                ))
            }
        }
        let when = entry
            .when
            .into_iter()
            .map(|c| convert_cond(origin, text, c, true))
            .collect::<Result<Vec<_>, _>>()?;
        let nothing_when = entry
            .nothing_when
            .into_iter()
            .map(|c| convert_cond(origin, text, c, false))
            .collect::<Result<Vec<_>, _>>()?;
        out.push(ActionEntry {
            uses,
            needs: entry.needs.0,
            reason: entry.reason,
            when,
            nothing_when,
            token_input: entry.token_input,
            token_env: entry.token_env,
            checkout_credentials: entry.checkout_credentials,
            unknown: entry.unknown,
            script_input: entry.script_input,
            script_language: entry.script_language,
            source,
            note: entry.note,
            confidence: entry.confidence,
        });
    }
    Ok(out)
}

/// One `when` (`with_needs`) or `nothing-when` table.
fn convert_cond(
    origin: &str,
    text: &str,
    cond: Spanned<RawCond>,
    with_needs: bool,
) -> Result<Conditional, String> {
    let cspan = cond.span();
    let at_c = |msg: String| {
        let (l, c) = line_col(text, cspan.start);
        format!("{origin}: line {l}, column {c}: {msg}")
    };
    let c = cond.into_inner();
    if c.input.is_some() && c.env.is_some() {
        return Err(at_c(
            "a `when` table reads `input` or `env`, not both".into(),
        ));
    }
    if c.equals.is_some() && c.unless.is_some() {
        return Err(at_c(
            "a `when` table takes `equals` or `unless`, not both".into(),
        ));
    }
    if c.input.is_none() && c.env.is_none() {
        if c.events.is_none() {
            return Err(at_c(
                "a `when` table needs an `input`, an `env` or `events`".into(),
            ));
        }
        if c.equals.is_some() || c.unless.is_some() || c.default.is_some() {
            return Err(at_c(
                "`equals`, `unless` and `default` need an `input` or `env`".into(),
            ));
        }
    }
    if !with_needs && (!c.needs.0.is_empty() || !c.reason.is_empty() || c.via_token.is_some()) {
        return Err(at_c(
            "a `nothing-when` table takes no `needs`, `reason` or `via-token`".into(),
        ));
    }
    if !c.needs.0.is_empty() && c.reason.trim().is_empty() {
        return Err(at_c("a `when` table with `needs` needs a `reason`".into()));
    }
    Ok(Conditional {
        input: c.input,
        env: c.env,
        equals: c.equals,
        unless: c.unless,
        default: c.default,
        events: c.events,
        needs: c.needs.0,
        reason: c.reason,
        note: c.note,
        via_token: c.via_token.unwrap_or(true),
    })
}

fn check_uses(uses: &str) -> Result<(), String> {
    let u = uses.trim();
    if u.contains('@') {
        return Err(format!(
            "`uses = \"{u}\"`: leave out the `@ref`; entries match any ref"
        ));
    }
    if u.starts_with("./") || u.starts_with("docker://") || u.starts_with('$') {
        return Err(format!(
            "`uses = \"{u}\"`: only `owner/repo[/path]` references can be described"
        ));
    }
    if u.chars().any(char::is_whitespace) {
        return Err(format!("`uses = \"{u}\"` contains whitespace"));
    }
    let parts: Vec<&str> = u.trim_end_matches('/').split('/').collect();
    if parts.len() < 2 || parts.iter().any(|p| p.is_empty()) {
        return Err(format!(
            "`uses = \"{u}\"`: expected `owner/repo` or `owner/repo/path`"
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn line_col_counts_chars() {
        assert_eq!(line_col("ab\ncé\nx", 0), (1, 1));
        assert_eq!(line_col("ab\ncé\nx", 3), (2, 1));
        assert_eq!(line_col("ab\ncé\nx", 7), (3, 1));
        assert_eq!(line_col("ab", 99), (1, 3));
    }

    #[test]
    fn errors_carry_positions() {
        let bad_scope = "[[action]]\nuses = \"a/b\"\nsource = \"x\"\nreason = \"r\"\nneeds = { content = \"read\" }\n";
        let e = parse_entries("t.toml", bad_scope).unwrap_err();
        assert!(e.starts_with("t.toml: line 5, column"), "{e}");
        assert!(e.contains("unknown permission scope `content`"), "{e}");

        let read_all = "[[action]]\nuses = \"a/b\"\nsource = \"x\"\nreason = \"r\"\nneeds = { read-all = \"read\" }\n";
        let e = parse_entries("t.toml", read_all).unwrap_err();
        assert!(e.contains("line 5") && e.contains("shorthand"), "{e}");

        let unknown_key = "[[action]]\nuses = \"a/b\"\nsource = \"x\"\nneed = {}\n";
        let e = parse_entries("t.toml", unknown_key).unwrap_err();
        assert!(e.contains("line 4"), "{e}");

        let dup = "[[action]]\nuses = \"a/b\"\nsource = \"x\"\n[[action]]\nuses = \"A/B\"\nsource = \"y\"\n";
        let e = parse_entries("t.toml", dup).unwrap_err();
        assert!(e.contains("line 5") && e.contains("first at line 2"), "{e}");

        let with_ref = "[[action]]\nuses = \"a/b@v1\"\nsource = \"x\"\n";
        assert!(parse_entries("t.toml", with_ref)
            .unwrap_err()
            .contains("@ref"));

        let no_source = "[[action]]\nuses = \"a/b\"\n";
        assert!(parse_entries("t.toml", no_source)
            .unwrap_err()
            .contains("source"));

        let no_reason =
            "[[action]]\nuses = \"a/b\"\nsource = \"s\"\nneeds = { issues = \"write\" }\n";
        assert!(parse_entries("t.toml", no_reason)
            .unwrap_err()
            .contains("reason"));

        let both = "[[action]]\nuses = \"a/b\"\nsource = \"s\"\n[[action.when]]\ninput = \"x\"\nequals = [\"a\"]\nunless = [\"b\"]\n";
        let e = parse_entries("t.toml", both).unwrap_err();
        assert!(e.contains("line 4") && e.contains("not both"), "{e}");

        let syntax = "[[action]\n";
        assert!(parse_entries("t.toml", syntax)
            .unwrap_err()
            .starts_with("t.toml: line 1"));
    }

    #[test]
    fn none_level_is_dropped_but_checked() {
        let ok = "[[action]]\nuses = \"a/b\"\nsource = \"s\"\nneeds = { contents = \"none\" }\n";
        let e = parse_entries("t", ok).unwrap();
        assert!(e[0].needs.is_empty());
        let bad = "[[action]]\nuses = \"a/b\"\nsource = \"s\"\nneeds = { contnts = \"none\" }\n";
        assert!(parse_entries("t", bad).is_err());
    }

    #[test]
    fn config_section() {
        let cfg = "[format]\nwidth = 100\n\n[[permissions.action]]\nuses = \"my-org/deploy\"\nneeds = { deployments = \"write\" }\nreason = \"records deployments\"\nsource = \"internal\"\n";
        let e = parse_config_entries("wffmt.toml", cfg).unwrap();
        assert_eq!(e.len(), 1);
        assert_eq!(e[0].uses, "my-org/deploy");
        assert!(parse_config_entries("wffmt.toml", "[format]\n")
            .unwrap()
            .is_empty());
    }
}
