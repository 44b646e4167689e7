//! A small, forgiving shell lexer: just enough of POSIX sh / bash to find the simple commands of
//! a `run:` script and their words.
//!
//! It understands quoting (`'...'`, `"..."`, backslashes), line continuations, comments,
//! command separators (newline, `;`, `&`, `&&`, `|`, `||`, subshell parentheses), redirections
//! (dropped with their target), here-documents (their bodies are data, not commands), GitHub
//! expressions `${{ ... }}` (kept whole, even with spaces inside), and command substitutions
//! `$(...)` / backticks, whose contents are returned separately so the caller can analyse them
//! as scripts too. `case` patterns and function headers are dropped.
//!
//! It never fails: unterminated quotes or substitutions run to the end of the script. Byte
//! offsets are used throughout; every special character is ASCII, so slicing at them is always
//! on a UTF-8 character boundary.

/// One simple command: its words with quotes removed. Leading assignments are kept as words.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Command {
    /// The words, quotes removed, `${{ ... }}` and `$(...)` kept as written.
    pub words: Vec<String>,
}

/// The commands of a script, plus the texts of its command substitutions.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Script {
    /// Simple commands in order.
    pub commands: Vec<Command>,
    /// Inner texts of `$(...)` and backtick substitutions, in order.
    pub substitutions: Vec<String>,
    /// Names of the shell functions the script defines (`name() {` or `function name`).
    pub functions: Vec<String>,
}

/// Splits `src` into simple commands. A PowerShell line continuation (a line ending in a
/// backtick after a space) is read as one, so that `pwsh` scripts split the same way.
pub fn parse(src: &str) -> Script {
    let joined;
    let src = if src.contains(" `\n") || src.contains(" `\r\n") {
        joined = src.replace(" `\r\n", "  ").replace(" `\n", "  ");
        joined.as_str()
    } else {
        src
    };
    let mut p = Parser {
        s: src,
        b: src.as_bytes(),
        i: 0,
        word: None,
        skip_next_word: false,
        cmd: Vec::new(),
        out: Script::default(),
        heredocs: Vec::new(),
        depth: 0,
        in_case: 0,
        expect_pattern: false,
    };
    p.run();
    p.out
}

struct Parser<'a> {
    s: &'a str,
    b: &'a [u8],
    i: usize,
    word: Option<String>,
    skip_next_word: bool,
    cmd: Vec<String>,
    out: Script,
    /// Pending here-documents: delimiter and whether leading tabs are stripped (`<<-`).
    heredocs: Vec<(String, bool)>,
    /// Open subshell parentheses; a `)` at depth 0 ends a `case` pattern.
    depth: usize,
    /// Open `case ... in` constructs.
    in_case: usize,
    /// The next thing is a `case` pattern (after `in` or `;;`).
    expect_pattern: bool,
}

impl<'a> Parser<'a> {
    fn at(&self, pat: &str) -> bool {
        self.s[self.i..].starts_with(pat)
    }

    fn peek(&self, off: usize) -> Option<u8> {
        self.b.get(self.i + off).copied()
    }

    fn word_mut(&mut self) -> &mut String {
        self.word.get_or_insert_with(String::new)
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
        if let Some(w) = self.word.take() {
            if self.skip_next_word {
                self.skip_next_word = false;
            } else {
                self.cmd.push(w);
            }
        }
    }

