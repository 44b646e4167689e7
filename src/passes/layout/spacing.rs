//! Spacing inside a line: one space after `- `, `? ` and a block `:`, none before a block `:`;
//! in flow collections `, ` between entries, `a: 1` inside entries, and inside the brackets the
//! spacing most of the file already uses (prettier's `{ a: 1 }` and `[a, b]` when the file has
//! no majority); no trailing whitespace, after comments included. Only whitespace changes (a
//! space is inserted at most), so scalars, comments and indicators stay as they are.

use super::lines::Lines;
use crate::edit::Edit;
use crate::syntax::token::FLOW_RESET;
use crate::syntax::{SyntaxTree, Token, TokenKind};

/// Spacing just inside the brackets of a non-empty flow collection on one line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlowStyle {
    /// `{ a: 1 }` (else `{a: 1}`).
    pub spaced_braces: bool,
    /// `[ a, b ]` (else `[a, b]`).
    pub spaced_brackets: bool,
}

impl FlowStyle {
    /// The style most of the file's flow collections already use; on a tie, prettier's.
    pub fn detect(tree: &SyntaxTree, lines: &Lines, fixed: &[bool]) -> FlowStyle {
        // (spaced, tight) votes, per side of each bracket with content beside it on its line.
        let mut braces = (0usize, 0usize);
        let mut brackets = (0usize, 0usize);
        let toks = tree.tokens();
        for (i, t) in toks.iter().enumerate() {
            let vote = match t.kind {
                TokenKind::LBrace | TokenKind::LBracket => inner_spacing_after(toks, i),
                TokenKind::RBrace | TokenKind::RBracket => inner_spacing_before(toks, i),
                _ => continue,
            };
            if fixed[lines.line_of_token(i)] {
                continue;
            }
            let Some(spaced) = vote else { continue };
            let tally = if matches!(t.kind, TokenKind::LBrace | TokenKind::RBrace) {
                &mut braces
            } else {
                &mut brackets
            };
            if spaced {
                tally.0 += 1;
            } else {
                tally.1 += 1;
            }
        }
        FlowStyle {
            spaced_braces: braces.0 >= braces.1,
            spaced_brackets: brackets.0 > brackets.1,
        }
    }

    fn spaced(&self, bracket: TokenKind) -> bool {
        match bracket {
            TokenKind::LBrace | TokenKind::RBrace => self.spaced_braces,
            _ => self.spaced_brackets,
        }
    }
}

/// After an opening bracket at `i`: `Some(true)` for `{ a`, `Some(false)` for `{a`, `None`
/// when nothing follows on the line or the collection is empty.
fn inner_spacing_after(toks: &[Token], i: usize) -> Option<bool> {
    let content = |k: TokenKind| !k.is_trivia() && !is_closer(k);
    let next = toks.get(i + 1)?;
    if next.kind == TokenKind::Whitespace {
        let after = toks.get(i + 2)?;
        return content(after.kind).then_some(true);
    }
    content(next.kind).then_some(false)
}

/// Before a closing bracket at `i`: `Some(true)` for `a }`, `Some(false)` for `a}`; `None` at
/// the start of a line, for an empty collection, or where a space is required anyway.
fn inner_spacing_before(toks: &[Token], i: usize) -> Option<bool> {
    let content = |k: TokenKind| !k.is_trivia() && !is_opener(k) && !needs_space_before_closer(k);
    let prev = toks.get(i.checked_sub(1)?)?;
    if prev.kind == TokenKind::Whitespace {
        let before = toks.get(i.checked_sub(2)?)?;
        return content(before.kind).then_some(true);
    }
    content(prev.kind).then_some(false)
}

fn is_opener(kind: TokenKind) -> bool {
    matches!(kind, TokenKind::LBrace | TokenKind::LBracket)
}

fn is_closer(kind: TokenKind) -> bool {
    matches!(kind, TokenKind::RBrace | TokenKind::RBracket)
}

