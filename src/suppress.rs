//! Suppression comments: `# wffmt: ignore[rule,…]` and `# wffmt: ignore-file[rule,…]`.
//!
//! - `# wffmt: ignore[pin]` after content on a line silences `pin` on that line; on a line of
//!   its own it silences the next line with content (other comment lines in between are
//!   allowed, so several directives can stack). `# wffmt: ignore` without a list silences every
//!   rule.
//! - A line's reach extends over the values that start on it and span several lines: a
//!   `run: |` body, a multi-line quoted or plain scalar, a flow collection. YAML comments
//!   cannot stand inside a block scalar, so the `run:` line is the only place to suppress a
//!   finding in a script.
//! - `# wffmt: ignore-file[rule,…]` among the comments before the first content of the file
//!   silences those rules in the whole file.
//! - Directives may share a comment with other tools' directives
//!   (`# zizmor: ignore[artipacked] # wffmt: ignore[pin]`).
//!
//! The pipeline asks [`Suppressions::silences`] for every fix and finding of every rule and
//! records which directive silenced something, so that a directive that silences nothing can be
//! reported (ruff's unused-noqa). Rules whose fix covers a whole file (`layout`, `permissions`)
//! ask it too, through [`crate::passes::Context::suppressed`], to leave a line or a job alone. `# wffmt: off` / `# wffmt: on` are layout markers, not
//! suppressions; they are left to the layout rule.

use std::cell::{Cell, RefCell};

use crate::finding::{Finding, Severity};
use crate::syntax::{NodeKind, SyntaxTree, TokenKind};

/// The rule name findings about suppression comments are reported under.
pub const RULE: &str = "suppression";

/// One `wffmt: ignore…` directive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Directive {
    /// Position of the comment (1-based line and column).
    pub line: usize,
    pub column: usize,
    /// The rules named; `None` for all rules.
    pub rules: Option<Vec<String>>,
    /// Lines (1-based, inclusive) the directive covers; `None` for the whole file.
    pub lines: Option<(usize, usize)>,
}

impl Directive {
    fn names(&self, rule: &str) -> bool {
        self.rules
            .as_ref()
            .is_none_or(|rules| rules.iter().any(|r| r == rule))
    }

    fn covers(&self, line: usize) -> bool {
        self.lines
            .is_none_or(|(from, to)| from <= line && line <= to)
    }
}

/// Every directive of one document, the problems found while reading them, and which
/// directives silenced something so far.
#[derive(Debug, Default)]
pub struct Suppressions {
    pub directives: Vec<Directive>,
    /// Malformed directives, unknown rule names, `ignore-file` below content.
    pub problems: Vec<Finding>,
    /// For each directive, the rules it silenced something of (while recording).
    used: RefCell<Vec<Vec<String>>>,
    recording: Cell<bool>,
}

impl Suppressions {
    /// Reads the directives of `tree`. `known_rules` are the names a directive may list.
    pub fn read(tree: &SyntaxTree, known_rules: &[&str]) -> Suppressions {
        let mut out = Suppressions::default();
        let text = tree.text();
        // Every directive starts with `wffmt:`; most files have none.
        if memchr::memmem::find(text.as_bytes(), b"wffmt:").is_none() {
            return out;
        }
        let tokens = tree.tokens();
        let first_content = tokens
            .iter()
            .position(|t| !t.kind.is_trivia())
            .unwrap_or(tokens.len());
        for (i, t) in tokens.iter().enumerate() {
            if t.kind != TokenKind::Comment {
                continue;
            }
            let comment = t.text(text);
            for (offset, body) in segments(comment) {
                let Some(parsed) = parse_directive(body) else {
                    continue;
                };
                let at = t.start as usize + offset;
                let (line, column) = tree.line_col(at);
                let (file_wide, rules) = match parsed {
                    Ok(parsed) => parsed,
                    Err(why) => {
                        out.problems.push(problem(line, column, why));
                        continue;
                    }
                };
                if let Some(rules) = &rules {
                    for rule in rules {
                        if !known_rules.contains(&rule.as_str()) {
                            out.problems.push(problem(
                                line,
                                column,
                                format!(
                                    "unknown rule `{rule}` in a suppression comment; the rules are: {}",
                                    known_rules.join(", ")
                                ),
                            ));
                        }
                    }
                }
                let lines = if file_wide {
                    if i > first_content {
                        out.problems.push(problem(
                            line,
                            column,
                            "`wffmt: ignore-file[…]` must stand before the first content of the file; it was not applied".to_string(),
                        ));
                        continue;
                    }
                    None
                } else {
                    match target_lines(tree, i) {
                        Some(lines) => Some(lines),
                        None => {
                            out.problems.push(problem(
                                line,
                                column,
                                "this suppression comment has no line after it to apply to"
                                    .to_string(),
                            ));
                            continue;
                        }
                    }
                };
                out.directives.push(Directive {
                    line,
                    column,
                    rules,
                    lines,
                });
            }
        }
        out
    }

