//! The concrete syntax tree: an arena of nodes over the token list.
//!
//! Every node covers a contiguous run of tokens, from its first significant token (a property,
//! an indicator or its content) to its last one. Trivia (whitespace, line breaks, comments) lies
//! between significant tokens and therefore inside whichever node spans it; trivia after a
//! node's last token lies in its parent. Printing concatenates the tokens, so the tree gives back
//! its input byte for byte by construction.
//!
//! # Trivia ownership
//! The tree does not move trivia around; ownership is a rule that queries apply:
//! - a comment on the same line after a node's last token *trails* the innermost entry (mapping
//!   entry or sequence item) that ends on that line, and so do the line break and whitespace;
//! - own-line comments and blank lines between two entries of a block collection belong to the
//!   *following* entry;
//! - own-line comments after the last entry of a block collection belong to that collection
//!   when they are indented at least as far as its entries (an end-of-block comment), otherwise
//!   to the next entry of an enclosing collection;
//! - trivia before the first document or after the last one belongs to the stream.
//!
//! [`SyntaxTree::leading_trivia`] and [`SyntaxTree::trailing_comment`] implement the rule.

use std::borrow::Cow;
use std::ops::Range;
use std::sync::atomic::{AtomicU64, Ordering};

use super::token::{Token, TokenKind};

pub type NodeId = u32;
const NONE: u32 = u32::MAX;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NodeKind {
    Stream,
    Document,
    BlockMap,
    BlockSeq,
    FlowMap,
    FlowSeq,
    /// A mapping entry: `[?] key : value` (block or flow).
    Entry,
    /// A block sequence item: `- value`.
    Item,
    /// A scalar of any style (with its properties), or an empty node carrying only properties.
    Scalar,
    Alias,
    /// Tokens the parser could not place. They still print back verbatim.
    Error,
}

/// The role of a node inside its parent entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Role {
    None,
    Key,
    Value,
}

/// One node of the arena: 24 bytes. Nodes are stored in document order (a parent before its
/// children, siblings in order); a whole tree costs about as many bytes as its text.
#[derive(Debug, Clone)]
pub(crate) struct NodeData {
    pub kind: NodeKind,
    pub role: Role,
    pub start: u32,
    pub end: u32,
    pub parent: u32,
    pub first_child: u32,
    pub next_sibling: u32,
}

/// A syntax error with its byte offset; see [`SyntaxTree::line_col`] for a position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diagnostic {
    pub offset: usize,
    pub message: String,
}

pub struct SyntaxTree {
    /// See [`SyntaxTree::id`].
    id: u64,
    pub(crate) text: String,
    pub(crate) tokens: Vec<Token>,
    pub(crate) nodes: Vec<NodeData>,
    pub(crate) diagnostics: Vec<Diagnostic>,
    line_starts: Vec<u32>,
    outermost_flows: Vec<NodeId>,
}

impl SyntaxTree {
    pub(crate) fn new(
        text: String,
        tokens: Vec<Token>,
        nodes: Vec<NodeData>,
        diagnostics: Vec<Diagnostic>,
        line_starts: Vec<u32>,
        outermost_flows: Vec<NodeId>,
    ) -> Self {
        // Relaxed: only uniqueness is needed, no ordering with other memory.
        static NEXT_ID: AtomicU64 = AtomicU64::new(0);
        SyntaxTree {
            id: NEXT_ID.fetch_add(1, Ordering::Relaxed),
            text,
            tokens,
            nodes,
            diagnostics,
            line_starts,
            outermost_flows,
        }
    }

    /// Tells this tree apart from every other tree made in this process, even one of an equal
    /// text at the same address: a key for what is worked out from a tree and kept beside it.
    pub fn id(&self) -> u64 {
        self.id
    }

    pub fn text(&self) -> &str {
        &self.text
    }

    /// The text, without the rest of the tree.
    pub fn into_text(self) -> String {
        self.text
    }

    pub fn tokens(&self) -> &[Token] {
        &self.tokens
    }

    pub fn diagnostics(&self) -> &[Diagnostic] {
        &self.diagnostics
    }

    /// Concatenate every token: the input, byte for byte.
    pub fn print(&self) -> String {
        let mut out = String::with_capacity(self.text.len());
        for t in &self.tokens {
            out.push_str(&self.text[t.range()]);
        }
        out
    }

