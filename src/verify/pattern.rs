//! Route patterns: how a rule declares which data it may change.
//!
//! A rule that means to change data (insert a `permissions` block, rewrite a `uses:` ref) names
//! the places with patterns such as `jobs.*.steps[*].uses`; the comparison then ignores any
//! difference at a route the pattern matches, including the key (or item) being added or
//! removed, and nothing else. Patterns are anchored at the root of every document and match
//! whole routes; everything below a matched route may differ too (`jobs.*.permissions` covers
//! `jobs.build.permissions.contents`), while the pairs around it must keep their order.
//!
//! Syntax: dot-separated mapping keys; `*` is any one key (including non-scalar keys); `[*]` is
//! any sequence index and `[3]` one index (counted on each side separately); a key with special
//! characters is written in double quotes with backslash escapes (`"a.b"`), the same way routes
//! are rendered in messages. Scalar keys match by their text, whatever their quoting.

use std::fmt;
use std::str::FromStr;

/// A route pattern: dot-separated mapping keys; `*` matches any one key; `[*]` matches any
/// sequence index; e.g. `jobs.*.steps[*].uses`, `permissions`, `jobs.*.permissions`,
/// `on.*.paths[*]`. Documents in a stream: the pattern applies to every document.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct RoutePattern {
    segments: Vec<PatternSegment>,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum PatternSegment {
    Key(String),
    AnyKey,
    Index(usize),
    AnyIndex,
}

/// One step of a concrete route, as the matcher sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) enum Step<'a> {
    /// A scalar key, by its text (whatever its style or resolved type).
    Key(&'a str),
    /// A mapping, sequence or alias used as a key: only `*` matches it.
    OtherKey,
    Index(usize),
}

impl RoutePattern {
    /// Parse a pattern such as `jobs.*.steps[*].uses`.
    pub fn parse(s: &str) -> Result<RoutePattern, String> {
        let mut parser = PatternParser {
            chars: s.char_indices().peekable(),
            source: s,
        };
        let segments = parser.segments()?;
        Ok(RoutePattern { segments })
    }

    /// Number of steps in the routes this pattern matches.
    pub(crate) fn len(&self) -> usize {
        self.segments.len()
    }

    /// Whether the pattern matches the route `prefix` followed by `last`.
    pub(crate) fn matches<'a>(
        &self,
        prefix: impl ExactSizeIterator<Item = Step<'a>>,
        last: Step<'_>,
    ) -> bool {
        if self.segments.len() != prefix.len() + 1 {
            return false;
        }
        let mut segments = self.segments.iter();
        for step in prefix {
            match segments.next() {
                Some(segment) if segment.matches(step) => {}
                _ => return false,
            }
        }
        segments.next().is_some_and(|segment| segment.matches(last))
    }
}

impl PatternSegment {
    fn matches(&self, step: Step<'_>) -> bool {
        match (self, step) {
            (PatternSegment::AnyKey, Step::Key(_) | Step::OtherKey) => true,
            (PatternSegment::Key(k), Step::Key(text)) => k == text,
            (PatternSegment::AnyIndex, Step::Index(_)) => true,
            (PatternSegment::Index(i), Step::Index(j)) => *i == j,
            _ => false,
        }
    }
}

impl FromStr for RoutePattern {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RoutePattern::parse(s)
    }
}

impl fmt::Display for RoutePattern {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut out = String::new();
        for segment in &self.segments {
            match segment {
                PatternSegment::Key(k) => push_key(&mut out, k),
                PatternSegment::AnyKey => push_raw_key(&mut out, "*"),
                PatternSegment::Index(i) => out.push_str(&format!("[{i}]")),
                PatternSegment::AnyIndex => out.push_str("[*]"),
            }
        }
        f.write_str(&out)
    }
}

/// Append a key step to a rendered route: `.key`, or `."a.b"` when the key needs quoting.
pub(crate) fn push_key(out: &mut String, key: &str) {
    let bare = !key.is_empty()
        && key != "*"
        && !key.chars().any(|c| {
            matches!(c, '.' | '[' | ']' | '"' | '\\') || c.is_whitespace() || c.is_control()
        });
    if bare {
        push_raw_key(out, key);
    } else {
        push_raw_key(out, &format!("{key:?}"));
    }
}

/// Append an already rendered key step (no quoting).
pub(crate) fn push_raw_key(out: &mut String, rendered: &str) {
    if !out.is_empty() {
        out.push('.');
    }
    out.push_str(rendered);
}

struct PatternParser<'a> {
    chars: std::iter::Peekable<std::str::CharIndices<'a>>,
    source: &'a str,
}