    /// Whether a directive silences `rule` at `line` (1-based). While recording, the directive
    /// is remembered as used, so that it is not reported as unused.
    pub fn silences(&self, rule: &str, line: usize) -> bool {
        let Some(index) = self
            .directives
            .iter()
            .position(|d| d.names(rule) && d.covers(line))
        else {
            return false;
        };
        if self.recording.get() {
            let mut used = self.used.borrow_mut();
            if used.len() < self.directives.len() {
                used.resize(self.directives.len(), Vec::new());
            }
            if !used[index].iter().any(|r| r == rule) {
                used[index].push(rule.to_string());
            }
        }
        true
    }

    /// Turns usage recording on or off.
    pub fn record(&self, on: bool) {
        self.recording.set(on && !self.directives.is_empty());
    }

    /// The rules each directive silenced something of, by directive index.
    pub fn used(&self) -> Vec<Vec<String>> {
        let mut used = self.used.borrow().clone();
        used.resize(self.directives.len(), Vec::new());
        used
    }

    /// Carries usage over from the same directives read from an earlier version of the text.
    pub fn inherit_usage(&self, earlier: &Suppressions) {
        *self.used.borrow_mut() = earlier.used();
    }

    pub fn is_empty(&self) -> bool {
        self.directives.is_empty()
    }
}

fn problem(line: usize, column: usize, message: String) -> Finding {
    Finding::new(RULE, Severity::Warning, line, column, message).with_help(
        "write `# wffmt: ignore[rule,…]` on the line or the line before it, or `# wffmt: ignore-file[rule,…]` at the top of the file",
    )
}

/// The parts of a comment that start with `#`, with their byte offsets in the comment:
/// `# a # wffmt: ignore[pin]` has two.
fn segments(comment: &str) -> impl Iterator<Item = (usize, &str)> {
    comment
        .match_indices('#')
        .map(move |(at, _)| (at, comment[at + 1..].split('#').next().unwrap_or("")))
}

type Parsed = Result<(bool, Option<Vec<String>>), String>;

/// `wffmt: ignore[a, b]` → `(false, Some([a, b]))`; `None` when the text is no suppression
/// directive at all (`wffmt: off` included).
fn parse_directive(body: &str) -> Option<Parsed> {
    let rest = body.trim_start().strip_prefix("wffmt:")?.trim_start();
    let (file_wide, rest) = if let Some(r) = rest.strip_prefix("ignore-file") {
        (true, r)
    } else if let Some(r) = rest.strip_prefix("ignore") {
        (false, r)
    } else {
        return None;
    };
    let rest = rest.trim_end();
    if rest.is_empty() {
        return Some(Ok((file_wide, None)));
    }
    let Some(list) = rest
        .strip_prefix('[')
        .and_then(|r| r.split_once(']'))
        .filter(|(_, after)| after.trim().is_empty() || after.starts_with(char::is_whitespace))
        .map(|(list, _)| list)
    else {
        return Some(Err(format!(
            "malformed suppression comment `{}`: expected `ignore[rule,…]`",
            body.trim()
        )));
    };
    let rules: Vec<String> = list
        .split(',')
        .map(|r| r.trim().to_string())
        .filter(|r| !r.is_empty())
        .collect();
    if rules.is_empty() {
        return Some(Err(
            "empty rule list in a suppression comment: name the rules, or write `ignore` alone for all of them"
                .to_string(),
        ));
    }
    Some(Ok((file_wide, Some(rules))))
}

