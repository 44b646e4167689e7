//! `quote-patterns`: quote filter patterns that YAML would misread.
//!
//! ## What it does
//! Quotes (single quotes, `'` doubled inside) the items of
//! `on.<event>.branches|branches-ignore|tags|tags-ignore|paths|paths-ignore` that begin with a
//! character YAML treats as syntax: `*` (alias), `!` (tag), `&` (anchor), `[` / `{` (flow
//! collection), `@` and `` ` `` (reserved), `|` / `>` (block scalar), `%` (directive). In a flow
//! sequence it also quotes items that contain `[`, `]`, `{`, `}` or `,` as part of the pattern
//! (`[src/{a,b}/**]`). Every document of the file is covered.
//!
//! Only what YAML misreads is quoted: node properties followed by a value (`- &b release`,
//! `- !!str x`) are real and stay, and the value after them is checked on its own
//! (`- &a **/x` becomes `- &a '**/x'`). A property with no value after it is the pattern
//! (`- !docs/**`). Comments between the items of a multi-line flow list belong to no item.
//!
//! ## Why
//! GitHub's filter syntax starts globs with `*` and negations with `!`. Unquoted,
//! `- **/README.md` is an alias of an anchor that does not exist (the workflow does not run at
//! all) and `- !docs/**` is a tagged empty value (the negation silently disappears).
//!
//! ## Example
//! ```yaml
//! paths:
//!   - **/README.md     # becomes  - '**/README.md'
//!   - !docs/**         # becomes  - '!docs/**'
//! ```
//! Everything else in the file, including comments on the same line, stays as it is. The rule
//! works on files that YAML parsers reject, since those are exactly the files it repairs.

use std::ops::Range;

use super::{Context, Output, Rule};
use crate::edit::{Edit, Fix};
use crate::syntax::views::Workflow;
use crate::syntax::{NodeId, NodeKind, SyntaxTree, TokenKind};

pub struct QuotePatterns;

pub const NAME: &str = "quote-patterns";

impl Rule for QuotePatterns {
    fn name(&self) -> &'static str {
        NAME
    }

    fn allowed_routes(&self) -> &'static [&'static str] {
        &[
            "on.*.branches",
            "on.*.branches-ignore",
            "on.*.tags",
            "on.*.tags-ignore",
            "on.*.paths",
            "on.*.paths-ignore",
        ]
    }

    fn run(&self, cx: &Context) -> Output {
        let tree = cx.tree;
        let mut out = Output::default();
        // Every document of the file, not only the first.
        let workflows = tree
            .documents()
            .filter_map(|doc| tree.document_root(doc))
            .filter(|&root| matches!(tree.kind(root), NodeKind::BlockMap | NodeKind::FlowMap))
            .map(|root| Workflow { tree, root });
        for filter in workflows.flat_map(|wf| wf.filters()) {
            let mut edits = Vec::new();
            match tree.kind(filter.value) {
                NodeKind::BlockSeq => {
                    for item in tree.children(filter.value) {
                        if tree.kind(item) != NodeKind::Item {
                            continue;
                        }
                        if let Some(range) = block_item_text(tree, item) {
                            quote_if_needed(tree, range, false, &mut edits);
                        }
                    }
                }
                NodeKind::FlowSeq => {
                    let start = tree.range(filter.value).start;
                    for range in flow_items(tree.text(), start) {
                        quote_if_needed(tree, range, true, &mut edits);
                    }
                }
                _ => {
                    if let Some(range) = single_value_text(tree, filter.value) {
                        quote_if_needed(tree, range, false, &mut edits);
                    }
                }
            }
            if !edits.is_empty() {
                let n = edits.len();
                out.fixes.push(Fix::new(
                    NAME,
                    format!(
                        "quote {n} pattern{} in on.{}.{}",
                        if n == 1 { "" } else { "s" },
                        filter.event,
                        filter.kind
                    ),
                    edits,
                ));
            }
        }
        out
    }
}

/// The text of a block sequence item after `- `, when it stays on one line: from its first
/// significant token to its last (comments and trailing spaces excluded).
fn block_item_text(tree: &SyntaxTree, item: NodeId) -> Option<Range<usize>> {
    let toks = tree.node_tokens(item);
    let mut sig = toks.iter().filter(|t| !t.kind.is_trivia());
    let dash = sig.next()?;
    if dash.kind != TokenKind::Dash {
        return None;
    }
    let first = sig.next()?;
    let last = toks.iter().rev().find(|t| !t.kind.is_trivia())?;
    let range = first.start as usize..last.end as usize;
    single_line(tree, range)
}