    pub fn root(&self) -> NodeId {
        0
    }

    /// Number of nodes. Ids run from 0 to this in document order: a parent before its
    /// children, and a node's descendants right after it.
    pub fn node_count(&self) -> usize {
        self.nodes.len()
    }

    pub fn kind(&self, n: NodeId) -> NodeKind {
        self.nodes[n as usize].kind
    }

    pub fn role(&self, n: NodeId) -> Role {
        self.nodes[n as usize].role
    }

    pub fn parent(&self, n: NodeId) -> Option<NodeId> {
        let p = self.nodes[n as usize].parent;
        (p != NONE).then_some(p)
    }

    pub fn children(&self, n: NodeId) -> Children<'_> {
        Children {
            tree: self,
            next: self.nodes[n as usize].first_child,
        }
    }

    /// Token index range `[start, end)` of a node.
    pub fn token_span(&self, n: NodeId) -> Range<usize> {
        let d = &self.nodes[n as usize];
        d.start as usize..d.end as usize
    }

    pub fn node_tokens(&self, n: NodeId) -> &[Token] {
        &self.tokens[self.token_span(n)]
    }

    /// Byte range of a node (empty at its position if it has no tokens).
    pub fn range(&self, n: NodeId) -> Range<usize> {
        let span = self.token_span(n);
        if span.is_empty() {
            let at = self
                .tokens
                .get(span.start)
                .map(|t| t.start as usize)
                .unwrap_or(self.text.len());
            return at..at;
        }
        self.tokens[span.start].start as usize..self.tokens[span.end - 1].end as usize
    }

    pub fn node_text(&self, n: NodeId) -> &str {
        &self.text[self.range(n)]
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        line_col_in(&self.text, &self.line_starts, offset)
    }

    /// Byte offset where the line containing `offset` starts.
    pub fn line_start(&self, offset: usize) -> usize {
        self.line_starts[self.line_index(offset)] as usize
    }

    /// Zero-based index of the line containing byte `offset`.
    pub fn line_index(&self, offset: usize) -> usize {
        let offset = offset.min(u32::MAX as usize) as u32;
        self.line_starts
            .partition_point(|&s| s <= offset)
            .saturating_sub(1)
    }

    /// The flow collections that no other flow collection encloses, in document order.
    pub fn outermost_flows(&self) -> &[NodeId] {
        &self.outermost_flows
    }

    /// Byte offset of every line's start (lines inside multi-line tokens included).
    pub fn line_starts(&self) -> &[u32] {
        &self.line_starts
    }

    /// The node's significant tokens after its properties (anchor, tag).
    pub fn content_tokens(&self, n: NodeId) -> impl Iterator<Item = &Token> {
        self.node_tokens(n)
            .iter()
            .filter(|t| !t.kind.is_trivia())
            .skip_while(|t| t.kind.is_property())
    }

    /// The tag of a node, if it has one.
    pub fn tag(&self, n: NodeId) -> Option<&str> {
        self.node_tokens(n)
            .iter()
            .filter(|t| !t.kind.is_trivia())
            .take_while(|t| t.kind.is_property())
            .find(|t| t.kind == TokenKind::Tag)
            .map(|t| t.text(&self.text))
    }

    /// Key node of a mapping entry.
    pub fn entry_key(&self, entry: NodeId) -> Option<NodeId> {
        self.children(entry).find(|&c| self.role(c) == Role::Key)
    }

    /// Value node of a mapping entry or a sequence item.
    pub fn entry_value(&self, entry: NodeId) -> Option<NodeId> {
        self.children(entry).find(|&c| self.role(c) == Role::Value)
    }

    /// Index of the `:` token of a mapping entry (`None` for sequence items). Only the tokens
    /// between the key and the value are looked at, so this costs no more than the trivia there.
    pub fn entry_colon(&self, entry: NodeId) -> Option<usize> {
        if self.kind(entry) != NodeKind::Entry {
            return None;
        }
        // The first key and the first value, in one walk of the children.
        let (mut key, mut value) = (None, None);
        for c in self.children(entry) {
            match self.role(c) {
                Role::Key if key.is_none() => key = Some(c),
                Role::Value if value.is_none() => value = Some(c),
                _ => {}
            }
        }
        self.colon_between(entry, key, value)
    }

    /// Index of the `:` token of mapping entry `entry` whose first key and first value are
    /// `key` and `value`: for callers that walk the entry's children anyway.
    pub fn colon_between(
        &self,
        entry: NodeId,
        key: Option<NodeId>,
        value: Option<NodeId>,
    ) -> Option<usize> {
        let span = self.token_span(entry);
        let key_end = key.map_or(span.start, |k| self.token_span(k).end);
        let value_start = value.map_or(span.end, |v| self.token_span(v).start);
        (key_end..value_start.max(key_end)).find(|&i| self.tokens[i].kind == TokenKind::Colon)
    }

    /// The string a scalar node stands for, when it is a simple scalar (plain, quoted or block);
    /// `None` for collections, aliases and errors. Empty nodes give `""`.
    pub fn scalar_value(&self, n: NodeId) -> Option<Cow<'_, str>> {
        if self.kind(n) != NodeKind::Scalar {
            return None;
        }
        let mut content = self.content_tokens(n);
        let Some(t) = content.next() else {
            return Some(Cow::Borrowed(""));
        };
        let raw = t.text(&self.text);
        match t.kind {
            TokenKind::Plain => Some(fold_plain(raw)),
            TokenKind::SingleQuoted => Some(unquote_single(raw)),
            TokenKind::DoubleQuoted => Some(unquote_double(raw)),
            TokenKind::BlockHeader => {
                let body = content
                    .next()
                    .filter(|b| b.kind == TokenKind::BlockBody)
                    .map(|b| b.text(&self.text))
                    .unwrap_or("");
                Some(Cow::Owned(block_value(raw, body)))
            }
            _ => None,
        }
    }

    /// Entries of a block or flow mapping.
    pub fn map_entries(&self, map: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let ok = matches!(self.kind(map), NodeKind::BlockMap | NodeKind::FlowMap);
        self.children(map)
            .filter(move |&c| ok && self.kind(c) == NodeKind::Entry)
    }

    /// The value node of `key` in a mapping (the first entry with that key).
    pub fn map_get(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.map_entry(map, key).and_then(|e| self.entry_value(e))
    }

    /// The entry node of `key` in a mapping.
    pub fn map_entry(&self, map: NodeId, key: &str) -> Option<NodeId> {
        self.map_entries(map)
            .find(|&e| self.entry_key(e).is_some_and(|k| self.scalar_is(k, key)))
    }

    /// Whether node `n` is a scalar that stands for `s`. A key is nearly always one plain token
    /// on one line, whose text is its value: that case is compared in place.
    fn scalar_is(&self, n: NodeId, s: &str) -> bool {
        let span = self.token_span(n);
        if span.len() == 1 && self.kind(n) == NodeKind::Scalar {
            let t = &self.tokens[span.start];
            let raw = &self.text[t.range()];
            if t.kind == TokenKind::Plain {
                // Folding a multi-line plain scalar never makes it longer than its text.
                if raw.len() < s.len() {
                    return false;
                }
                if !has_break(raw) {
                    return raw == s;
                }
            }
        }
        self.scalar_value(n).is_some_and(|v| v == s)
    }

    /// Items of a block or flow sequence (the value nodes, not the `- ` items).
    pub fn seq_items(&self, seq: NodeId) -> impl Iterator<Item = NodeId> + '_ {
        let kind = self.kind(seq);
        self.children(seq).filter_map(move |c| match kind {
            NodeKind::BlockSeq if self.kind(c) == NodeKind::Item => self.entry_value(c),
            NodeKind::FlowSeq => Some(c),
            _ => None,
        })
    }

    /// Documents of the stream.
    pub fn documents(&self) -> impl Iterator<Item = NodeId> + '_ {
        self.children(self.root())
            .filter(move |&c| self.kind(c) == NodeKind::Document)
    }

    /// Root node of a document.
    pub fn document_root(&self, doc: NodeId) -> Option<NodeId> {
        self.children(doc)
            .find(|&c| self.kind(c) != NodeKind::Error)
    }

    /// The first document's root node, if any.
    pub fn first_root(&self) -> Option<NodeId> {
        self.documents().next().and_then(|d| self.document_root(d))
    }

    /// A comment on the same line after the node's last token, if any (its token index).
    pub fn trailing_comment(&self, n: NodeId) -> Option<usize> {
        let end = self.token_span(n).end;
        for i in end..self.tokens.len() {
            match self.tokens[i].kind {
                TokenKind::Whitespace => continue,
                TokenKind::Comment => return Some(i),
                _ => return None,
            }
        }
        None
    }

    /// Token index range of the own-line comments and blank lines that belong to `n` and stand
    /// before it (see the module docs): everything after the previous line's break.
    pub fn leading_trivia(&self, n: NodeId) -> Range<usize> {
        let start = self.token_span(n).start;
        let mut i = start;
        // Walk back over trivia; stop after a line break that follows significant content.
        let mut first = start;
        while i > 0 {
            let t = &self.tokens[i - 1];
            if !t.kind.is_trivia() || t.kind == TokenKind::Bom {
                break;
            }
            if t.kind == TokenKind::Newline {
                // Is the line ending here one with significant content?
                let mut j = i - 1;
                let mut own_line = true;
                while j > 0 {
                    let p = &self.tokens[j - 1];
                    if p.kind == TokenKind::Newline {
                        break;
                    }
                    if !p.kind.is_trivia() {
                        own_line = false;
                        break;
                    }
                    j -= 1;
                }
                if !own_line {
                    break;
                }
                first = j;
                i = j;
                continue;
            }
            i -= 1;
        }
        first..start
    }
}

