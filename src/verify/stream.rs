//! Reading a YAML text into a flat list of nodes with yaml-rust2's event parser.
//!
//! Why events and not `YamlLoader`: the loader merges duplicate keys, drops custom tags and
//! forgets anchors and scalar styles, all of which a rewrite could change. Why the pull API
//! (`Parser::next_token`) and not `Parser::load` with a receiver: `load` recurses once per
//! nesting level and overflows even an 8 MiB stack on a 10,000-deep block mapping (an abort,
//! not a panic), while the pull parser keeps its state on the heap. yaml-rust2 itself refuses
//! flow collections nested deeper than 255 ("recursion limit exceeded").
//!
//! The result is an arena in document order: each node records where its subtree ends, so a
//! consumer walks children or skips a whole subtree without recursion. Scalars keep their text
//! and whether they were plain; type resolution is left to the comparison, which only needs it
//! when two texts differ.
//!
//! A comparison holds the readings of two texts at once, about one node per 20 bytes of each:
//! nodes are stored in 28 bytes (32-bit numbers, tags apart), a scalar's text as a range of the
//! text read when it is written there as it is (most plain and quoted scalars), else of one
//! string holding the other scalars' texts one after another. [`View::node`] gives a node with
//! its text, from the stream and the text it was read from.
//!
//! `Parser::load` also forgets anchors between documents, while the pull parser does not; an
//! alias to an anchor of an earlier document is rejected here the way `load` rejects it.

use std::panic::{catch_unwind, AssertUnwindSafe};

use yaml_rust2::parser::{Event, Parser, Tag};
use yaml_rust2::scanner::{Marker, TScalarStyle};

use super::divergence;
use super::pattern::{push_key, push_raw_key, Step};
use super::schema::{resolve, Schema};

/// All documents of one text.
#[derive(Debug, Default)]
pub(crate) struct Stream {
    nodes: Vec<Stored>,
    /// Index of each document's root node.
    pub(crate) documents: Vec<usize>,
    /// The text of every scalar that is not written as it is, one after another.
    texts: String,
    /// The tags of the nodes that have one ([`Stored::tag`] is an index + 1).
    tags: Vec<Box<str>>,
}

/// A node as stored; see [`Node`] for the meaning of the fields.
#[derive(Debug)]
struct Stored {
    kind: StoredKind,
    anchor: u32,
    /// 0 for none, else the index + 1 of the tag in [`Stream::tags`].
    tag: u32,
    end: u32,
    offset: u32,
}

#[derive(Debug)]
enum StoredKind {
    /// The text is `texts[start..end]`, or with `in_source` the text read's `[start..end]`.
    Scalar {
        start: u32,
        end: u32,
        plain: bool,
        in_source: bool,
    },
    Sequence,
    Mapping,
    Alias(u32),
}

/// One node of a [`Stream`].
#[derive(Debug, Clone, Copy)]
pub(crate) struct Node<'a> {
    pub(crate) kind: Kind<'a>,
    /// yaml-rust2's anchor id (unique in the stream), 0 for none.
    pub(crate) anchor: usize,
    /// The resolved tag, handle and suffix joined (`tag:yaml.org,2002:str`).
    pub(crate) tag: Option<&'a str>,
    /// Index one past the last node of this node's subtree.
    pub(crate) end: usize,
    /// Where the node starts in the text: yaml-rust2's marker, which counts characters.
    pub(crate) offset: usize,
}

#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind<'a> {
    Scalar {
        text: &'a str,
        plain: bool,
    },
    Sequence,
    Mapping,
    /// The anchor id the alias refers to.
    Alias(usize),
}

/// yaml-rust2 refused the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Rejection {
    /// yaml-rust2's message with line and column (1-based).
    pub(crate) message: String,
    /// Route of the node being read when the error occurred.
    pub(crate) route: String,
    /// Zero-based index of the document being read.
    pub(crate) document: usize,
}

