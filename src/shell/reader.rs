//! The reader behind [`super::parse`]: one pass over the bytes, building words, commands and
//! the stack of compound commands around them. The text of the words goes into one string
//! ([`Commands`]): scripts have many short words.

use std::ops::Range;

use super::{CommandAt, Commands, Construct, Redirect, WordAt};

pub(super) fn read(src: &str) -> Commands {
    // A PowerShell continuation becomes blanks of the same length, so offsets stay true.
    let joined;
    let b = src.as_bytes();
    let continued = memchr::memchr_iter(b'`', b).any(|i| {
        i > 0
            && b[i - 1] == b' '
            && (b[i + 1..].starts_with(b"\n") || b[i + 1..].starts_with(b"\r\n"))
    });
    let src = if continued {
        joined = src.replace(" `\r\n", "    ").replace(" `\n", "   ");
        joined.as_str()
    } else {
        src
    };
    let mut p = Reader {
        s: src,
        b: src.as_bytes(),
        i: 0,
        word_open: false,
        word_start: 0,
        word_text: 0,
        skip_next_word: false,
        cmd_first: 0,
        cmd_redirects: Vec::new(),
        cmd_start: None,
        cmd_end: 0,
        // The words' text is at most the script's.
        out: Commands {
            text: String::with_capacity(src.len()),
            ..Commands::default()
        },
        heredocs: Vec::new(),
        depth: 0,
        in_case: 0,
        expect_pattern: false,
        in_cond: false,
        frames: Vec::new(),
        pending_function: false,
        just_closed: None,
        exec_diverted: false,
    };
    p.run();
    p.out
}

/// An open compound command and the index of its first command.
struct Frame {
    construct: Construct,
    first: usize,
}

struct Reader<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    /// A word is being read (it may be empty so far: `""`).
    word_open: bool,
    /// Where the word being read starts in the script, and its text in `out.text`.
    word_start: usize,
    word_text: usize,
    skip_next_word: bool,
    /// The index in `out.words` of the first word of the command being read.
    cmd_first: usize,
    cmd_redirects: Vec<Redirect>,
    cmd_start: Option<usize>,
    cmd_end: usize,
    out: Commands,
    /// Pending here-documents: delimiter and whether leading tabs are stripped (`<<-`).
    heredocs: Vec<(String, bool)>,
    /// Open subshell parentheses; a `)` at depth 0 ends a `case` pattern.
    depth: usize,
    /// Open `case ... in` constructs.
    in_case: usize,
    /// The next thing is a `case` pattern (after `in` or `;;`).
    expect_pattern: bool,
    /// Inside `[[ ... ]]`.
    in_cond: bool,
    frames: Vec<Frame>,
    /// A function header was read; the next group is its body.
    pending_function: bool,
    /// Commands of the compound command that the last command closed (for a redirection or
    /// pipe that follows it).
    just_closed: Option<Range<usize>>,
    /// `exec >file` ran: no later command writes to the step's output.
    exec_diverted: bool,
}

/// Bytes that [`Reader::run`] may treat as more than a character of the current word (some
/// only in some places: `$`, `#`, `(`). Every other byte, UTF-8 continuation bytes included,
/// just extends the word.
const fn is_special(c: u8) -> bool {
    matches!(
        c,
        b'$' | b'<'
            | b'>'
            | b'`'
            | b'\''
            | b'"'
            | b'\\'
            | b' '
            | b'\t'
            | b'\r'
            | b'\n'
            | b';'
            | b'|'
            | b'&'
            | b'('
            | b')'
            | b'#'
    )
}

/// [`is_special`] of every byte, looked up instead of compared: the runs of ordinary
/// characters are most of a script.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    let mut c = 0;
    while c < 256 {
        table[c] = is_special(c as u8);
        c += 1;
    }
    table
};

/// Words that open, continue or close compound commands when they start a command.
const KEYWORDS: [&str; 18] = [
    "if", "then", "else", "elif", "fi", "do", "done", "while", "until", "for", "select", "case",
    "esac", "{", "}", "!", "time", "function",
];

fn is_keyword(w: &str) -> bool {
    keyword(w).is_some()
}

/// The keyword `w` is, as a string that borrows nothing.
fn keyword(w: &str) -> Option<&'static str> {
    KEYWORDS.iter().find(|k| **k == w).copied()
}

impl<'a> Reader<'a> {
    fn at(&self, pat: &str) -> bool {
        self.s[self.i..].starts_with(pat)
    }