pub struct Children<'a> {
    tree: &'a SyntaxTree,
    next: u32,
}

impl Iterator for Children<'_> {
    type Item = NodeId;
    fn next(&mut self) -> Option<NodeId> {
        if self.next == NONE {
            return None;
        }
        let n = self.next;
        self.next = self.tree.nodes[n as usize].next_sibling;
        Some(n)
    }
}

pub(crate) fn line_col_in(text: &str, line_starts: &[u32], offset: usize) -> (usize, usize) {
    let offset = offset.min(text.len());
    let idx = line_starts
        .partition_point(|&s| s as usize <= offset)
        .saturating_sub(1);
    let start = line_starts
        .get(idx)
        .map(|&s| s as usize)
        .unwrap_or(0)
        .min(offset);
    let mut col_end = offset;
    while col_end > start && !text.is_char_boundary(col_end) {
        col_end -= 1;
    }
    let col = text[start..col_end].chars().count() + 1;
    (idx + 1, col)
}

/// A line break (`\n` or `\r`) somewhere in `s`; searched by bytes, which is much cheaper than
/// searching for a set of chars.
fn has_break(s: &str) -> bool {
    // Keys and most values are short: a plain loop beats memchr's set-up there.
    if s.len() < 32 {
        return s.bytes().any(|b| b == b'\n' || b == b'\r');
    }
    memchr::memchr2(b'\n', b'\r', s.as_bytes()).is_some()
}