/// An open collection while reading.
struct Frame {
    node: usize,
    mapping: bool,
    children: usize,
    /// The latest key of a mapping.
    key: Option<usize>,
}

/// Read every document of `text` (a leading BOM must already be removed). The stream is read
/// with the same text ([`Stream::with`]).
pub(crate) fn read(text: &str) -> Result<Stream, Rejection> {
    let mut reader = Reader {
        source: text,
        stream: Stream {
            // Fewer than most texts need (workflows have one node per 16 to 30 bytes, and most of
            // their bytes are scalars): `add` grows them at the density read so far, and the
            // unused rest is given back at the end.
            nodes: Vec::with_capacity(text.len() / 64 + 16),
            documents: Vec::new(),
            texts: String::with_capacity(text.len() / 4),
            tags: Vec::new(),
        },
        open: Vec::new(),
        text_len: text.len(),
        document_anchor_floor: 1,
        max_anchor: 0,
        last_block_scalar: None,
    };
    let mut parser = Parser::new_from_str(text);
    loop {
        // yaml-rust2 has internal `unwrap`s; a panic there must not take the tool down.
        let next = catch_unwind(AssertUnwindSafe(|| parser.next_token()));
        let (event, mark) = match next {
            Ok(Ok(pair)) => pair,
            Ok(Err(e)) => return Err(reader.reject(e.info(), e.marker())),
            Err(_) => {
                return Err(reader.reject_at("yaml-rust2 panicked while reading this text", None))
            }
        };
        // A node after a block scalar means that one did not end the stream.
        if matches!(
            event,
            Event::Alias(_)
                | Event::SequenceStart(..)
                | Event::MappingStart(..)
                | Event::DocumentStart
        ) {
            reader.last_block_scalar = None;
        }
        match event {
            Event::StreamEnd => break,
            Event::StreamStart | Event::Nothing | Event::DocumentEnd => {}
            Event::DocumentStart => reader.document_anchor_floor = reader.max_anchor + 1,
            Event::Alias(id) => {
                if id < reader.document_anchor_floor || id > reader.max_anchor {
                    return Err(reader.reject("while parsing node, found unknown anchor", &mark));
                }
                let id = reader.small(id)?;
                reader.add(StoredKind::Alias(id), 0, None, &mark)?;
            }
            Event::Scalar(text, style, anchor, tag) => {
                let plain = style == TScalarStyle::Plain;
                let quoted = matches!(
                    style,
                    TScalarStyle::SingleQuoted | TScalarStyle::DoubleQuoted
                );
                let kind = reader.scalar(&text, plain, quoted, mark.index())?;
                let index = reader.add(kind, anchor, tag, &mark)?;
                let block = matches!(style, TScalarStyle::Literal | TScalarStyle::Folded);
                reader.last_block_scalar = block.then_some(index);
            }
            Event::SequenceStart(anchor, tag) => {
                reader.open(StoredKind::Sequence, anchor, tag, &mark)?
            }
            Event::MappingStart(anchor, tag) => {
                reader.open(StoredKind::Mapping, anchor, tag, &mark)?
            }
            Event::SequenceEnd => reader.close(false, &mark)?,
            Event::MappingEnd => reader.close(true, &mark)?,
        }
    }
    if !reader.open.is_empty() {
        return Err(reader.reject_at("unexpected end of the event stream", None));
    }
    if let Some(index) = reader.last_block_scalar {
        let right = match reader.stream.with(text).node(index).map(|n| n.kind) {
            Some(Kind::Scalar { text: value, .. }) => divergence::end_of_stream_block(text, value),
            _ => None,
        };
        if let Some(right) = right {
            // The old value stays in `texts`, unused (one value, once); a block scalar is not
            // plain.
            let (start, end) = reader.keep_text(&right, text.len())?;
            if let Some(node) = reader.stream.nodes.get_mut(index) {
                node.kind = StoredKind::Scalar {
                    start,
                    end,
                    plain: false,
                    in_source: false,
                };
            }
        }
    }
    // A comparison holds the readings of two texts: keep only what is used.
    reader.stream.nodes.shrink_to_fit();
    reader.stream.texts.shrink_to_fit();
    Ok(reader.stream)
}