    fn end_cmd(&mut self) {
        self.end_word();
        self.skip_next_word = false;
        if !self.cmd.is_empty() {
            let words = std::mem::take(&mut self.cmd);
            if words.first().map(String::as_str) == Some("case")
                && words.last().map(String::as_str) == Some("in")
            {
                self.in_case += 1;
                self.expect_pattern = true;
            } else if words.first().map(String::as_str) == Some("esac") {
                self.in_case = self.in_case.saturating_sub(1);
            } else if words.first().map(String::as_str) == Some("function") {
                if let Some(name) = words.get(1) {
                    self.out.functions.push(name.clone());
                }
            }
            self.out.commands.push(Command { words });
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

    fn run(&mut self) {
        while self.i < self.b.len() {
            if self.expect_pattern && self.word.is_none() && self.cmd.is_empty() {
                self.skip_pattern();
                continue;
            }
            let c = self.b[self.i];
            match c {
                b'$' if self.at("${{") => {
                    let end = self.s[self.i + 3..]
                        .find("}}")
                        .map_or(self.b.len(), |j| self.i + 3 + j + 2);
                    let text = &self.s[self.i..end];
                    self.word_mut().push_str(text);
                    self.i = end;
                }
                b'$' if self.at("$(") => self.substitution(),
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
                b';' | b'|' => {
                    self.end_cmd();
                    self.i += 1;
                }
                b'(' if self.word.as_deref().is_some_and(|w| w.ends_with('=')) => {
                    // An array assignment `a=(x y)`: part of the word.
                    let end = self.balanced_paren(self.i);
                    let text = &self.s[self.i..end];
                    self.word_mut().push_str(text);
                    self.i = end;
                }
                b'(' if self.word.is_none() && self.peek(1) == Some(b'(') => {
                    // An arithmetic command `(( x > 0 ))`: no command to run.
                    self.i = self.balanced_paren(self.i);
                }
                b'(' => {
                    self.end_word();
                    // `name() {` is a function header, not a command.
                    let rest = self.s[self.i + 1..].trim_start_matches([' ', '\t']);
                    if rest.starts_with(')') {
                        if let Some(name) = self.cmd.last() {
                            self.out.functions.push(name.clone());
                        }
                        self.cmd.clear();
                        self.skip_next_word = false;
                        let skipped = self.s.len() - rest.len() + 1;
                        self.i = skipped;
                    } else {
                        self.end_cmd();
                        self.depth += 1;
                        self.i += 1;
                    }
                }
                b')' => {
                    self.end_word();
                    if self.depth == 0 {
                        // The end of a one-line `case x in pattern)`: drop the header.
                        self.cmd.clear();
                        self.skip_next_word = false;
                    } else {
                        self.depth -= 1;
                        self.end_cmd();
                    }
                    self.i += 1;
                }
                b'&' => {
                    if self.peek(1) == Some(b'>') {
                        // `&>file`: a redirection of both streams.
                        self.i += 1;
                    } else {
                        self.end_cmd();
                        self.i += 1;
                    }
                }
                b'#' if self.word.is_none() => {
                    let end = self.s[self.i..]
                        .find('\n')
                        .map_or(self.b.len(), |j| self.i + j);
                    self.i = end;
                }
                b'<' if self.at("<<") && !self.at("<<<") => self.heredoc_operator(),
                b'>' | b'<' => self.redirection(),
                _ => {
                    let end = self.next_char(self.i);
                    let text = &self.s[self.i..end];
                    self.word_mut().push_str(text);
                    self.i = end;
                }
            }
        }
        self.end_cmd();
    }

    /// `$(...)` or `$((...))` at `self.i`.
    fn substitution(&mut self) {
        let arithmetic = self.at("$((");
        let open = self.i + 1;
        let end = self.balanced_paren(open);
        let inner_end = if end > open + 1 && self.b.get(end - 1) == Some(&b')') {
            end - 1
        } else {
            end
        };
        if !arithmetic {
            let inner = &self.s[(open + 1).min(inner_end)..inner_end];
            self.out.substitutions.push(inner.to_string());
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
        let inner = &self.s[start.min(inner_end)..inner_end];
        self.out.substitutions.push(inner.to_string());
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
                b'$' if self.at("${{") => {
                    let end = self.s[self.i + 3..]
                        .find("}}")
                        .map_or(self.b.len(), |j| self.i + 3 + j + 2);
                    let text = &self.s[self.i..end];
                    self.word_mut().push_str(text);
                    self.i = end;
                }
                b'$' if self.at("$(") => self.substitution(),
                b'`' => self.backtick(),
                _ => {
                    let end = self.next_char(self.i);
                    let text = &self.s[self.i..end];
                    self.word_mut().push_str(text);
                    self.i = end;
                }
            }
        }
    }

    fn redirection(&mut self) {
        // A file-descriptor number right before the operator (`2>`) belongs to it.
        if self
            .word
            .as_deref()
            .is_some_and(|w| !w.is_empty() && w.bytes().all(|b| b.is_ascii_digit()))
        {
            self.word = None;
        } else {
            self.end_word();
        }
        self.i += 1;
        while matches!(self.peek(0), Some(b'>' | b'<' | b'|')) {
            self.i += 1;
        }
        if self.peek(0) == Some(b'&') {
            // `>&2`, `<&-`: duplicating a descriptor, no target word.
            self.i += 1;
            while matches!(self.peek(0), Some(b'0'..=b'9' | b'-')) {
                self.i += 1;
            }
            return;
        }
        self.skip_next_word = true;
    }

    fn heredoc_operator(&mut self) {
        self.end_word();
        self.i += 2;
        let strip_tabs = self.peek(0) == Some(b'-');
        if strip_tabs {
            self.i += 1;
        }
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
        if !delim.is_empty() {
            self.heredocs.push((delim, strip_tabs));
        }
    }

    /// After a newline: skips the bodies of the here-documents opened on the previous line.
    fn read_heredoc_bodies(&mut self) {
        let pending = std::mem::take(&mut self.heredocs);
        for (delim, strip_tabs) in pending {
            loop {
                if self.i >= self.b.len() {
                    return;
                }
                let end = self.s[self.i..]
                    .find('\n')
                    .map_or(self.b.len(), |j| self.i + j);
                let mut line = self.s[self.i..end].trim_end();
                if strip_tabs {
                    line = line.trim_start_matches('\t');
                }
                self.i = (end + 1).min(self.b.len());
                if line == delim {
                    break;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(src: &str) -> Vec<Vec<String>> {
        parse(src).commands.into_iter().map(|c| c.words).collect()
    }

    fn w(v: &[&[&str]]) -> Vec<Vec<String>> {
        v.iter()
            .map(|c| c.iter().map(|s| s.to_string()).collect())
            .collect()
    }

    #[test]
    fn separators_and_quotes() {
        assert_eq!(
            words("echo 'a b' \"c $X\" && gh pr create --fill; ls | wc -l"),
            w(&[
                &["echo", "a b", "c $X"],
                &["gh", "pr", "create", "--fill"],
                &["ls"],
                &["wc", "-l"],
            ])
        );
    }

    #[test]
    fn expressions_stay_whole() {
        assert_eq!(
            words("gh release create ${{ github.ref_name }} --notes \"${{ steps.x.outputs.y }}\""),
            w(&[&[
                "gh",
                "release",
                "create",
                "${{ github.ref_name }}",
                "--notes",
                "${{ steps.x.outputs.y }}"
            ]])
        );
    }

    #[test]
    fn continuation_comments_redirections() {
        assert_eq!(
            words("git push \\\n  origin main # push it\n# all comment\necho hi >/dev/null 2>&1 > out.txt"),
            w(&[&["git", "push", "origin", "main"], &["echo", "hi"]])
        );
        assert_eq!(words("cat a.txt 2> err &> all"), w(&[&["cat", "a.txt"]]));
    }

    #[test]
    fn heredoc_bodies_are_data() {
        let s = "cat <<EOF > notes.md\ngit push\ngh pr merge\nEOF\necho done\ncat <<-'X'\n\tgh release create\n\tX\nls";
        assert_eq!(
            words(s),
            w(&[&["cat"], &["echo", "done"], &["cat"], &["ls"]])
        );
        // Unterminated: the rest is body.
        assert_eq!(words("cat <<EOF\ngit push\n"), w(&[&["cat"]]));
    }

    #[test]
    fn substitutions_are_returned() {
        let p = parse("URL=$(gh pr view 1 --json url -q .url)\nV=`git describe`\nN=$((1 + 2))");
        assert_eq!(
            p.substitutions,
            vec!["gh pr view 1 --json url -q .url", "git describe"]
        );
        assert_eq!(p.commands.len(), 3);
        let p = parse("echo \"$(gh api user | jq -r '.login')\"");
        assert_eq!(p.substitutions, vec!["gh api user | jq -r '.login'"]);
    }

    #[test]
    fn case_and_functions() {
        let s = "case \"$x\" in\n  a|b) gh pr close 1 ;;\n  *) echo no ;;\nesac\nf() {\n  git push\n}\n(cd dir && make)";
        let cmds = words(s);
        assert!(cmds.contains(&vec![
            "gh".to_string(),
            "pr".into(),
            "close".into(),
            "1".into()
        ]));
        assert!(cmds.contains(&vec!["git".to_string(), "push".into()]));
        assert!(cmds.contains(&vec!["make".to_string()]));
        assert!(!cmds.iter().any(|c| c == &vec!["a".to_string()]));
        assert!(!cmds.iter().any(|c| c == &vec!["f".to_string()]));
        let p = parse("f() { :; }\nfunction g {\n  :\n}\nfunction h() { :; }");
        assert_eq!(p.functions, vec!["f", "g", "h"]);
    }

    #[test]
    fn arrays_arithmetic_and_powershell() {
        assert_eq!(
            words("args=(--a \"b c\")\nargs+=(d)\n(( n > 0 )) && echo yes"),
            w(&[&["args=(--a \"b c\")"], &["args+=(d)"], &["echo", "yes"]])
        );
        assert_eq!(
            words("if (( ${A:-0} + 1 > 2 )); then\n  echo big\nfi"),
            w(&[&["if"], &["then"], &["echo", "big"], &["fi"]])
        );
        assert_eq!(
            words("gh release upload $env:TAG `\n  --clobber `\r\n  a.msi\nls"),
            w(&[
                &["gh", "release", "upload", "$env:TAG", "--clobber", "a.msi"],
                &["ls"]
            ])
        );
    }

    #[test]
    fn heredoc_inside_substitution() {
        let p = parse("gh pr create --body \"$(cat <<'EOF'\nYou've got (mail\nEOF\n)\" --fill\nls");
        assert_eq!(p.commands.len(), 2, "{p:?}");
        assert_eq!(p.commands[0].words[0..3], ["gh", "pr", "create"]);
        assert_eq!(p.commands[1].words, ["ls"]);
        assert_eq!(p.substitutions.len(), 1);
    }

    #[test]
    fn never_panics_on_odd_input() {
        for s in [
            "",
            "\\",
            "'",
            "\"",
            "$(",
            "`",
            "${{",
            "<<",
            "<<-",
            ">",
            "2>&",
            "((",
            "))",
            "é$(é",
            "\"\\",
            "a\\\r\nb",
            "$((",
            "f(",
            "<<'",
            "\"$(\"",
            "x ${{ a }} ${{",
        ] {
            let _ = parse(s);
        }
    }
}