impl PatternParser<'_> {
    fn segments(&mut self) -> Result<Vec<PatternSegment>, String> {
        if self.source.is_empty() {
            return Err("empty route pattern".to_string());
        }
        let mut segments = Vec::new();
        let mut first = true;
        loop {
            // A pattern may start with an index (a document that is a sequence); every other
            // step after a dot is a key.
            if !(first && self.peek() == Some('[')) {
                segments.push(self.key()?);
            }
            first = false;
            while self.peek() == Some('[') {
                segments.push(self.index()?);
            }
            match self.chars.next() {
                None => return Ok(segments),
                Some((_, '.')) => {}
                Some((at, c)) => return Err(self.error(at, &format!("unexpected `{c}`"))),
            }
        }
    }

    fn key(&mut self) -> Result<PatternSegment, String> {
        let start = self.position();
        if self.peek() == Some('"') {
            self.chars.next();
            return self.quoted_key(start).map(PatternSegment::Key);
        }
        let mut key = String::new();
        while let Some(c) = self.peek() {
            if c == '.' || c == '[' {
                break;
            }
            if c == ']' || c == '"' {
                let at = self.position();
                return Err(self.error(at, &format!("unexpected `{c}` in a key")));
            }
            key.push(c);
            self.chars.next();
        }
        match key.as_str() {
            "" => Err(self.error(start, "expected a key")),
            "*" => Ok(PatternSegment::AnyKey),
            _ => Ok(PatternSegment::Key(key)),
        }
    }

    fn quoted_key(&mut self, start: usize) -> Result<String, String> {
        let mut key = String::new();
        loop {
            match self.chars.next() {
                None => return Err(self.error(start, "unterminated quoted key")),
                Some((_, '"')) => return Ok(key),
                Some((at, '\\')) => key.push(self.escape(at)?),
                Some((_, c)) => key.push(c),
            }
        }
    }

    fn escape(&mut self, at: usize) -> Result<char, String> {
        let c = match self.chars.next() {
            Some((_, c)) => c,
            None => return Err(self.error(at, "unterminated escape")),
        };
        Ok(match c {
            '\\' | '"' | '\'' => c,
            'n' => '\n',
            't' => '\t',
            'r' => '\r',
            '0' => '\0',
            'u' => {
                if self.chars.next().map(|(_, c)| c) != Some('{') {
                    return Err(self.error(at, "expected `{` after `\\u`"));
                }
                let mut hex = String::new();
                loop {
                    match self.chars.next() {
                        Some((_, '}')) => break,
                        Some((_, h)) if h.is_ascii_hexdigit() && hex.len() < 6 => hex.push(h),
                        _ => return Err(self.error(at, "bad `\\u{...}` escape")),
                    }
                }
                u32::from_str_radix(&hex, 16)
                    .ok()
                    .and_then(char::from_u32)
                    .ok_or_else(|| self.error(at, "bad `\\u{...}` escape"))?
            }
            other => return Err(self.error(at, &format!("unknown escape `\\{other}`"))),
        })
    }

    fn index(&mut self) -> Result<PatternSegment, String> {
        let start = self.position();
        self.chars.next(); // `[`
        let mut inner = String::new();
        loop {
            match self.chars.next() {
                None => return Err(self.error(start, "unterminated `[`")),
                Some((_, ']')) => break,
                Some((_, c)) => inner.push(c),
            }
        }
        if inner == "*" {
            return Ok(PatternSegment::AnyIndex);
        }
        if !inner.is_empty() && inner.bytes().all(|b| b.is_ascii_digit()) {
            if let Ok(i) = inner.parse::<usize>() {
                return Ok(PatternSegment::Index(i));
            }
        }
        Err(self.error(start, "expected `[*]` or `[N]`"))
    }

    fn peek(&mut self) -> Option<char> {
        self.chars.peek().map(|&(_, c)| c)
    }

    fn position(&mut self) -> usize {
        self.chars.peek().map_or(self.source.len(), |&(at, _)| at)
    }

    fn error(&self, at: usize, message: &str) -> String {
        format!(
            "invalid route pattern `{}` at byte {at}: {message}",
            self.source
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn keys<'a>(steps: &'a [&'a str]) -> impl ExactSizeIterator<Item = Step<'a>> {
        steps.iter().map(|s| match s.strip_prefix('#') {
            Some(i) => Step::Index(i.parse().unwrap_or(0)),
            None => Step::Key(s),
        })
    }

    #[test]
    fn parses_and_prints() {
        for s in [
            "permissions",
            "jobs.*.permissions",
            "jobs.*.steps[*].uses",
            "on.*.paths[*]",
            "[*].name",
            "a[0][*].b",
            "\"a.b\".\"*\".c",
            "\"\".x",
        ] {
            let p = RoutePattern::parse(s).unwrap_or_else(|e| panic!("{e}"));
            assert_eq!(p.to_string(), s);
        }
        let p = RoutePattern::parse(r#""tab\there\u{e9}""#).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(
            p.segments,
            vec![PatternSegment::Key("tab\there\u{e9}".into())]
        );
    }

    #[test]
    fn rejects_bad_patterns() {
        for s in [
            "",
            ".",
            "a.",
            ".a",
            "a..b",
            "a[",
            "a[x]",
            "a[]",
            "a]b",
            "a.[*]",
            "\"a",
            "a\"b",
            "a[*]b",
            "\"\\q\"",
            "\"\\u{110000}\"",
        ] {
            assert!(RoutePattern::parse(s).is_err(), "{s:?} should be rejected");
        }
    }

    #[test]
    fn matching() {
        let p = RoutePattern::parse("jobs.*.steps[*].uses").unwrap_or_else(|e| panic!("{e}"));
        assert!(p.matches(keys(&["jobs", "build", "steps", "#2"]), Step::Key("uses")));
        assert!(!p.matches(keys(&["jobs", "build", "steps", "#2"]), Step::Key("with")));
        assert!(!p.matches(keys(&["jobs", "build", "steps"]), Step::Index(2)));
        assert!(!p.matches(keys(&["jobs", "build", "steps", "x"]), Step::Key("uses")));
        let p = RoutePattern::parse("*").unwrap_or_else(|e| panic!("{e}"));
        assert!(p.matches(keys(&[]), Step::OtherKey));
        assert!(!p.matches(keys(&[]), Step::Index(0)));
        let p = RoutePattern::parse("a[1]").unwrap_or_else(|e| panic!("{e}"));
        assert!(p.matches(keys(&["a"]), Step::Index(1)));
        assert!(!p.matches(keys(&["a"]), Step::Index(0)));
    }

    #[test]
    fn key_rendering() {
        let mut out = String::new();
        push_key(&mut out, "jobs");
        push_key(&mut out, "a.b");
        push_key(&mut out, "");
        push_key(&mut out, "*");
        assert_eq!(out, r#"jobs."a.b".""."*""#);
    }
}