/// A filter given as one value (`paths: **.md`), to the end of its line's content.
fn single_value_text(tree: &SyntaxTree, value: NodeId) -> Option<Range<usize>> {
    let span = tree.token_span(value);
    let toks = tree.tokens();
    let first = toks[span.clone()].iter().find(|t| !t.kind.is_trivia())?;
    // Error leaves that follow on the same line belong to the pattern too.
    let mut end = span.end;
    while end < toks.len() && !matches!(toks[end].kind, TokenKind::Newline | TokenKind::Comment) {
        end += 1;
    }
    let last = toks[span.start..end]
        .iter()
        .rev()
        .find(|t| !t.kind.is_trivia())?;
    single_line(tree, first.start as usize..last.end as usize)
}

fn single_line(tree: &SyntaxTree, range: Range<usize>) -> Option<Range<usize>> {
    let text = &tree.text()[range.clone()];
    (!text.is_empty() && !text.contains(['\n', '\r'])).then_some(range)
}

/// Split a flow sequence starting at `start` (its `[`) into item ranges, keeping brackets and
/// braces that belong to a pattern (`{a,b}`, `[0-9]`) inside their item. Quotes are respected;
/// comments are not part of any item (`[main, # c` / `!x]` has the items `main` and `!x`).
/// Returns nothing when the sequence is not closed.
fn flow_items(text: &str, start: usize) -> Vec<Range<usize>> {
    let b = text.as_bytes();
    let mut items = Vec::new();
    let mut depth = 0usize; // nesting inside the current item
                            // The current item's first and last significant bytes.
    let mut item: Option<Range<usize>> = None;
    let mut p = start + 1;
    while p < b.len() {
        let c = b[p];
        match c {
            b'\'' | b'"' if item.is_none() => {
                // A quoted item: skip to its closing quote.
                let mut q = p + 1;
                while q < b.len() {
                    if b[q] == c {
                        if c == b'\'' && b.get(q + 1) == Some(&b'\'') {
                            q += 2;
                            continue;
                        }
                        break;
                    }
                    if c == b'"' && b[q] == b'\\' {
                        q += 1;
                    }
                    q += 1;
                }
                item = Some(p..(q + 1).min(b.len()));
                p = q + 1;
                continue;
            }
            b'#' if p > 0 && matches!(b[p - 1], b' ' | b'\t' | b'\n' | b'\r') => {
                while p < b.len() && b[p] != b'\n' {
                    p += 1;
                }
                continue;
            }
            b' ' | b'\t' | b'\n' | b'\r' => {
                p += 1;
                continue;
            }
            b']' if depth == 0 => {
                items.extend(item);
                return items;
            }
            b',' if depth == 0 => {
                items.extend(item.take());
                p += 1;
                continue;
            }
            b'[' | b'{' => depth += 1,
            b']' | b'}' if depth > 0 => depth -= 1,
            _ => {}
        }
        item = Some(item.map_or(p, |r| r.start)..p + 1);
        p += 1;
    }
    Vec::new()
}

/// Push an edit quoting the pattern in `range` if YAML would not read it as the text it spells.
///
/// Node properties at its start (`&anchor`, `!tag`), each followed by white space and then more
/// text, are real: YAML reads them as properties of the value that follows, so they stay, and
/// only that value is a pattern to check (`- &a **/x` becomes `- &a '**/x'`, `- &b release` stays).
/// A "property" with nothing after it is the pattern itself, misread (`- !docs/**`).
fn quote_if_needed(tree: &SyntaxTree, range: Range<usize>, in_flow: bool, edits: &mut Vec<Edit>) {
    let full = &tree.text()[range.clone()];
    if full.contains(['\n', '\r']) {
        return;
    }
    let range = range.start + properties_len(full)..range.end;
    let text = &tree.text()[range.clone()];
    let Some(first) = text.chars().next() else {
        return;
    };
    if first == '\'' || first == '"' {
        return;
    }
    let needs = match first {
        '*' => !is_real_alias(tree, range.start, text),
        '&' => !is_used_anchor(tree, text),
        '!' | '[' | '{' | '@' | '`' | '|' | '>' | '%' => true,
        _ => in_flow && text.contains(['[', ']', '{', '}', ',']),
    };
    if needs {
        edits.push(Edit::replace(
            range,
            format!("'{}'", text.replace('\'', "''")),
        ));
    }
}

/// The length of the node properties (`&anchor`, `!tag`, in any order) that start `text` and
/// are followed by more text, including the white space after them.
fn properties_len(text: &str) -> usize {
    let mut offset = 0;
    loop {
        let rest = &text[offset..];
        if !rest.starts_with(['&', '!']) {
            return offset;
        }
        let Some(end) = rest.find([' ', '\t']) else {
            return offset;
        };
        let after = rest[end..].trim_start_matches([' ', '\t']);
        if after.is_empty() {
            return offset;
        }
        offset = text.len() - after.len();
    }
}

