//! Which token does a value carry?
//!
//! A step hands a token to an action input (`token: ${{ secrets.GITHUB_TOKEN }}`) or to a script
//! through the environment (`GH_TOKEN: ${{ github.token }}`). What matters for `permissions:` is
//! whether that token is the job's GITHUB_TOKEN (its scopes come from the block we write) or some
//! other credential (a PAT, a GitHub App token: the block does not matter for it).
//!
//! The answer is deliberately conservative: anything we cannot read (`${{ inputs.token }}`,
//! `${{ env.X }}` with no known `X`, `$VAR` set somewhere else) is [`TokenSource::Unknown`], which
//! callers treat like GITHUB_TOKEN. A value that mentions `github.token` or
//! `secrets.GITHUB_TOKEN` anywhere (`secrets.PAT || github.token`) is GITHUB_TOKEN.

use std::cell::RefCell;

/// Where a token value comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TokenSource {
    /// `${{ github.token }}` or `${{ secrets.GITHUB_TOKEN }}` (possibly as one alternative).
    GithubToken,
    /// Clearly another credential: another secret, a step output (an App token), a literal.
    Other,
    /// Cannot be told (an input, a variable set elsewhere...): treat it like GITHUB_TOKEN.
    Unknown,
}

impl TokenSource {
    /// GITHUB_TOKEN, or possibly GITHUB_TOKEN.
    pub fn may_be_github_token(self) -> bool {
        !matches!(self, TokenSource::Other)
    }

    /// Combines two sources seen in one value: GITHUB_TOKEN wins, then Unknown.
    fn or(self, other: TokenSource) -> TokenSource {
        use TokenSource::*;
        match (self, other) {
            (GithubToken, _) | (_, GithubToken) => GithubToken,
            (Unknown, _) | (_, Unknown) => Unknown,
            _ => Other,
        }
    }
}

/// True when `text` mentions GITHUB_TOKEN as an expression: `github.token`,
/// `secrets.GITHUB_TOKEN` (any case), or `github['token']`.
pub fn mentions_github_token(text: &str) -> bool {
    // Every form names `token`; most values and script words do not and are done with here.
    if !contains_ignore_ascii_case(text.as_bytes(), b"token") {
        return false;
    }
    let b = text.as_bytes();
    contains_word_ignore_case(b, b"github.token")
        || contains_word_ignore_case(b, b"secrets.github_token")
        || contains_ignore_ascii_case(b, b"github['token']")
        || contains_ignore_ascii_case(b, b"secrets['github_token']")
}

/// `needle` (ASCII) occurs in `hay` in any ASCII case. Only the places of its first byte are
/// compared, found by a vectorised search.
fn contains_ignore_ascii_case(hay: &[u8], needle: &[u8]) -> bool {
    places_ignore_ascii_case(hay, needle).next().is_some()
}

/// Where `needle` (ASCII) occurs in `hay` in any ASCII case.
fn places_ignore_ascii_case<'h>(
    hay: &'h [u8],
    needle: &'h [u8],
) -> impl Iterator<Item = usize> + 'h {
    let first = needle[0];
    memchr::memchr2_iter(first.to_ascii_lowercase(), first.to_ascii_uppercase(), hay).filter(
        move |&i| {
            hay[i..].len() >= needle.len() && hay[i..i + needle.len()].eq_ignore_ascii_case(needle)
        },
    )
}

/// `needle` (ASCII) occurs in `hay` in any ASCII case, neither followed nor preceded by an
/// identifier character (so that `secrets.GITHUB_TOKEN_PAT` is not `secrets.GITHUB_TOKEN`).
fn contains_word_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    places_ignore_ascii_case(hay, needle).any(|start| {
        let end = start + needle.len();
        let before_ok = start == 0 || !is_ident_byte(hay[start - 1]);
        let after_ok = end >= hay.len() || !is_ident_byte(hay[end]);
        before_ok && after_ok
    })
}

fn is_ident_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b == b'-'
}

/// The `${{ ... }}` expressions in `text`, without the braces. An unterminated one runs to the
/// end of the text.
pub fn expressions(text: &str) -> Vec<&str> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = find_pair(rest, b'$', b"{{") {
        let after = &rest[i + 3..];
        match find_pair(after, b'}', b"}") {
            Some(j) => {
                out.push(after[..j].trim());
                rest = &after[j + 2..];
            }
            None => {
                out.push(after.trim());
                break;
            }
        }
    }
    out
}