struct Reader<'t> {
    /// The text being read.
    source: &'t str,
    stream: Stream,
    open: Vec<Frame>,
    /// Length of the text being read (to size the arena).
    text_len: usize,
    /// Anchor ids below this belong to earlier documents.
    document_anchor_floor: usize,
    max_anchor: usize,
    /// The latest node, when it is a block scalar (see `divergence`).
    last_block_scalar: Option<usize>,
}

impl Reader<'_> {
    /// `n` as stored (32 bits); texts too large for that are not read.
    fn small(&self, n: usize) -> Result<u32, Rejection> {
        u32::try_from(n).map_err(|_| self.reject_at("the text is too large to compare", None))
    }

    /// A scalar whose value is `text`, `read` characters into the text (where yaml-rust2's
    /// marker is: at the scalar, or at its opening quote).
    fn scalar(
        &mut self,
        text: &str,
        plain: bool,
        quoted: bool,
        read: usize,
    ) -> Result<StoredKind, Rejection> {
        // The marker counts characters: it is the byte offset only while the text read so far
        // is ASCII, and the bytes found there are compared in any case.
        let start = read + usize::from(quoted);
        let end = start + text.len();
        if (plain || quoted) && self.source.as_bytes().get(start..end) == Some(text.as_bytes()) {
            return Ok(StoredKind::Scalar {
                start: self.small(start)?,
                end: self.small(end)?,
                plain,
                in_source: true,
            });
        }
        let (start, end) = self.keep_text(text, read)?;
        Ok(StoredKind::Scalar {
            start,
            end,
            plain,
            in_source: false,
        })
    }

    /// Append a scalar's text to [`Stream::texts`] and give its range there; `read` is how far
    /// the text has been read.
    fn keep_text(&mut self, text: &str, read: usize) -> Result<(u32, u32), Rejection> {
        let texts = &mut self.stream.texts;
        if texts.capacity() - texts.len() < text.len() {
            // As for the nodes in `add`: what the rest of the text likely needs.
            let read = read.max(1);
            let rest = self.text_len.saturating_sub(read);
            let more = (rest as u128 * texts.len() as u128 / read as u128) as usize;
            texts.reserve_exact(text.len() + more + more / 8 + 256);
        }
        let start = texts.len();
        texts.push_str(text);
        let end = texts.len();
        Ok((self.small(start)?, self.small(end)?))
    }

    fn add(
        &mut self,
        kind: StoredKind,
        anchor: usize,
        tag: Option<Tag>,
        mark: &Marker,
    ) -> Result<usize, Rejection> {
        let index = self.stream.nodes.len();
        // The node's end is at most one past the last index.
        let end = self.small(index + 1)?;
        let offset = self.small(mark.index())?;
        let anchor_id = self.small(anchor)?;
        match self.open.last_mut() {
            Some(parent) => {
                if parent.mapping && parent.children % 2 == 0 {
                    parent.key = Some(index);
                }
                parent.children += 1;
            }
            None => self.stream.documents.push(index),
        }
        self.max_anchor = self.max_anchor.max(anchor);
        let nodes = &mut self.stream.nodes;
        if nodes.len() == nodes.capacity() {
            // Grow by what the rest of the text will likely need, at the density read so far,
            // rather than doubling: the arena is most of a large file's memory.
            let read = mark.index().max(1);
            let rest = self.text_len.saturating_sub(read);
            let more = (rest as u128 * nodes.len() as u128 / read as u128) as usize;
            nodes.reserve_exact(more + more / 8 + 64);
        }
        // Few nodes have a tag: each keeps its own.
        let tag = match tag {
            None => 0,
            Some(t) => {
                self.stream
                    .tags
                    .push((t.handle + &t.suffix).into_boxed_str());
                self.small(self.stream.tags.len())?
            }
        };
        self.stream.nodes.push(Stored {
            kind,
            anchor: anchor_id,
            tag,
            end,
            offset,
        });
        Ok(index)
    }

    fn open(
        &mut self,
        kind: StoredKind,
        anchor: usize,
        tag: Option<Tag>,
        mark: &Marker,
    ) -> Result<(), Rejection> {
        let mapping = matches!(kind, StoredKind::Mapping);
        let node = self.add(kind, anchor, tag, mark)?;
        self.open.push(Frame {
            node,
            mapping,
            children: 0,
            key: None,
        });
        Ok(())
    }

    fn close(&mut self, mapping: bool, mark: &Marker) -> Result<(), Rejection> {
        let well_formed = self
            .open
            .last()
            .is_some_and(|f| f.mapping == mapping && (!mapping || f.children % 2 == 0));
        if !well_formed {
            return Err(self.reject("unbalanced collection events", mark));
        }
        if let Some(frame) = self.open.pop() {
            // Fits: `add` checked the last node's end.
            let end = self.small(self.stream.nodes.len())?;
            if let Some(node) = self.stream.nodes.get_mut(frame.node) {
                node.end = end;
            }
        }
        Ok(())
    }

    fn reject(&self, info: &str, mark: &Marker) -> Rejection {
        self.reject_at(info, Some(mark))
    }

    fn reject_at(&self, info: &str, mark: Option<&Marker>) -> Rejection {
        let message = match mark {
            Some(m) => format!("{info} at line {} column {}", m.line(), m.col() + 1),
            None => info.to_string(),
        };
        Rejection {
            message,
            route: self.open_route(),
            document: self.stream.documents.len().saturating_sub(1),
        }
    }

    /// The route of whatever was being read: through every open collection, down to the key
    /// whose value is incomplete or the next sequence item.
    fn open_route(&self) -> String {
        let mut out = String::new();
        let last = self.open.len().saturating_sub(1);
        for (i, frame) in self.open.iter().enumerate() {
            let innermost = i == last;
            if frame.mapping {
                // Inside a value when the key has been read (odd count while the value is
                // pending, even count once an open value has been counted).
                let in_value = if innermost {
                    frame.children % 2 == 1
                } else {
                    frame.children % 2 == 0
                };
                match frame.key {
                    Some(key) if in_value => {
                        self.stream.with(self.source).push_key_step(&mut out, key)
                    }
                    _ if !innermost => push_raw_key(&mut out, "(key)"),
                    _ => {}
                }
            } else {
                let index = if innermost {
                    frame.children
                } else {
                    frame.children.saturating_sub(1)
                };
                out.push_str(&format!("[{index}]"));
            }
        }
        out
    }
}

