//! A `run:` value as text with a map back to the file, so that edits made to the script become
//! edits of the YAML scalar that holds it, in the scalar's own style.
//!
//! Supported: literal block scalars (`|`, `|-`, `|+`, without an indentation indicator) and
//! single-line plain, single-quoted and double-quoted scalars. Anything else is left alone (the
//! caller reports instead of rewriting). Every rewrite is proven afterwards: yaml-rust2 must read
//! the old scalar as the text decoded here, and the new one as the intended script
//! ([`prove`]).

use yaml_rust2::{Yaml, YamlLoader};

use crate::edit::{apply_fixes, Edit, Fix};
use crate::syntax::{NodeId, SyntaxTree, TokenKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Literal,
    Plain,
    SingleQuoted,
    DoubleQuoted,
}

/// The decoded value of a scalar and where each byte came from.
#[derive(Debug, Clone)]
pub struct ScalarText {
    pub style: Style,
    pub value: String,
    /// The scalar's token (for rewriting it whole).
    token: std::ops::Range<usize>,
    /// Source offset of each byte of `value`, plus one entry for the end.
    map: Vec<usize>,
}

impl ScalarText {
    /// Decodes the scalar `node`; `None` for styles this module does not rewrite.
    pub fn read(tree: &SyntaxTree, node: NodeId) -> Option<ScalarText> {
        let mut content = tree.content_tokens(node);
        let tok = content.next()?;
        let text = tree.text();
        let raw = &text[tok.range()];
        let start = tok.start as usize;
        let token = tok.range();
        let read = match tok.kind {
            TokenKind::Plain if !raw.contains(['\n', '\r']) => Some(ScalarText {
                style: Style::Plain,
                value: raw.to_string(),
                token: 0..0,
                map: (start..=start + raw.len()).collect(),
            }),
            TokenKind::SingleQuoted if !raw.contains(['\n', '\r']) => single_quoted(raw, start),
            TokenKind::DoubleQuoted if !raw.contains(['\n', '\r']) => double_quoted(raw, start),
            TokenKind::BlockHeader => {
                let body = content.next().filter(|b| b.kind == TokenKind::BlockBody)?;
                literal(raw, &text[body.range()], body.start as usize)
            }
            _ => None,
        };
        read.map(|mut r| {
            r.token = token;
            r
        })
    }

    /// An edit writing `script` as a single-quoted scalar in place of this plain one: the
    /// style to fall back to when the new script cannot be written plain (it starts with `{`,
    /// holds `: `...). `None` for other styles and multi-line scripts.
    pub fn requoted(&self, script: &str) -> Option<Edit> {
        (self.style == Style::Plain && !script.contains(['\n', '\r'])).then(|| {
            Edit::replace(
                self.token.clone(),
                format!("'{}'", script.replace('\'', "''")),
            )
        })
    }

    /// The file edits that turn `value` into the value with `edits` (ranges into `value`)
    /// applied. `None` when an edit cannot be written in this style.
    pub fn source_edits(&self, edits: &[Edit]) -> Option<Vec<Edit>> {
        edits
            .iter()
            .map(|e| {
                let start = *self.map.get(e.range.start)?;
                let end = *self.map.get(e.range.end)?;
                Some(Edit::replace(start..end, self.encode(&e.replacement)?))
            })
            .collect()
    }

    fn encode(&self, text: &str) -> Option<String> {
        if text.contains(['\n', '\r']) {
            return None;
        }
        Some(match self.style {
            Style::Literal | Style::Plain => text.to_string(),
            Style::SingleQuoted => text.replace('\'', "''"),
            Style::DoubleQuoted => {
                let mut out = String::new();
                for c in text.chars() {
                    match c {
                        '\\' => out.push_str("\\\\"),
                        '"' => out.push_str("\\\""),
                        '\t' => out.push_str("\\t"),
                        c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
                        c => out.push(c),
                    }
                }
                out
            }
        })
    }
}

fn single_quoted(raw: &str, start: usize) -> Option<ScalarText> {
    let inner = raw.strip_prefix('\'')?.strip_suffix('\'')?;
    // `''` is one quote.
    quoted(inner, start, Style::SingleQuoted, b'\'', |next| {
        (next == b'\'').then_some('\'')
    })
}