    fn peek(&self, off: usize) -> Option<u8> {
        self.b.get(self.i + off).copied()
    }

    /// The text of the word being read, opened here if none is.
    fn word_mut(&mut self) -> &mut String {
        if !self.word_open {
            self.word_open = true;
            self.word_start = self.i;
            self.word_text = self.out.text.len();
        }
        &mut self.out.text
    }

    /// The word being read, if one is.
    fn word(&self) -> Option<&str> {
        self.word_open.then(|| &self.out.text[self.word_text..])
    }

    /// The text of word `k` of `out.words`.
    fn word_at(&self, k: usize) -> &str {
        &self.out.text[self.out.words[k].text.clone()]
    }

    /// No word of a command has been read yet.
    fn cmd_is_empty(&self) -> bool {
        self.out.words.len() == self.cmd_first
    }

    /// Index just after the UTF-8 character starting at `i`.
    fn next_char(&self, i: usize) -> usize {
        let mut j = i + 1;
        while j < self.b.len() && !self.s.is_char_boundary(j) {
            j += 1;
        }
        j.min(self.b.len())
    }

    fn end_word(&mut self) {
        if !std::mem::take(&mut self.word_open) {
            return;
        }
        let text = self.word_text..self.out.text.len();
        let span = self.word_start..self.i;
        self.cmd_start.get_or_insert(span.start);
        self.cmd_end = self.cmd_end.max(span.end);
        if self.skip_next_word {
            self.skip_next_word = false;
            let target = self.out.text[text.clone()].to_string();
            self.out.text.truncate(text.start);
            if let Some(r) = self.cmd_redirects.last_mut() {
                r.target = Some(target);
                r.span.end = span.end;
            }
            return;
        }
        let w = &self.out.text[text.clone()];
        if self.in_cond && w == "]]" && self.s[span.clone()] == *"]]" {
            self.in_cond = false;
        } else if w == "[["
            && self.s[span.clone()] == *"[["
            && (self.cmd_first..self.out.words.len()).all(|k| is_keyword(self.word_at(k)))
        {
            self.in_cond = true;
        }
        self.out.words.push(WordAt { text, span });
    }

    /// Ends the current command. Returns whether a command was recorded.
    fn end_cmd(&mut self) -> bool {
        self.end_word();
        self.skip_next_word = false;
        self.in_cond = false;
        let start = self.cmd_start.take();
        if self.cmd_is_empty() {
            // Only redirections: they apply to the compound command just closed, if any.
            if let Some(range) = self.just_closed.take() {
                if self.cmd_redirects.iter().any(Redirect::diverts_output) {
                    self.divert(range);
                }
            }
            self.cmd_redirects.clear();
            return false;
        }
        let words = self.cmd_first..self.out.words.len();
        let index = self.out.commands.len();
        self.just_closed = None;
        let mut closed: Option<Range<usize>> = None;
        // Leading keywords open and close compound commands.
        for k in words.clone() {
            let Some(w) = keyword(self.word_at(k)) else {
                break;
            };
            if self.s[self.out.words[k].span.clone()] != *w {
                break;
            }
            let open = |construct| Frame {
                construct,
                first: index,
            };
            match w {
                "if" => self.frames.push(open(Construct::If)),
                "while" | "until" | "for" | "select" => {
                    self.frames.push(open(Construct::Loop));
                    if w == "for" || w == "select" {
                        break;
                    }
                }
                "case" => {
                    self.frames.push(open(Construct::Case));
                    break;
                }
                "{" => {
                    let construct = if std::mem::take(&mut self.pending_function) {
                        Construct::Function
                    } else {
                        Construct::Group
                    };
                    self.frames.push(open(construct));
                }
                "function" => {
                    if k + 1 < words.end {
                        let name = self.word_at(k + 1).to_string();
                        self.out.functions.push(name);
                    }
                    if self.word_at(words.end - 1) == "{" && words.len() > 2 {
                        self.frames.push(open(Construct::Function));
                    } else {
                        self.pending_function = true;
                    }
                    break;
                }
                "}" => closed = self.close(&[Construct::Group, Construct::Function]),
                "fi" => closed = self.close(&[Construct::If]),
                "done" => closed = self.close(&[Construct::Loop]),
                "esac" => closed = self.close(&[Construct::Case]),
                _ => {}
            }
        }
        let first = self.word_at(words.start);
        if first == "case" && self.word_at(words.end - 1) == "in" {
            self.in_case += 1;
            self.expect_pattern = true;
        } else if first == "esac" {
            self.in_case = self.in_case.saturating_sub(1);
        }
        let diverts = self.cmd_redirects.iter().any(Redirect::diverts_output);
        let exec_redirect = words.len() == 1 && self.word_at(words.start) == "exec" && diverts;
        let context = self.out.contexts.len();
        self.out
            .contexts
            .extend(self.frames.iter().map(|f| f.construct));
        let redirects = self.out.redirects.len();
        self.out.redirects.append(&mut self.cmd_redirects);
        self.out.commands.push(CommandAt {
            words,
            span: start.unwrap_or(self.cmd_end)..self.cmd_end,
            redirects: redirects..self.out.redirects.len(),
            context: context..self.out.contexts.len(),
            output_diverted: self.exec_diverted || diverts,
        });
        self.cmd_first = self.out.words.len();
        if let Some(range) = closed {
            // A redirection of a closing `}`/`done`/`fi` applies to the whole construct.
            if self.out.commands[index].output_diverted {
                self.divert(range.clone());
            }
            self.just_closed = Some(range.start..index + 1);
        }
        if exec_redirect {
            self.exec_diverted = true;
        }
        true
    }