impl Stream {
    /// The stream with `text`, the text it was read from (without its BOM).
    pub(crate) fn with<'a>(&'a self, text: &'a str) -> View<'a> {
        View { stream: self, text }
    }
}

/// A [`Stream`] with the text it was read from: how its nodes are read.
#[derive(Clone, Copy)]
pub(crate) struct View<'a> {
    pub(crate) stream: &'a Stream,
    pub(crate) text: &'a str,
}

impl<'a> View<'a> {
    /// Node `index`.
    pub(crate) fn node(&self, index: usize) -> Option<Node<'a>> {
        let stream = self.stream;
        let stored = stream.nodes.get(index)?;
        let kind = match stored.kind {
            StoredKind::Scalar {
                start,
                end,
                plain,
                in_source,
            } => {
                let texts = if in_source { self.text } else { &stream.texts };
                Kind::Scalar {
                    text: texts.get(start as usize..end as usize)?,
                    plain,
                }
            }
            StoredKind::Sequence => Kind::Sequence,
            StoredKind::Mapping => Kind::Mapping,
            StoredKind::Alias(id) => Kind::Alias(id as usize),
        };
        let tag = match stored.tag {
            0 => None,
            i => Some(&*stream.tags[i as usize - 1]),
        };
        Some(Node {
            kind,
            anchor: stored.anchor as usize,
            tag,
            end: stored.end as usize,
            offset: stored.offset as usize,
        })
    }

    /// Index one past the last node of the subtree of node `index`.
    pub(crate) fn end(&self, index: usize) -> Option<usize> {
        self.stream.nodes.get(index).map(|n| n.end as usize)
    }

    pub(crate) fn len(&self) -> usize {
        self.stream.nodes.len()
    }

    /// How a key node takes part in route matching.
    pub(crate) fn key_step(&self, key: usize) -> Step<'a> {
        match self.node(key).map(|n| n.kind) {
            Some(Kind::Scalar { text, .. }) => Step::Key(text),
            _ => Step::OtherKey,
        }
    }

    /// Append the rendering of the key node `key` to a route.
    pub(crate) fn push_key_step(&self, out: &mut String, key: usize) {
        match self.node(key).map(|n| n.kind) {
            Some(Kind::Scalar { text, .. }) => push_key(out, text),
            Some(Kind::Mapping) => push_raw_key(out, "(mapping key)"),
            Some(Kind::Sequence) => push_raw_key(out, "(sequence key)"),
            Some(Kind::Alias(_)) | None => push_raw_key(out, "(alias key)"),
        }
    }

    /// A one-line event dump per node in document order, for debugging and for showing two
    /// texts' data side by side: anchors renumbered by order of appearance, scalars with their
    /// resolved types (YAML 1.2 core / YAML 1.1) instead of their style.
    pub(crate) fn dump(&self) -> String {
        let mut out = String::new();
        let mut anchors: Vec<usize> = Vec::new();
        let mut ends: Vec<(usize, &str)> = Vec::new();
        let mut next_document = self.stream.documents.iter().peekable();
        for (index, node) in (0..self.len()).filter_map(|i| Some((i, self.node(i)?))) {
            while ends.last().is_some_and(|&(end, _)| end <= index) {
                if let Some((_, closing)) = ends.pop() {
                    out.push_str(closing);
                    out.push('\n');
                }
            }
            if next_document.peek() == Some(&&index) {
                next_document.next();
                out.push_str("+DOC\n");
            }
            let head = match &node.kind {
                Kind::Mapping => "+MAP",
                Kind::Sequence => "+SEQ",
                Kind::Scalar { .. } => "=VAL",
                Kind::Alias(_) => "=ALI",
            };
            out.push_str(head);
            if node.anchor != 0 {
                anchors.push(node.anchor);
                out.push_str(&format!(" &{}", anchors.len()));
            }
            if let Some(tag) = node.tag {
                out.push(' ');
                out.push_str(&display_tag(tag));
            }
            match node.kind {
                Kind::Mapping => ends.push((node.end, "-MAP")),
                Kind::Sequence => ends.push((node.end, "-SEQ")),
                Kind::Scalar { text, plain } => {
                    if plain && node.tag.is_none() {
                        let core = resolve(text, Schema::Core);
                        let y11 = resolve(text, Schema::Yaml11);
                        out.push_str(&format!(" {}/{}", core.type_name(), y11.type_name()));
                    } else if node.tag.is_none() {
                        out.push_str(" str");
                    }
                    out.push_str(&format!(" {text:?}"));
                }
                Kind::Alias(id) => match anchors.iter().rposition(|&a| a == id) {
                    Some(p) => out.push_str(&format!(" *{}", p + 1)),
                    None => out.push_str(" *?"),
                },
            }
            out.push('\n');
        }
        while let Some((_, closing)) = ends.pop() {
            out.push_str(closing);
            out.push('\n');
        }
        out
    }
}

