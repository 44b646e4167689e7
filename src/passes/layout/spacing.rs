//! Spacing inside a line: one space after `- `, `? ` and a block `:`, none before a block `:`;
//! in single-line stretches of flow collections, `[a, b]` and `{a: 1}`; no trailing whitespace.
//! Only existing whitespace tokens change (plus a space after a flow `,`), so scalars, comments
//! and indicators stay as they are.

use crate::syntax::{SyntaxTree, Token, TokenKind};

/// What to do with one whitespace token.
pub enum Spacing {
    Keep,
    /// Replace with exactly this text.
    Set(&'static str),
}

/// Decide the spacing of the whitespace token at index `i` (not leading indentation).
/// `in_flow` tells whether the token lies inside a flow collection.
pub fn whitespace(tree: &SyntaxTree, i: usize, in_flow: bool) -> Spacing {
    let toks = tree.tokens();
    let t = toks[i];
    let prev = i.checked_sub(1).map(|p| toks[p]);
    let next = toks.get(i + 1).copied();
    let Some(next) = next else {
        return Spacing::Set(""); // trailing whitespace at the end of the file
    };
    if next.kind == TokenKind::Newline {
        return Spacing::Set("");
    }
    if next.kind == TokenKind::Comment {
        return Spacing::Keep; // a trailing comment keeps its distance
    }
    let Some(prev) = prev else {
        return Spacing::Keep;
    };
    if prev.kind == TokenKind::Newline || prev.kind == TokenKind::Bom {
        return Spacing::Keep; // indentation is handled elsewhere
    }
    let text = t.text(tree.text());
    if !in_flow {
        match (prev.kind, next.kind) {
            (TokenKind::Dash | TokenKind::Question | TokenKind::Colon, _) => Spacing::Set(" "),
            (p, TokenKind::Colon) if !is_property_or_alias(p) && !p.is_trivia() => Spacing::Set(""),
            _ => Spacing::Keep,
        }
    } else {
        let _ = text;
        match (prev.kind, next.kind) {
            (TokenKind::LBracket | TokenKind::LBrace, _) => Spacing::Set(""),
            (p, TokenKind::RBracket | TokenKind::RBrace | TokenKind::Comma)
                if !is_property_or_alias(p) =>
            {
                Spacing::Set("")
            }
            // `{a : 1}` -> `{a: 1}`, but an empty key (`, : v`) keeps its separation.
            (
                TokenKind::Plain
                | TokenKind::SingleQuoted
                | TokenKind::DoubleQuoted
                | TokenKind::RBracket
                | TokenKind::RBrace,
                TokenKind::Colon,
            ) => Spacing::Set(""),
            (TokenKind::Comma | TokenKind::Colon, _) => Spacing::Set(" "),
            _ => Spacing::Keep,
        }
    }
}

fn is_property_or_alias(kind: TokenKind) -> bool {
    matches!(kind, TokenKind::Anchor | TokenKind::Tag | TokenKind::Alias)
}

/// A `,` in a flow collection directly followed by content on the same line gets a space.
pub fn needs_space_after_comma(toks: &[Token], i: usize) -> bool {
    toks[i].kind == TokenKind::Comma
        && toks.get(i + 1).is_some_and(|n| {
            !n.kind.is_trivia()
                && !matches!(
                    n.kind,
                    TokenKind::RBracket | TokenKind::RBrace | TokenKind::Comma
                )
        })
}