/// Fold a multi-line plain scalar: line breaks become spaces, empty lines become newlines.
fn fold_plain(raw: &str) -> Cow<'_, str> {
    if !has_break(raw) {
        return Cow::Borrowed(raw);
    }
    Cow::Owned(fold_lines(
        raw.split('\n').map(|l| l.trim_matches([' ', '\t', '\r'])),
    ))
}

fn fold_lines<'a>(lines: impl Iterator<Item = &'a str>) -> String {
    let mut out = String::new();
    let mut empties = 0;
    let mut started = false;
    for line in lines {
        if line.is_empty() {
            empties += 1;
            continue;
        }
        if started {
            if empties == 0 {
                out.push(' ');
            } else {
                out.extend(std::iter::repeat_n('\n', empties));
            }
        }
        empties = 0;
        started = true;
        out.push_str(line);
    }
    out
}

fn unquote_single(raw: &str) -> Cow<'_, str> {
    let inner = raw
        .strip_prefix('\'')
        .and_then(|s| s.strip_suffix('\''))
        .unwrap_or(raw);
    let multi_line = has_break(inner);
    if !multi_line && memchr::memchr(b'\'', inner.as_bytes()).is_none() {
        return Cow::Borrowed(inner);
    }
    let folded = if multi_line {
        fold_lines(inner.split('\n').map(|l| l.trim_matches([' ', '\t', '\r'])))
    } else {
        inner.to_string()
    };
    Cow::Owned(folded.replace("''", "'"))
}