/// Tokens after which a closing bracket keeps a space: `{ foo: }` is not `{foo:}` (which some
/// readers take as the key `foo:`), and `*a }` is not `*a}`.
fn needs_space_before_closer(kind: TokenKind) -> bool {
    matches!(
        kind,
        TokenKind::Colon | TokenKind::Anchor | TokenKind::Tag | TokenKind::Alias
    )
}

/// The spacing edits of the whole file, in text order. Lines marked in `fixed` keep theirs.
pub fn edits(tree: &SyntaxTree, lines: &Lines, fixed: &[bool], style: &FlowStyle) -> Vec<Edit> {
    let toks = tree.tokens();
    let text = tree.text();
    let mut edits = Vec::new();
    let mut depth = 0usize;
    for (i, t) in toks.iter().enumerate() {
        if t.flags & FLOW_RESET != 0 {
            depth = 0;
        }
        match t.kind {
            TokenKind::DocStart | TokenKind::DocEnd => depth = 0,
            TokenKind::LBracket | TokenKind::LBrace => depth += 1,
            TokenKind::RBracket | TokenKind::RBrace => depth = depth.saturating_sub(1),
            _ => {}
        }
        // Outside flow collections only whitespace and comments can change.
        let flow_token = depth > 0 || matches!(t.kind, TokenKind::RBrace | TokenKind::RBracket);
        if !flow_token && !matches!(t.kind, TokenKind::Whitespace | TokenKind::Comment) {
            continue;
        }
        let l = lines.line_of_token(i);
        if fixed[l] {
            continue;
        }
        let line = lines.lines[l];
        match t.kind {
            TokenKind::Whitespace => {
                let at_line_start = line.start() == t.start as usize
                    || (l == 0 && i > 0 && toks[i - 1].kind == TokenKind::Bom);
                if at_line_start || line.first() >= t.end as usize {
                    continue; // indentation, or a blank line: handled with the lines
                }
                if let Some(s) = whitespace(toks, i, depth > 0, style) {
                    if &text.as_bytes()[t.range()] != s.as_bytes() {
                        edits.push(Edit::replace(t.range(), s));
                    }
                }
            }
            TokenKind::Comment => {
                let body = &text.as_bytes()[t.range()];
                if body.last().is_some_and(|&c| c == b' ' || c == b'\t') {
                    let trimmed = t.text(text).trim_end_matches([' ', '\t']).len();
                    let at = t.start as usize + trimmed;
                    edits.push(Edit::delete(at..t.end as usize));
                }
            }
            _ => {
                if let Some(at) = missing_space(toks, i, style) {
                    edits.push(Edit::insert(at, " "));
                }
            }
        }
    }
    edits
}

/// What the whitespace token at index `i` (not indentation) should be; `None`: keep it.
fn whitespace(toks: &[Token], i: usize, in_flow: bool, style: &FlowStyle) -> Option<&'static str> {
    let Some(next) = toks.get(i + 1) else {
        return Some(""); // trailing whitespace at the end of the file
    };
    if next.kind == TokenKind::Newline {
        return Some("");
    }
    if next.kind == TokenKind::Comment {
        return None; // a trailing comment keeps its distance (see `align` for runs)
    }
    let prev = toks.get(i.checked_sub(1)?)?;
    if prev.kind == TokenKind::Newline || prev.kind == TokenKind::Bom {
        return None; // indentation is handled elsewhere
    }
    let spaced = |bracket| if style.spaced(bracket) { " " } else { "" };
    if !in_flow {
        return match (prev.kind, next.kind) {
            (TokenKind::Dash | TokenKind::Question | TokenKind::Colon, _) => Some(" "),
            (p, TokenKind::Colon) if !is_property_or_alias(p) && !p.is_trivia() => Some(""),
            _ => None,
        };
    }
    match (prev.kind, next.kind) {
        (TokenKind::LBrace, TokenKind::RBrace) | (TokenKind::LBracket, TokenKind::RBracket) => {
            Some("")
        }
        (open @ (TokenKind::LBrace | TokenKind::LBracket), _) => Some(spaced(open)),
        (p, close @ (TokenKind::RBrace | TokenKind::RBracket)) => {
            if needs_space_before_closer(p) {
                Some(" ")
            } else {
                Some(spaced(close))
            }
        }
        // `{ foo: , bar: 1 }` keeps the space after the empty value's `:`.
        (TokenKind::Colon, TokenKind::Comma) => Some(" "),
        (p, TokenKind::Comma) if !is_property_or_alias(p) => Some(""),
        // `{a : 1}` -> `{a: 1}`, but an empty key (`, : v`) keeps its separation.
        (
            TokenKind::Plain
            | TokenKind::SingleQuoted
            | TokenKind::DoubleQuoted
            | TokenKind::RBracket
            | TokenKind::RBrace,
            TokenKind::Colon,
        ) => Some(""),
        (TokenKind::Comma | TokenKind::Colon, _) => Some(" "),
        _ => None,
    }
}