/// `*name` where `&name` is defined earlier in the same document.
fn is_real_alias(tree: &SyntaxTree, at: usize, text: &str) -> bool {
    let name = &text[1..];
    if name.is_empty() || name.contains([' ', '\t']) {
        return false;
    }
    let doc_start = tree
        .documents()
        .map(|d| tree.range(d).start)
        .filter(|&s| s <= at)
        .max()
        .unwrap_or(0);
    tree.tokens().iter().any(|t| {
        t.kind == TokenKind::Anchor
            && (t.start as usize) >= doc_start
            && (t.end as usize) <= at
            && &tree.text()[t.start as usize + 1..t.end as usize] == name
    })
}

/// `&name value` where `*name` is used somewhere in the document: a real anchor.
fn is_used_anchor(tree: &SyntaxTree, text: &str) -> bool {
    let name = text[1..].split([' ', '\t']).next().unwrap_or("");
    !name.is_empty()
        && tree.tokens().iter().any(|t| {
            t.kind == TokenKind::Alias && &tree.text()[t.start as usize + 1..t.end as usize] == name
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Config;
    use crate::discover::FileKind;
    use crate::edit::apply_fixes;
    use crate::syntax::parse;

    fn fix(src: &str) -> String {
        let tree = parse(src);
        let config = Config::default();
        let cx = Context {
            tree: &tree,
            path: "w.yml",
            file: None,
            kind: FileKind::Workflow,
            config: &config,
            suppressions: &Default::default(),
            memo: &Default::default(),
        };
        let out = QuotePatterns.run(&cx);
        apply_fixes(src, out.fixes).text
    }

    #[test]
    fn quotes_globs_and_negations_in_block_lists() {
        let src = "on:\n  push:\n    paths:\n      - **/README.md  # docs\n      - !docs/**\n      - src/**\n      - 'already/*'\n";
        assert_eq!(
            fix(src),
            "on:\n  push:\n    paths:\n      - '**/README.md'  # docs\n      - '!docs/**'\n      - src/**\n      - 'already/*'\n"
        );
    }

    #[test]
    fn quotes_flow_items_with_brackets_and_commas() {
        let src = "on:\n  pull_request:\n    paths: [**.md, src/{a,b}/**, ok, 'q']\n";
        assert_eq!(
            fix(src),
            "on:\n  pull_request:\n    paths: ['**.md', 'src/{a,b}/**', ok, 'q']\n"
        );
    }

    #[test]
    fn quotes_single_value_and_doubles_quotes() {
        let src = "on:\n  push:\n    tags: !it's-*\n";
        assert_eq!(fix(src), "on:\n  push:\n    tags: '!it''s-*'\n");
    }

    #[test]
    fn real_aliases_are_left_alone() {
        let src = "on:\n  push:\n    branches: &b [main]\n  pull_request:\n    branches: *b\n";
        assert_eq!(fix(src), src);
    }

    #[test]
    fn anchors_and_tags_on_values_are_left_alone() {
        let src = "on:\n  push:\n    branches:\n      - &main main\n      - &b release\n      - !!str x\n      - !custom y\n      - &c !!str z\n  pull_request:\n    branches: [*main, &x y, !!str w]\n";
        assert_eq!(fix(src), src);
    }

    #[test]
    fn patterns_after_an_anchor_or_a_tag_are_quoted() {
        let src = "on:\n  push:\n    paths:\n      - &a **/x\n      - !!str **/y\n      - &b !!str !z\n    tags: [&t *v, !!str !w]\n";
        assert_eq!(
            fix(src),
            "on:\n  push:\n    paths:\n      - &a '**/x'\n      - !!str '**/y'\n      - &b !!str '!z'\n    tags: [&t '*v', !!str '!w']\n"
        );
    }

    #[test]
    fn comments_inside_a_flow_list_are_not_items() {
        let src = "on:\n  push:\n    branches: [main, # c\n      !x, # d, e\n      'q', # f\n      **/y]\n";
        assert_eq!(
            fix(src),
            "on:\n  push:\n    branches: [main, # c\n      '!x', # d, e\n      'q', # f\n      '**/y']\n"
        );
    }

    #[test]
    fn every_document_is_fixed() {
        let src = "on:\n  push:\n    paths: [a]\n---\non:\n  push:\n    paths:\n      - **/x\n---\non:\n  pull_request:\n    branches: [!y]\n";
        assert_eq!(
            fix(src),
            "on:\n  push:\n    paths: [a]\n---\non:\n  push:\n    paths:\n      - '**/x'\n---\non:\n  pull_request:\n    branches: ['!y']\n"
        );
    }

    #[test]
    fn bare_properties_are_patterns() {
        let src = "on:\n  push:\n    branches:\n      - !!str\n      - &orphan\n";
        assert_eq!(
            fix(src),
            "on:\n  push:\n    branches:\n      - '!!str'\n      - '&orphan'\n"
        );
    }

    #[test]
    fn other_keys_are_not_touched() {
        let src =
            "on:\n  push:\n    branches: [main]\njobs:\n  x:\n    steps:\n      - run: *foo\n";
        assert_eq!(fix(src), src);
    }
}