fn double_quoted(raw: &str, start: usize) -> Option<ScalarText> {
    let inner = raw.strip_prefix('"')?.strip_suffix('"')?;
    quoted(inner, start, Style::DoubleQuoted, b'\\', |next| {
        Some(match next {
            b'\\' => '\\',
            b'"' => '"',
            b'/' => '/',
            b' ' => ' ',
            b't' | b'\t' => '\t',
            b'n' => '\n',
            b'r' => '\r',
            b'0' => '\0',
            // Other escapes (`\x41`, `\u00e9`...) are not worth mapping.
            _ => return None,
        })
    })
}

/// The value of a quoted scalar whose text between the quotes is `inner` (its opening quote at
/// `start`), with the source offset of each value byte. `escape` starts a two-byte escape
/// sequence that `decode` reads from its second byte; `None` gives up on the scalar.
fn quoted(
    inner: &str,
    start: usize,
    style: Style,
    escape: u8,
    decode: impl Fn(u8) -> Option<char>,
) -> Option<ScalarText> {
    let mut value = String::new();
    let mut map = Vec::new();
    let mut i = 0;
    let b = inner.as_bytes();
    while i < b.len() {
        let at = start + 1 + i;
        if b[i] == escape {
            let decoded = decode(*b.get(i + 1)?)?;
            for _ in 0..decoded.len_utf8() {
                map.push(at);
            }
            value.push(decoded);
            i += 2;
            continue;
        }
        let ch_len = inner[i..].chars().next()?.len_utf8();
        for k in 0..ch_len {
            map.push(at + k);
        }
        value.push_str(&inner[i..i + ch_len]);
        i += ch_len;
    }
    map.push(start + 1 + inner.len());
    Some(ScalarText {
        style,
        value,
        token: 0..0,
        map,
    })
}

/// A literal block scalar: `header` is `|`, `|-` or `|+`; `body` starts at `body_start`.
fn literal(header: &str, body: &str, body_start: usize) -> Option<ScalarText> {
    let indicators = header.strip_prefix('|')?;
    let chomp = match indicators.trim_end() {
        "" => Chomp::Clip,
        "-" => Chomp::Strip,
        "+" => Chomp::Keep,
        _ => return None,
    };
    // Lines with their start offsets and line-break lengths.
    let mut lines: Vec<(usize, &str, usize)> = Vec::new();
    let mut pos = 0;
    while pos < body.len() {
        let end = body[pos..].find('\n').map_or(body.len(), |i| pos + i);
        let mut line = &body[pos..end];
        let mut brk = usize::from(end < body.len());
        if line.ends_with('\r') {
            line = &line[..line.len() - 1];
            brk += 1;
        }
        lines.push((pos, line, brk));
        pos = end + usize::from(end < body.len());
    }
    let indent = lines
        .iter()
        .find(|(_, l, _)| !l.trim().is_empty())
        .map(|(_, l, _)| l.len() - l.trim_start_matches(' ').len())?;
    if indent == 0 {
        return None;
    }
    let mut value = String::new();
    let mut map = Vec::new();
    let mut trailing_breaks: Vec<usize> = Vec::new();
    for (start, line, brk) in &lines {
        let abs = body_start + start;
        let is_empty = line.len() <= indent && line.trim().is_empty();
        if is_empty {
            trailing_breaks.push(abs + line.len());
            continue;
        }
        if line.len() < indent || !line[..indent].bytes().all(|c| c == b' ') {
            // Less indented content ends the scalar in YAML; the lexer would not have put it
            // here. Be safe.
            return None;
        }
        for b in trailing_breaks.drain(..) {
            value.push('\n');
            map.push(b);
        }
        value.push_str(&line[indent..]);
        map.extend((abs + indent)..(abs + line.len()));
        if *brk > 0 {
            trailing_breaks.push(abs + line.len());
        }
    }
    match chomp {
        Chomp::Strip => {}
        Chomp::Clip => {
            if let Some(&first) = trailing_breaks.first() {
                value.push('\n');
                map.push(first);
            }
        }
        Chomp::Keep => {
            for b in trailing_breaks {
                value.push('\n');
                map.push(b);
            }
        }
    }
    let end = map.last().map_or(body_start, |&l| l + 1);
    map.push(end);
    Some(ScalarText {
        style: Style::Literal,
        value,
        token: 0..0,
        map,
    })
}