/// `!!str` for the standard tags, the tag as written for local ones, `!<...>` otherwise.
pub(crate) fn display_tag(tag: &str) -> String {
    if let Some(core) = tag.strip_prefix("tag:yaml.org,2002:") {
        format!("!!{core}")
    } else if tag.starts_with('!') {
        tag.to_string()
    } else {
        format!("!<{tag}>")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn dump(text: &str) -> String {
        match read(text) {
            Ok(s) => s.with(text).dump(),
            Err(r) => format!("rejected at {}: {}", r.route, r.message),
        }
    }

    #[test]
    fn arena_and_dump() {
        let text = "a: &x [1, 'on', !!str 3]\nb: *x\n? [k]\n: ~\n";
        assert_eq!(
            dump(text),
            "+DOC\n+MAP\n=VAL str/str \"a\"\n+SEQ &1\n=VAL int/int \"1\"\n=VAL str \"on\"\n\
             =VAL !!str \"3\"\n-SEQ\n=VAL str/str \"b\"\n=ALI *1\n+SEQ\n=VAL str/str \"k\"\n\
             -SEQ\n=VAL null/null \"~\"\n-MAP\n"
        );
        let stream = read(text).unwrap();
        assert_eq!(stream.documents, vec![0]);
        let view = stream.with(text);
        assert_eq!(view.end(0), Some(view.len()));
        assert_eq!(view.end(2), Some(6));
    }

    #[test]
    fn scalars_written_as_they_are_are_not_copied() {
        let scalars = |text: &str| {
            let stream = read(text).unwrap();
            let view = stream.with(text);
            let values: Vec<&str> = (0..view.len())
                .filter_map(|i| match view.node(i)?.kind {
                    Kind::Scalar { text, .. } => Some(text),
                    _ => None,
                })
                .collect();
            (values.join("|"), stream.texts.clone())
        };
        let text = "a: 'b c'\n\"d\": [e, \"f g\"]\n";
        assert_eq!(scalars(text), ("a|b c|d|e|f g".into(), String::new()));
        // Escapes, folded lines and block scalars are kept apart.
        let text = "a: 'it''s'\nb: \"x\\ty\"\nc: one\n  two\nd: |\n  z\n";
        assert_eq!(
            scalars(text),
            (
                "a|it's|b|x\ty|c|one two|d|z\n".into(),
                "it'sx\tyone twoz\n".into()
            )
        );
        // After characters of several bytes, yaml-rust2's marker (characters) is not the byte
        // offset: the values are still right.
        let text = "é: ü\nb: [x, 'y']\n";
        assert_eq!(scalars(text).0, "é|ü|b|x|y");
    }

    #[test]
    fn nodes_are_small() {
        // Two readings of every node of a large file are held at once.
        assert_eq!(std::mem::size_of::<Stored>(), 28);
    }

    #[test]
    fn rejection_routes() {
        let r =
            read("jobs:\n  build:\n    steps:\n      - run: x\n      - uses: [a\n").unwrap_err();
        // Inside the unterminated flow sequence, at its next item.
        assert_eq!(r.route, "jobs.build.steps[1].uses[1]");
        assert!(r.message.contains("line 6"), "{}", r.message);
        let r = read("- **/README.md\n").unwrap_err();
        assert_eq!(r.route, "[0]");
        assert_eq!(
            r.message,
            "while parsing node, found unknown anchor at line 1 column 3"
        );
    }

    #[test]
    fn alias_to_an_earlier_document_is_rejected() {
        let r = read("a: &x 1\n---\nb: *x\n").unwrap_err();
        assert_eq!(r.document, 1);
        assert_eq!(r.route, "b");
        assert!(read("a: &x 1\nb: *x\n---\nc: &x 2\nd: *x\n").is_ok());
    }
}