/// The lines a line directive in comment token `comment` covers: the comment's own line when
/// content precedes it there, otherwise the next line with content; extended over the values
/// that start on that line and span several lines.
fn target_lines(tree: &SyntaxTree, comment: usize) -> Option<(usize, usize)> {
    let tokens = tree.tokens();
    let own_line = tokens[..comment]
        .iter()
        .rev()
        .take_while(|t| t.kind != TokenKind::Newline)
        .all(|t| t.kind.is_trivia());
    let anchor = if own_line {
        tokens[comment..]
            .iter()
            .find(|t| !t.kind.is_trivia())
            .map(|t| t.start as usize)?
    } else {
        tokens[comment].start as usize
    };
    let line_start = tree.line_start(anchor);
    let line = tree.line_col(anchor).0;
    // Tokens that start on the line, and where the values they open end.
    let mut end = anchor;
    let first = tokens.partition_point(|t| (t.start as usize) < line_start);
    let mut i = first;
    while i < tokens.len() {
        let t = &tokens[i];
        if t.kind == TokenKind::Newline && (t.start as usize) >= line_start {
            break;
        }
        end = end.max(t.end as usize);
        if t.kind == TokenKind::BlockHeader {
            if let Some(body) = tokens[i + 1..]
                .iter()
                .find(|b| {
                    !matches!(
                        b.kind,
                        TokenKind::Whitespace | TokenKind::Comment | TokenKind::Newline
                    )
                })
                .filter(|b| b.kind == TokenKind::BlockBody)
            {
                end = end.max(body.end as usize);
            }
        }
        i += 1;
    }
    // Flow collections opened on the line run to their closing bracket.
    let mut stack = vec![tree.root()];
    while let Some(n) = stack.pop() {
        let r = tree.range(n);
        if r.end < line_start {
            continue;
        }
        if matches!(tree.kind(n), NodeKind::FlowMap | NodeKind::FlowSeq)
            && tree.line_start(r.start) == line_start
        {
            end = end.max(r.end);
            continue;
        }
        if r.start <= end {
            stack.extend(tree.children(n));
        }
    }
    // A line break ends the range on the line it ends.
    let last = tree.line_col(end.saturating_sub(1).max(anchor)).0;
    Some((line, last.max(line)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::syntax::parse;

    const RULES: &[&str] = &["pin", "layout", "deprecated-commands"];

    fn read(text: &str) -> Suppressions {
        Suppressions::read(&parse(text), RULES)
    }

    #[test]
    fn trailing_directive_covers_its_line() {
        let s = read("a: 1\nb: x # wffmt: ignore[pin]\nc: 2\n");
        assert!(s.problems.is_empty(), "{:?}", s.problems);
        assert_eq!(s.directives[0].lines, Some((2, 2)));
        assert!(s.silences("pin", 2));
        assert!(!s.silences("pin", 3));
        assert!(!s.silences("layout", 2));
    }

    #[test]
    fn own_line_directive_covers_the_next_content_line() {
        let s = read("a: 1\n# wffmt: ignore[pin, layout]\n# other\n\nb: 2\n");
        assert_eq!(s.directives[0].lines, Some((5, 5)));
        assert!(s.silences("layout", 5));
    }

    #[test]
    fn a_block_scalar_started_on_the_line_is_covered() {
        let s = read(
            "steps:\n  - run: | # wffmt: ignore[deprecated-commands]\n      echo a\n      echo b\n  - run: c\n",
        );
        assert_eq!(s.directives[0].lines, Some((2, 4)));
    }

    #[test]
    fn a_flow_collection_started_on_the_line_is_covered() {
        let s = read("# wffmt: ignore\nx: [a,\n  b,\n  c]\ny: 1\n");
        assert_eq!(s.directives[0].lines, Some((2, 4)));
        assert!(s.silences("anything", 3));
    }

    #[test]
    fn file_directive_at_the_top_covers_everything() {
        let s = read("# wffmt: ignore-file[layout]\non: push\n");
        assert_eq!(s.directives[0].lines, None);
        assert!(s.silences("layout", 99));
        assert!(!s.silences("pin", 1));
    }

    #[test]
    fn file_directive_below_content_is_a_problem_and_not_applied() {
        let s = read("on: push\n# wffmt: ignore-file[layout]\n");
        assert!(s.directives.is_empty());
        assert_eq!(s.problems.len(), 1);
        assert_eq!((s.problems[0].line, s.problems[0].column), (2, 1));
    }

    #[test]
    fn directives_share_comments_with_other_tools() {
        let s = read("- uses: a/b@v1 # zizmor: ignore[artipacked] # wffmt: ignore[pin]\n");
        assert_eq!(s.directives.len(), 1);
        assert_eq!(s.directives[0].column, 45);
    }

    #[test]
    fn unknown_rules_and_malformed_lists_are_reported() {
        let s =
            read("a: 1 # wffmt: ignore[pinn]\nb: 2 # wffmt: ignore[pin\nc: 3 # wffmt: ignore[]\n");
        let messages: Vec<&str> = s.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert!(messages[0].contains("unknown rule `pinn`"));
        assert!(messages[1].contains("malformed"));
        assert!(messages[2].contains("empty rule list"));
    }

    #[test]
    fn layout_markers_are_not_directives() {
        let s = read("# wffmt: off\na:  1\n# wffmt: on\n");
        assert!(s.directives.is_empty() && s.problems.is_empty());
    }

    #[test]
    fn a_directive_at_the_end_of_the_file_applies_to_nothing() {
        let s = read("a: 1\n# wffmt: ignore[pin]\n");
        assert!(s.directives.is_empty());
        assert_eq!(s.problems.len(), 1);
    }
}