    /// Forgets the command read so far (a function or `case` header).
    fn drop_cmd(&mut self) {
        if let Some(first) = self.out.words.get(self.cmd_first) {
            self.out.text.truncate(first.text.start);
        }
        self.out.words.truncate(self.cmd_first);
        self.cmd_redirects.clear();
        self.cmd_start = None;
        self.skip_next_word = false;
    }

    /// Pops the innermost open construct of one of `kinds`; returns its commands.
    fn close(&mut self, kinds: &[Construct]) -> Option<Range<usize>> {
        let at = self
            .frames
            .iter()
            .rposition(|f| kinds.contains(&f.construct))?;
        let frame = self.frames.remove(at);
        self.frames.truncate(at);
        Some(frame.first..self.out.commands.len() + 1)
    }

    fn divert(&mut self, range: Range<usize>) {
        let end = range.end.min(self.out.commands.len());
        for c in &mut self.out.commands[range.start.min(end)..end] {
            c.output_diverted = true;
        }
    }

    /// At a `case` pattern: skips it up to its `)`, unless the construct ends here (`esac`).
    fn skip_pattern(&mut self) {
        while matches!(self.peek(0), Some(b' ' | b'\t' | b'\r' | b'\n')) {
            self.i += 1;
        }
        self.expect_pattern = false;
        let rest = &self.s[self.i..];
        let is_esac = rest.starts_with("esac")
            && !rest[4..]
                .bytes()
                .next()
                .is_some_and(|b| b.is_ascii_alphanumeric() || b == b'_');
        if is_esac || rest.is_empty() {
            return;
        }
        let mut j = self.i;
        while j < self.b.len() && self.b[j] != b')' && self.b[j] != b'\n' {
            match self.b[j] {
                b'\'' => {
                    j = self.s[j + 1..]
                        .find('\'')
                        .map_or(self.b.len(), |k| j + 1 + k);
                }
                b'"' => {
                    j = self.s[j + 1..]
                        .find('"')
                        .map_or(self.b.len(), |k| j + 1 + k);
                }
                b'\\' => j += 1,
                _ => {}
            }
            j += 1;
        }
        self.i = (j + 1).min(self.b.len());
    }

    fn expression(&mut self) {
        // The first `}}` after `${{`.
        let from = self.i + 3;
        let end = memchr::memchr_iter(b'}', &self.b[from..])
            .find(|&j| self.b.get(from + j + 1) == Some(&b'}'))
            .map_or(self.b.len(), |j| from + j + 2);
        let text = &self.s[self.i..end];
        self.word_mut().push_str(text);
        self.i = end;
    }

    /// The character at `self.i`, with the run of ordinary characters after it: bytes that
    /// [`Reader::run`] would add one by one to the word anyway.
    fn plain_char(&mut self) {
        let first = self.next_char(self.i);
        let end = self.b[first..]
            .iter()
            .position(|&c| SPECIAL[usize::from(c)])
            .map_or(self.b.len(), |j| first + j);
        let text = &self.s[self.i..end];
        self.word_mut().push_str(text);
        self.i = end;
    }

