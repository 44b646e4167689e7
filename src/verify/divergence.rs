//! Where the oracle is wrong: the places where yaml-rust2 reads a text differently from the
//! YAML 1.2 specification and from other parsers, and how each is corrected before two texts
//! are compared.
//!
//! Without a correction, a rewrite that is right by the specification (layout removing the
//! trailing spaces of the last line) would be refused because yaml-rust2 misread the original.
//! Each divergence is narrow, documented here with the text of its upstream bug report, and has
//! a test built from its reproducer (`tests` below); any other disagreement still counts.
//!
//! ## Block scalars at the very end of the stream
//!
//! A literal or folded block scalar with clip (`|`) or keep (`|+`) chomping whose body runs to
//! the end of the text. Readings checked (Rust string notation), against libyaml through PyYAML
//! 6.0.3 (its C and its pure-Python loaders agree), eemeli/yaml 2.9.1 and js-yaml 4.3.2:
//!
//! | input | yaml-rust2 0.13 | libyaml, PyYAML | eemeli/yaml | js-yaml | corrected to |
//! |---|---|---|---|---|---|
//! | `"a: \|\n  x\n  "` | `"x\n\n"` | `"x\n"` | `"x\n"` | `"x\n"` | `"x\n"` |
//! | `"a: \|+\n  x\n\n  "` | `"x\n\n\n"` | `"x\n\n"` | `"x\n\n"` | `"x\n\n\n"` | `"x\n\n"` |
//! | `"a: \|\n"`, `"a: \|\n  "`, `"a: \|+\n"` | `"\n"` | `""` | `""` | `""` | `""` |
//! | `"a: \|\n  x"` | `"x\n"` | `"x"` | `"x\n"` | `"x\n"` | `"x"` |
//!
//! 1. **An empty body, or a last line of spaces only, at the end** (the first three rows): every
//!    other reader agrees with the specification, yaml-rust2 adds a line break.
//! 2. **A last content line without a line break** (the last row): readers disagree. The
//!    specification's production for the last line break of a chomped block
//!    (`b-chomped-last`, 8.1.1.2) accepts the end of the file in its place, contributing
//!    nothing, which is libyaml's `"x"`. The verifier follows it: a rewrite that added the
//!    missing line break then counts as a change, which is the safe side when readers disagree
//!    (and `layout` does not add a final line break after such a scalar).
//!
//! In both cases the correction removes the one line break yaml-rust2 added. A last line of
//! fewer spaces than the body's indentation, strip chomping (`|-`), and a block scalar followed
//! by anything but white space (another node, a comment, a document marker) are read the same
//! by all of them and are left alone.
//!
//! Upstream bug report (yaml-rust2 0.13.2):
//!
//! > **Block scalar at the end of the input gains a line break**
//! >
//! > A literal or folded block scalar with clip or keep chomping that extends to the end of the
//! > input is read with one line break too many when it has no content lines, or when its last
//! > line holds only indentation and has no line break:
//! >
//! > ```text
//! > let docs = yaml_rust2::YamlLoader::load_from_str("a: |\n  x\n  ").unwrap();
//! > assert_eq!(docs[0]["a"].as_str(), Some("x\n")); // yaml-rust2 gives "x\n\n"
//! > let docs = yaml_rust2::YamlLoader::load_from_str("a: |\n").unwrap();
//! > assert_eq!(docs[0]["a"].as_str(), Some("")); // yaml-rust2 gives "\n"
//! > ```
//! >
//! > libyaml, PyYAML, eemeli/yaml and js-yaml give `"x\n"` and `""`. The same scalars followed
//! > by another key (`"a: |\n  x\n  \nb: 1\n"`, `"a: |\nb: 1\n"`) are read correctly, so the
//! > end-of-input path of the block scalar scanner seems to add the break. Per YAML 1.2
//! > 8.1.1.2 (`b-chomped-last`), the end of the file stands in for the last line break and
//! > contributes nothing; with no content lines, clip gives the empty string.

use crate::syntax::lexer::lex;
use crate::syntax::TokenKind;

