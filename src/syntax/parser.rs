//! The tolerant parser: builds the node arena over the token list and never fails.
//!
//! It is a state machine over an explicit stack of frames (no recursion, so thousands of nesting
//! levels cannot overflow the stack). Block structure comes from token columns, as in libyaml:
//! at the first token of a line, frames indented deeper than the token are closed. A token that
//! fits nowhere becomes an [`NodeKind::Error`] leaf with a diagnostic, and parsing goes on.

use super::lexer::lex;
use super::token::{Token, TokenKind, FLOW_RESET};
use super::tree::{Diagnostic, NodeData, NodeId, NodeKind, Role, SyntaxTree};

const NONE: u32 = u32::MAX;

/// Parse any text into a lossless tree. Never fails; problems are in `tree.diagnostics()`.
pub fn parse(text: &str) -> SyntaxTree {
    parse_owned(text.to_string())
}

/// [`parse`] for a text the caller no longer needs: the tree keeps it without a copy.
pub fn parse_owned(text: String) -> SyntaxTree {
    let lexed = lex(&text);
    let mut diagnostics: Vec<Diagnostic> = lexed
        .diagnostics
        .into_iter()
        .map(|d| Diagnostic {
            offset: d.offset,
            message: d.message,
        })
        .collect();
    let mut parser = Parser {
        toks: &lexed.tokens,
        // Real files have about one node for every two tokens, a few more.
        nodes: Vec::with_capacity(lexed.tokens.len() * 3 / 5 + 8),
        stack: Vec::new(),
        diagnostics: Vec::new(),
        props: None,
        last_sig: None,
        outermost_flows: Vec::new(),
    };
    parser.run();
    let mut nodes = parser.nodes;
    nodes.shrink_to_fit();
    let outermost_flows = parser.outermost_flows;
    let mut line_starts = lexed.line_starts;
    line_starts.shrink_to_fit();
    diagnostics.append(&mut parser.diagnostics);
    if lexed.has_aliases {
        unknown_aliases(&text, &lexed.tokens, &mut diagnostics);
    }
    diagnostics.sort_by_key(|d| d.offset);
    SyntaxTree::new(
        text,
        lexed.tokens,
        nodes,
        diagnostics,
        line_starts,
        outermost_flows,
    )
}