    fn run(&mut self) {
        while self.i < self.b.len() {
            if self.expect_pattern && !self.word_open && self.cmd_is_empty() {
                self.skip_pattern();
                continue;
            }
            let c = self.b[self.i];
            // Inside `[[ ... ]]` these are the test's own operators.
            if self.in_cond && matches!(c, b'&' | b'|' | b'<' | b'>' | b'(' | b')') {
                self.plain_char();
                continue;
            }
            match c {
                b'$' if self.at("${{") => self.expression(),
                b'$' if self.at("$(") => self.substitution(1),
                b'<' | b'>' if self.peek(1) == Some(b'(') => self.substitution(1),
                b'`' => self.backtick(),
                b'\'' => {
                    let start = self.i + 1;
                    let end = self.s[start..]
                        .find('\'')
                        .map_or(self.b.len(), |j| start + j);
                    let text = &self.s[start..end];
                    self.word_mut().push_str(text);
                    self.i = (end + 1).min(self.b.len());
                }
                b'"' => self.double_quoted(),
                b'\\' => match self.peek(1) {
                    Some(b'\n') => self.i += 2,
                    Some(b'\r') if self.peek(2) == Some(b'\n') => self.i += 3,
                    Some(_) => {
                        let end = self.next_char(self.i + 1);
                        let text = &self.s[self.i + 1..end];
                        self.word_mut().push_str(text);
                        self.i = end;
                    }
                    None => self.i += 1,
                },
                b' ' | b'\t' | b'\r' => {
                    self.end_word();
                    self.i += 1;
                }
                b'\n' => {
                    self.end_cmd();
                    self.just_closed = None;
                    self.i += 1;
                    self.read_heredoc_bodies();
                }
                b';' if self.peek(1) == Some(b';') => {
                    self.end_cmd();
                    self.i += 2;
                    if self.peek(0) == Some(b'&') {
                        self.i += 1;
                    }
                    if self.in_case > 0 {
                        self.expect_pattern = true;
                    }
                }
                b'|' if self.peek(1) != Some(b'|') => {
                    // A pipe: the output of what came before goes into it.
                    self.end_cmd();
                    match self.just_closed.take() {
                        Some(range) => self.divert(range),
                        None => {
                            let n = self.out.commands.len();
                            if n > 0 {
                                self.divert(n - 1..n);
                            }
                        }
                    }
                    self.i += 1;
                    if self.peek(0) == Some(b'&') {
                        self.i += 1;
                    }
                }
                b';' | b'|' => {
                    self.end_cmd();
                    self.just_closed = None;
                    self.i += if self.at("||") { 2 } else { 1 };
                }
                b'(' if self.word().is_some_and(|w| w.ends_with('=')) => {
                    // An array assignment `a=(x y)`: part of the word.
                    let end = self.balanced_paren(self.i);
                    let text = &self.s[self.i..end];
                    self.word_mut().push_str(text);
                    self.i = end;
                }
                b'(' if !self.word_open && self.peek(1) == Some(b'(') => {
                    // An arithmetic command `(( x > 0 ))`: no command to run.
                    self.i = self.balanced_paren(self.i);
                }
                b'(' => {
                    self.end_word();
                    // `name() {` is a function header, not a command.
                    let rest = self.s[self.i + 1..].trim_start_matches([' ', '\t']);
                    if rest.starts_with(')') {
                        if !self.cmd_is_empty() {
                            let name = self.word_at(self.out.words.len() - 1).to_string();
                            self.out.functions.push(name);
                        }
                        self.drop_cmd();
                        self.pending_function = true;
                        let skipped = self.s.len() - rest.len() + 1;
                        self.i = skipped;
                    } else {
                        self.end_cmd();
                        let construct = if std::mem::take(&mut self.pending_function) {
                            Construct::Function
                        } else {
                            Construct::Subshell
                        };
                        self.frames.push(Frame {
                            construct,
                            first: self.out.commands.len(),
                        });
                        self.depth += 1;
                        self.i += 1;
                    }
                }
                b')' => {
                    self.end_word();
                    if self.depth == 0 {
                        // The end of a one-line `case x in pattern)`: drop the header.
                        self.drop_cmd();
                    } else {
                        self.depth -= 1;
                        self.end_cmd();
                        let closed = self.close(&[Construct::Subshell, Construct::Function]);
                        self.just_closed = closed.map(|r| r.start..r.end - 1);
                    }
                    self.i += 1;
                }
                b'&' => {
                    if self.peek(1) == Some(b'>') {
                        // `&>file`: a redirection of both streams.
                        self.redirection();
                    } else {
                        self.end_cmd();
                        self.just_closed = None;
                        self.i += if self.at("&&") { 2 } else { 1 };
                    }
                }
                b'#' if !self.word_open => {
                    let end = self.s[self.i..]
                        .find('\n')
                        .map_or(self.b.len(), |j| self.i + j);
                    self.out.comments.push(self.i..end);
                    self.i = end;
                }
                b'<' if self.at("<<") && !self.at("<<<") => self.heredoc_operator(),
                b'>' | b'<' => self.redirection(),
                _ => self.plain_char(),
            }
        }
        self.end_cmd();
    }

