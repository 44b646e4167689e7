//! The lexer: turns any UTF-8 text into tokens that tile it exactly.
//!
//! YAML cannot be tokenised without some context, so the lexer tracks what libyaml's scanner
//! tracks: the flow depth and the stack of block indentation levels. It needs them to know where
//! a multi-line plain scalar ends and how far a block scalar's body reaches. It never fails:
//! text it cannot classify becomes an [`TokenKind::Error`] token with a diagnostic, and lexing goes
//! on at a sensible point (usually the end of the line).
//!
//! Invariant (tested on every corpus and on random input): the tokens are contiguous, non-empty,
//! start at 0, end at `text.len()`, and every boundary is a `char` boundary.

use super::token::{Token, TokenKind, FIRST_ON_LINE, FLOW_RESET};

/// A problem found while lexing, at a byte offset.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LexDiagnostic {
    pub offset: usize,
    pub message: String,
}

pub struct Lexed {
    pub tokens: Vec<Token>,
    pub diagnostics: Vec<LexDiagnostic>,
    /// Some token is an alias (`*name`).
    pub has_aliases: bool,
    /// Where every line starts: at 0 and after each `\n`, `\r\n` or lone `\r`, including
    /// the line breaks inside multi-line tokens.
    pub line_starts: Vec<u32>,
}

pub fn lex(text: &str) -> Lexed {
    let mut lexer = Lexer {
        src: text,
        b: text.as_bytes(),
        pos: 0,
        line_start: 0,
        first_pending: true,
        // Real workflows average about 9 bytes per token, dense ones 7 or 8: one growth at
        // most, and a large file's peak stays near its final size.
        tokens: Vec::with_capacity(text.len() / 8 + 8),
        diagnostics: Vec::new(),
        flow: 0,
        indent: -1,
        indents: Vec::new(),
        key_col: None,
        doc_open: false,
        json_like: false,
        value_below: false,
        flow_min: -1,
        pending_block: None,
        has_aliases: false,
        indent_tab: None,
        line_starts: Vec::with_capacity(text.len() / 32 + 2),
    };
    lexer.line_starts.push(0);
    lexer.run();
    // Give back what the estimate above left unused: the tree keeps this vector for its whole
    // life.
    lexer.tokens.shrink_to_fit();
    Lexed {
        tokens: lexer.tokens,
        diagnostics: lexer.diagnostics,
        has_aliases: lexer.has_aliases,
        line_starts: lexer.line_starts,
    }
}

#[derive(Clone, Copy)]
struct BlockHeader {
    /// Explicit indentation indicator (1-9), if any.
    explicit: Option<usize>,
    keep: bool,
    /// The block indentation level when the header was seen.
    parent_indent: i64,
}

struct Lexer<'a> {
    src: &'a str,
    b: &'a [u8],
    pos: usize,
    line_start: usize,
    /// No token other than whitespace has been emitted on the current line yet.
    first_pending: bool,
    tokens: Vec<Token>,
    diagnostics: Vec<LexDiagnostic>,
    flow: usize,
    indent: i64,
    indents: Vec<i64>,
    /// Column where a possible implicit key starts on the current line (block context).
    key_col: Option<usize>,
    /// Document content has been seen since the start or the last `...` (directives end there).
    doc_open: bool,
    /// The previous content token was a quoted scalar or a flow collection end, after which
    /// `:` is a value indicator even without a following space (JSON-like keys).
    json_like: bool,
    /// The last significant token was a block `:`, or a `-` with nothing after it on its line:
    /// the node that follows must be indented deeper than the enclosing block collection.
    value_below: bool,
    /// The column lines inside the current flow collection must reach (-1: any), fixed when
    /// the outermost flow collection opens.
    flow_min: i64,
    pending_block: Option<BlockHeader>,
    has_aliases: bool,
    /// The first tab in the whitespace token that starts the current line.
    indent_tab: Option<usize>,
    line_starts: Vec<u32>,
}