/// The correct value of the block scalar that yaml-rust2 read as `value`, when the scalar is the
/// last node of the stream (`text` without its BOM) and one of the divergences above applies;
/// `None` when yaml-rust2's reading stands.
pub(crate) fn end_of_stream_block(text: &str, value: &str) -> Option<String> {
    // Both corrections below remove the line break yaml-rust2 added, and the second applies only
    // to a value of that one break: anything else stands without lexing the text.
    let ends_with_break = text.ends_with(['\n', '\r']);
    if !value.ends_with('\n') || (ends_with_break && value != "\n") {
        return None;
    }
    let tokens = lex(text).tokens;
    let last = tokens
        .iter()
        .rposition(|t| !matches!(t.kind, TokenKind::Whitespace | TokenKind::Newline))?;
    let (header, body) = match tokens[last].kind {
        TokenKind::BlockBody => {
            let header = tokens[..last]
                .iter()
                .rposition(|t| t.kind == TokenKind::BlockHeader)?;
            // Only white space (and the header's own comment) between header and body.
            let between_ok = tokens[header + 1..last].iter().all(|t| {
                matches!(
                    t.kind,
                    TokenKind::Whitespace | TokenKind::Newline | TokenKind::Comment
                )
            });
            if !between_ok {
                return None;
            }
            (&tokens[header], Some(&tokens[last]))
        }
        TokenKind::BlockHeader => (&tokens[last], None),
        _ => return None,
    };
    let indicators = header.text(text);
    if indicators.contains('-') {
        return None;
    }
    let keep = indicators.contains('+');
    let body_text = body.map_or("", |b| b.text(text));
    let has_content = body_text.lines().any(|l| !l.trim().is_empty());

    if !ends_with_break {
        // 1. Unless the last line is spaces shallower than the body's content.
        let last_line = &text[text.rfind(['\n', '\r']).map_or(0, |i| i + 1)..];
        if last_line.trim_start_matches(' ').is_empty() && has_content {
            let depth = content_indent(body_text);
            if last_line.len() < depth {
                return None;
            }
        }
        return value.strip_suffix('\n').map(str::to_string);
    }
    // 2. No content lines: clip gives "", and so does keep with nothing after the header.
    let empty = if keep { body.is_none() } else { !has_content };
    (empty && value == "\n").then(String::new)
}

/// The indentation of the body's content: the least indented line with content (for an
/// automatically detected indentation, that of its first content line).
fn content_indent(body: &str) -> usize {
    body.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0)
}

#[cfg(test)]
mod tests {
    use super::super::{compare, Outcome};

    /// The event of the value of `run:` as the verifier reads it (yaml-rust2, corrected).
    fn corrected(text: &str) -> String {
        let events = super::super::canonical_events(text).unwrap();
        let mut lines = events.lines().skip_while(|l| *l != "=VAL str/str \"run\"");
        lines.nth(1).unwrap().to_string()
    }

    #[test]
    fn a_last_line_without_a_line_break_gains_nothing() {
        // The reproducer: a whitespace-only last line with the body's indentation.
        assert_eq!(corrected("run: |\n  x\n  "), "=VAL str \"x\\n\"");
        assert_eq!(corrected("run: |\n  x"), "=VAL str \"x\"");
        assert_eq!(corrected("run: >\n  x\n  y"), "=VAL str \"x y\"");
        assert_eq!(corrected("run: |+\n  x\n\n  "), "=VAL str \"x\\n\\n\"");
        assert_eq!(corrected("run: |\n  x\n   "), "=VAL str \"x\\n \"");
        assert_eq!(corrected("run: |2\n  x\n  # c"), "=VAL str \"x\\n# c\"");
        // Shallower than the body: read correctly, left alone.
        assert_eq!(corrected("a:\n  run: |\n    x\n  "), "=VAL str \"x\\n\"");
        assert_eq!(corrected("run: |\n  x\n "), "=VAL str \"x\\n\"");
        // Strip chomping and scalars that do not reach the end: read correctly.
        assert_eq!(corrected("run: |-\n  x\n  "), "=VAL str \"x\"");
        assert_eq!(corrected("run: |\n  x\n# c"), "=VAL str \"x\\n\"");
        assert_eq!(corrected("run: |\n  x\nnext: 1"), "=VAL str \"x\\n\"");
    }

    #[test]
    fn an_empty_body_at_the_end_is_empty() {
        assert_eq!(corrected("run: |\n"), "=VAL str \"\"");
        assert_eq!(corrected("run: >\n\n  \n"), "=VAL str \"\"");
        assert_eq!(corrected("run: |+\n"), "=VAL str \"\"");
        assert_eq!(corrected("run: |\n  "), "=VAL str \"\"");
        // Keep chomping with empty lines keeps their breaks.
        assert_eq!(corrected("run: |+\n\n"), "=VAL str \"\\n\"");
        // Not at the end: read correctly.
        assert_eq!(corrected("run: |\nnext: 1\n"), "=VAL str \"\"");
    }

    #[test]
    fn layout_may_remove_the_trailing_spaces_of_the_last_line() {
        assert_eq!(
            compare("run: |\n  x\n  ", "run: |\n  x\n", &[]),
            Ok(Outcome::Equivalent)
        );
        assert_eq!(
            compare("- run: |\n    x\n    ", "- run: |\n    x\n", &[]),
            Ok(Outcome::Equivalent)
        );
        // Adding a line break after a last content line is a real change.
        assert!(compare("run: |\n  x", "run: |\n  x\n", &[]).is_err());
    }
}
