//! A per-line view of the token list: where each line starts, which token opens it, and
//! whether it is a continuation line inside a multi-line token.

use crate::syntax::{SyntaxTree, TokenKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LineKind {
    /// Only whitespace (or nothing) before the line break, outside any multi-line token.
    Blank,
    /// Starts (after indentation) with a significant token.
    Content,
    /// Starts with an own-line comment.
    Comment,
    /// A continuation line inside a multi-line plain or quoted scalar, or an error token.
    InScalar,
    /// A line of a block scalar body.
    InBlockBody,
}

/// One line, in 16 bytes (offsets fit in `u32`: the tree's tokens use them too).
#[derive(Debug, Clone, Copy)]
pub struct Line {
    start: u32,
    first: u32,
    token: u32,
    pub kind: LineKind,
}

impl Line {
    /// Byte offset of the line's start.
    pub fn start(&self) -> usize {
        self.start as usize
    }

    /// Byte offset of the first non-whitespace character (or the line break).
    pub fn first(&self) -> usize {
        self.first as usize
    }

    /// Index of the token that contains or starts at `first`.
    pub fn token(&self) -> usize {
        self.token as usize
    }

    pub fn indent(&self) -> usize {
        (self.first - self.start) as usize
    }
}

pub struct Lines {
    pub lines: Vec<Line>,
    /// The line each token starts on, by token index: most questions the rule asks about a
    /// line start from a token.
    token_lines: Vec<u32>,
}

impl Lines {
    pub fn new(tree: &SyntaxTree) -> Lines {
        let text = tree.text().as_bytes();
        let tokens = tree.tokens();
        let mut lines: Vec<Line> = Vec::with_capacity(tree.line_starts().len());
        let mut token_lines = Vec::with_capacity(tokens.len());
        // The first token that starts at or after the current line's start.
        let mut ti = 0usize;
        for &start in tree.line_starts() {
            let start = start as usize;
            if start > text.len() || (start == text.len() && start > 0) {
                break;
            }
            // The first line starts after a BOM.
            let start = if start == 0 && text.starts_with("\u{feff}".as_bytes()) {
                3
            } else {
                start
            };
            // Tokens that start before this line start on the line before it.
            while ti < tokens.len() && (tokens[ti].start as usize) < start {
                ti += 1;
            }
            token_lines.resize(ti, lines.len().saturating_sub(1) as u32);
            // Token containing `start`: the one starting there, or the one before it.
            let containing = if tokens.get(ti).is_some_and(|t| t.start as usize == start) {
                ti
            } else {
                ti.saturating_sub(1)
            };
            let tok = tokens.get(containing);
            let first = match tok {
                // Indentation is one whitespace token.
                Some(t) if t.start as usize == start && t.kind == TokenKind::Whitespace => {
                    t.end as usize
                }
                _ => {
                    let blanks = text[start..]
                        .iter()
                        .take_while(|&&c| matches!(c, b' ' | b'\t'));
                    start + blanks.count()
                }
            };
            let inside_token = tok.is_some_and(|t| {
                (t.start as usize) < start
                    && !matches!(t.kind, TokenKind::Whitespace | TokenKind::Newline)
            });
            let kind = match tok {
                Some(t) if inside_token && t.kind == TokenKind::BlockBody => LineKind::InBlockBody,
                Some(t) if t.kind == TokenKind::BlockBody && t.start as usize == start => {
                    LineKind::InBlockBody
                }
                Some(_) if inside_token => LineKind::InScalar,
                _ => {
                    if first >= text.len() || matches!(text[first], b'\n' | b'\r') {
                        LineKind::Blank
                    } else if text[first] == b'#' {
                        LineKind::Comment
                    } else {
                        LineKind::Content
                    }
                }
            };
            let mut token = containing;
            if matches!(kind, LineKind::Content | LineKind::Comment) {
                while token < tokens.len() && (tokens[token].start as usize) < first {
                    token += 1;
                }
            }
            lines.push(Line {
                start: start as u32,
                kind,
                first: first as u32,
                token: token.min(tokens.len().saturating_sub(1)) as u32,
            });
        }
        let last = lines.len().saturating_sub(1) as u32;
        token_lines.resize(tokens.len(), last);
        Lines { lines, token_lines }
    }

    /// Index of the line token `i` starts on (`line_of` its start).
    pub fn line_of_token(&self, i: usize) -> usize {
        self.token_lines[i] as usize
    }

    /// Index of the line containing byte `offset`.
    pub fn line_of(&self, offset: usize) -> usize {
        let offset = offset as u32;
        self.lines
            .partition_point(|l| l.start <= offset)
            .saturating_sub(1)
    }

    pub fn len(&self) -> usize {
        self.lines.len()
    }

    pub fn is_empty(&self) -> bool {
        self.lines.is_empty()
    }
}