/// An alias must name an anchor defined earlier in the same document. Unquoted globs such as
/// `**/README.md` are the usual culprit.
fn unknown_aliases(text: &str, tokens: &[Token], out: &mut Vec<Diagnostic>) {
    let mut anchors: std::collections::HashSet<&str> = std::collections::HashSet::new();
    for t in tokens {
        match t.kind {
            TokenKind::DocStart | TokenKind::DocEnd | TokenKind::Directive => anchors.clear(),
            TokenKind::Anchor => {
                anchors.insert(&t.text(text)[1..]);
            }
            TokenKind::Alias => {
                let name = &t.text(text)[1..];
                if !name.is_empty() && !anchors.contains(name) {
                    out.push(Diagnostic {
                        offset: t.start as usize,
                        message: format!(
                            "unknown alias `*{name}`: no anchor `&{name}` comes before it; quote the value if it is text (a glob, say)"
                        ),
                    });
                }
            }
            _ => {}
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Frame {
    Stream,
    Document {
        has_root: bool,
        has_marker: bool,
    },
    BlockMap {
        indent: u32,
    },
    Entry {
        map_indent: u32,
        explicit: bool,
        colon: bool,
        has_key: bool,
        has_value: bool,
    },
    BlockSeq {
        indent: u32,
    },
    Item {
        seq_indent: u32,
        has_value: bool,
    },
    FlowSeq,
    FlowMap,
    FlowEntry {
        colon: bool,
        has_key: bool,
        has_value: bool,
    },
}

impl Frame {
    /// A mapping entry that has just started.
    fn entry(map_indent: u32, explicit: bool, colon: bool) -> Frame {
        Frame::Entry {
            map_indent,
            explicit,
            colon,
            has_key: false,
            has_value: false,
        }
    }
}

/// The role of a new child of a node in `frame`, recording in the frame that the child exists.
fn child_role(frame: &mut Frame) -> Role {
    match frame {
        Frame::Entry {
            colon,
            has_key,
            has_value,
            ..
        }
        | Frame::FlowEntry {
            colon,
            has_key,
            has_value,
        } => {
            if *colon {
                *has_value = true;
                Role::Value
            } else {
                *has_key = true;
                Role::Key
            }
        }
        Frame::Item { has_value, .. } => {
            *has_value = true;
            Role::Value
        }
        Frame::Document { has_root, .. } => {
            *has_root = true;
            Role::None
        }
        _ => Role::None,
    }
}

/// Where a node is about to start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ctx {
    Document,
    Key { explicit: bool },
    Value { same_line: bool },
    Item,
}

/// A node being built, with the state of its frame.
struct Open {
    frame: Frame,
    node: NodeId,
    /// Its last child so far (`NONE`: none): only open nodes gain children, so the arena
    /// itself needs no such link.
    last_child: NodeId,
}

struct Parser<'a> {
    toks: &'a [Token],
    nodes: Vec<NodeData>,
    stack: Vec<Open>,
    diagnostics: Vec<Diagnostic>,
    /// Token index where pending node properties (anchor, tag) start.
    props: Option<usize>,
    /// Index of the last significant token consumed.
    last_sig: Option<usize>,
    /// Flow collections opened in block context, in document order.
    outermost_flows: Vec<NodeId>,
}

impl Parser<'_> {
    fn run(&mut self) {
        self.open(Frame::Stream, NodeKind::Stream, 0);
        let mut i = 0;
        while i < self.toks.len() {
            if self.toks[i].kind.is_trivia() {
                i += 1;
                continue;
            }
            i = self.token(i);
        }
        while self.stack.len() > 1 {
            if let Some(&Open {
                frame: Frame::FlowSeq | Frame::FlowMap,
                node,
                ..
            }) = self.stack.last()
            {
                let start = self.nodes[node as usize].start as usize;
                self.error(
                    start,
                    "flow collection not closed before the end of the file",
                );
            }
            self.close();
        }
        self.flush_props();
        let n = self.toks.len() as u32;
        self.nodes[0].end = n;
    }

    // ----- arena -----

    fn new_node(&mut self, kind: NodeKind, start: usize) -> NodeId {
        let id = self.nodes.len() as NodeId;
        let (parent, role) = match self.stack.last_mut() {
            Some(open) => {
                let role = child_role(&mut open.frame);
                let previous = std::mem::replace(&mut open.last_child, id);
                let parent = open.node;
                if previous == NONE {
                    self.nodes[parent as usize].first_child = id;
                } else {
                    self.nodes[previous as usize].next_sibling = id;
                }
                (parent, role)
            }
            None => (NONE, Role::None),
        };
        self.nodes.push(NodeData {
            kind,
            role,
            start: start as u32,
            end: start as u32,
            parent,
            first_child: NONE,
            next_sibling: NONE,
        });
        id
    }

    fn open(&mut self, frame: Frame, kind: NodeKind, start: usize) {
        let id = self.new_node(kind, start);
        self.stack.push(Open {
            frame,
            node: id,
            last_child: NONE,
        });
    }

    fn leaf(&mut self, kind: NodeKind, start: usize, end: usize) {
        let id = self.new_node(kind, start);
        self.nodes[id as usize].end = end as u32;
        self.last_sig = Some(end - 1);
    }

    fn consume(&mut self, i: usize) {
        self.last_sig = Some(i);
    }

    /// An anchor or tag before a node that has not started yet.
    fn pending_property(&mut self, i: usize) -> usize {
        if self.props.is_none() {
            self.props = Some(i);
        }
        self.consume(i);
        i + 1
    }

    fn close(&mut self) {
        self.flush_props();
        if let Some(open) = self.stack.pop() {
            let d = &mut self.nodes[open.node as usize];
            let end = self.last_sig.map(|l| l as u32 + 1).unwrap_or(d.start);
            d.end = end.max(d.start);
        }
    }

    /// Properties with no node after them make an empty node.
    fn flush_props(&mut self) {
        if let Some(start) = self.props.take() {
            let end = self
                .last_sig
                .map(|l| l + 1)
                .unwrap_or(start + 1)
                .max(start + 1);
            self.leaf(NodeKind::Scalar, start, end);
        }
    }

    fn top(&self) -> Frame {
        self.stack.last().map(|o| o.frame).unwrap_or(Frame::Stream)
    }

    fn set_top(&mut self, frame: Frame) {
        if let Some(last) = self.stack.last_mut() {
            last.frame = frame;
        }
    }

    fn error(&mut self, i: usize, message: &str) {
        self.diagnostics.push(Diagnostic {
            offset: self.toks[i].start as usize,
            message: message.to_string(),
        });
    }

    fn error_leaf(&mut self, i: usize, message: &str) -> usize {
        self.flush_props();
        self.error(i, message);
        self.leaf(NodeKind::Error, i, i + 1);
        i + 1
    }

    fn in_flow(&self) -> bool {
        matches!(
            self.top(),
            Frame::FlowSeq | Frame::FlowMap | Frame::FlowEntry { .. }
        )
    }

    // ----- dispatch -----

    /// Handle the significant token at `i`; returns the index of the next token to look at.
    fn token(&mut self, i: usize) -> usize {
        let t = self.toks[i];
        if matches!(
            t.kind,
            TokenKind::DocStart | TokenKind::DocEnd | TokenKind::Directive
        ) {
            self.document_marker(i);
            return i + 1;
        }
        if t.kind == TokenKind::BlockBody {
            // A body whose header was not placed (should not happen): keep it verbatim.
            return self.error_leaf(i, "block scalar content without a header");
        }
        self.ensure_document(i);
        if t.flags & FLOW_RESET != 0 {
            while self.in_flow() {
                self.close();
            }
        }
        if self.in_flow() {
            return self.flow_token(i);
        }
        if t.first_on_line() {
            self.unwind(i);
        }
        self.block_token(i)
    }

    fn ensure_document(&mut self, i: usize) {
        if matches!(self.top(), Frame::Stream) {
            self.open(
                Frame::Document {
                    has_root: false,
                    has_marker: false,
                },
                NodeKind::Document,
                i,
            );
        }
    }

    fn close_to_document(&mut self) {
        while !matches!(self.top(), Frame::Stream | Frame::Document { .. }) {
            self.close();
        }
        self.flush_props();
    }

    fn document_marker(&mut self, i: usize) {
        self.close_to_document();
        let kind = self.toks[i].kind;
        let fresh = matches!(
            self.top(),
            Frame::Document {
                has_root: false,
                has_marker: false
            }
        );
        match kind {
            TokenKind::Directive => {
                if !fresh {
                    if matches!(self.top(), Frame::Document { .. }) {
                        self.error(i, "a directive must come before `---`; end the previous document with `...` first");
                        self.close();
                    }
                    self.open(
                        Frame::Document {
                            has_root: false,
                            has_marker: false,
                        },
                        NodeKind::Document,
                        i,
                    );
                }
                self.consume(i);
            }
            TokenKind::DocStart => {
                if !fresh {
                    if matches!(self.top(), Frame::Document { .. }) {
                        self.close();
                    }
                    self.open(
                        Frame::Document {
                            has_root: false,
                            has_marker: true,
                        },
                        NodeKind::Document,
                        i,
                    );
                } else {
                    self.set_top(Frame::Document {
                        has_root: false,
                        has_marker: true,
                    });
                }
                self.consume(i);
            }
            _ => {
                // `...` with no document open ends nothing: it stays in the stream, as a
                // YAML reader sees no document there.
                self.consume(i);
                if matches!(self.top(), Frame::Document { .. }) {
                    self.close();
                }
            }
        }
    }

    /// Close block frames that a token at the start of a line ends.
    fn unwind(&mut self, i: usize) {
        let t = self.toks[i];
        let col = t.col;
        loop {
            match self.top() {
                Frame::Stream | Frame::Document { .. } => break,
                Frame::BlockMap { indent } => {
                    if col < indent {
                        self.close();
                    } else {
                        break;
                    }
                }
                Frame::Entry {
                    map_indent,
                    explicit,
                    colon,
                    has_key,
                    has_value,
                } => {
                    if col > map_indent {
                        break;
                    }
                    if col == map_indent {
                        if t.kind == TokenKind::Dash && colon && !has_value {
                            break; // indentless sequence as the value
                        }
                        if t.kind == TokenKind::Colon && explicit && !colon {
                            break; // `: value` of an explicit key
                        }
                        if t.kind == TokenKind::Dash && explicit && !colon && !has_key {
                            break; // indentless sequence as an explicit key
                        }
                    }
                    self.close();
                }
                Frame::BlockSeq { indent } => {
                    if col < indent || (col == indent && t.kind != TokenKind::Dash) {
                        self.close();
                    } else {
                        break;
                    }
                }
                Frame::Item { seq_indent, .. } => {
                    if col > seq_indent {
                        break;
                    }
                    self.close();
                }
                Frame::FlowSeq | Frame::FlowMap | Frame::FlowEntry { .. } => break,
            }
        }
    }

    fn block_token(&mut self, i: usize) -> usize {
        let t = self.toks[i];
        match self.top() {
            Frame::Document { has_root, .. } => {
                if has_root {
                    self.error_leaf(
                        i,
                        "unexpected content after the document's root node; check the indentation",
                    )
                } else {
                    self.node_start(i, Ctx::Document)
                }
            }
            Frame::BlockMap { indent } => match t.kind {
                TokenKind::Question => {
                    self.flush_props();
                    self.open(Frame::entry(indent, true, false), NodeKind::Entry, i);
                    self.consume(i);
                    i + 1
                }
                TokenKind::Colon => {
                    self.flush_props();
                    self.open(Frame::entry(indent, false, true), NodeKind::Entry, i);
                    self.consume(i);
                    i + 1
                }
                TokenKind::Dash => self.error_leaf(
                    i,
                    "a sequence entry where a mapping key was expected; check the indentation",
                ),
                _ => {
                    let start = self.props.unwrap_or(i);
                    self.open(Frame::entry(indent, false, false), NodeKind::Entry, start);
                    self.node_start(i, Ctx::Key { explicit: false })
                }
            },
            Frame::Entry {
                map_indent,
                explicit,
                colon,
                has_key,
                has_value,
            } => {
                // `? : x`: on the `?` line, a `:` starts a compact mapping inside the key.
                let nested_key_map = explicit && !colon && !has_key && !t.first_on_line();
                if t.kind == TokenKind::Colon && !nested_key_map {
                    if !colon {
                        self.flush_props();
                        self.set_top(Frame::Entry {
                            map_indent,
                            explicit,
                            colon: true,
                            has_key,
                            has_value,
                        });
                        self.consume(i);
                        return i + 1;
                    }
                    return self
                        .error_leaf(i, "unexpected `:`; quote the value if it contains `: `");
                }
                if !colon && (!has_key || self.props.is_some()) {
                    self.node_start(i, Ctx::Key { explicit })
                } else if colon && !has_value {
                    // After an implicit key, a block collection may not start on the key's line.
                    let same_line = !explicit && !self.newline_since_colon(i);
                    self.node_start(i, Ctx::Value { same_line })
                } else if !colon {
                    self.error_leaf(i, "a mapping key must be followed by `:`")
                } else {
                    self.error_leaf(i, "unexpected content after a mapping value; check the indentation or quote the value")
                }
            }
            Frame::BlockSeq { indent } => {
                if t.kind == TokenKind::Dash {
                    self.flush_props();
                    self.open(
                        Frame::Item {
                            seq_indent: indent,
                            has_value: false,
                        },
                        NodeKind::Item,
                        i,
                    );
                    self.consume(i);
                    i + 1
                } else {
                    self.error_leaf(i, "expected a `- ` sequence entry; check the indentation")
                }
            }
            Frame::Item { has_value, .. } => {
                if has_value {
                    self.error_leaf(
                        i,
                        "unexpected content after a sequence entry; check the indentation",
                    )
                } else {
                    self.node_start(i, Ctx::Item)
                }
            }
            Frame::Stream | Frame::FlowSeq | Frame::FlowMap | Frame::FlowEntry { .. } => {
                self.error_leaf(i, "unexpected token")
            }
        }
    }

    /// Is there a line break between the current entry's `:` and token `i`?
    fn newline_since_colon(&self, i: usize) -> bool {
        self.toks[..i]
            .iter()
            .rev()
            .take_while(|t| t.kind != TokenKind::Colon)
            .any(|t| t.kind == TokenKind::Newline || t.kind == TokenKind::BlockBody)
    }

    /// Is the node starting at token `i` (properties included) an implicit mapping key?
    fn is_implicit_key(&self, i: usize) -> bool {
        let mut j = i;
        let n = self.toks.len();
        while j < n
            && (self.toks[j].kind.is_property() || self.toks[j].kind == TokenKind::Whitespace)
        {
            j += 1;
        }
        if j >= n {
            return false;
        }
        match self.toks[j].kind {
            TokenKind::Plain
            | TokenKind::SingleQuoted
            | TokenKind::DoubleQuoted
            | TokenKind::Alias
            | TokenKind::Error => j += 1,
            TokenKind::LBracket | TokenKind::LBrace => {
                let mut depth = 0usize;
                loop {
                    if j >= n {
                        return false;
                    }
                    match self.toks[j].kind {
                        TokenKind::LBracket | TokenKind::LBrace => depth += 1,
                        TokenKind::RBracket | TokenKind::RBrace => {
                            depth -= 1;
                            if depth == 0 {
                                break;
                            }
                        }
                        TokenKind::Newline => return false,
                        _ => {}
                    }
                    j += 1;
                }
                j += 1;
            }
            _ => return false,
        }
        while j < n && self.toks[j].kind == TokenKind::Whitespace {
            j += 1;
        }
        j < n && self.toks[j].kind == TokenKind::Colon
    }

    /// A node starts at token `i` in a block context.
    fn node_start(&mut self, i: usize, ctx: Ctx) -> usize {
        let t = self.toks[i];
        let map_allowed = !matches!(ctx, Ctx::Key { explicit: false });
        if t.kind.is_property() {
            if map_allowed && self.is_implicit_key(i) {
                return self.start_implicit_map(i, ctx);
            }
            return self.pending_property(i);
        }
        let start = self.props.unwrap_or(i);
        let col = self.toks[start].col.min(t.col);
        match t.kind {
            TokenKind::Dash if map_allowed => {
                if let Ctx::Value { same_line: true } = ctx {
                    self.error(
                        i,
                        "a block sequence cannot start on the same line as its key",
                    );
                }
                self.props = None;
                self.open(Frame::BlockSeq { indent: t.col }, NodeKind::BlockSeq, start);
                self.open(
                    Frame::Item {
                        seq_indent: t.col,
                        has_value: false,
                    },
                    NodeKind::Item,
                    i,
                );
                self.consume(i);
                i + 1
            }
            TokenKind::Question | TokenKind::Colon if map_allowed => {
                self.props = None;
                self.open(Frame::BlockMap { indent: col }, NodeKind::BlockMap, start);
                let colon = t.kind == TokenKind::Colon;
                self.open(
                    Frame::Entry {
                        map_indent: col,
                        explicit: !colon,
                        colon,
                        has_key: false,
                        has_value: false,
                    },
                    NodeKind::Entry,
                    i,
                );
                self.consume(i);
                i + 1
            }
            TokenKind::Plain
            | TokenKind::SingleQuoted
            | TokenKind::DoubleQuoted
            | TokenKind::Alias
            | TokenKind::Error
            | TokenKind::LBracket
            | TokenKind::LBrace
                if map_allowed && self.is_implicit_key(i) =>
            {
                self.start_implicit_map(i, ctx)
            }
            TokenKind::Plain | TokenKind::SingleQuoted | TokenKind::DoubleQuoted => {
                self.props = None;
                self.leaf(NodeKind::Scalar, start, i + 1);
                i + 1
            }
            TokenKind::Alias => {
                self.props = None;
                self.leaf(NodeKind::Alias, start, i + 1);
                i + 1
            }
            TokenKind::Error => {
                self.props = None;
                self.leaf(NodeKind::Error, start, i + 1);
                i + 1
            }
            TokenKind::BlockHeader => {
                self.props = None;
                // The body, if any, follows the header line's trivia directly.
                let mut end = i + 1;
                let mut j = i + 1;
                while j < self.toks.len() && self.toks[j].kind.is_trivia() {
                    j += 1;
                }
                if j < self.toks.len() && self.toks[j].kind == TokenKind::BlockBody {
                    end = j + 1;
                }
                self.leaf(NodeKind::Scalar, start, end);
                end
            }
            TokenKind::LBracket | TokenKind::LBrace => {
                self.props = None;
                // In block context: no flow collection is open around this one.
                self.outermost_flows.push(self.nodes.len() as NodeId);
                if t.kind == TokenKind::LBracket {
                    self.open(Frame::FlowSeq, NodeKind::FlowSeq, start);
                } else {
                    self.open(Frame::FlowMap, NodeKind::FlowMap, start);
                }
                self.consume(i);
                i + 1
            }
            _ => self.error_leaf(i, "unexpected token here"),
        }
    }

    fn start_implicit_map(&mut self, i: usize, ctx: Ctx) -> usize {
        if let Ctx::Value { same_line: true } = ctx {
            self.error(
                i,
                "a mapping cannot start on the same line as its key; quote the value if it contains `: `",
            );
        }
        // Pending properties stand on an earlier line: they belong to the mapping.
        let start = self.props.take().unwrap_or(i);
        let col = self.toks[i].col;
        self.open(Frame::BlockMap { indent: col }, NodeKind::BlockMap, start);
        self.open(Frame::entry(col, false, false), NodeKind::Entry, i);
        self.flow_or_key_node(i)
    }

    /// The key of an implicit entry: properties, then a scalar, alias or flow collection.
    fn flow_or_key_node(&mut self, i: usize) -> usize {
        let t = self.toks[i];
        if t.kind.is_property() {
            return self.pending_property(i);
        }
        self.node_start(i, Ctx::Key { explicit: false })
    }

    // ----- flow context -----

    fn flow_token(&mut self, i: usize) -> usize {
        let t = self.toks[i];
        match t.kind {
            TokenKind::RBracket | TokenKind::RBrace => {
                let want = if t.kind == TokenKind::RBracket {
                    Frame::FlowSeq
                } else {
                    Frame::FlowMap
                };
                let matching = self
                    .stack
                    .iter()
                    .rev()
                    .take_while(|o| {
                        matches!(
                            o.frame,
                            Frame::FlowSeq | Frame::FlowMap | Frame::FlowEntry { .. }
                        )
                    })
                    .any(|o| o.frame == want);
                if !matching {
                    return self
                        .error_leaf(i, "closing bracket does not match the open flow collection");
                }
                loop {
                    let top = self.top();
                    if top == want {
                        self.flush_props();
                        self.consume(i);
                        self.close();
                        break;
                    }
                    if !matches!(top, Frame::FlowEntry { .. }) {
                        self.error(i, "closing bracket does not match the open flow collection");
                    }
                    self.close();
                }
                i + 1
            }
            TokenKind::Comma => {
                // `[a, , b]`, `[, a]`, `{ , }`: YAML has no empty flow entries (only a last
                // `,` before the closing bracket may stand alone).
                let before = self.toks[..i]
                    .iter()
                    .rev()
                    .find(|t| !t.kind.is_trivia())
                    .map(|t| t.kind);
                if matches!(
                    before,
                    Some(TokenKind::Comma | TokenKind::LBracket | TokenKind::LBrace)
                ) {
                    self.error(
                        i,
                        "an empty entry in a flow collection (`,` with nothing before it); remove the extra `,`",
                    );
                }
                if matches!(self.top(), Frame::FlowEntry { .. }) {
                    self.close();
                }
                self.flush_props();
                self.consume(i);
                i + 1
            }
            TokenKind::Colon => {
                match self.top() {
                    Frame::FlowEntry {
                        colon: false,
                        has_key,
                        has_value,
                    } => {
                        self.flush_props();
                        self.set_top(Frame::FlowEntry {
                            colon: true,
                            has_key,
                            has_value,
                        });
                    }
                    Frame::FlowMap => {
                        self.flush_props();
                        self.open(
                            Frame::FlowEntry {
                                colon: true,
                                has_key: false,
                                has_value: false,
                            },
                            NodeKind::Entry,
                            i,
                        );
                    }
                    Frame::FlowSeq => {
                        self.flush_props();
                    }
                    _ => return self.error_leaf(i, "unexpected `:` in a flow collection"),
                }
                self.consume(i);
                i + 1
            }
            TokenKind::Question => {
                if matches!(self.top(), Frame::FlowMap) {
                    self.open(
                        Frame::FlowEntry {
                            colon: false,
                            has_key: false,
                            has_value: false,
                        },
                        NodeKind::Entry,
                        i,
                    );
                }
                self.consume(i);
                i + 1
            }
            _ => {
                if matches!(self.top(), Frame::FlowMap) {
                    let start = self.props.unwrap_or(i);
                    self.open(
                        Frame::FlowEntry {
                            colon: false,
                            has_key: false,
                            has_value: false,
                        },
                        NodeKind::Entry,
                        start,
                    );
                }
                if let Frame::FlowEntry {
                    colon,
                    has_key,
                    has_value,
                } = self.top()
                {
                    if (!colon && has_key && self.props.is_none()) || (colon && has_value) {
                        return self.error_leaf(i, "missing `,` between flow collection entries");
                    }
                }
                self.flow_node(i)
            }
        }
    }

    fn flow_node(&mut self, i: usize) -> usize {
        let t = self.toks[i];
        if t.kind.is_property() {
            return self.pending_property(i);
        }
        let start = self.props.take().unwrap_or(i);
        match t.kind {
            TokenKind::Plain | TokenKind::SingleQuoted | TokenKind::DoubleQuoted => {
                self.leaf(NodeKind::Scalar, start, i + 1)
            }
            TokenKind::Alias => self.leaf(NodeKind::Alias, start, i + 1),
            TokenKind::LBracket => {
                self.open(Frame::FlowSeq, NodeKind::FlowSeq, start);
                self.consume(i);
            }
            TokenKind::LBrace => {
                self.open(Frame::FlowMap, NodeKind::FlowMap, start);
                self.consume(i);
            }
            _ => {
                if start != i {
                    self.props = Some(start);
                }
                return self.error_leaf(i, "unexpected token in a flow collection");
            }
        }
        i + 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(src: &str) -> String {
        let tree = parse(src);
        let mut out = String::new();
        let mut stack = vec![(tree.root(), 0usize)];
        while let Some((n, depth)) = stack.pop() {
            out.push_str(&format!(
                "{}{:?}{} {:?}\n",
                "  ".repeat(depth),
                tree.kind(n),
                match tree.role(n) {
                    Role::Key => " (key)",
                    Role::Value => " (value)",
                    Role::None => "",
                },
                tree.node_text(n)
            ));
            let kids: Vec<_> = tree.children(n).collect();
            for k in kids.into_iter().rev() {
                stack.push((k, depth + 1));
            }
        }
        out
    }

    #[test]
    fn folded_block_scalars_join_their_lines() {
        let tree = parse("run: >-\n  curl -X POST\n  -H x\n\n  next\n");
        let run = tree.map_get(tree.first_root().unwrap(), "run").unwrap();
        assert_eq!(tree.scalar_value(run).unwrap(), "curl -X POST -H x\nnext");
        let tree = parse("run: |\n  a\n    b\n");
        let run = tree.map_get(tree.first_root().unwrap(), "run").unwrap();
        assert_eq!(tree.scalar_value(run).unwrap(), "a\n  b\n");
    }

    #[test]
    fn workflow_shape() {
        let src = "on:\n  push:\n    branches: [main]\njobs:\n  build:\n    steps:\n      - uses: actions/checkout@v4\n      - run: echo hi\n";
        let tree = parse(src);
        assert!(tree.diagnostics().is_empty(), "{:?}", tree.diagnostics());
        let root = tree.first_root().unwrap();
        let jobs = tree.map_get(root, "jobs").unwrap();
        let build = tree.map_get(jobs, "build").unwrap();
        let steps = tree.map_get(build, "steps").unwrap();
        let items: Vec<_> = tree.seq_items(steps).collect();
        assert_eq!(items.len(), 2);
        let uses = tree.map_get(items[0], "uses").unwrap();
        assert_eq!(tree.scalar_value(uses).unwrap(), "actions/checkout@v4");
        let on = tree.map_get(root, "on").unwrap();
        let push = tree.map_get(on, "push").unwrap();
        let branches = tree.map_get(push, "branches").unwrap();
        assert_eq!(tree.kind(branches), NodeKind::FlowSeq);
        assert_eq!(tree.print(), src);
    }

    #[test]
    fn empty_flow_entries_are_errors_and_a_last_comma_is_not() {
        for bad in [
            "a: [ a, b, , ]\n",
            "a: [, a]\n",
            "a: { x: 1, , y: 2 }\n",
            "a: [\n  a,\n  # c\n  ,\n]\n",
        ] {
            let tree = parse(bad);
            assert_eq!(tree.diagnostics().len(), 1, "{bad:?}");
            assert!(
                tree.diagnostics()[0].message.contains("empty entry"),
                "{bad:?}"
            );
            assert_eq!(tree.print(), bad);
        }
        for good in [
            "a: [a, b,]\n",
            "a: { x: 1, }\n",
            "a: [ [], {}, '' , \"\" ]\n",
            "a: [!!str , b]\n",
        ] {
            assert!(parse(good).diagnostics().is_empty(), "{good:?}");
        }
    }

    #[test]
    fn indentless_sequence_is_the_value() {
        let src = "a:\n- x\n- y\nb: z\n";
        let tree = parse(src);
        assert!(tree.diagnostics().is_empty());
        let root = tree.first_root().unwrap();
        let a = tree.map_get(root, "a").unwrap();
        assert_eq!(tree.kind(a), NodeKind::BlockSeq);
        assert_eq!(tree.seq_items(a).count(), 2);
        assert!(tree.map_get(root, "b").is_some());
    }

    #[test]
    fn properties_on_their_own_line_belong_to_the_collection() {
        let src = "base: &b\n  x: 1\nother: *b\n";
        let tree = parse(src);
        assert!(tree.diagnostics().is_empty(), "{}", dump(src));
        let root = tree.first_root().unwrap();
        let base = tree.map_get(root, "base").unwrap();
        assert_eq!(tree.kind(base), NodeKind::BlockMap);
        assert_eq!(tree.node_text(base), "&b\n  x: 1");
    }

    #[test]
    fn bang_item_is_an_empty_tagged_node() {
        let src = "paths:\n  - !docs/**\n  - src\n";
        let tree = parse(src);
        let root = tree.first_root().unwrap();
        let paths = tree.map_get(root, "paths").unwrap();
        let items: Vec<_> = tree.seq_items(paths).collect();
        assert_eq!(items.len(), 2, "{}", dump(src));
        assert_eq!(tree.node_text(items[0]), "!docs/**");
    }

    #[test]
    fn multiple_documents() {
        let src = "%YAML 1.2\n---\na: 1\n...\n---\nb: 2\n";
        let tree = parse(src);
        assert_eq!(tree.documents().count(), 2, "{}", dump(src));
        assert!(tree.diagnostics().is_empty());
    }

    #[test]
    fn explicit_keys() {
        let src = "? a\n: b\n? c\n";
        let tree = parse(src);
        assert!(tree.diagnostics().is_empty(), "{}", dump(src));
        let root = tree.first_root().unwrap();
        assert_eq!(tree.map_entries(root).count(), 2);
    }

    #[test]
    fn bad_indentation_is_an_error_node_and_prints_back() {
        let src = "a:\n    b: 1\n  c: 2\nd: 3\n";
        let tree = parse(src);
        assert!(!tree.diagnostics().is_empty());
        assert_eq!(tree.print(), src);
        let root = tree.first_root().unwrap();
        assert!(tree.map_get(root, "d").is_some(), "{}", dump(src));
    }

    #[test]
    fn deep_nesting_does_not_overflow() {
        let src = "[".repeat(100_000) + &"]".repeat(100_000);
        let tree = parse(&src);
        assert_eq!(tree.print(), src);
        let mut block = String::new();
        for i in 0..5_000 {
            block.push_str(&" ".repeat(i));
            block.push_str("k:\n");
        }
        let tree = parse(&block);
        assert_eq!(tree.print(), block);
    }

    #[test]
    fn unclosed_flow_at_end_of_file_is_an_error() {
        let tree = parse("jobs:\n  a:\n    runs-on: {x: 1\n");
        assert_eq!(tree.diagnostics().len(), 1, "{:?}", tree.diagnostics());
    }

    #[test]
    fn compact_mapping_in_sequence() {
        let src = "- name: x\n  run: y\n- name: z\n";
        let tree = parse(src);
        assert!(tree.diagnostics().is_empty(), "{}", dump(src));
        let root = tree.first_root().unwrap();
        let items: Vec<_> = tree.seq_items(root).collect();
        assert_eq!(items.len(), 2);
        assert!(tree.map_get(items[0], "run").is_some());
    }

    #[test]
    fn flow_mapping_entries() {
        let src = "on: {push: {branches: [main, 'v*']}}\n";
        let tree = parse(src);
        assert!(tree.diagnostics().is_empty(), "{}", dump(src));
        let root = tree.first_root().unwrap();
        let on = tree.map_get(root, "on").unwrap();
        let push = tree.map_get(on, "push").unwrap();
        let br = tree.map_get(push, "branches").unwrap();
        let vals: Vec<_> = tree
            .seq_items(br)
            .map(|n| tree.scalar_value(n).unwrap().into_owned())
            .collect();
        assert_eq!(vals, ["main", "v*"]);
    }
}