/// The value of a double-quoted scalar (YAML 1.2, 7.3.1): every escape decoded (`\x41`,
/// `\u0041`, `\U00000041`, `\e`, `\N`, `\_`, `\L`, `\P`, ...), line breaks folded (one break is
/// a space, each further empty line a newline; unescaped white space around a break removed),
/// and an escaped line break joining its lines. An invalid escape is kept as written (the
/// document is invalid YAML then, and the parser reports it).
fn unquote_double(raw: &str) -> Cow<'_, str> {
    let inner = raw
        .strip_prefix('"')
        .and_then(|s| s.strip_suffix('"'))
        .unwrap_or(raw);
    if memchr::memchr3(b'\\', b'\n', b'\r', inner.as_bytes()).is_none() {
        return Cow::Borrowed(inner);
    }
    let mut out = String::with_capacity(inner.len());
    // Where the run of unescaped white space at the end of `out` starts: it is removed when a
    // line break follows.
    let mut trailing_ws: Option<usize> = None;
    let mut chars = inner.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => {
                trailing_ws.get_or_insert(out.len());
                out.push(c);
            }
            '\r' | '\n' => {
                if c == '\r' {
                    chars.next_if_eq(&'\n');
                }
                out.truncate(trailing_ws.take().unwrap_or(out.len()));
                let empty_lines = skip_line_prefixes(&mut chars);
                if empty_lines == 0 {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n('\n', empty_lines));
                }
            }
            '\\' => {
                trailing_ws = None;
                match chars.next() {
                    Some(b @ ('\r' | '\n')) => {
                        if b == '\r' {
                            chars.next_if_eq(&'\n');
                        }
                        let empty_lines = skip_line_prefixes(&mut chars);
                        out.extend(std::iter::repeat_n('\n', empty_lines));
                    }
                    Some(e) => match simple_escape(e) {
                        Some(decoded) => out.push(decoded),
                        None => push_code_escape(e, &mut chars, &mut out),
                    },
                    None => out.push('\\'),
                }
            }
            _ => {
                trailing_ws = None;
                out.push(c);
            }
        }
    }
    Cow::Owned(out)
}