enum Chomp {
    Clip,
    Strip,
    Keep,
}

/// Where a `run:` value is in the document's data, for yaml-rust2.
#[derive(Debug, Clone)]
pub enum Route {
    /// `jobs.<id>.steps[<index>].run`
    Job(String, usize),
    /// `runs.steps[<index>].run`
    Composite(usize),
}

fn run_value<'y>(doc: &'y Yaml, route: &Route) -> &'y Yaml {
    match route {
        Route::Job(id, i) => &doc["jobs"][id.as_str()]["steps"][*i]["run"],
        Route::Composite(i) => &doc["runs"]["steps"][*i]["run"],
    }
}

/// Proves a rewrite of one `run:` value: yaml-rust2 reads the old document's value as `old`
/// and the new document's as `new`. Returns the file edits when it holds.
pub fn prove(
    text: &str,
    route: &Route,
    old: &str,
    new: &str,
    edits: Vec<Edit>,
) -> Option<Vec<Edit>> {
    let read = |t: &str| -> Option<String> {
        let docs = YamlLoader::load_from_str(t.strip_prefix('\u{feff}').unwrap_or(t)).ok()?;
        run_value(docs.first()?, route).as_str().map(str::to_string)
    };
    if read(text)? != old {
        return None;
    }
    let applied = apply_fixes(text, vec![Fix::new("prove", "", edits.clone())]);
    if !applied.conflicts.is_empty() {
        return None;
    }
    (read(&applied.text)? == new).then_some(edits)
}

/// Applies script edits to a script.
pub fn apply(script: &str, edits: &[Edit]) -> String {
    apply_fixes(script, vec![Fix::new("script", "", edits.to_vec())]).text
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    fn read_run(src: &str) -> (SyntaxTree, ScalarText) {
        let tree = parse(src);
        let root = tree.first_root().unwrap();
        let run = tree.map_get(root, "run").unwrap();
        let s = ScalarText::read(&tree, run).unwrap();
        (tree, s)
    }

    #[test]
    fn decodes_every_supported_style_like_yaml_rust2() {
        for src in [
            "run: |\n  echo a\n\n  echo  b  \n",
            "run: |-\n    x\n      y\n\n",
            "run: |+\n  x\n\n\n",
            "run: |\r\n  a\r\n  b\r\n",
            "run: echo \"a\" > b\n",
            "run: 'it''s'\n",
            "run: \"a\\\\b \\\"c\\\" \\t d\"\n",
        ] {
            let (_, s) = read_run(src);
            let docs = YamlLoader::load_from_str(src).unwrap();
            assert_eq!(s.value, docs[0]["run"].as_str().unwrap(), "{src:?}");
            assert_eq!(s.map.len(), s.value.len() + 1);
        }
    }

    #[test]
    fn script_edits_become_scalar_edits() {
        let cases = [
            ("run: |\n  echo ::x\n  ls\n", "echo ok\n  ls\n"),
            ("run: 'echo ''::x'''\n", "echo ''ok''"),
            ("run: \"echo \\\"::x\\\"\"\n", "echo \\\"ok\\\""),
        ];
        for (src, _) in cases {
            let (tree, s) = read_run(src);
            let at = s.value.find("::x").unwrap();
            let edit = Edit::replace(at..at + 3, "ok");
            let new_value = apply(&s.value, std::slice::from_ref(&edit));
            let file_edits = s.source_edits(&[edit]).unwrap();
            let applied = apply_fixes(tree.text(), vec![Fix::new("t", "", file_edits)]).text;
            let docs = YamlLoader::load_from_str(&applied).unwrap();
            assert_eq!(
                docs[0]["run"].as_str().unwrap(),
                new_value,
                "{src:?} -> {applied:?}"
            );
        }
    }

    #[test]
    fn unsupported_styles_are_refused() {
        let tree = parse("run: >\n  a\n  b\n");
        let root = tree.first_root().unwrap();
        assert!(ScalarText::read(&tree, tree.map_get(root, "run").unwrap()).is_none());
        let tree = parse("run: |2\n   a\n");
        let root = tree.first_root().unwrap();
        assert!(ScalarText::read(&tree, tree.map_get(root, "run").unwrap()).is_none());
    }
}