/// Where `first` followed by `then` first occurs in `text` (a byte search for `first`, which
/// is rare, instead of building a substring searcher for every value).
fn find_pair(text: &str, first: u8, then: &[u8]) -> Option<usize> {
    let b = text.as_bytes();
    memchr::memchr_iter(first, b).find(|&i| b[i + 1..].starts_with(then))
}

/// Names of shell variables referenced as `$NAME` or `${NAME}` (not `${{`).
pub fn shell_vars(text: &str) -> Vec<&str> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        // Only a `$` starts a name: skip to the next one.
        match memchr::memchr(b'$', &bytes[i..]) {
            Some(j) => i += j,
            None => break,
        }
        if i + 1 < bytes.len() {
            let (start, braced) = if bytes[i + 1] == b'{' {
                if i + 2 < bytes.len() && bytes[i + 2] == b'{' {
                    i += 3;
                    continue;
                }
                (i + 2, true)
            } else {
                (i + 1, false)
            };
            let mut end = start;
            while end < bytes.len() && (bytes[end].is_ascii_alphanumeric() || bytes[end] == b'_') {
                end += 1;
            }
            if end > start && !bytes[start].is_ascii_digit() {
                out.push(&text[start..end]);
            }
            i = if braced { end } else { end.max(i + 1) };
            continue;
        }
        i += 1;
    }
    out
}

/// Classifies a value without any environment to resolve references in.
/// `None` for an empty value (no token at all).
pub fn classify_token_value(value: &str) -> Option<TokenSource> {
    classify_with(value, &|_| None, 0)
}

/// The raw value of a variable, if known (borrowed from the environment it comes from).
pub type Lookup<'l> = dyn Fn(&str) -> Option<&'l str> + 'l;

/// Classifies a value, resolving `${{ env.NAME }}` and `$NAME` through `lookup`. `None` for an
/// empty value.
pub fn classify_with<'l>(
    value: &'l str,
    lookup: &'l Lookup<'l>,
    depth: usize,
) -> Option<TokenSource> {
    Classifier::new(lookup).classify(value, depth)
}

/// How deep variables are resolved through other variables.
const MAX_DEPTH: usize = 4;

/// Classifies values against one environment, remembering each value's answer: values that
/// name the same variables many times, or variables whose values name each other, are read
/// once per depth instead of once per path to them.
pub struct Classifier<'l> {
    lookup: &'l Lookup<'l>,
    /// The answer for each value read, by depth and value (borrowed: values come from the
    /// environment, which outlives the classifier).
    known: RefCell<foldhash::HashMap<(usize, &'l str), Option<TokenSource>>>,
}