/// After a line break inside a double-quoted scalar: skips the white space that starts each
/// following line and returns how many empty lines it went past.
fn skip_line_prefixes(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> usize {
    let mut empty = 0;
    loop {
        while chars.next_if(|c| matches!(c, ' ' | '\t')).is_some() {}
        match chars.peek() {
            Some('\n') => {
                chars.next();
            }
            Some('\r') => {
                chars.next();
                chars.next_if_eq(&'\n');
            }
            _ => return empty,
        }
        empty += 1;
    }
}

/// The character a one-letter escape stands for (`\n`, `\e`, ...).
fn simple_escape(e: char) -> Option<char> {
    Some(match e {
        '0' => '\0',
        'a' => '\u{7}',
        'b' => '\u{8}',
        't' | '\t' => '\t',
        'n' => '\n',
        'v' => '\u{b}',
        'f' => '\u{c}',
        'r' => '\r',
        'e' => '\u{1b}',
        ' ' => ' ',
        '"' => '"',
        '/' => '/',
        '\\' => '\\',
        'N' => '\u{85}',
        '_' => '\u{a0}',
        'L' => '\u{2028}',
        'P' => '\u{2029}',
        _ => return None,
    })
}

/// `\xXX`, `\uXXXX`, `\UXXXXXXXX` (after the backslash and `e`); anything else, or a code that
/// is not a Unicode scalar value, is kept as written.
fn push_code_escape(
    e: char,
    chars: &mut std::iter::Peekable<std::str::Chars<'_>>,
    out: &mut String,
) {
    let digits = match e {
        'x' => 2,
        'u' => 4,
        'U' => 8,
        _ => 0,
    };
    let mut hex = String::new();
    while hex.len() < digits {
        match chars.next_if(char::is_ascii_hexdigit) {
            Some(d) => hex.push(d),
            None => break,
        }
    }
    let decoded = (digits > 0 && hex.len() == digits)
        .then(|| u32::from_str_radix(&hex, 16).ok().and_then(char::from_u32))
        .flatten();
    match decoded {
        Some(c) => out.push(c),
        None => {
            out.push('\\');
            out.push(e);
            out.push_str(&hex);
        }
    }
}

/// The value of a block scalar, approximately: indentation removed, `>` folded (lines joined
/// with spaces, empty and more-indented lines keeping their breaks), `-` chomping applied. Used
/// for reading (e.g. analysing a `run:` script), never for rewriting.
fn block_value(header: &str, body: &str) -> String {
    let indent = body
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .next()
        .unwrap_or(0);
    let lines = body
        .lines()
        .map(|l| l.get(indent..).unwrap_or("").trim_end_matches('\r'));
    // The value is never longer than the body plus a final line break.
    let mut out = String::with_capacity(body.len() + 1);
    if header.starts_with('>') {
        let mut prev_normal = false;
        let mut started = false;
        let mut breaks = 0;
        for line in lines {
            if line.trim().is_empty() {
                breaks += 1;
                continue;
            }
            let more = line.starts_with([' ', '\t']);
            if started {
                let joined = prev_normal && !more;
                let n = if joined { breaks } else { breaks + 1 };
                if n == 0 {
                    out.push(' ');
                } else {
                    out.extend(std::iter::repeat_n('\n', n));
                }
            } else {
                out.extend(std::iter::repeat_n('\n', breaks));
            }
            breaks = 0;
            started = true;
            prev_normal = !more;
            out.push_str(line);
        }
        out.push('\n');
    } else {
        for line in lines {
            out.push_str(line);
            out.push('\n');
        }
    }
    if header.contains('-') {
        while out.ends_with('\n') {
            out.pop();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::syntax::parse;

    /// The value of `key: <scalar>` as the tree reads it.
    fn read(scalar: &str) -> String {
        let text = format!("key: {scalar}\n");
        let tree = parse(&text);
        let root = tree.first_root().unwrap();
        let value = tree.map_get(root, "key").unwrap();
        tree.scalar_value(value).unwrap().into_owned()
    }

    /// The same value as yaml-rust2 reads it.
    fn oracle(scalar: &str) -> String {
        let text = format!("key: {scalar}\n");
        let docs = yaml_rust2::YamlLoader::load_from_str(&text).unwrap();
        docs[0]["key"].as_str().unwrap().to_string()
    }

    #[test]
    fn double_quoted_escapes_are_decoded() {
        let cases = [
            (r#""\x41\u0042\U00000043""#, "ABC"),
            (r#""\e[1m\a\b\v\f\0""#, "\u{1b}[1m\u{7}\u{8}\u{b}\u{c}\0"),
            (r#""\N\_\L\P""#, "\u{85}\u{a0}\u{2028}\u{2029}"),
            (
                r#""tab\tand\	literal tab escape""#,
                "tab\tand\tliteral tab escape",
            ),
            (r#""\"q\" \\ \/ \ ""#, "\"q\" \\ /  "),
            (r#""é \u00e9 \u263A \U0001F600""#, "é é ☺ 😀"),
            ("\"a  \n   b\"", "a b"),
            ("\"a\n\n  b\"", "a\nb"),
            ("\"a\n\n\n  b\"", "a\n\nb"),
            ("\"a\\\n   b\"", "ab"),
            ("\"a\\t\n b\"", "a\t b"),
            ("\"a\\ \n b\"", "a  b"),
            ("\"a\r\n  b\"", "a b"),
            ("\"plain\"", "plain"),
        ];
        for (scalar, expected) in cases {
            assert_eq!(read(scalar), expected, "{scalar}");
            assert_eq!(oracle(scalar), expected, "yaml-rust2 on {scalar}");
        }
    }

    #[test]
    fn invalid_escapes_are_kept_as_written() {
        // yaml-rust2 rejects these documents; the tree reads them without inventing characters.
        assert_eq!(read(r#""\q""#), "\\q");
        assert_eq!(read(r#""\x4""#), "\\x4");
        assert_eq!(read(r#""\uD800""#), "\\uD800");
        assert_eq!(read(r#""\U00110000""#), "\\U00110000");
    }
}