fn is_property_or_alias(kind: TokenKind) -> bool {
    matches!(kind, TokenKind::Anchor | TokenKind::Tag | TokenKind::Alias)
}

/// Where a space is missing next to the token at `i` in a flow collection: after a `,` or an
/// opening bracket followed directly by content, before a closing bracket preceded directly by
/// content (in the spaced style).
fn missing_space(toks: &[Token], i: usize, style: &FlowStyle) -> Option<usize> {
    let t = &toks[i];
    match t.kind {
        TokenKind::Comma => {
            let n = toks.get(i + 1)?;
            let content = !n.kind.is_trivia()
                && !matches!(
                    n.kind,
                    TokenKind::RBracket | TokenKind::RBrace | TokenKind::Comma
                );
            content.then_some(t.end as usize)
        }
        TokenKind::LBrace | TokenKind::LBracket => (style.spaced(t.kind)
            && inner_spacing_after(toks, i) == Some(false))
        .then_some(t.end as usize),
        TokenKind::RBrace | TokenKind::RBracket => (style.spaced(t.kind)
            && inner_spacing_before(toks, i) == Some(false))
        .then_some(t.start as usize),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::edit::{apply_fixes, Fix};
    use crate::syntax::parse;

    fn respace(src: &str) -> String {
        let tree = parse(src);
        let lines = Lines::new(&tree);
        let fixed = vec![false; lines.len()];
        let style = FlowStyle::detect(&tree, &lines, &fixed);
        let edits = edits(&tree, &lines, &fixed, &style);
        apply_fixes(src, vec![Fix::new("t", "t", edits)]).text
    }

    #[test]
    fn prettier_spacing_is_the_default() {
        // One of each: a tie, which prettier's style breaks.
        let src = "a: {x: 1,y: [1,2]}\nb: { z: [ 3 ] }\n";
        assert_eq!(respace(src), "a: { x: 1, y: [1, 2] }\nb: { z: [3] }\n");
        assert_eq!(respace("a: { }\nb: [ ]\n"), "a: {}\nb: []\n");
    }

    #[test]
    fn the_majority_style_wins() {
        let src = "a: {x: 1}\nb: {y: 2}\nc: { z: 3 }\nd: [ 1 ]\ne: [ 2 ]\nf: [3]\n";
        assert_eq!(
            respace(src),
            "a: {x: 1}\nb: {y: 2}\nc: {z: 3}\nd: [ 1 ]\ne: [ 2 ]\nf: [ 3 ]\n"
        );
    }

    #[test]
    fn an_empty_value_keeps_the_space_after_its_colon() {
        assert_eq!(respace("a: {foo: }\n"), "a: {foo: }\n");
        assert_eq!(respace("a: { foo:}\n"), "a: { foo:}\n");
        assert_eq!(
            respace("a: {x: 1}\nb: {y: 2}\nc: { foo: }\n"),
            "a: {x: 1}\nb: {y: 2}\nc: {foo: }\n"
        );
        assert_eq!(respace("a: { foo: , bar: 1 }\n"), "a: { foo: , bar: 1 }\n");
        assert_eq!(respace("a: [*x ]\n"), "a: [*x ]\n");
    }

    #[test]
    fn trailing_whitespace_after_comments_goes() {
        assert_eq!(respace("a: 1 # note  \n# own \t\n"), "a: 1 # note\n# own\n");
    }
}