impl<'l> Classifier<'l> {
    pub fn new(lookup: &'l Lookup<'l>) -> Classifier<'l> {
        Classifier {
            lookup,
            known: RefCell::default(),
        }
    }

    /// See [`classify_with`]; `depth`: how many variables were resolved to reach `value`.
    pub fn classify(&self, value: &'l str, depth: usize) -> Option<TokenSource> {
        let value = value.trim();
        if value.is_empty() {
            return None;
        }
        if mentions_github_token(value) {
            return Some(TokenSource::GithubToken);
        }
        // Without `$` there is neither an expression nor a variable: a literal.
        if !value.contains('$') {
            return Some(TokenSource::Other);
        }
        let known = self.known.borrow().get(&(depth, value)).copied();
        if let Some(known) = known {
            return known;
        }
        let found = self.references(value, depth);
        self.known.borrow_mut().insert((depth, value), found);
        found
    }

    /// What the expressions and variables in `value` hold.
    fn references(&self, value: &'l str, depth: usize) -> Option<TokenSource> {
        let lookup = self.lookup;
        let mut found: Option<TokenSource> = None;
        let mut add = |s: TokenSource| {
            found = Some(match found {
                Some(f) => f.or(s),
                None => s,
            })
        };
        for expr in expressions(value) {
            let e = expr.as_bytes();
            let env_name = expr
                .get(..4)
                .filter(|p| p.eq_ignore_ascii_case("env."))
                .map(|_| &expr[4..])
                .filter(|n| n.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_'));
            if let Some(original) = env_name {
                // Resolve `${{ env.NAME }}` (names are compared case-sensitively by the runner,
                // but expressions are not; try the original spelling first).
                let resolved = lookup(original).or_else(|| lookup(&original.to_ascii_uppercase()));
                match resolved {
                    Some(v) if depth < MAX_DEPTH => {
                        if let Some(s) = self.classify(v, depth + 1) {
                            add(s);
                        }
                    }
                    _ => add(TokenSource::Unknown),
                }
            } else if contains_word_ignore_case(e, b"secrets")
                || contains_ignore_ascii_case(e, b".outputs.")
            {
                // Another secret, or a step/job output such as a minted App token.
                add(TokenSource::Other);
            } else {
                add(TokenSource::Unknown);
            }
        }
        for name in shell_vars(value) {
            match lookup(name) {
                Some(v) if depth < MAX_DEPTH => {
                    if let Some(s) = self.classify(v, depth + 1) {
                        add(s);
                    }
                }
                _ => add(TokenSource::Unknown),
            }
        }
        Some(found.unwrap_or(TokenSource::Other))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn github_token_forms() {
        for v in [
            "${{ github.token }}",
            "${{ secrets.GITHUB_TOKEN }}",
            "${{secrets.github_token}}",
            "${{ secrets.PAT || github.token }}",
            "${{ github['token'] }}",
        ] {
            assert_eq!(
                classify_token_value(v),
                Some(TokenSource::GithubToken),
                "{v}"
            );
        }
    }

    #[test]
    fn other_and_unknown() {
        assert_eq!(
            classify_token_value("${{ secrets.GITHUB_TOKEN_PAT }}"),
            Some(TokenSource::Other)
        );
        assert_eq!(
            classify_token_value("${{ secrets.BOT_TOKEN }}"),
            Some(TokenSource::Other)
        );
        assert_eq!(
            classify_token_value("${{ steps.app.outputs.token }}"),
            Some(TokenSource::Other)
        );
        assert_eq!(
            classify_token_value("${{ inputs.token }}"),
            Some(TokenSource::Unknown)
        );
        assert_eq!(classify_token_value("$TOKEN"), Some(TokenSource::Unknown));
        assert_eq!(
            classify_token_value("ghp_literal"),
            Some(TokenSource::Other)
        );
        assert_eq!(classify_token_value("  "), None);
    }

    #[test]
    fn resolves_through_env() {
        let env = |n: &str| match n {
            "GH_TOKEN" => Some("${{ github.token }}"),
            "PAT" => Some("${{ secrets.PAT }}"),
            "LOOP" => Some("$LOOP"),
            _ => None,
        };
        assert_eq!(
            classify_with("${{ env.GH_TOKEN }}", &env, 0),
            Some(TokenSource::GithubToken)
        );
        assert_eq!(classify_with("$PAT", &env, 0), Some(TokenSource::Other));
        assert_eq!(classify_with("${PAT}", &env, 0), Some(TokenSource::Other));
        assert_eq!(classify_with("$LOOP", &env, 0), Some(TokenSource::Unknown));
    }

    #[test]
    fn helpers() {
        assert_eq!(expressions("a ${{ x }} b ${{y}}"), vec!["x", "y"]);
        assert_eq!(expressions("${{ open"), vec!["open"]);
        assert_eq!(shell_vars("$A ${B} ${{ c }} $1 $"), vec!["A", "B"]);
        let word =
            |hay: &str, needle: &str| contains_word_ignore_case(hay.as_bytes(), needle.as_bytes());
        assert!(word("secrets.github_token", "secrets.github_token"));
        assert!(word("Secrets.GitHub_Token", "secrets.github_token"));
        assert!(!word("secrets.github_tokens", "secrets.github_token"));
        assert!(!word("mygithub.token", "github.token"));
        assert!(word("SECRETS.x", "secrets"));
        assert!(!word("a secrets_b", "secrets"));
        assert!(!word("x-Secrets", "secrets"));
        assert!(word("é secrets é", "secrets"));
    }
}