    /// `$(...)`, `$((...))`, `<(...)` or `>(...)` at `self.i`; `open` is the offset of `(`.
    fn substitution(&mut self, open: usize) {
        let arithmetic = self.at("$((");
        let open = self.i + open;
        let end = self.balanced_paren(open);
        let inner_end = if end > open + 1 && self.b.get(end - 1) == Some(&b')') {
            end - 1
        } else {
            end
        };
        if !arithmetic {
            let inner = (open + 1).min(inner_end)..inner_end;
            self.out
                .substitutions
                .push(self.s[inner.clone()].to_string());
            self.out.substitution_spans.push(inner);
        }
        let raw = &self.s[self.i..end];
        self.word_mut().push_str(raw);
        self.i = end;
    }

    /// Given the index of a `(`, returns the index just after its matching `)` (or the end).
    fn balanced_paren(&self, open: usize) -> usize {
        let mut depth = 0usize;
        let mut j = open;
        while j < self.b.len() {
            match self.b[j] {
                b'(' => depth += 1,
                b')' => {
                    depth = depth.saturating_sub(1);
                    if depth == 0 {
                        return j + 1;
                    }
                }
                b'\\' => j += 1,
                b'<' if self.s[j..].starts_with("<<") && !self.s[j..].starts_with("<<<") => {
                    // A here-document inside a substitution: its body may hold anything.
                    j = self.skip_heredoc_in(j);
                    continue;
                }
                b'\'' => {
                    j = self.s[j + 1..]
                        .find('\'')
                        .map_or(self.b.len(), |k| j + 1 + k);
                }
                b'"' => {
                    let mut k = j + 1;
                    while k < self.b.len() && self.b[k] != b'"' {
                        if self.b[k] == b'\\' {
                            k += 1;
                        }
                        k += 1;
                    }
                    j = k;
                }
                _ => {}
            }
            j += 1;
        }
        self.b.len()
    }