fn is_ws(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Number of spaces at the start of `b`, read eight bytes at a time: indentation is the
/// longest run of bytes the lexer reads.
pub fn leading_spaces(b: &[u8]) -> usize {
    const SPACES: u64 = u64::from_le_bytes([b' '; 8]);
    let mut n = 0;
    while let Some(chunk) = b.get(n..n + 8) {
        let word = u64::from_le_bytes(chunk.try_into().expect("eight bytes")) ^ SPACES;
        if word != 0 {
            // The lowest non-zero byte is the first one that is not a space.
            return n + (word.trailing_zeros() / 8) as usize;
        }
        n += 8;
    }
    n + b[n..].iter().take_while(|&&c| c == b' ').count()
}

fn is_break(c: u8) -> bool {
    c == b'\n' || c == b'\r'
}

/// Bytes a scan must stop at, as bit sets per context: a plain scalar in block context
/// (`BLOCK_STOP`) or in a flow collection (`FLOW_STOP`), a single-quoted (`SINGLE_STOP`) or
/// double-quoted (`DOUBLE_STOP`) scalar. All of them are ASCII, so scans step by bytes.
const BLOCK_STOP: u8 = 1;
const FLOW_STOP: u8 = 2;
const SINGLE_STOP: u8 = 4;
const DOUBLE_STOP: u8 = 8;
static STOPS: [u8; 256] = {
    let mut t = [0u8; 256];
    t = mark(
        t,
        b"\n\r",
        BLOCK_STOP | FLOW_STOP | SINGLE_STOP | DOUBLE_STOP,
    );
    t = mark(t, b":#", BLOCK_STOP | FLOW_STOP);
    t = mark(t, b",[]{}", FLOW_STOP);
    t = mark(t, b"'", SINGLE_STOP);
    mark(t, b"\"\\", DOUBLE_STOP)
};

const fn mark(mut table: [u8; 256], bytes: &[u8], bits: u8) -> [u8; 256] {
    let mut i = 0;
    while i < bytes.len() {
        table[bytes[i] as usize] |= bits;
        i += 1;
    }
    table
}

fn is_flow_indicator(c: u8) -> bool {
    matches!(c, b',' | b'[' | b']' | b'{' | b'}')
}

impl<'a> Lexer<'a> {
    fn at(&self, p: usize) -> Option<u8> {
        self.b.get(p).copied()
    }

    /// Whitespace, a line break or the end of input at `p`.
    fn blank_or_end(&self, p: usize) -> bool {
        match self.at(p) {
            None => true,
            Some(c) => is_ws(c) || is_break(c),
        }
    }

    /// Advance `p` (a character boundary) by one UTF-8 character.
    fn next_char(&self, p: usize) -> usize {
        let width = match self.b.get(p) {
            Some(&c) if c >= 0xf0 => 4,
            Some(&c) if c >= 0xe0 => 3,
            Some(&c) if c >= 0xc0 => 2,
            _ => 1,
        };
        p + width
    }

    fn push(&mut self, kind: TokenKind, start: usize, end: usize, extra_flags: u8) {
        debug_assert!(end > start);
        let mut flags = extra_flags;
        if !kind.is_trivia() {
            if self.first_pending {
                flags |= FIRST_ON_LINE;
                self.first_pending = false;
            }
            if !matches!(kind, TokenKind::DocEnd | TokenKind::Directive) {
                self.doc_open = true;
            }
            self.value_below = false;
            if kind != TokenKind::BlockBody {
                self.json_like = matches!(
                    kind,
                    TokenKind::SingleQuoted
                        | TokenKind::DoubleQuoted
                        | TokenKind::RBracket
                        | TokenKind::RBrace
                );
            }
        }
        self.tokens.push(Token {
            kind,
            start: start as u32,
            end: end as u32,
            col: (start - self.line_start) as u32,
            flags,
        });
        self.pos = end;
    }

    fn diag(&mut self, offset: usize, message: impl Into<String>) {
        self.diagnostics.push(LexDiagnostic {
            offset,
            message: message.into(),
        });
    }

    fn run(&mut self) {
        if self.src.starts_with('\u{feff}') {
            self.push(TokenKind::Bom, 0, 3, 0);
            self.line_start = 3;
        }
        while self.pos < self.b.len() {
            let c = self.b[self.pos];
            if is_ws(c) {
                let mut p = self.pos + leading_spaces(&self.b[self.pos..]);
                let tab = (p < self.b.len() && self.b[p] == b'\t').then_some(p);
                while p < self.b.len() && is_ws(self.b[p]) {
                    p += 1;
                }
                if self.pos == self.line_start {
                    self.indent_tab = tab;
                }
                self.push(TokenKind::Whitespace, self.pos, p, 0);
            } else if is_break(c) {
                self.newline();
            } else {
                self.content();
            }
        }
    }

    fn newline(&mut self) {
        let start = self.pos;
        let end = if self.b[start] == b'\r' && self.at(start + 1) == Some(b'\n') {
            start + 2
        } else {
            start + 1
        };
        self.push(TokenKind::Newline, start, end, 0);
        self.line_starts.push(end as u32);
        self.line_start = end;
        self.first_pending = true;
        self.key_col = None;
        if let Some(header) = self.pending_block.take() {
            self.block_body(header);
        }
    }

    fn col(&self) -> usize {
        self.pos - self.line_start
    }

    fn content(&mut self) {
        let start = self.pos;
        let col = self.col();
        let c = self.b[start];
        let first = self.first_pending;
        let mut flags = 0;
        if first && col == 0 {
            if let Some(kind) = self.document_marker(start) {
                self.flow = 0;
                self.indent = -1;
                self.indents.clear();
                self.pending_block = None;
                if kind == TokenKind::DocEnd {
                    self.push(kind, start, start + 3, 0);
                    self.doc_open = false;
                } else {
                    self.push(kind, start, start + 3, 0);
                }
                return;
            }
            if c == b'%' && !self.doc_open {
                let end = self.line_content_end(start);
                self.push(TokenKind::Directive, start, end, 0);
                return;
            }
        }
        if first && c != b'#' {
            self.check_line_indentation(start, col);
        }
        if first {
            if self.flow > 0 && (col as i64) <= self.indent && self.looks_like_block_line(start) {
                self.diag(start, "unclosed flow collection before this line");
                self.flow = 0;
                flags |= FLOW_RESET;
            }
            if self.flow == 0 {
                while self.indent > col as i64 {
                    self.indent = self.indents.pop().unwrap_or(-1);
                }
            }
        }
        if self.pending_block.is_some() && c != b'#' {
            // Content after a block scalar header on the same line.
            let end = self.line_content_end(start);
            self.diag(start, "unexpected text after a block scalar header");
            self.push(TokenKind::Error, start, end, flags);
            return;
        }
        let block = self.flow == 0;
        let next_blank = self.blank_or_end(start + 1);
        match c {
            b'#' => {
                let prev_ok = start == 0 || {
                    let p = self.b[start - 1];
                    is_ws(p) || is_break(p) || (start == 3 && self.src.starts_with('\u{feff}'))
                };
                if prev_ok {
                    let end = self.line_end(start);
                    self.push(TokenKind::Comment, start, end, flags);
                } else {
                    self.diag(
                        start,
                        "a comment must be separated from other tokens by a space",
                    );
                    let end = self.line_end(start);
                    self.push(TokenKind::Error, start, end, flags);
                }
            }
            b'-' if next_blank => {
                if block {
                    self.roll_indent(col);
                    self.key_col = None;
                    self.push(TokenKind::Dash, start, start + 1, flags);
                    self.check_tab_before_compact(start + 1);
                    self.value_below = self.rest_of_line_is_empty(start + 1);
                } else {
                    self.diag(
                        start,
                        "a block sequence entry is not allowed inside a flow collection",
                    );
                    self.push(TokenKind::Error, start, start + 1, flags);
                }
            }
            b'?' if next_blank || (!block && self.at(start + 1).is_some_and(is_flow_indicator)) => {
                if block {
                    self.roll_indent(col);
                    self.key_col = None;
                }
                self.push(TokenKind::Question, start, start + 1, flags);
                if block {
                    self.check_tab_before_compact(start + 1);
                }
            }
            b':' if next_blank
                || (!block
                    && (self.json_like || self.at(start + 1).is_some_and(is_flow_indicator))) =>
            {
                if block {
                    let key_col = self.key_col.unwrap_or(col);
                    self.roll_indent(key_col);
                    self.key_col = None;
                }
                self.push(TokenKind::Colon, start, start + 1, flags);
                if block {
                    self.check_tab_before_compact(start + 1);
                    self.value_below = true;
                }
            }
            b',' if !block => self.push(TokenKind::Comma, start, start + 1, flags),
            b'[' | b'{' => {
                self.note_key(col);
                if self.flow == 0 {
                    // Inside a block collection, flow content must be indented deeper than it.
                    self.flow_min = if self.indent >= 0 {
                        self.indent + 1
                    } else {
                        -1
                    };
                }
                self.flow += 1;
                let kind = if c == b'[' {
                    TokenKind::LBracket
                } else {
                    TokenKind::LBrace
                };
                self.push(kind, start, start + 1, flags);
            }
            b']' | b'}' => {
                if self.flow > 0 {
                    self.flow -= 1;
                } else {
                    self.diag(
                        start,
                        format!("`{}` without a matching opening bracket", c as char),
                    );
                }
                let kind = if c == b']' {
                    TokenKind::RBracket
                } else {
                    TokenKind::RBrace
                };
                self.push(kind, start, start + 1, flags);
            }
            b'&' | b'*' => {
                self.note_key(col);
                let end = self.name_end(start + 1);
                let kind = if c == b'&' {
                    TokenKind::Anchor
                } else {
                    self.has_aliases = true;
                    TokenKind::Alias
                };
                if end == start + 1 {
                    self.diag(start, "an anchor or alias needs a name");
                }
                self.push(kind, start, end, flags);
            }
            b'!' => {
                self.note_key(col);
                let end = if self.at(start + 1) == Some(b'<') {
                    // A verbatim tag `!<...>` ends at the first `>` on its line.
                    let line = &self.b[start..self.line_end(start)];
                    match memchr::memchr(b'>', line) {
                        Some(i) => start + i + 1,
                        None => self.name_end(start + 1),
                    }
                } else {
                    self.name_end(start + 1)
                };
                self.push(TokenKind::Tag, start, end, flags);
            }
            b'|' | b'>' if block => self.block_header(start, flags),
            b'\'' | b'"' => {
                self.note_key(col);
                self.quoted(start, flags);
            }
            b'@' | b'`' | b'%' | b'|' | b'>' | b',' => {
                self.note_key(col);
                let end = self.plain_end(start, false);
                self.diag(
                    start,
                    format!(
                        "`{}` cannot start a plain scalar; quote the value",
                        c as char
                    ),
                );
                self.push(TokenKind::Error, start, end, flags);
            }
            _ => {
                self.note_key(col);
                if first && !block && (col as i64) < self.flow_min {
                    self.diag(
                        start,
                        format!(
                            "this line of a flow collection must be indented to at least column {}; indent it further",
                            self.flow_min + 1
                        ),
                    );
                }
                let min = self.continuation_min();
                let (end, continued) = self.plain_extent(start, true);
                if continued {
                    self.note_line_breaks(start, end);
                    let under = self.first_under_indented_line(start, end, min);
                    self.report_under_indented(under, min, "a plain scalar");
                }
                self.push(TokenKind::Plain, start, end, flags);
            }
        }
    }

    /// The lowest column a continuation line of a node starting here may begin at (-1: any),
    /// as YAML readers check it: deeper than the enclosing block collection, and one more when
    /// the node is a mapping value (or a `-` item on the lines below its dash).
    fn continuation_min(&self) -> i64 {
        if self.flow > 0 {
            return self.flow_min;
        }
        if self.indent < 0 {
            return -1;
        }
        self.indent + i64::from(self.value_below)
    }

    /// The line starting at `line` has content but fewer leading spaces than `min`.
    fn under_indented(&self, line: usize, min: i64) -> bool {
        let q = line + leading_spaces(&self.b[line..]);
        let spaces = q - line;
        let mut r = q;
        while r < self.b.len() && is_ws(self.b[r]) {
            r += 1;
        }
        let blank = r >= self.b.len() || is_break(self.b[r]);
        !blank && (spaces as i64) < min
    }

    /// The start of the first line after `start` and before `end` that is under-indented.
    fn first_under_indented_line(&self, start: usize, end: usize, min: i64) -> Option<usize> {
        let mut p = start;
        while let Some(i) = memchr::memchr2(b'\n', b'\r', &self.b[p..end]) {
            let mut line = p + i + 1;
            if self.b[p + i] == b'\r' && self.at(line) == Some(b'\n') {
                line += 1;
            }
            if line >= end {
                return None;
            }
            if self.under_indented(line, min) {
                return Some(line);
            }
            p = line;
        }
        None
    }

    /// A line starts at `at`, just after the line break byte `brk`, unless that byte is the
    /// `\r` of a `\r\n`.
    fn note_line_start(&mut self, brk: u8, at: usize) {
        if brk == b'\n' || self.at(at) != Some(b'\n') {
            self.line_starts.push(at as u32);
        }
    }

    /// Records the line starts inside `start..end` (a multi-line plain scalar).
    fn note_line_breaks(&mut self, start: usize, end: usize) {
        for i in memchr::memchr2_iter(b'\n', b'\r', &self.b[start..end]) {
            let at = start + i;
            self.note_line_start(self.b[at], at + 1);
        }
    }

    fn report_under_indented(&mut self, line: Option<usize>, min: i64, what: &str) {
        if let Some(line) = line {
            self.diag(
                line,
                format!(
                    "this line of {what} must be indented to at least column {} (with spaces); indent it further",
                    min + 1
                ),
            );
        }
    }

    /// Checks the indentation of a line whose first token starts at `start` (column `col`):
    /// indentation is spaces only, so a tab where the line's indentation must reach is an
    /// error, and so is a tab before a block collection entry.
    fn check_line_indentation(&mut self, start: usize, col: usize) {
        // The indentation is the whitespace token that starts the line, if any.
        let tab = if start > self.line_start {
            self.indent_tab
        } else {
            None
        };
        let Some(tab) = tab.map(|t| t - self.line_start) else {
            return;
        };
        let min = self.continuation_min();
        let block_entry = self.flow == 0 && self.starts_block_entry(start);
        if (tab as i64) < min || block_entry {
            let _ = col;
            self.diag(
                self.line_start + tab,
                "a tab in indentation: YAML indents with spaces only; replace the tab with spaces",
            );
        }
    }

    /// A tab between a block indicator and a compact collection on the same line (`-\t- a`,
    /// `?\tkey: v`): the collection's indentation would contain the tab.
    fn check_tab_before_compact(&mut self, after: usize) {
        let mut q = after;
        let mut tab = None;
        while q < self.b.len() && is_ws(self.b[q]) {
            if self.b[q] == b'\t' && tab.is_none() {
                tab = Some(q);
            }
            q += 1;
        }
        if let Some(tab) = tab {
            if q < self.b.len() && self.starts_block_entry(q) {
                self.diag(
                    tab,
                    "a tab before a nested block collection: YAML indents with spaces only; replace the tab with spaces",
                );
            }
        }
    }

    /// Text at `p` starts a block collection entry: `- `, `? `, `: ` or an implicit key.
    fn starts_block_entry(&self, p: usize) -> bool {
        let c = self.b[p];
        if matches!(c, b'-' | b'?' | b':') && self.blank_or_end(p + 1) {
            return true;
        }
        self.looks_like_block_line(p)
    }

    /// Only whitespace (or a comment) after `p` up to the line break.
    fn rest_of_line_is_empty(&self, p: usize) -> bool {
        let mut q = p;
        while q < self.b.len() && is_ws(self.b[q]) {
            q += 1;
        }
        q >= self.b.len() || is_break(self.b[q]) || (self.b[q] == b'#' && q > p)
    }

    fn note_key(&mut self, col: usize) {
        if self.flow == 0 && self.key_col.is_none() {
            self.key_col = Some(col);
        }
    }

    fn roll_indent(&mut self, col: usize) {
        if self.indent < col as i64 {
            self.indents.push(self.indent);
            self.indent = col as i64;
        }
    }

    fn document_marker(&self, p: usize) -> Option<TokenKind> {
        let rest = &self.b[p..];
        let kind = if rest.starts_with(b"---") {
            TokenKind::DocStart
        } else if rest.starts_with(b"...") {
            TokenKind::DocEnd
        } else {
            return None;
        };
        self.blank_or_end(p + 3).then_some(kind)
    }

    /// End of the line (before the line break).
    fn line_end(&self, p: usize) -> usize {
        memchr::memchr2(b'\n', b'\r', &self.b[p..]).map_or(self.b.len(), |i| p + i)
    }

    /// End of the line's content: before ` #` comments and trailing whitespace.
    fn line_content_end(&self, p: usize) -> usize {
        let mut q = p;
        let mut end = p;
        while q < self.b.len() && !is_break(self.b[q]) {
            let c = self.b[q];
            if c == b'#' && q > p && is_ws(self.b[q - 1]) {
                break;
            }
            q = self.next_char(q);
            if !is_ws(c) {
                end = q;
            }
        }
        end.max(self.next_char(p).min(self.b.len()))
    }

    /// End of an anchor, alias or tag name: up to whitespace, or a flow indicator in flow context.
    fn name_end(&self, p: usize) -> usize {
        let mut q = p;
        while q < self.b.len() {
            let c = self.b[q];
            if is_ws(c) || is_break(c) || (self.flow > 0 && is_flow_indicator(c)) {
                break;
            }
            q = self.next_char(q);
        }
        q
    }

    fn looks_like_block_line(&self, p: usize) -> bool {
        let c = self.b[p];
        if c == b'-' && self.blank_or_end(p + 1) {
            return true;
        }
        let mut q = p;
        while q < self.b.len() {
            let c = self.b[q];
            if is_break(c) || matches!(c, b' ' | b'\t' | b',' | b'[' | b']' | b'{' | b'}' | b'#') {
                return false;
            }
            if c == b':' {
                return q > p && self.blank_or_end(q + 1);
            }
            q = self.next_char(q);
        }
        false
    }

    /// Can a plain scalar continue on the line starting at `p` (after a line break)?
    /// Returns the position of the first content character if so.
    fn plain_continuation(&self, mut p: usize) -> Option<usize> {
        loop {
            let line = p;
            p += leading_spaces(&self.b[p..]);
            while p < self.b.len() && is_ws(self.b[p]) {
                p += 1;
            }
            let c = self.at(p)?;
            if is_break(c) {
                p += if c == b'\r' && self.at(p + 1) == Some(b'\n') {
                    2
                } else {
                    1
                };
                continue;
            }
            let col = p - line;
            if self.flow == 0 && (col as i64) <= self.indent {
                return None;
            }
            if col == 0 && self.document_marker(p).is_some() {
                return None;
            }
            if c == b'#' {
                return None;
            }
            if c == b':' && self.blank_or_end(p + 1) {
                return None;
            }
            if self.flow > 0 && is_flow_indicator(c) {
                return None;
            }
            if self.flow > 0 && c == b':' && self.at(p + 1).is_some_and(is_flow_indicator) {
                return None;
            }
            return Some(p);
        }
    }

    /// End of a plain scalar starting at `start` (exclusive, trailing whitespace excluded).
    /// With `multiline`, the scalar may continue on following, more indented lines.
    fn plain_end(&self, start: usize, multiline: bool) -> usize {
        self.plain_extent(start, multiline).0
    }

    /// [`Self::plain_end`], and whether the scalar continues on a later line.
    fn plain_extent(&self, start: usize, multiline: bool) -> (usize, bool) {
        let flow = self.flow > 0;
        let mut continued = false;
        let stops = if flow { FLOW_STOP } else { BLOCK_STOP };
        // The first character is content whatever it is.
        let mut p = self.next_char(start);
        loop {
            // Only ASCII bytes stop a plain scalar, so the scan may step by bytes.
            while p < self.b.len() {
                let c = self.b[p];
                if STOPS[c as usize] & stops == 0 {
                    p += 1;
                    continue;
                }
                let ends_here = match c {
                    b'\n' | b'\r' => break,
                    b':' => {
                        self.blank_or_end(p + 1)
                            || (flow && self.at(p + 1).is_some_and(is_flow_indicator))
                    }
                    b'#' => is_ws(self.b[p - 1]),
                    _ => true, // a flow indicator inside a flow collection
                };
                if ends_here {
                    return (self.trim_trailing_ws(start, p), continued);
                }
                p += 1;
            }
            if !multiline || p >= self.b.len() {
                return (self.trim_trailing_ws(start, p), continued);
            }
            let after_break = if self.b[p] == b'\r' && self.at(p + 1) == Some(b'\n') {
                p + 2
            } else {
                p + 1
            };
            match self.plain_continuation(after_break) {
                Some(q) => {
                    p = q;
                    continued = true;
                }
                None => return (self.trim_trailing_ws(start, p), continued),
            }
        }
    }

    /// `end` moved back over the spaces and tabs before it, never to or before `start` (which
    /// holds a non-blank character).
    fn trim_trailing_ws(&self, start: usize, mut end: usize) -> usize {
        while end > start + 1 && is_ws(self.b[end - 1]) {
            end -= 1;
        }
        end
    }

    fn quoted(&mut self, start: usize, flags: u8) {
        let quote = self.b[start];
        let stops = if quote == b'\'' {
            SINGLE_STOP
        } else {
            DOUBLE_STOP
        };
        let min = self.continuation_min();
        let mut under_indented = None;
        // Line starts found inside the scalar, dropped again if it turns out unterminated.
        let known_lines = self.line_starts.len();
        let mut p = start + 1;
        while p < self.b.len() {
            let c = self.b[p];
            if STOPS[c as usize] & stops == 0 {
                p += 1;
                continue;
            }
            match c {
                b'\n' | b'\r' => {
                    p += 1;
                    self.note_line_start(c, p);
                    if p < self.b.len() {
                        // A document marker inside a quoted scalar ends the document.
                        if self.document_marker(p).is_some() {
                            break;
                        }
                        if under_indented.is_none() && self.under_indented(p, min) {
                            under_indented = Some(p);
                        }
                    }
                }
                b'\\' => {
                    // An escape: the next character is taken as it is, a line break too.
                    p += 1;
                    if p < self.b.len() {
                        let escaped = self.b[p];
                        p = self.next_char(p);
                        if is_break(escaped) {
                            self.note_line_start(escaped, p);
                        }
                    }
                }
                _ if quote == b'\'' && self.at(p + 1) == Some(b'\'') => p += 2,
                _ => {
                    let kind = if quote == b'\'' {
                        TokenKind::SingleQuoted
                    } else {
                        TokenKind::DoubleQuoted
                    };
                    self.report_under_indented(under_indented, min, "a quoted scalar");
                    self.push(kind, start, p + 1, flags);
                    return;
                }
            }
        }
        self.line_starts.truncate(known_lines);
        let end = self.line_end(start);
        self.diag(start, "unterminated quoted scalar: add the closing quote");
        self.push(TokenKind::Error, start, end, flags);
    }

    fn block_header(&mut self, start: usize, flags: u8) {
        let mut p = start + 1;
        let mut explicit = None;
        let mut chomp = None;
        for _ in 0..2 {
            match self.at(p) {
                Some(d @ b'1'..=b'9') if explicit.is_none() => {
                    explicit = Some((d - b'0') as usize);
                    p += 1;
                }
                Some(m @ (b'+' | b'-')) if chomp.is_none() => {
                    chomp = Some(m);
                    p += 1;
                }
                _ => break,
            }
        }
        if !self.blank_or_end(p) {
            let end = self.plain_end(start, false);
            self.diag(
                start,
                format!(
                    "`{}` starts a block scalar here; quote the value if it is text",
                    self.b[start] as char
                ),
            );
            self.push(TokenKind::Error, start, end, flags);
            return;
        }
        self.pending_block = Some(BlockHeader {
            explicit,
            keep: chomp == Some(b'+'),
            parent_indent: self.indent,
        });
        self.push(TokenKind::BlockHeader, start, p, flags);
        if self.pos >= self.b.len() {
            self.pending_block = None;
        }
    }

    /// Lex the body of a block scalar; `self.pos` is at the start of the first line after the
    /// header's line break.
    fn block_body(&mut self, header: BlockHeader) {
        let base = self.pos;
        // As libyaml: an explicit indicator is relative to the enclosing block's indentation.
        let mut n = header
            .explicit
            .map(|m| header.parent_indent.max(0) as usize + m);
        let mut p = base;
        let mut content_end = None; // end of the last content line (incl. its break)
        let mut last_line_end = base; // end of the last included line (incl. its break)
        while p < self.b.len() {
            let line = p;
            let q = p + leading_spaces(&self.b[p..]);
            let spaces = q - line;
            let mut r = q;
            while r < self.b.len() && is_ws(self.b[r]) {
                r += 1;
            }
            let eol = self.line_end(r);
            let next = if eol < self.b.len() {
                if self.b[eol] == b'\r' && self.at(eol + 1) == Some(b'\n') {
                    eol + 2
                } else {
                    eol + 1
                }
            } else {
                eol
            };
            if next > eol {
                self.line_starts.push(next as u32);
            }
            // Only spaces: an empty line. A tab after the spaces is content.
            let empty = q == eol;
            if empty {
                // Whitespace beyond the body's indentation is content (spaces or a tab), so
                // such a line belongs to the value even where trailing empty lines do not.
                if n.is_some_and(|n| spaces > n || (spaces >= n && r > q)) {
                    content_end = Some(next);
                }
                last_line_end = next;
                p = next;
                continue;
            }
            let need = match n {
                Some(n) => n,
                None => {
                    let auto = spaces.max((header.parent_indent + 1).max(0) as usize);
                    n = Some(auto);
                    auto
                }
            };
            if spaces < need || (spaces == 0 && self.document_marker(line).is_some()) {
                break;
            }
            content_end = Some(next);
            last_line_end = next;
            p = next;
        }
        let end = if header.keep {
            if content_end.is_some() || last_line_end > base {
                last_line_end
            } else {
                base
            }
        } else {
            content_end.unwrap_or(base)
        };
        // Lines looked at beyond the body are read again as tokens.
        while self.line_starts.last().is_some_and(|&s| s as usize > end) {
            self.line_starts.pop();
        }
        if end > base {
            self.push(TokenKind::BlockBody, base, end, 0);
            // The body ends with a line break (or the end of input): a new line starts.
            self.line_start = end;
            self.first_pending = true;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kinds(src: &str) -> Vec<(TokenKind, &str)> {
        lex(src)
            .tokens
            .iter()
            .map(|t| (t.kind, t.text(src)))
            .collect()
    }

    #[test]
    fn multi_line_plain_scalar_is_one_token() {
        let src = "key: first\n  second\nnext: x\n";
        let toks = kinds(src);
        assert!(toks.contains(&(TokenKind::Plain, "first\n  second")));
        assert!(toks.contains(&(TokenKind::Plain, "next")));
    }

    #[test]
    fn block_scalar_body_stops_at_dedent() {
        let src = "a: |\n  one\n\n  two\nb: 1\n";
        let toks = kinds(src);
        assert!(toks.contains(&(TokenKind::BlockBody, "  one\n\n  two\n")));
        assert!(toks.contains(&(TokenKind::Plain, "b")));
    }

    #[test]
    fn keep_chomping_takes_trailing_empty_lines() {
        let src = "a: |+\n  one\n\nb: 1\n";
        assert!(kinds(src).contains(&(TokenKind::BlockBody, "  one\n\n")));
        let src = "a: |\n  one\n\nb: 1\n";
        assert!(kinds(src).contains(&(TokenKind::BlockBody, "  one\n")));
    }

    #[test]
    fn whitespace_beyond_the_indentation_is_content() {
        let src = "a: |\n  x\n   \nb: 1\n";
        assert!(kinds(src).contains(&(TokenKind::BlockBody, "  x\n   \n")));
        let src = "a: |\n  x\n  \nb: 1\n";
        assert!(kinds(src).contains(&(TokenKind::BlockBody, "  x\n")));
    }

    #[test]
    fn explicit_indentation_indicator_is_relative_to_parent() {
        let src = "k:\n  x: |2\n      code\n    more\n  y: 1\n";
        assert!(kinds(src).contains(&(TokenKind::BlockBody, "      code\n    more\n")));
    }

    #[test]
    fn glob_star_is_an_alias_and_bang_a_tag() {
        let toks = kinds("- **/README.md\n- !docs/**\n");
        assert!(toks.contains(&(TokenKind::Alias, "**/README.md")));
        assert!(toks.contains(&(TokenKind::Tag, "!docs/**")));
    }

    #[test]
    fn comments_need_preceding_space() {
        let toks = kinds("a: b#c # real\n");
        assert!(toks.contains(&(TokenKind::Plain, "b#c")));
        assert!(toks.contains(&(TokenKind::Comment, "# real")));
    }

    #[test]
    fn crlf_and_bom_are_tokens() {
        let toks = kinds("\u{feff}a: 1\r\n");
        assert_eq!(toks[0].0, TokenKind::Bom);
        assert!(toks.contains(&(TokenKind::Newline, "\r\n")));
    }

    #[test]
    fn unterminated_quote_is_an_error_to_end_of_line() {
        let src = "a: 'oops\nb: c\n";
        let lexed = lex(src);
        assert!(lexed.tokens.iter().any(|t| t.kind == TokenKind::Error));
        assert_eq!(lexed.diagnostics.len(), 1);
    }

    fn diagnosed(src: &str) -> bool {
        !lex(src).diagnostics.is_empty()
    }

    #[test]
    fn tabs_in_indentation_are_errors() {
        assert!(diagnosed("jobs:\n\tbuild:\n\t\truns-on: x\n"));
        assert!(diagnosed("key:\n\tvalue\n"));
        assert!(diagnosed("a:\n  b: x\n  \t- c\n"));
        assert!(diagnosed("- \t- a\n"));
        assert!(diagnosed("? \tkey: v\n"));
        // Tabs where YAML allows them: separation after the indentation, before a scalar or a
        // comment, inside a top-level flow collection, after an indicator before a scalar.
        assert!(!diagnosed("key:\n \tvalue\n"));
        assert!(!diagnosed("a: 1\n\t# comment\n"));
        assert!(!diagnosed("\t{}\n"));
        assert!(!diagnosed("- foo:\t bar\n-\tbaz\n"));
    }

    #[test]
    fn under_indented_continuation_lines_are_errors() {
        assert!(diagnosed("key: \"abc\ndef\"\n"));
        assert!(diagnosed("steps:\n  - run: 'a\n  b'\n"));
        assert!(diagnosed("foo: \"bar\n\tbaz\"\n"));
        assert!(diagnosed("flow: [a,\nb]\n"));
        assert!(!diagnosed("key: \"abc\n def\"\n"));
        assert!(!diagnosed("steps:\n  - run: 'a\n     b'\n"));
        assert!(!diagnosed("k:\n  - 'a\n  b'\n"));
        assert!(!diagnosed("key: \"a\n\n b\"\n"));
        // A closing bracket may stand under its key.
        assert!(!diagnosed("key: [a,\n]\n"));
        assert!(!diagnosed("- {\n    a: 1,\n  }\n"));
    }

    #[test]
    fn flow_collections_over_lines() {
        let toks = kinds("a: [x,\n  y]\n");
        assert!(toks.contains(&(TokenKind::Plain, "x")));
        assert!(toks.contains(&(TokenKind::Plain, "y")));
        assert!(toks.contains(&(TokenKind::RBracket, "]")));
    }
}