    /// Given the index of `<<` inside a substitution, returns the index after the
    /// here-document's delimiter line (the rest of the `<<` line is kept for scanning).
    fn skip_heredoc_in(&self, at: usize) -> usize {
        let mut j = at + 2;
        let strip_tabs = self.b.get(j) == Some(&b'-');
        if strip_tabs {
            j += 1;
        }
        while matches!(self.b.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        let mut delim = String::new();
        while let Some(&c) = self.b.get(j) {
            match c {
                b' ' | b'\t' | b'\n' | b'\r' | b';' | b'|' | b'&' | b'<' | b'>' | b'(' | b')' => {
                    break
                }
                b'\'' | b'"' | b'\\' => j += 1,
                _ => {
                    let end = self.next_char(j);
                    delim.push_str(&self.s[j..end]);
                    j = end;
                }
            }
        }
        if delim.is_empty() {
            return j;
        }
        // The rest of this line still belongs to the command; the body starts on the next.
        let Some(nl) = self.s[j..].find('\n') else {
            return self.b.len();
        };
        let mut k = j + nl + 1;
        while k < self.b.len() {
            let end = self.s[k..].find('\n').map_or(self.b.len(), |x| k + x);
            let mut line = self.s[k..end].trim_end();
            if strip_tabs {
                line = line.trim_start_matches('\t');
            }
            k = (end + 1).min(self.b.len());
            if line == delim {
                break;
            }
        }
        // Scanning resumes at the end of the `<<` line so that a `)` there still counts.
        let rest_of_line = &self.s[j..j + nl];
        if rest_of_line.contains(')') {
            // e.g. `$(cat <<EOF)`: unusual; keep scanning the line itself.
            return j;
        }
        k.max(j)
    }

    fn backtick(&mut self) {
        let start = self.i + 1;
        let mut j = start;
        while j < self.b.len() && self.b[j] != b'`' {
            if self.b[j] == b'\\' {
                j += 1;
            }
            j += 1;
        }
        let inner_end = j.min(self.b.len());
        let inner = start.min(inner_end)..inner_end;
        self.out
            .substitutions
            .push(self.s[inner.clone()].to_string());
        self.out.substitution_spans.push(inner);
        let end = (j + 1).min(self.b.len());
        let raw = &self.s[self.i..end];
        self.word_mut().push_str(raw);
        self.i = end;
    }

    fn double_quoted(&mut self) {
        self.word_mut();
        self.i += 1;
        while self.i < self.b.len() {
            match self.b[self.i] {
                b'"' => {
                    self.i += 1;
                    return;
                }
                b'\\' => match self.peek(1) {
                    Some(b'\n') => self.i += 2,
                    Some(c @ (b'$' | b'`' | b'"' | b'\\')) => {
                        self.word_mut().push(c as char);
                        self.i += 2;
                    }
                    _ => {
                        self.word_mut().push('\\');
                        self.i += 1;
                    }
                },
                b'$' if self.at("${{") => self.expression(),
                b'$' if self.at("$(") => self.substitution(1),
                b'`' => self.backtick(),
                _ => self.plain_char(),
            }
        }
    }

    /// A redirection operator at `self.i` (with a descriptor number already read as a word).
    fn redirection(&mut self) {
        // A file-descriptor number right before the operator (`2>`) belongs to it.
        let is_fd = self
            .word()
            .is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()));
        let fd = if is_fd {
            let fd = self.out.text.split_off(self.word_text);
            self.word_open = false;
            Some((fd, self.word_start))
        } else {
            self.end_word();
            None
        };
        let start = fd.as_ref().map_or(self.i, |(_, s)| *s);
        let mut op = fd.map(|(f, _)| f).unwrap_or_default();
        let op_start = self.i;
        self.i += 1;
        while matches!(self.peek(0), Some(b'>' | b'<' | b'|')) {
            self.i += 1;
        }
        let mut dup = false;
        if self.peek(0) == Some(b'&') {
            // `>&2`, `<&-`: duplicating a descriptor, no target word.
            self.i += 1;
            while matches!(self.peek(0), Some(b'0'..=b'9' | b'-')) {
                self.i += 1;
            }
            dup = true;
        }
        op.push_str(&self.s[op_start..self.i]);
        self.cmd_start.get_or_insert(start);
        self.cmd_end = self.cmd_end.max(self.i);
        self.cmd_redirects.push(Redirect {
            op,
            target: None,
            span: start..self.i,
        });
        if !dup {
            self.skip_next_word = true;
        }
    }

    fn heredoc_operator(&mut self) {
        self.end_word();
        let start = self.i;
        self.i += 2;
        let strip_tabs = self.peek(0) == Some(b'-');
        if strip_tabs {
            self.i += 1;
        }
        let op = self.s[start..self.i].to_string();
        while matches!(self.peek(0), Some(b' ' | b'\t')) {
            self.i += 1;
        }
        let mut delim = String::new();
        while self.i < self.b.len() {
            match self.b[self.i] {
                b' ' | b'\t' | b'\n' | b'\r' | b';' | b'|' | b'&' | b'<' | b'>' | b'(' | b')' => {
                    break
                }
                b'\'' | b'"' | b'\\' => self.i += 1,
                _ => {
                    let end = self.next_char(self.i);
                    delim.push_str(&self.s[self.i..end]);
                    self.i = end;
                }
            }
        }
        self.cmd_start.get_or_insert(start);
        self.cmd_end = self.cmd_end.max(self.i);
        self.cmd_redirects.push(Redirect {
            op,
            target: Some(delim.clone()),
            span: start..self.i,
        });
        if !delim.is_empty() {
            self.heredocs.push((delim, strip_tabs));
        }
    }

    /// After a newline: skips the bodies of the here-documents opened on the previous line.
    fn read_heredoc_bodies(&mut self) {
        let pending = std::mem::take(&mut self.heredocs);
        for (delim, strip_tabs) in pending {
            let body_start = self.i;
            loop {
                if self.i >= self.b.len() {
                    self.out.heredoc_bodies.push(body_start..self.b.len());
                    return;
                }
                let end = self.s[self.i..]
                    .find('\n')
                    .map_or(self.b.len(), |j| self.i + j);
                let mut line = self.s[self.i..end].trim_end();
                if strip_tabs {
                    line = line.trim_start_matches('\t');
                }
                let line_start = self.i;
                self.i = (end + 1).min(self.b.len());
                if line == delim {
                    self.out.heredoc_bodies.push(body_start..line_start);
                    break;
                }
            }
        }
    }
}
